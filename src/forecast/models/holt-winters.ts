// Baseline: additive Holt-Winters with a damped trend and a daily season, parameters picked from a
// small grid by the error of the mean over the horizon on the recent past. With less than two days
// of history it degrades to Holt's damped trend without a season.

import { calibrationSpan, horizonMeanWape, recentOrigins } from "../select.ts";
import { nanMean } from "../stats.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";

const PHI = 0.98;
const GRID: readonly (readonly [alpha: number, gamma: number])[] = [
  [0.05, 0.05],
  [0.2, 0.05],
  [0.5, 0.05],
  [0.05, 0.2],
  [0.2, 0.2],
  [0.5, 0.2],
];
const BETA = 0.005;

interface Run {
  readonly level: Float64Array;
  readonly trend: Float64Array;
  /** season[t] is the seasonal index for time t as last estimated at or before t. */
  readonly season: Float64Array;
  readonly m: number;
}

function run(x: Float64Array, m: number, alpha: number, gamma: number): Run {
  const n = x.length;
  const level = new Float64Array(n);
  const trend = new Float64Array(n);
  const season = new Float64Array(n + m);
  let l = nanMean(x, 0, m > 0 ? m : Math.min(n, 60));
  if (Number.isNaN(l)) l = 0;
  let b = 0;
  if (m > 0) for (let i = 0; i < m; i++) season[i] = Number.isNaN(x[i] ?? Number.NaN) ? 0 : (x[i] ?? 0) - l;
  for (let t = 0; t < n; t++) {
    const s = m > 0 ? (season[t] ?? 0) : 0;
    const v = x[t] ?? Number.NaN;
    const lPrev = l;
    if (Number.isNaN(v)) {
      l = lPrev + PHI * b;
    } else {
      l = alpha * (v - s) + (1 - alpha) * (lPrev + PHI * b);
      b = BETA * (l - lPrev) + (1 - BETA) * PHI * b;
    }
    level[t] = l;
    trend[t] = b;
    if (m > 0) season[t + m] = Number.isNaN(v) ? s : gamma * (v - l) + (1 - gamma) * s;
  }
  return { level, trend, season, m };
}

function predict(r: Run, o: number, h: number): number {
  let damp = 0;
  let f = 1;
  for (let k = 1; k <= h; k++) {
    f *= PHI;
    damp += f;
  }
  const s = r.m > 0 ? (r.season[o + h] ?? 0) : 0;
  return Math.max(0, (r.level[o] ?? 0) + damp * (r.trend[o] ?? 0) + s);
}

export const holtWinters: Model = {
  name: "holt-winters",
  fit(input: SeriesInput, horizon: number): PointFit {
    const x = input.values;
    const perDay = Math.round(86400 / input.stepSeconds);
    const m = x.length >= 2 * perDay && perDay >= 2 ? perDay : 0;
    const origins = recentOrigins(
      x.length,
      horizon,
      m + horizon,
      calibrationSpan(x.length, input.stepSeconds),
      150,
    );
    let best: Run | undefined;
    let bestErr = Infinity;
    for (const [alpha, gamma] of m > 0 ? GRID : GRID.slice(0, 3)) {
      const r = run(x, m, alpha, gamma);
      const e = origins.length > 0 ? horizonMeanWape((o, h) => predict(r, o, h), x, horizon, origins) : 0;
      if (best === undefined || e < bestErr) {
        best = r;
        bestErr = e;
      }
    }
    const chosen = best ?? run(x, m, 0.2, 0.05);
    const n = x.length;
    const forecast = new Float64Array(horizon);
    for (let h = 1; h <= horizon; h++) forecast[h - 1] = predict(chosen, n - 1, h);
    return {
      forecast,
      backcast: (o, h) => predict(chosen, o, h),
      mode: m > 0 ? "daily" : "trend",
      firstOrigin: m,
    };
  },
};
