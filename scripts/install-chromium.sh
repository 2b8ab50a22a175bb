#!/usr/bin/env bash
# Installs Debian's Chromium (for the report test) unless it is already there. Idempotent.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "installing chromium (apt)..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null
