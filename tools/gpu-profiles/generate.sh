#!/usr/bin/env bash
# Derives the LLM performance profiles from aiconfigurator-core's measured kernel data.
#   bash tools/gpu-profiles/generate.sh --out profiles     write profiles/*.json
#   bash tools/gpu-profiles/generate.sh --check profiles   re-derive and compare with the committed files
# Makes a venv under ~/.cache/ml-autoscaling/ with the pinned requirements (CPython 3.11+: the
# package ships an abi3 wheel for 3.11). Offline after the first install; no GPU needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
venv="$HOME/.cache/ml-autoscaling/gpu-profiles-$hash"
if [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.installed"
fi
cd "$here/../.."
exec "$venv/bin/python" "$here/generate.py" "$@"
