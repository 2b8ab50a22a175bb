// Our forecaster: a combination of candidate models whose weights per lead follow each candidate's
// recent out-of-sample error on this series. calibrate() then sizes the intervals and the confidence
// from the combination's own out-of-sample errors.
//
// 1. Which candidates: where a daily season is detected (the autocorrelation test of
//    seasonal-index.ts on hourly buckets, two days at least), the profile model and Theta: two
//    seasonal models whose errors differ (a robust median daily shape with a weekly factor, an
//    adaptive level and an error correction, against a classical decomposition with SES and half
//    the trend's slope). Where none is (too short or too irregular a history for a daily profile:
//    the guard), Theta without a season, SES, damped trend and naive: the profile model does not
//    take part.
// 2. Weights per lead h: inverse mean squared error at h over the recent origins (up to a week, at
//    most a third of the history; leads within poolRadius of h pooled), each candidate's MSE shrunk
//    toward the candidates' mean MSE by SHRINK_ORIGINS pseudo-origins, so that with few origins the
//    weights are near equal and with many they follow the errors. Example, two candidates at 200
//    origins, MSE 4 and 6 (mean 5): shrunk 4.13 and 5.87, weights 0.59 and 0.41.
// 3. With no origin to score on, the candidates are averaged equally.
//
// Measured and dropped (rolling origin, 30 min, WAPE / naive's; bench/RESULTS.md): every model as a
// candidate with inverse-MSE weights (naive, SES and damped trend are near-duplicates that all
// follow the recent level: together they outweigh the seasonal models; NASA 0.91 against 0.85 for
// the pair); a least-squares stacking fit over every candidate (NASA, Wikipedia, ServeGen, BurstGPT
// 0.88, 0.79, 0.93, 0.83 against the pair's 0.85, 0.70, 0.93, 0.86);
// choosing the set per series by forward selection on a week of errors (Wikipedia 0.79 against
// 0.70: a week of hourly errors is too few to choose between sets).
//
// No look-ahead: the score of a candidate at origin o uses its forecast from samples up to o only,
// and only origins whose horizon has ended before the last sample.

import { poolRadius } from "../calibrate.ts";
import { recentOrigins, scoringSpan } from "../select.ts";
import { bucketSeasonDetected } from "../seasonal-index.ts";
import type { Model, Patterns, PointFit, SeriesInput } from "../types.ts";
import { dampedTrend } from "./damped-trend.ts";
import { naive } from "./naive.ts";
import { profile } from "./profile.ts";
import { ses } from "./ses.ts";
import { theta } from "./theta.ts";

/** The candidates where a daily season is detected. */
export const SEASONAL_CANDIDATES: readonly Model[] = [profile, theta];
/** The candidates where none is: the guard for histories too short or irregular for a daily profile. */
export const PLAIN_CANDIDATES: readonly Model[] = [theta, ses, dampedTrend, naive];

/** At most this many recent origins score the candidates. */
const SCORE_ORIGINS = 240;
/** Pseudo-origins at the candidates' mean error that each candidate's error is shrunk with. */
const SHRINK_ORIGINS = 30;

export interface Scored {
  readonly name: string;
  readonly fit: PointFit;
  /** Recent out-of-sample WAPE of the horizon mean; NaN when it could not be measured. */
  readonly wape: number;
  /** Weight per lead h (index h - 1). */
  readonly weights: Float64Array;
}

export interface OursFit extends PointFit {
  readonly patterns: Patterns;
  readonly candidates: readonly Scored[];
}

const NO_PATTERNS: Patterns = {
  daily: { present: false, strength: 0, periodHours: 24 },
  weekly: { present: false, strength: 0, periodHours: 168 },
};

/** The candidates' forecasts at the scoring origins, and the actuals there. */
export interface Backcasts {
  readonly origins: readonly number[];
  /** p[c][j * horizon + h - 1]: candidate c's forecast at origin j for lead h (NaN when it has none). */
  readonly p: readonly Float64Array[];
  /** a[j * horizon + h - 1]: the actual (NaN when missing). */
  readonly a: Float64Array;
}

