#!/usr/bin/env bash
# aiconfigurator's own TTFT/TPOT estimates for the token simulator's fidelity benchmark.
#   bash tools/gpu-profiles/anchors.sh --out bench/llm-fidelity-anchors.json
#   bash tools/gpu-profiles/anchors.sh --check bench/llm-fidelity-anchors.json
# Runs in the venv of venv.sh, as generate.sh does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$(bash "$here/venv.sh")"
cd "$here/../.."
exec "$py" "$here/anchors.py" "$@"
