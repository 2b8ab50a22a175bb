#!/usr/bin/env bash
# Runs bench/anchors/statsforecast_anchors.py (statsforecast's models on the rolling origins of forecast-eval)
# from a venv it makes once under ~/.cache/ml-autoscaling. The benchmark needs it, CI does not.
# Usage: bash bench/anchors/statsforecast.sh [--max-origins N (0: every origin)] [--zero-gaps] [--append] [TRACE...]
#   (default: the four shared rate traces under ../shared/traces or MLAS_TRACES; writes
#   out/anchors/statsforecast.json, which `npm run bench -- forecast` reads; the benchmark's own
#   run: the default, then --zero-gaps --append on the ServeGen trace)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
version=2.1.1
venv="${HOME}/.cache/ml-autoscaling/statsforecast-${version}"
if ! "$venv/bin/python" -c "import statsforecast" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "statsforecast==${version}"
fi
traces_dir="${MLAS_TRACES:-$repo/../shared/traces}"
args=()
traces=()
while [ $# -gt 0 ]; do
  case "$1" in
    --max-origins) args+=(--max-origins "$2"); shift 2 ;;
    --zero-gaps | --append) args+=("$1"); shift ;;
    *) traces+=("$1"); shift ;;
  esac
done
if [ ${#traces[@]} -eq 0 ]; then
  for t in nasa-http-1995-07.csv wikipedia-en-2016-01-hourly.csv servegen-language-m-small-10min.csv \
    burstgpt-week1-tokens-per-minute.csv; do
    traces+=("$traces_dir/$t")
  done
fi
mkdir -p "$repo/out/anchors"
"$venv/bin/python" "$here/statsforecast_anchors.py" --out "$repo/out/anchors/statsforecast.json" "${args[@]}" "${traces[@]}"
