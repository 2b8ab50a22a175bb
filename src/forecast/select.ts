// Picking parameters and measuring a model on its own recent past, out of sample: the forecast made
// at origin o uses only samples up to o and is compared with samples after o.

import { nanMean } from "./stats.ts";

/**
 * How far back the recent out-of-sample checks reach: a day, or up to 300 steps when a day is
 * fewer steps (hourly data), but never more than half of the history. Half, not a third: a week of
 * hourly data then gives 84 calibration origins instead of 56, and a two-sided split-conformal
 * 90% band on n origins covers (ceil(0.95 (n + 1)) - floor(0.05 (n + 1))) / (n + 1) in
 * expectation: 93.0% at 56, 90.6% at 84 (measured on Wikipedia: 93.4% and 91.0%).
 */
export function calibrationSpan(n: number, stepSeconds: number): number {
  const perDay = Math.round(86400 / stepSeconds);
  return Math.max(Math.min(perDay, Math.floor(n / 2)), Math.min(300, Math.floor(n / 2)));
}

/** Up to `count` origins, evenly spaced, ending H steps before the last sample. */
export function recentOrigins(
  n: number,
  horizon: number,
  firstOrigin: number,
  span: number,
  count: number,
): number[] {
  const last = n - 1 - horizon;
  const first = Math.max(firstOrigin, last - span + 1);
  if (last < first) return [];
  const stride = Math.max(1, Math.floor((last - first + 1) / count));
  const out: number[] = [];
  for (let o = last; o >= first; o -= stride) out.push(o);
  return out.reverse();
}

/**
 * WAPE of the mean over the horizon: sum |mean forecast - mean actual| / sum mean actual.
 * Example: actual means 100 and 50, forecasts 110 and 45 -> (10 + 5) / 150 = 0.1.
 */
export function horizonMeanWape(
  backcast: (o: number, h: number) => number,
  x: Float64Array,
  horizon: number,
  origins: readonly number[],
): number {
  let err = 0;
  let tot = 0;
  for (const o of origins) {
    const actual = nanMean(x, o + 1, o + 1 + horizon);
    if (Number.isNaN(actual)) continue;
    let s = 0;
    let k = 0;
    for (let h = 1; h <= horizon; h++) {
      const p = backcast(o, h);
      const a = x[o + h];
      if (Number.isNaN(p) || a === undefined || Number.isNaN(a)) continue;
      s += p;
      k++;
    }
    if (k === 0) continue;
    err += Math.abs(s / k - actual);
    tot += actual;
  }
  return tot > 0 ? err / tot : Number.NaN;
}

/** How far back the candidates of the combination are scored: a week of steps, at most a third of the history. */
export function scoringSpan(n: number, stepSeconds: number): number {
  const perDay = Math.round(86400 / stepSeconds);
  return Math.max(1, Math.min(7 * perDay, Math.floor(n / 3)));
}
