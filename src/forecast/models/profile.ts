// The profile model: a robust multi-seasonal profile times an adaptive level.
//
//   forecast(t + h) = level(t) * S(t + h),    S = daily shape D(time of day) * weekly factor F(day)
//
// - D is the median over past days of each one-hour bucket, each day first divided by its own
//   level, so one-off spikes (a median ignores them) and weekends (divided out) do not distort it;
//   it is smoothed and interpolated back to the series' step.
// - F(day) is the level of the same weekday one week earlier relative to the mean day (the weekly
//   cycle), used once a full week of history exists.
// - level(t) is an exponentially weighted mean of x / S with each new ratio clipped to 1/4..4x the
//   current level, so it follows level shifts and trends within the hour while a single spike
//   cannot drag it. Its smoothing constant is picked from a grid by the out-of-sample error of the
//   mean over the horizon on the most recent day.
// - error correction: the deviation of the last 5 minutes (at least one step) of x / S from the
//   level, their median so one spike cannot move it, persists for a while on many series (a busy
//   hour stays busy); forecast(t + h) adds beta_h times it, beta_h (0..1) the least-squares share
//   that persisted h steps on, fitted on the origins before the calibration window, so the
//   calibration stays out of sample. Rolling origin, 30 min: WAPE vs naive on Wikipedia (hourly)
//   0.853 -> 0.756, ServeGen 0.899 -> 0.882, NASA 0.876 -> 0.873.
//   Example: level 100, last 5 minutes at 112, beta_3 = 0.4: forecast(t + 3) = (100 + 0.4 x 12) x S.
//   The fit also carries the model without it (`withoutCorrection`): calibrate() makes the bands
//   cover that model's errors too, as the correction cannot see a change after the last 5 minutes.
// Gaps are NaN and are skipped, never read as zeros. With less history it degrades:
// weekly (>= 7 days) -> daily (>= 1 full day) -> level (an adaptive mean), and says so in `mode`.
//
// Worked example (1-minute steps): at 09:00 the last hour ran at 1.1x the profile; the profile
// rises from 80 to 100 requests/min between 09:00 and 09:30, so the forecast for 09:30 is
// 1.1 * 100 = 110, where the naive last-window mean would have said about 85.

import { calibrationSpan, horizonMeanWape, recentOrigins } from "../select.ts";
import { median } from "../stats.ts";
import type { Model, Patterns, PointFit, SeriesInput } from "../types.ts";

const ALPHAS = [0.01, 0.03, 0.07, 0.15, 0.3] as const;
const DAY_MS = 86_400_000;
const WEEKLY_DAYS = 7;
/**
 * Full days for a daily shape: one. A day's shape is already a better guess of the next day than a
 * flat level where the series has a cycle; where it has none, the combination's guard drops the
 * profile model on its recent error (ours.ts). Rolling origin, 30 min, WAPE / naive's with one and
 * two days (the first week of each trace with a one-day warm-up, as BurstGPT; pair weights by
 * inverse absolute error to the power 4): BurstGPT 0.856 and 0.873, NASA 0.913 and 0.922,
 * ServeGen 0.694 and 0.699, Wikipedia 0.889 and 0.882.
 */
const DAILY_DAYS = 1;
/**
 * Width of the daily shape's buckets. Measured on the NASA trace (1-minute steps, rolling origin):
 * 5 min 5.9%, 10 min 8.1%, 30 min 11.0%, 1 h 11.8%, 1.5 h 11.5%, 2 h 8.8% lower WAPE than naive.
 */
const BUCKET_SECONDS = 3600;

export interface Profile {
  /** Seasonal baseline per sample index, extended `horizon` steps past the end. */
  readonly s: Float64Array;
  readonly mode: "weekly" | "daily" | "level";
  readonly patterns: Patterns;
}

interface DayBuckets {
  /** bucketMean[d][k]: mean of day d's bucket k (NaN if under half present). */
  readonly means: Float64Array[];
  readonly dayLevel: Float64Array;
  /** Index of the first (possibly partial) day, as whole days since the epoch. */
  readonly firstDay: number;
}

function bucketize(input: SeriesInput, perDay: number, bucket: number): DayBuckets {
  const { values: x, stepSeconds, start } = input;
  const stepMs = stepSeconds * 1000;
  const firstDay = Math.floor(start / DAY_MS);
  const offset = Math.round((start - firstDay * DAY_MS) / stepMs);
  const days = Math.ceil((offset + x.length) / perDay);
  const nb = perDay / bucket;
  const means: Float64Array[] = [];
  const dayLevel = new Float64Array(days).fill(Number.NaN);
  for (let d = 0; d < days; d++) {
    const row = new Float64Array(nb).fill(Number.NaN);
    const present: number[] = [];
    for (let k = 0; k < nb; k++) {
      let s = 0;
      let c = 0;
      for (let j = 0; j < bucket; j++) {
        const i = d * perDay + k * bucket + j - offset;
        const v = x[i];
        if (i >= 0 && v !== undefined && !Number.isNaN(v)) {
          s += v;
          c++;
        }
      }
      if (c * 2 >= bucket) {
        row[k] = s / c;
        present.push(s / c);
      }
    }
    means.push(row);
    // A day's level only counts when most of it is present. A median, so a burst cannot inflate it;
    // refined against the daily shape once that is known.
    if (present.length >= nb * 0.8) dayLevel[d] = median(present);
  }
  return { means, dayLevel, firstDay };
}

