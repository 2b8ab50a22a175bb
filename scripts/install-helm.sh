#!/usr/bin/env bash
# Installs the pinned helm with `go install` (Go and its module proxy are on this machine kind)
# into .tools/bin, with the version ldflags helm's own Makefile sets for a release build:
#   -w -s
#   -X helm.sh/helm/v3/internal/version.version=<tag>
#   -X helm.sh/helm/v3/internal/version.metadata=            (a tag build: no "unreleased")
#   -X helm.sh/helm/v3/internal/version.gitTreeState=clean
#   -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor/Minor and pkg/chartutil.k8sVersionMajor/Minor
#      from the k8s.io/client-go version helm requires (v0.37.0 -> Kubernetes 1.37)
# Without the last four, `helm template` assumes Kubernetes v1.20 and fails a chart's kubeVersion.
# gitCommit stays empty: the module proxy has no commit for a version. Idempotent: rebuilds only
# when the helm version or these ldflags differ from the stamp next to the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION=v3.22.0
module=helm.sh/helm/v3
bin=.tools/bin/helm
stamp=.tools/bin/helm.ldflags

export GOFLAGS=-mod=mod GOTOOLCHAIN=local
mod_dir=$(go mod download -json "$module@$HELM_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
client_go=$(awk '$1 == "k8s.io/client-go" { print $2 }' "$mod_dir/go.mod")
[[ $client_go =~ ^v0\.([0-9]+)\. ]] || { echo "install-helm: cannot read k8s.io/client-go from $mod_dir/go.mod" >&2; exit 1; }
k8s_major=1
k8s_minor=${BASH_REMATCH[1]}
ldflags="-w -s"
ldflags+=" -X $module/internal/version.version=$HELM_VERSION"
ldflags+=" -X $module/internal/version.metadata="
ldflags+=" -X $module/internal/version.gitTreeState=clean"
for pkg in pkg/lint/rules pkg/chartutil; do
  ldflags+=" -X $module/$pkg.k8sVersionMajor=$k8s_major -X $module/$pkg.k8sVersionMinor=$k8s_minor"
done

if [[ -x $bin && -f $stamp && "$(cat "$stamp")" == "$ldflags" ]]; then exit 0; fi
echo "installing helm $HELM_VERSION (go install, Kubernetes $k8s_major.$k8s_minor by default)..." >&2
mkdir -p .tools/bin
tmp=$(mktemp -d .tools/bin/.helm-build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
GOBIN="$PWD/$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$module/cmd/helm@$HELM_VERSION" >&2
# Replace the binary in one step: tests elsewhere may be running the old one.
mv -f "$tmp/helm" "$bin"
printf '%s' "$ldflags" >"$stamp"
"$bin" version --short >&2
