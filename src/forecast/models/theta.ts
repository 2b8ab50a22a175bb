// The Theta method (Assimakopoulos and Nikolopoulos 2000, in Hyndman and Billah's form): simple
// exponential smoothing of the seasonally adjusted series plus a drift of half the slope of its
// linear trend, re-seasonalised.
//
//   forecast(t + h) = (level_t + b_t / 2 x ((h - 1) + (1 - (1 - alpha)^k) / alpha)) x S(t + h)
//
// level_t the SES level of x / S after sample t, b_t the least-squares slope of x / S over the k
// samples up to t, S the daily index of a classical decomposition where a daily season is detected
// (seasonal-index.ts; 1 elsewhere). alpha is fitted like SES's (smoothing.ts). The forecasts from
// past origins, which score the model, use an index built without the samples they are scored on.
//
// Worked example (no season): level 10, slope 2, alpha 0.5, k = 3 samples seen: one step on
// 10 + 1 x (0 + (1 - 0.125) / 0.5) = 11.75, two steps on 10 + 1 x (1 + 1.75) = 12.75.

import { scoringSpan } from "../select.ts";
import { indexAt, seasonalIndex, type SeasonalIndex } from "../seasonal-index.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";
import { fitSesAlpha, sesLevels } from "./ses.ts";

/** The Theta forecast h steps on from a level and slope after k samples. */
export function thetaAhead(level: number, slope: number, alpha: number, k: number, h: number): number {
  return level + (slope / 2) * (h - 1 + (1 - (1 - alpha) ** k) / alpha);
}

/** slope[t]: the least-squares slope of the present samples of y[0..t] on their index (0 under two). */
export function runningSlopes(y: Float64Array): Float64Array {
  const out = new Float64Array(y.length);
  let n = 0;
  let st = 0;
  let sy = 0;
  let stt = 0;
  let sty = 0;
  for (let t = 0; t < y.length; t++) {
    const v = y[t] ?? Number.NaN;
    if (!Number.isNaN(v)) {
      n++;
      st += t;
      sy += v;
      stt += t * t;
      sty += t * v;
    }
    const den = n * stt - st * st;
    out[t] = n >= 2 && den > 0 ? (n * sty - st * sy) / den : 0;
  }
  return out;
}

function adjusted(x: Float64Array, s: SeasonalIndex): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = (x[i] ?? Number.NaN) / indexAt(s, i);
  return y;
}

export interface ThetaFit extends PointFit {
  readonly alpha: number;
  readonly seasonal: boolean;
}

export function fitTheta(input: SeriesInput, horizon: number): ThetaFit {
  const x = input.values;
  const n = x.length;
  const season = seasonalIndex(x, input.stepSeconds);
  // The index the scored forecasts use: from the samples before the scoring window, when that holds
  // three days; else the whole window's (in sample).
  const cut = n - scoringSpan(n, input.stepSeconds) - horizon;
  const early = cut > 0 ? seasonalIndex(x.subarray(0, cut), input.stepSeconds) : season;
  const past = early.index ? early : season;
  const project = (s: SeasonalIndex): { at: (o: number, h: number) => number; alpha: number } => {
    const y = adjusted(x, s);
    const alpha = fitSesAlpha(y, horizon);
    const level = sesLevels(y, alpha);
    const slope = runningSlopes(y);
    const seen = new Uint32Array(n);
    for (let t = 0, k = 0; t < n; t++) seen[t] = Number.isNaN(x[t] ?? Number.NaN) ? k : ++k;
    const at = (o: number, h: number): number => {
      const base = thetaAhead(level[o] ?? Number.NaN, slope[o] ?? 0, alpha, seen[o] ?? 0, h);
      return Math.max(0, base * indexAt(s, o + h));
    };
    return { at, alpha };
  };
  const now = project(season);
  const backcast = past === season ? now.at : project(past).at;
  const forecast = new Float64Array(horizon);
  for (let h = 1; h <= horizon; h++) forecast[h - 1] = now.at(n - 1, h);
  return {
    forecast,
    backcast,
    mode: season.index ? "seasonal" : "plain",
    firstOrigin: 1,
    alpha: now.alpha,
    seasonal: season.index !== undefined,
  };
}

export const theta: Model = { name: "theta", fit: fitTheta };
