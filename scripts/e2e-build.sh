#!/usr/bin/env bash
# Builds the pinned end-to-end control plane (etcd, kube-apiserver, kube-controller-manager, KEDA's
# operator, metrics adapter and webhooks) from the Go module proxy through the wrapper modules under
# e2e/tools, and gathers the CRDs the suite applies. Everything lands in a folder of the user's cache
# named after the pinned versions and a hash of the wrapper modules, so a second run builds nothing.
# Prints that folder on stdout. Cold: about 1,700 CPU seconds and 6 GB of Go build cache.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../e2e/versions.env
source e2e/versions.env
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false

key=$(cat e2e/versions.env e2e/tools/*/go.mod e2e/tools/*/go.sum | sha256sum | cut -c1-12)
out="${XDG_CACHE_HOME:-$HOME/.cache}/ml-autoscaling/e2e-k8s-${KUBERNETES_VERSION}-keda-${KEDA_VERSION}-etcd-${ETCD_VERSION}-${key}"
# Prometheus Operator's CRDs the chart renders objects of.
po_crds=(servicemonitors podmonitors prometheusrules)
complete() { # the binaries were built and every CRD gathered
  [[ -f $out/.complete ]] || return 1
  local crd
  for crd in "${po_crds[@]}"; do
    [[ -f $out/crds/prometheus-operator/monitoring.coreos.com_$crd.yaml ]] || return 1
  done
}
if complete; then
  echo "$out"
  exit 0
fi

# The wrappers must require what versions.env pins (one place to change a version).
check() {
  local got
  got=$(go -C "e2e/tools/$3" list -m -f '{{.Version}}' "$1")
  [[ $got == "$2" ]] || { echo "e2e/tools/$3 requires $1 $got, e2e/versions.env pins $2" >&2; exit 1; }
}
check go.etcd.io/etcd/server/v3 "$ETCD_VERSION" etcd
check k8s.io/kubernetes "$KUBERNETES_VERSION" kubernetes
check github.com/kedacore/keda/v2 "$KEDA_VERSION" keda

mkdir -p "$out/bin" "$out/crds/keda" "$out/crds/prometheus-operator"
build() { # module-dir package binary-name [ldflags]
  if [[ -x $out/bin/$3 ]]; then return; fi
  echo "e2e: building $3..." >&2
  local t0=$SECONDS
  go -C "e2e/tools/$1" build -pgo=off -trimpath -ldflags "-s -w ${4:-}" -o "$out/bin/$3.tmp" "$2" >&2
  mv "$out/bin/$3.tmp" "$out/bin/$3"
  echo "e2e: built $3 in $((SECONDS - t0)) s" >&2
}
minor=${KUBERNETES_VERSION#v1.}
minor=${minor%%.*}
k8s_ld="-X k8s.io/component-base/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
build etcd go.etcd.io/etcd/server/v3 etcd
build kubernetes k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver "$k8s_ld"
build kubernetes k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager "$k8s_ld"
keda_ld="-X github.com/kedacore/keda/v2/version.Version=$KEDA_VERSION"
build keda github.com/kedacore/keda/v2/cmd/operator keda-operator "$keda_ld"
build keda github.com/kedacore/keda/v2/cmd/adapter keda-adapter "$keda_ld"
build keda github.com/kedacore/keda/v2/cmd/webhooks keda-webhooks "$keda_ld"

keda_dir=$(go -C e2e/tools/keda list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)
cp "$keda_dir"/config/crd/bases/*.yaml "$out/crds/keda/"
po_dir=$(go -C e2e/tools/keda mod download -json "github.com/prometheus-operator/prometheus-operator@$PROMETHEUS_OPERATOR_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
for crd in "${po_crds[@]}"; do
  cp "$po_dir/example/prometheus-operator-crd/monitoring.coreos.com_$crd.yaml" "$out/crds/prometheus-operator/"
done
chmod -R u+w "$out/crds"
touch "$out/.complete"
echo "$out"
