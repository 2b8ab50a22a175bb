#!/usr/bin/env bash
# Derives the LLM performance profiles from aiconfigurator-core's measured kernel data.
#   bash tools/gpu-profiles/generate.sh --out profiles     write profiles/*.json
#   bash tools/gpu-profiles/generate.sh --check profiles   re-derive and compare with the committed files
# Runs in the venv of venv.sh (pinned requirements, offline after the first install, no GPU).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$(bash "$here/venv.sh")"
cd "$here/../.."
exec "$py" "$here/generate.py" "$@"
