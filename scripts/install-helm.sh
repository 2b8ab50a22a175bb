#!/usr/bin/env bash
# Installs the pinned helm 3 (.tools/bin/helm) and helm 4 (.tools/bin/helm4) with `go install` (Go
# and its module proxy are on this machine kind), with the version ldflags helm's own Makefile sets
# for a release build:
#   -w -s
#   -X helm.sh/helm/vN/internal/version.version=<tag>
#   -X helm.sh/helm/vN/internal/version.metadata=            (a tag build: no "unreleased")
#   -X helm.sh/helm/vN/internal/version.gitTreeState=clean
# helm 3 also takes -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor/Minor and
# pkg/chartutil.k8sVersionMajor/Minor from the k8s.io/client-go version it requires (v0.37.0 ->
# Kubernetes 1.37): without them `helm template` assumes Kubernetes v1.20 and fails a chart's
# kubeVersion. helm 4 reads that version from its own build information, which `go install` records.
# gitCommit stays empty: the module proxy has no commit for a version. Idempotent: rebuilds a binary
# only when its version or ldflags differ from the stamp next to it.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION=v3.21.4
HELM4_VERSION=v4.3.2

export GOFLAGS=-mod=mod GOTOOLCHAIN=local
tmp=""
trap '[[ -z $tmp ]] || rm -rf "$tmp"' EXIT

install_helm() { # module version binary
  local module=$1 version=$2 bin=$3
  local stamp=$bin.ldflags ldflags="-w -s"
  ldflags+=" -X $module/internal/version.version=$version"
  ldflags+=" -X $module/internal/version.metadata="
  ldflags+=" -X $module/internal/version.gitTreeState=clean"
  if [[ $module == helm.sh/helm/v3 ]]; then
    local mod_dir client_go
    mod_dir=$(go mod download -json "$module@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
    client_go=$(awk '$1 == "k8s.io/client-go" { print $2 }' "$mod_dir/go.mod")
    [[ $client_go =~ ^v0\.([0-9]+)\. ]] || {
      echo "install-helm: cannot read k8s.io/client-go from $mod_dir/go.mod" >&2
      exit 1
    }
    for pkg in pkg/lint/rules pkg/chartutil; do
      ldflags+=" -X $module/$pkg.k8sVersionMajor=1 -X $module/$pkg.k8sVersionMinor=${BASH_REMATCH[1]}"
    done
  fi
  if [[ -x $bin && -f $stamp && "$(cat "$stamp")" == "$ldflags" ]]; then return 0; fi
  echo "installing $(basename "$bin") $version (go install $module/cmd/helm)..." >&2
  mkdir -p "$(dirname "$bin")"
  tmp=$(mktemp -d "$(dirname "$bin")/.helm-build.XXXXXX")
  GOBIN="$PWD/$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "$ldflags" "$module/cmd/helm@$version" >&2
  # Replace the binary in one step: tests elsewhere may be running the old one.
  mv -f "$tmp/helm" "$bin"
  rm -rf "$tmp"
  tmp=""
  printf '%s' "$ldflags" >"$stamp"
  "$bin" version --short >&2
}

install_helm helm.sh/helm/v3 "$HELM_VERSION" .tools/bin/helm
install_helm helm.sh/helm/v4 "$HELM4_VERSION" .tools/bin/helm4
