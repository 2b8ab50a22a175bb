"""Nixtla statsforecast's AutoETS, AutoTheta, MSTL and SeasonalNaive on the rolling origins of
`mlas forecast-eval` (src/cli/forecast-eval.ts, src/forecast/evaluate.ts), for bench/forecast.bench.ts
to compare ours with. Run through bench/anchors/statsforecast.sh (the name is not statsforecast.py, which would shadow the package), which makes the venv.

`--zero-gaps` reads zero samples as gaps, as `forecast-eval --zero-gaps` does (ServeGen); `--append`
adds the results to those already in the output file.

The protocol is the TypeScript one: horizon H = max(1, round(1800 s / step)), lookback 168 h, warm-up
7 days (1 day when the trace is under 9 days), an origin every 30 minutes (every step when the step
is longer) while a whole horizon follows it, thinned evenly to --max-origins as evaluate() thins
them; the score is the WAPE of the horizon mean, sum |mean forecast - mean actual| / sum mean actual.

The statsforecast models forecast the horizon mean as one step of the history aggregated to
H-step buckets that end at the origin (30-minute buckets on 1-minute and 10-minute traces; hourly
data is used as it is), with a daily season of one day's buckets: on 10,080 one-minute samples one
AutoETS fit took 3 s and one MSTL fit 85 s on this machine, so raw-resolution runs over hundreds of
origins do not fit in a benchmark. Gaps (NaN) inside the history are interpolated linearly, as the
models take no missing values. `naive` (the mean of the last H samples) is computed as the
TypeScript naive model does, so its WAPE checks that both sides scored the same origins.
"""

import argparse
import csv
import json
import math
import os
import sys
import time
import warnings
from datetime import datetime

import numpy as np
from statsforecast.models import MSTL, AutoETS, AutoTheta, SeasonalNaive


def load(path):
    """timestamp,count rows on a constant step, missing rows as NaN (as src/traces/parse.ts)."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    times = [datetime.fromisoformat(r[0].replace("Z", "+00:00")).timestamp() for r in rows]
    step = min(b - a for a, b in zip(times, times[1:]))
    n = int(round((times[-1] - times[0]) / step)) + 1
    x = np.full(n, np.nan)
    for t, r in zip(times, rows):
        x[int(round((t - times[0]) / step))] = float(r[1])
    return x, step


def origins_of(n, step, max_origins):
    horizon = max(1, round(1800 / step))
    per_day = 86400 / step
    span_days = n / per_day
    if span_days >= 9:
        warmup = round(7 * per_day)
    elif span_days >= 2:
        warmup = round(per_day)
    else:
        warmup = round(min(n / 2, 2 * horizon + 60))
    every = max(1, round(1800 / step))
    origins = list(range(warmup - 1, n - horizon, every))
    if max_origins and len(origins) > max_origins:
        k = len(origins) / max_origins
        origins = [origins[math.floor(i * k)] for i in range(max_origins)]
    return horizon, origins


def interpolate(y):
    if not np.isnan(y).any():
        return y
    idx = np.arange(len(y))
    ok = ~np.isnan(y)
    return np.interp(idx, idx[ok], y[ok])


def aggregated(history, horizon):
    """Means of H-step buckets ending at the last sample (a partial first bucket is dropped)."""
    k = len(history) // horizon
    with warnings.catch_warnings():  # a bucket that is all gaps is NaN, then interpolated
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(history[len(history) - k * horizon :].reshape(k, horizon), axis=1)


def models_for(season):
    return {
        "AutoETS": lambda: AutoETS(season_length=season),
        "AutoTheta": lambda: AutoTheta(season_length=season),
        "MSTL": lambda: MSTL(season_length=[season]),
        "SeasonalNaive": lambda: SeasonalNaive(season_length=season),
    }


def run(path, max_origins, zero_gaps):
    x, step = load(path)
    if zero_gaps:
        x[x == 0] = np.nan
    horizon, origins = origins_of(len(x), step, max_origins)
    lookback = max(horizon + 1, round(168 * 3600 / step))
    season = round(86400 / (step * horizon))
    makers = models_for(season)
    err = {name: 0.0 for name in [*makers, "naive"]}
    ms = {name: [] for name in makers}
    total = 0.0
    scored = 0
    per_origin = []
    for o in origins:
        actual = x[o + 1 : o + 1 + horizon]
        if np.isnan(actual).all():
            continue
        history = x[max(0, o + 1 - lookback) : o + 1]
        y = interpolate(aggregated(history, horizon))
        a = float(np.nanmean(actual))
        total += a
        scored += 1
        # As the TypeScript naive: a last window that is all gaps forecasts 0.
        last = history[-horizon:]
        naive = 0.0 if np.isnan(last).all() else float(np.nanmean(last))
        err["naive"] += abs(naive - a)
        row = {"origin": o, "actual": a, "naive": naive}
        for name, make in makers.items():
            t0 = time.perf_counter()
            f = make().forecast(y=y, h=1)
            ms[name].append((time.perf_counter() - t0) * 1000)
            row[name] = max(0.0, float(f["mean"][0]))
            err[name] += abs(row[name] - a)
        per_origin.append(row)
    return {
        "trace": os.path.basename(path),
        "stepSeconds": step,
        "horizonSteps": horizon,
        "seasonBuckets": season,
        "maxOrigins": max_origins,
        "zeroGaps": zero_gaps,
        "origins": scored,
        "wape": {name: e / total for name, e in err.items()},
        "medianMs": {name: float(np.median(v)) for name, v in ms.items()},
        "perOrigin": per_origin,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--max-origins", type=int, default=100, help="0: every origin")
    p.add_argument("--zero-gaps", action="store_true", help="zero samples are collection gaps (as forecast-eval --zero-gaps)")
    p.add_argument("--append", action="store_true", help="add to the results already in --out")
    p.add_argument("traces", nargs="+")
    args = p.parse_args()
    results = []
    for path in args.traces:
        t0 = time.perf_counter()
        r = run(path, args.max_origins, args.zero_gaps)
        results.append(r)
        print(f"{r['trace']}{' (zeros as gaps)' if args.zero_gaps else ''}: {r['origins']} origins in {time.perf_counter() - t0:.0f} s: "
              + ", ".join(f"{k} {v:.4f}" for k, v in r["wape"].items()), flush=True)
    if os.path.exists(args.out) and args.append:
        with open(args.out) as f:
            results = json.load(f)["results"] + results
    with open(args.out, "w") as f:
        json.dump({"statsforecast": __import__("statsforecast").__version__, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