function smoothCircular(a: Float64Array): Float64Array {
  const n = a.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++)
    out[i] = ((a[(i - 1 + n) % n] ?? 0) + 2 * (a[i] ?? 0) + (a[(i + 1) % n] ?? 0)) / 4;
  return out;
}

/** Builds S over the history and `horizon` steps beyond it. */
export function buildProfile(input: SeriesInput, horizon: number): Profile {
  const total = input.values.length + horizon;
  const flat: Profile = {
    s: new Float64Array(total).fill(1),
    mode: "level",
    patterns: {
      daily: { present: false, strength: 0, periodHours: 24 },
      weekly: { present: false, strength: 0, periodHours: 168 },
    },
  };
  const perDay = Math.round(86400 / input.stepSeconds);
  if (perDay < 4 || 86400 % input.stepSeconds !== 0) return flat;
  let bucket = Math.max(1, Math.round(BUCKET_SECONDS / input.stepSeconds));
  if (perDay % bucket !== 0) bucket = 1;
  const b = bucketize(input, perDay, bucket);
  const fullDays = [...b.dayLevel.keys()].filter((d) => !Number.isNaN(b.dayLevel[d] ?? Number.NaN));
  if (fullDays.length < DAILY_DAYS) return flat;
  const shape = dailyShape(b, fullDays, perDay / bucket);
  robustDayLevels(b, fullDays, shape);
  const week = weeklyFactor(b, fullDays);
  return {
    s: stepProfile(input, total, b, shape, bucket, week.factor),
    mode: week.weekly ? "weekly" : "daily",
    patterns: patterns(b, fullDays, shape, week.factor, week.meanLevel, week.weekly),
  };
}

/**
 * The daily shape per bucket: the median over full days of bucket / day level, smoothed and scaled
 * to a mean of 1 (never below 0.001).
 */
function dailyShape(b: DayBuckets, fullDays: readonly number[], buckets: number): Float64Array {
  const raw = new Float64Array(buckets);
  for (let k = 0; k < buckets; k++) {
    const xs: number[] = [];
    for (const d of fullDays) {
      const v = b.means[d]?.[k] ?? Number.NaN;
      const lvl = b.dayLevel[d] ?? Number.NaN;
      if (!Number.isNaN(v) && lvl > 0) xs.push(v / lvl);
    }
    raw[k] = xs.length > 0 ? median(xs) : 1;
  }
  const shape = smoothCircular(raw);
  const mean = shape.reduce((s, v) => s + v, 0) / buckets;
  for (let k = 0; k < buckets; k++) shape[k] = Math.max((shape[k] ?? 0) / (mean || 1), 1e-3);
  return shape;
}

/** Each full day's level on the scale of the mean day: the median of bucket / shape. */
function robustDayLevels(b: DayBuckets, fullDays: readonly number[], shape: Float64Array): void {
  for (const d of fullDays) {
    const row = b.means[d];
    const r: number[] = [];
    if (row)
      for (let k = 0; k < shape.length; k++)
        if (!Number.isNaN(row[k] ?? Number.NaN)) r.push((row[k] ?? 0) / (shape[k] ?? 1));
    b.dayLevel[d] = median(r);
  }
}

interface WeeklyFactor {
  /** Enough full days for a weekly factor. */
  readonly weekly: boolean;
  readonly meanLevel: number;
  /** Day d's factor: the same weekday a week (or weeks) earlier over the mean full day; 1 without one. */
  readonly factor: (d: number) => number;
}

function weeklyFactor(b: DayBuckets, fullDays: readonly number[]): WeeklyFactor {
  const meanLevel = fullDays.reduce((s, d) => s + (b.dayLevel[d] ?? 0), 0) / fullDays.length;
  const weekly = fullDays.length >= WEEKLY_DAYS && meanLevel > 0;
  const factor = (d: number): number => {
    if (!weekly) return 1;
    for (let back = d - 7; back >= 0; back -= 7) {
      const lvl = b.dayLevel[back] ?? Number.NaN;
      if (!Number.isNaN(lvl)) return Math.max(lvl / meanLevel, 0.05);
    }
    return 1;
  };
  return { weekly, meanLevel, factor };
}

