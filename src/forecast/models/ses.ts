// Simple exponential smoothing (ETS(A,N,N)): a level that moves a share alpha toward each new sample,
// carried forward flat. alpha is fitted per series by the squared error of the horizon mean over
// the whole window (smoothing.ts says why the horizon mean). Gaps (NaN) leave the level where it is.
//
// Worked example, alpha 0.5: samples 10, 14, 12, 16 -> levels 10, 12, 12, 14; the forecast is 14 at
// every step.

import { horizonMeans, minimiseLog } from "../smoothing.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";

/** level[t]: the level after sample t (NaN before the first sample); starts at the first sample. */
export function sesLevels(x: Float64Array, alpha: number): Float64Array {
  const out = new Float64Array(x.length);
  let level = Number.NaN;
  for (let t = 0; t < x.length; t++) {
    const v = x[t] ?? Number.NaN;
    if (!Number.isNaN(v)) level = Number.isNaN(level) ? v : level + alpha * (v - level);
    out[t] = level;
  }
  return out;
}

/**
 * meanSquaredError(sesLevels(x, alpha), target) in one pass without the levels array: the same
 * arithmetic in the same order, so the same number (the fit evaluates it about 22 times).
 */
export function sesHorizonMse(x: Float64Array, target: Float64Array, alpha: number): number {
  let level = Number.NaN;
  let s = 0;
  let k = 0;
  for (let t = 0; t < x.length; t++) {
    const v = x[t] ?? Number.NaN;
    if (!Number.isNaN(v)) level = Number.isNaN(level) ? v : level + alpha * (v - level);
    const y = target[t] ?? Number.NaN;
    if (Number.isNaN(level) || Number.isNaN(y)) continue;
    s += (level - y) ** 2;
    k++;
  }
  return k > 0 ? s / k : Number.POSITIVE_INFINITY;
}

/** The smoothing constant in [0.001, 1] with the least squared error of the horizon mean. */
export function fitSesAlpha(x: Float64Array, horizon: number): number {
  const target = horizonMeans(x, horizon);
  return minimiseLog((a) => sesHorizonMse(x, target, a), 0.001, 1).arg;
}

export interface SesFit extends PointFit {
  readonly alpha: number;
}

export function fitSes(input: SeriesInput, horizon: number): SesFit {
  const x = input.values;
  const alpha = fitSesAlpha(x, horizon);
  const level = sesLevels(x, alpha);
  const at = (o: number): number => Math.max(0, level[o] ?? Number.NaN);
  return {
    forecast: new Float64Array(horizon).fill(at(x.length - 1)),
    backcast: (o) => at(o),
    mode: `alpha=${alpha.toFixed(3)}`,
    firstOrigin: 1,
    alpha,
  };
}

export const ses: Model = { name: "ses", fit: fitSes };
