#!/usr/bin/env bash
# Installs the npm dependencies (including the pinned Node.js) when package-lock.json changed since
# the last install. Idempotent: a second run with nothing changed does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.mlas-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" && -x node_modules/.bin/node ]]; then
  exit 0
fi
echo "installing npm dependencies (npm ci)..." >&2
npm ci --no-audit --no-fund --loglevel=error >&2
echo "$want" >"$stamp"