function backcastsAt(
  fits: readonly PointFit[],
  x: Float64Array,
  origins: readonly number[],
  horizon: number,
): Backcasts {
  const a = new Float64Array(origins.length * horizon);
  const p = fits.map(() => new Float64Array(origins.length * horizon).fill(Number.NaN));
  origins.forEach((o, j) => {
    for (let h = 1; h <= horizon; h++) a[j * horizon + h - 1] = x[o + h] ?? Number.NaN;
  });
  fits.forEach((fit, c) => {
    const row = p[c] as Float64Array;
    origins.forEach((o, j) => {
      if (o < fit.firstOrigin) return;
      for (let h = 1; h <= horizon; h++) row[j * horizon + h - 1] = fit.backcast(o, h);
    });
  });
  return { origins, p, a };
}

/** Per origin, the mean over the horizon of a row (NaN where any lead is missing). */
function horizonMeansOf(row: Float64Array, count: number, horizon: number): Float64Array {
  return Float64Array.from({ length: count }, (_, j) => {
    let s = 0;
    for (let h = 0; h < horizon; h++) s += row[j * horizon + h] ?? Number.NaN;
    return s / horizon;
  });
}

/**
 * Weights per lead among `chosen`: inverse MSE at the lead (neighbouring leads pooled), shrunk
 * toward the chosen candidates' mean MSE by SHRINK_ORIGINS pseudo-origins.
 */
export function leadWeights(
  b: Backcasts,
  chosen: readonly number[],
  horizon: number,
  candidates: number,
): Float64Array[] {
  const weights = Array.from({ length: candidates }, () => new Float64Array(horizon));
  const k = chosen.length;
  const rows = chosen.map((c) => b.p[c] ?? new Float64Array(0));
  for (let h = 1; h <= horizon; h++) {
    const sse = new Float64Array(k);
    let n = 0;
    const pool = poolRadius(horizon);
    for (let j = 0; j < b.origins.length; j++)
      for (let l = Math.max(1, h - pool); l <= Math.min(horizon, h + pool); l++) {
        const i = j * horizon + l - 1;
        const a = b.a[i] ?? Number.NaN;
        let present = !Number.isNaN(a);
        for (let m = 0; m < k && present; m++) present = !Number.isNaN(rows[m]?.[i] ?? Number.NaN);
        if (!present) continue;
        for (let m = 0; m < k; m++) sse[m] = (sse[m] ?? 0) + (a - (rows[m]?.[i] ?? 0)) ** 2;
        n++;
      }
    const mse = Array.from(sse, (s) => (n > 0 ? s / n : 1));
    const mean = mse.reduce((s, v) => s + v, 0) / (mse.length || 1);
    const inv = mse.map((m) => {
      const shrunk = (n * m + SHRINK_ORIGINS * mean) / (n + SHRINK_ORIGINS);
      return shrunk > 0 ? 1 / shrunk : 1;
    });
    const total = inv.reduce((s, v) => s + v, 0);
    chosen.forEach((c, k) => {
      const row = weights[c];
      if (row) row[h - 1] = (inv[k] ?? 0) / total;
    });
  }
  return weights;
}

/** Fits every candidate and weighs it by its recent error (see the header). */
export function scoreCandidates(
  input: SeriesInput,
  horizon: number,
  candidates?: readonly Model[],
): Scored[] {
  const x = input.values;
  const n = x.length;
  const models =
    candidates ?? (bucketSeasonDetected(x, input.stepSeconds) ? SEASONAL_CANDIDATES : PLAIN_CANDIDATES);
  const fits = models.map((m) => m.fit(input, horizon));
  const origins = recentOrigins(n, horizon, 1, scoringSpan(n, input.stepSeconds), SCORE_ORIGINS);
  const b = backcastsAt(fits, x, origins, horizon);
  const actual = horizonMeansOf(b.a, origins.length, horizon);
  const inside = models.flatMap((_, c) => c);
  const weights = leadWeights(b, inside, horizon, models.length);
  return models.map((m, c) => {
    const row = b.p[c];
    return {
      name: m.name,
      fit: fits[c] as PointFit,
      wape: row ? wapeOf(horizonMeansOf(row, origins.length, horizon), actual) : Number.NaN,
      weights: weights[c] ?? new Float64Array(horizon),
    };
  });
}

