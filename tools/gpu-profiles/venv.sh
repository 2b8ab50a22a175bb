#!/usr/bin/env bash
# The generator's venv: makes it under ~/.cache/ml-autoscaling/ with the pinned requirements
# (CPython 3.11+: aiconfigurator-core ships an abi3 wheel for 3.11) unless it exists, then prints
# its python. Offline after the first install; no GPU needed. Sourced by generate.sh and anchors.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
venv="$HOME/.cache/ml-autoscaling/gpu-profiles-$hash"
if [ ! -f "$venv/.installed" ]; then
  rm -rf "$venv"
  "$python" -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.installed"
fi
echo "$venv/bin/python"