/** The profile per step: the shape interpolated between bucket centres, times the day's factor. */
function stepProfile(
  input: SeriesInput,
  total: number,
  b: DayBuckets,
  shape: Float64Array,
  bucket: number,
  factor: (d: number) => number,
): Float64Array {
  const perDay = shape.length * bucket;
  const buckets = shape.length;
  const stepMs = input.stepSeconds * 1000;
  const offset = Math.round((input.start - b.firstDay * DAY_MS) / stepMs);
  const s = new Float64Array(total);
  const dayFactors = new Map<number, number>();
  for (let i = 0; i < total; i++) {
    const g = i + offset;
    const d = Math.floor(g / perDay);
    const pos = (g - d * perDay) / bucket - 0.5;
    const before = Math.floor(pos);
    const w = pos - before;
    const from = shape[(before + buckets) % buckets] ?? 1;
    const to = shape[(before + 1) % buckets] ?? 1;
    let f = dayFactors.get(d);
    if (f === undefined) {
      f = factor(d);
      dayFactors.set(d, f);
    }
    s[i] = (from + (to - from) * w) * f;
  }
  return s;
}

/** Variance of bucket means explained by the daily shape, and the extra explained by the weekly factor. */
function patterns(
  b: DayBuckets,
  fullDays: readonly number[],
  shape: Float64Array,
  factor: (d: number) => number,
  meanLevel: number,
  weekly: boolean,
): Patterns {
  let sst = 0;
  let sseDaily = 0;
  let sseWeekly = 0;
  for (const d of fullDays) {
    const row = b.means[d];
    const lvl = b.dayLevel[d] ?? meanLevel;
    if (!row) continue;
    for (let k = 0; k < row.length; k++) {
      const v = row[k] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      sst += (v - meanLevel) ** 2;
      sseDaily += (v - meanLevel * (shape[k] ?? 1)) ** 2;
      // With the day's own level, i.e. what a weekly cycle of day levels can explain at most.
      sseWeekly += (v - lvl * (shape[k] ?? 1)) ** 2;
    }
  }
  const daily = sst > 0 ? Math.max(0, 1 - sseDaily / sst) : 0;
  let weeklyStrength = 0;
  if (weekly && sseDaily > 0) {
    // Only the part of day-to-day variation that repeats a week later counts as weekly.
    const rep: number[] = [];
    const base: number[] = [];
    for (const d of fullDays) {
      const f = factor(d);
      const lvl = b.dayLevel[d] ?? Number.NaN;
      if (f !== 1 && !Number.isNaN(lvl)) {
        rep.push((lvl / meanLevel - f) ** 2);
        base.push((lvl / meanLevel - 1) ** 2);
      }
    }
    const sr = rep.reduce((s, v) => s + v, 0);
    const sb = base.reduce((s, v) => s + v, 0);
    weeklyStrength = sb > 0 ? Math.max(0, 1 - sr / sb) * Math.max(0, 1 - sseWeekly / sseDaily) : 0;
  }
  return {
    daily: { present: daily >= 0.3, strength: round3(daily), periodHours: 24 },
    weekly: { present: weeklyStrength >= 0.2, strength: round3(weeklyStrength), periodHours: 168 },
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The level series for one smoothing constant: level[i] after seeing sample i. */
/** A new ratio may move the level toward at most CLIP times (or 1/CLIP of) its current value. */
const CLIP = 4;

function levelSeries(x: Float64Array, s: Float64Array, alpha: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  let level = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = x[i] ?? Number.NaN;
    const si = s[i] ?? 1;
    if (!Number.isNaN(v) && si > 0) {
      const q = v / si;
      if (Number.isNaN(level)) level = q;
      else {
        const clipped = level > 0 ? Math.min(Math.max(q, level / CLIP), level * CLIP) : q;
        level += alpha * (clipped - level);
      }
    }
    out[i] = level;
  }
  return out;
}

/** How far back the error-correction term reads the deviation from the level: 5 minutes, at least a step. */
const DEVIATION_SECONDS = 300;

/**
 * Median of x / s over the last k samples up to o, minus the level at o (0 when none):
 * a median, so one spike moves it not at all.
 */
function deviation(x: Float64Array, s: Float64Array, level: Float64Array, o: number, k: number): number {
  const l = level[o] ?? Number.NaN;
  const r: number[] = [];
  for (let i = Math.max(0, o - k + 1); i <= o; i++) {
    const v = x[i] ?? Number.NaN;
    const si = s[i] ?? 1;
    if (!Number.isNaN(v) && si > 0) r.push(v / si);
  }
  return r.length > 0 && !Number.isNaN(l) ? median(r) - l : 0;
}

/**
 * Error correction per lead: how much of the recent deviation from the level persists h steps on,
 * beta_h = sum(y d) / sum(d^2) over origins before the calibration window (y = x / s at o + h minus
 * the level at o), within 0..1.
 */
function correctionBetas(
  x: Float64Array,
  s: Float64Array,
  level: Float64Array,
  horizon: number,
  end: number,
  span: number,
  k: number,
): Float64Array {
  const beta = new Float64Array(horizon);
  const origins = recentOrigins(end + horizon + 1, horizon, k, span, 400);
  if (origins.length < 30) return beta;
  const devs = origins.map((o) => deviation(x, s, level, o, k));
  for (let h = 1; h <= horizon; h++) {
    let sxy = 0;
    let sxx = 0;
    for (const [j, o] of origins.entries()) {
      const v = x[o + h] ?? Number.NaN;
      const l = level[o] ?? Number.NaN;
      const sh = s[o + h] ?? 1;
      if (Number.isNaN(v) || Number.isNaN(l) || !(sh > 0)) continue;
      const d = devs[j] ?? 0;
      sxy += (v / sh - l) * d;
      sxx += d * d;
    }
    beta[h - 1] = sxx > 0 ? Math.min(1, Math.max(0, sxy / sxx)) : 0;
  }
  return beta;
}

export interface ProfileFit extends PointFit {
  readonly patterns: Patterns;
  readonly alpha: number;
  /** Error-correction weight per lead h (index h - 1). */
  readonly correction: Float64Array;
}

export function fitProfile(input: SeriesInput, horizon: number): ProfileFit {
  const x = input.values;
  const n = x.length;
  const prof = buildProfile(input, horizon);
  const perDay = Math.round(86400 / input.stepSeconds);
  // Out of sample means out of sample: the forecasts made at recent origins (which pick alpha and,
  // in calibrate(), size the intervals) use a profile built without the days they are tested on.
  const span = calibrationSpan(n, input.stepSeconds);
  const cut = n - span - horizon;
  const calProf =
    cut >= 2 * perDay ? buildProfile({ ...input, values: x.subarray(0, cut) }, n + horizon - cut) : prof;
  const origins = recentOrigins(n, horizon, Math.min(60, n >> 2), span, 200);
  let calLevel: Float64Array | undefined;
  let bestAlpha: number = ALPHAS[2];
  let bestErr = Infinity;
  for (const alpha of ALPHAS) {
    const lv = levelSeries(x, calProf.s, alpha);
    const e =
      origins.length > 0
        ? horizonMeanWape((o, h) => (lv[o] ?? 0) * (calProf.s[o + h] ?? 1), x, horizon, origins)
        : 0;
    if (calLevel === undefined || e < bestErr - 1e-12) {
      calLevel = lv;
      bestAlpha = alpha;
      bestErr = e;
    }
  }
  const calLv = calLevel ?? levelSeries(x, calProf.s, bestAlpha);
  const k = Math.max(1, Math.round(DEVIATION_SECONDS / input.stepSeconds));
  const beta = correctionBetas(x, calProf.s, calLv, horizon, n - span - horizon, span, k);
  const project = (
    level: Float64Array,
    s: Float64Array,
    beta: Float64Array,
  ): ((o: number, h: number) => number) => {
    // Without a correction (the uncorrected twin, or nothing persisted) no deviation is read.
    if (beta.every((b) => b === 0))
      return (o, h) => {
        const l = level[o] ?? Number.NaN;
        return Number.isNaN(l) ? Number.NaN : Math.max(0, l * (s[o + h] ?? 1));
      };
    // The deviation at an origin is read for every lead: computed once per origin.
    const dev = new Float64Array(n).fill(Number.NaN);
    return (o, h) => {
      const l = level[o] ?? Number.NaN;
      if (Number.isNaN(l)) return Number.NaN;
      let d = dev[o] ?? 0;
      if (Number.isNaN(d)) {
        d = deviation(x, s, level, o, k);
        dev[o] = d;
      }
      return Math.max(0, (l + (beta[h - 1] ?? 0) * d) * (s[o + h] ?? 1));
    };
  };
  const levelNow = calProf === prof ? calLv : levelSeries(x, prof.s, bestAlpha);
  const fitWith = (b: Float64Array): PointFit => {
    const backcast = project(calLv, calProf.s, b);
    const at = calProf === prof ? backcast : project(levelNow, prof.s, b);
    const forecast = new Float64Array(horizon);
    for (let h = 1; h <= horizon; h++) forecast[h - 1] = at(n - 1, h);
    return { forecast, backcast, mode: prof.mode, firstOrigin: 0 };
  };
  return {
    ...fitWith(beta),
    withoutCorrection: fitWith(new Float64Array(horizon)),
    patterns: prof.patterns,
    alpha: bestAlpha,
    correction: beta,
  };
}

export const profile: Model = { name: "profile", fit: fitProfile };