function wapeOf(forecast: Float64Array, actual: Float64Array): number {
  let err = 0;
  let tot = 0;
  for (let j = 0; j < actual.length; j++) {
    const f = forecast[j] ?? Number.NaN;
    const a = actual[j] ?? Number.NaN;
    if (Number.isNaN(f) || Number.isNaN(a)) continue;
    err += Math.abs(f - a);
    tot += a;
  }
  return tot > 0 ? err / tot : Number.NaN;
}

/** The weighted mean of the candidates' forecasts at (o, h), over those that have one there. */
function combine(
  parts: readonly { readonly fit: PointFit; readonly weights: Float64Array }[],
): (o: number, h: number) => number {
  return (o, h) => {
    let s = 0;
    let w = 0;
    for (const { fit, weights } of parts) {
      const wh = weights[h - 1] ?? 0;
      if (wh === 0 || o < fit.firstOrigin) continue;
      const v = fit.backcast(o, h);
      if (Number.isNaN(v)) continue;
      s += wh * v;
      w += wh;
    }
    return w > 0 ? s / w : Number.NaN;
  };
}

/** The weighted mean of the candidates' forecasts per lead (a forecast may differ from the backcast at the last origin). */
function forecastOf(
  parts: readonly { readonly fit: PointFit; readonly weights: Float64Array }[],
): Float64Array {
  const horizon = parts[0]?.weights.length ?? 0;
  return Float64Array.from({ length: horizon }, (_, i) => {
    let s = 0;
    let w = 0;
    for (const { fit, weights } of parts) {
      const v = fit.forecast[i] ?? Number.NaN;
      const wh = weights[i] ?? 0;
      if (wh === 0 || Number.isNaN(v)) continue;
      s += wh * v;
      w += wh;
    }
    return w > 0 ? s / w : Number.NaN;
  });
}

/** "profile:weekly 0.55 + theta:seasonal 0.45": the candidates in, with their mean weight. */
function combinationLabel(scored: readonly Scored[]): string {
  return scored
    .map((c) => {
      const mean = c.weights.reduce((s, v) => s + v, 0) / (c.weights.length || 1);
      return `${c.name}:${c.fit.mode} ${mean.toFixed(2)}`;
    })
    .join(" + ");
}

export function fitOurs(input: SeriesInput, horizon: number): OursFit {
  const scored = scoreCandidates(input, horizon);
  const inside = scored;
  const parts = inside.map((c) => ({ fit: c.fit, weights: c.weights }));
  const at = combine(parts);
  // The combination without the candidates' short-term corrections: what calibrate() also covers.
  const slow = parts.map((p) => ({ fit: p.fit.withoutCorrection ?? p.fit, weights: p.weights }));
  const hasCorrection = inside.some((c) => c.fit.withoutCorrection !== undefined);
  const profileFit = scored.find((c) => c.name === "profile")?.fit;
  const patterns =
    profileFit && "patterns" in profileFit
      ? (profileFit as PointFit & { patterns: Patterns }).patterns
      : NO_PATTERNS;
  const firstOrigin = Math.min(...inside.map((c) => c.fit.firstOrigin));
  const base = {
    mode: combinationLabel(scored),
    firstOrigin: Number.isFinite(firstOrigin) ? firstOrigin : 0,
  };
  const slowAt = combine(slow);
  return {
    forecast: forecastOf(parts),
    backcast: at,
    ...base,
    ...(hasCorrection
      ? { withoutCorrection: { forecast: forecastOf(slow), backcast: slowAt, ...base } }
      : {}),
    patterns,
    candidates: scored,
  };
}

export const ours: Model = { name: "ours", fit: fitOurs };
