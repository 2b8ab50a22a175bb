#!/usr/bin/env bash
# Builds the Go tools the integration tests run beside the real servers, from the Go module proxy
# through the wrapper modules in test/tools/ (each requires its tool at a pinned version, with every
# dependency pinned in its go.sum):
#   prom-label-proxy v0.11.1 (prometheus-community): the multi-tenant front that enforces a tenant
#   header (X-Scope-OrgID) as a label on every query.
# The binaries land in ~/.cache/ml-autoscaling/test-tools-<hash of the wrapper modules>/ and are
# linked into .tools/bin, where the tests look; a second run builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
key=$(cat test/tools/*/go.mod test/tools/*/go.sum | sha256sum | cut -c1-12)
out="${XDG_CACHE_HOME:-$HOME/.cache}/ml-autoscaling/test-tools-$key"
mkdir -p "$out" .tools/bin
build() { # module-dir package binary-name
  if [[ ! -x $out/$3 ]]; then
    echo "test tools: building $3..." >&2
    local t0=$SECONDS
    go -C "test/tools/$1" build -pgo=off -trimpath -ldflags "-s -w" -o "$out/$3.tmp" "$2" >&2
    mv "$out/$3.tmp" "$out/$3"
    echo "test tools: built $3 in $((SECONDS - t0)) s" >&2
  fi
  ln -sfn "$out/$3" ".tools/bin/$3"
}
build prom-label-proxy github.com/prometheus-community/prom-label-proxy prom-label-proxy
