#!/usr/bin/env bash
# Installs the pinned helm with `go install` (Go and its module proxy are on this machine kind)
# into .tools/bin. Idempotent: skips when that version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
HELM_VERSION=v3.22.0
bin=.tools/bin/helm
if [[ -x $bin ]] && "$bin" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then exit 0; fi
echo "installing helm $HELM_VERSION (go install)..." >&2
mkdir -p .tools/bin
GOBIN="$PWD/.tools/bin" CGO_ENABLED=0 go install -ldflags "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
"$bin" version --short >&2
