// Our forecaster: a combination of candidate models whose weights per lead follow each candidate's
// recent out-of-sample error on this series. calibrate() then sizes the intervals and the confidence
// from the combination's own out-of-sample errors.
//
// 1. Which candidates: where a daily season is detected (the autocorrelation test of
//    seasonal-index.ts on hourly buckets, two days at least), the profile model and Theta: two
//    seasonal models whose errors differ (a robust median daily shape with a weekly factor, an
//    adaptive level and an error correction, against a classical decomposition with SES and half
//    the trend's slope). Where none is (too short or too irregular a history for the test: the
//    guard), every candidate is fitted and scored, and the profile model with Theta stays only when
//    the profile model's recent error of the horizon mean is the lowest of all; otherwise Theta, SES,
//    damped trend and naive. A profile model that is right without a detectable season (a day or two
//    of an LLM service's history) is kept; one that is wrong gives way.
// 2. Weights per lead h, from the recent origins (up to a week, at most a third of the history;
//    leads within poolRadius of h pooled). For the seasonal pair, a small stacking fit: the weight w
//    of the profile model in w profile + (1 - w) Theta that minimises the absolute error of the
//    combination there (a weighted median, stackedPairWeight), shrunk toward 1/2 by SHRINK_ORIGINS
//    pseudo-cells. Absolute errors, because a few huge errors (a collection gap read as zero) must
//    not decide the weights; the combination's own error rather than each candidate's, because
//    inverse-error weights averaged in a candidate 10-20% worse at almost equal weight (ServeGen:
//    the profile model 0.88x naive, Theta 1.04x, the pair 0.93x with inverse MSE, 0.89x stacked).
//    For the guard's four, each one's mean absolute error shrunk toward their mean by
//    SHRINK_ORIGINS pseudo-origins, to the power -WEIGHT_POWER. Example, three of them at 200
//    origins with MAE 4, 6 and 5 (mean 5): shrunk 4.13, 5.87 and 5, weights in proportion to their
//    power -4: 0.58, 0.14, 0.27 (inverse MSE of errors 4, 6 and 5 at every origin: 0.46, 0.23, 0.31).
// 3. With no origin to score on, the candidates are averaged equally.
//
// Measured and dropped (rolling origin, 30 min, WAPE / naive's; bench/RESULTS.md): every model as a
// candidate with inverse-MSE weights (naive, SES and damped trend are near-duplicates that all
// follow the recent level: together they outweigh the seasonal models; NASA 0.91 against 0.85 for
// the pair); a least-squares stacking fit over every candidate (NASA, Wikipedia, ServeGen, BurstGPT
// 0.88, 0.79, 0.93, 0.83 against the pair's 0.85, 0.70, 0.93, 0.86);
// choosing the set per series by forward selection on a week of errors (Wikipedia 0.79 against
// 0.70: a week of hourly errors is too few to choose between sets); SES as a third seasonal
// candidate (NASA 0.857 against 0.846); the guard without the profile model (BurstGPT 0.891 against
// 0.856).
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
/** What the guard fits and scores: both sets. */
const GUARD_CANDIDATES: readonly Model[] = [...new Set([...SEASONAL_CANDIDATES, ...PLAIN_CANDIDATES])];

/** At most this many recent origins score the candidates. */
const SCORE_ORIGINS = 240;
/** Pseudo-origins (cells for the pair) at the candidates' mean error, or at equal weights for the pair, that the weights are shrunk with. */
const SHRINK_ORIGINS = 30;
/** Weights among more than two candidates go as the (shrunk) mean absolute error to this power. */
const WEIGHT_POWER = 4;

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
 * Weights per lead among `chosen` (see the header): for a pair, the stacked weight of
 * stackedPairWeight; for more, each candidate's mean absolute error shrunk toward their mean by
 * SHRINK_ORIGINS pseudo-origins, to the power -WEIGHT_POWER, normalised to sum to 1.
 */
export function leadWeights(
  b: Backcasts,
  chosen: readonly number[],
  horizon: number,
  candidates: number,
): Float64Array[] {
  const weights = Array.from({ length: candidates }, () => new Float64Array(horizon));
  const rows = chosen.map((c) => b.p[c] ?? new Float64Array(0));
  const pool = poolRadius(horizon);
  for (let h = 1; h <= horizon; h++) {
    const cells: number[] = [];
    for (let j = 0; j < b.origins.length; j++)
      for (let l = Math.max(1, h - pool); l <= Math.min(horizon, h + pool); l++) {
        const i = j * horizon + l - 1;
        if (!Number.isNaN(b.a[i] ?? Number.NaN) && rows.every((r) => !Number.isNaN(r[i] ?? Number.NaN)))
          cells.push(i);
      }
    const w = rows.length === 2 ? pairWeights(b.a, rows, cells) : inverseErrorWeights(b.a, rows, cells);
    chosen.forEach((c, m) => {
      const row = weights[c];
      if (row) row[h - 1] = w[m] ?? 0;
    });
  }
  return weights;
}

function pairWeights(a: Float64Array, rows: readonly Float64Array[], cells: readonly number[]): number[] {
  const w = stackedPairWeight(a, rows[0] ?? new Float64Array(0), rows[1] ?? new Float64Array(0), cells);
  return [w, 1 - w];
}

function inverseErrorWeights(
  a: Float64Array,
  rows: readonly Float64Array[],
  cells: readonly number[],
): number[] {
  const n = cells.length;
  const mae = rows.map((r) => {
    let s = 0;
    for (const i of cells) s += Math.abs((a[i] ?? 0) - (r[i] ?? 0));
    return n > 0 ? s / n : 1;
  });
  const mean = mae.reduce((s, v) => s + v, 0) / (mae.length || 1);
  const inv = mae.map((m) => {
    const shrunk = (n * m + SHRINK_ORIGINS * mean) / (n + SHRINK_ORIGINS);
    return shrunk > 0 ? shrunk ** -WEIGHT_POWER : 1;
  });
  const total = inv.reduce((s, v) => s + v, 0);
  return inv.map((v) => v / total);
}

