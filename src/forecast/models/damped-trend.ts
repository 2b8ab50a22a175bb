// Additive damped-trend exponential smoothing (ETS(A,Ad,N), Gardner and McKenzie): a level and a
// trend, the trend's effect fading by phi per step, so a rise is followed but not extrapolated
// for ever.
//
//   level_t = level_{t-1} + phi b_{t-1} + alpha (x_t - level_{t-1} - phi b_{t-1})
//   b_t     = beta (level_t - level_{t-1}) + (1 - beta) phi b_{t-1}
//   forecast(t + h) = level_t + (phi + phi^2 + ... + phi^h) b_t
//
// alpha, beta and phi are fitted per series by the squared error of the horizon mean over the whole
// window (smoothing.ts), by coordinate descent: alpha, then beta and phi on small grids, then
// alpha again. Gaps (NaN) advance the state without an update.
//
// Worked example, alpha 0.5, beta 0.5, phi 0.9, samples 10, 12, 14: level 10, 11, 12.725; trend 0,
// 0.5, 1.0875; forecast 12.725 + 0.9 x 1.0875 = 13.704 one step on, 12.725 + 1.71 x 1.0875 =
// 14.585 two steps on.

import { horizonMeans, meanSquaredError, minimiseLog } from "../smoothing.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";

export interface DampedParams {
  readonly alpha: number;
  readonly beta: number;
  readonly phi: number;
}

export interface DampedStates {
  readonly level: Float64Array;
  readonly trend: Float64Array;
}

/** Level and trend after each sample; they start at the first sample and 0 (NaN before it). */
export function dampedStates(x: Float64Array, p: DampedParams): DampedStates {
  const n = x.length;
  const level = new Float64Array(n);
  const trend = new Float64Array(n);
  let l = Number.NaN;
  let b = 0;
  for (let t = 0; t < n; t++) {
    const v = x[t] ?? Number.NaN;
    if (Number.isNaN(l)) {
      if (!Number.isNaN(v)) l = v;
    } else {
      const ahead = l + p.phi * b;
      const next = Number.isNaN(v) ? ahead : ahead + p.alpha * (v - ahead);
      b = Number.isNaN(v) ? p.phi * b : p.beta * (next - l) + (1 - p.beta) * p.phi * b;
      l = next;
    }
    level[t] = l;
    trend[t] = b;
  }
  return { level, trend };
}

/** phi + phi^2 + ... + phi^h. Example: phi 0.9, h 2 -> 1.71. */
export function dampedSum(phi: number, h: number): number {
  let s = 0;
  let f = 1;
  for (let k = 1; k <= h; k++) {
    f *= phi;
    s += f;
  }
  return s;
}

/** The mean over leads 1..H of dampedSum: what the trend adds to the horizon mean per unit of trend. */
function horizonDamping(phi: number, horizon: number): number {
  let s = 0;
  for (let h = 1; h <= horizon; h++) s += dampedSum(phi, h);
  return s / horizon;
}

function horizonMeanError(x: Float64Array, target: Float64Array, p: DampedParams, horizon: number): number {
  const { level, trend } = dampedStates(x, p);
  const d = horizonDamping(p.phi, horizon);
  for (let t = 0; t < level.length; t++) level[t] = (level[t] ?? 0) + d * (trend[t] ?? 0);
  return meanSquaredError(level, target);
}

const BETAS = [0.001, 0.01, 0.05, 0.2] as const;
const PHIS = [0.8, 0.9, 0.98] as const;

/** alpha, beta, phi by coordinate descent on the squared error of the horizon mean. */
export function fitDampedParams(x: Float64Array, horizon: number): DampedParams {
  const target = horizonMeans(x, horizon);
  const err = (p: DampedParams): number => horizonMeanError(x, target, p, horizon);
  const bestAlpha = (p: DampedParams): DampedParams => ({
    ...p,
    alpha: minimiseLog((alpha) => err({ ...p, alpha }), 0.001, 1, 6, 6).arg,
  });
  let p = bestAlpha({ alpha: 0.1, beta: 0.01, phi: 0.9 });
  let best = err(p);
  for (const beta of BETAS)
    for (const phi of PHIS) {
      const q = { ...p, beta, phi };
      const e = err(q);
      if (e < best) {
        best = e;
        p = q;
      }
    }
  return bestAlpha(p);
}

export interface DampedFit extends PointFit {
  readonly params: DampedParams;
}

export function fitDampedTrend(input: SeriesInput, horizon: number): DampedFit {
  const x = input.values;
  const params = fitDampedParams(x, horizon);
  const { level, trend } = dampedStates(x, params);
  const sums = Float64Array.from({ length: horizon }, (_, i) => dampedSum(params.phi, i + 1));
  const at = (o: number, h: number): number =>
    Math.max(0, (level[o] ?? Number.NaN) + (sums[h - 1] ?? 0) * (trend[o] ?? 0));
  const forecast = new Float64Array(horizon);
  for (let h = 1; h <= horizon; h++) forecast[h - 1] = at(x.length - 1, h);
  return {
    forecast,
    backcast: at,
    mode: `alpha=${params.alpha.toFixed(3)},beta=${params.beta},phi=${params.phi}`,
    firstOrigin: 1,
    params,
  };
}

export const dampedTrend: Model = { name: "damped-trend", fit: fitDampedTrend };
