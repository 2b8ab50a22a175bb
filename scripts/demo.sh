#!/usr/bin/env bash
# The README's first command: installs what it needs, then runs the main job on its embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-npm.sh
exec npm run --silent mlas -- demo "$@"