/**
 * The weight w of `p` in w p + (1 - w) q that minimises the absolute error over `cells`, shrunk
 * toward 1/2 by SHRINK_ORIGINS pseudo-cells: (n w* + 30 x 0.5) / (n + 30). sum |a - q - w (p - q)|
 * is sum |p - q| x |(a - q) / (p - q) - w|, so w* is the median of (a - q) / (p - q) weighted by
 * |p - q|, clipped to [0, 1], found to within 2^-PAIR_BISECTIONS by bisection (no sort). Example,
 * three cells: a 10, 10, 10; p 12, 9, 10; q 6, 11, 14: ratios 4/6 (weight 6), -1/-2 = 0.5 (weight
 * 2), 4/4 = 1 (weight 4); sorted 0.5 (2), 0.67 (6), 1 (4), half the total weight (6) is reached at
 * 0.67: w* = 2/3, shrunk (3 x 2/3 + 15) / 33 = 0.515.
 */
export function stackedPairWeight(
  a: Float64Array,
  p: Float64Array,
  q: Float64Array,
  cells: readonly number[],
): number {
  const ratio = new Float64Array(cells.length);
  const weight = new Float64Array(cells.length);
  let total = 0;
  cells.forEach((i, k) => {
    const d = (p[i] ?? 0) - (q[i] ?? 0);
    ratio[k] = d === 0 ? 0 : ((a[i] ?? 0) - (q[i] ?? 0)) / d;
    weight[k] = Math.abs(d);
    total += Math.abs(d);
  });
  const n = cells.length;
  const best = total > 0 ? clippedWeightedMedian(ratio, weight, total / 2) : 0.5;
  return (n * best + SHRINK_ORIGINS * 0.5) / (n + SHRINK_ORIGINS);
}

/** Bisection steps of the pair's weight: 2^-12, a weight to 0.0002. */
const PAIR_BISECTIONS = 12;

/** The smallest w in [0, 1] at which the weight of the ratios <= w reaches `half` (1 if none). */
function clippedWeightedMedian(ratio: Float64Array, weight: Float64Array, half: number): number {
  const reached = (w: number): boolean => {
    let s = 0;
    for (let k = 0; k < ratio.length; k++) if ((ratio[k] ?? 0) <= w) s += weight[k] ?? 0;
    return s >= half;
  };
  if (reached(0)) return 0;
  if (!reached(1)) return 1;
  let lo = 0;
  let hi = 1;
  for (let step = 0; step < PAIR_BISECTIONS; step++) {
    const mid = (lo + hi) / 2;
    if (reached(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Fits every candidate and weighs it by its recent error (see the header). */
export function scoreCandidates(
  input: SeriesInput,
  horizon: number,
  candidates?: readonly Model[],
): Scored[] {
  const x = input.values;
  const n = x.length;
  const seasonal = candidates === undefined && bucketSeasonDetected(x, input.stepSeconds);
  const models = candidates ?? (seasonal ? SEASONAL_CANDIDATES : GUARD_CANDIDATES);
  const fits = models.map((m) => m.fit(input, horizon));
  const origins = recentOrigins(n, horizon, 1, scoringSpan(n, input.stepSeconds), SCORE_ORIGINS);
  const b = backcastsAt(fits, x, origins, horizon);
  const actual = horizonMeansOf(b.a, origins.length, horizon);
  const means = b.p.map((row) => horizonMeansOf(row, origins.length, horizon));
  const all = models.flatMap((_, c) => c);
  const chosen = candidates !== undefined || seasonal ? all : guardChoice(models, means, actual);
  const weights = leadWeights(b, chosen, horizon, models.length);
  return chosen.map((c) => ({
    name: models[c]?.name ?? "",
    fit: fits[c] as PointFit,
    wape: wapeOf(means[c] ?? new Float64Array(0), actual),
    weights: weights[c] ?? new Float64Array(horizon),
  }));
}

/**
 * The guard, where no daily season is detected: the seasonal set (the profile model with Theta,
 * which then has no season) when the profile model's recent error of the horizon mean is the
 * lowest of all, else the plain set. Indices into GUARD_CANDIDATES.
 */
function guardChoice(
  models: readonly Model[],
  means: readonly Float64Array[],
  actual: Float64Array,
): number[] {
  const mae = commonMae(means, actual);
  const at = (m: Model): number => models.indexOf(m);
  const profileMae = mae[at(profile)] ?? Number.NaN;
  const plainBest = Math.min(...PLAIN_CANDIDATES.map((m) => mae[at(m)] ?? Number.NaN));
  const set = profileMae <= plainBest ? SEASONAL_CANDIDATES : PLAIN_CANDIDATES;
  return set.map(at);
}

/** Mean absolute error of each row against `actual`, over the origins where every row and the actual are present. */
function commonMae(rows: readonly Float64Array[], actual: Float64Array): number[] {
  const sums = rows.map(() => 0);
  let n = 0;
  for (let j = 0; j < actual.length; j++) {
    const a = actual[j] ?? Number.NaN;
    if (Number.isNaN(a) || rows.some((r) => Number.isNaN(r[j] ?? Number.NaN))) continue;
    rows.forEach((r, c) => (sums[c] = (sums[c] ?? 0) + Math.abs(a - (r[j] ?? 0))));
    n++;
  }
  return sums.map((s) => (n > 0 ? s / n : Number.NaN));
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
