// Classical multiplicative decomposition (ratio to a centred moving average) of the daily season,
// on hourly buckets, for models that work on a seasonally adjusted series (Theta). The season is
// used only where it is detected: the autocorrelation of the bucket series at one day's lag must
// exceed its 90% bound, 1.645 sqrt((1 + 2 sum_{k<m} r_k^2) / N) (Bartlett), as Assimakopoulos and
// Nikolopoulos' Theta method and statsforecast's AutoTheta test it.
//
// Worked example: 6-hour steps (4 buckets a day), three days of 10, 20, 30, 20: the centred moving
// average is 20 throughout, the ratios 0.5, 1, 1.5, 1, so the index is 0.5, 1, 1.5, 1.

import { nanMean } from "./stats.ts";

export interface SeasonalIndex {
  /** Multiplicative index per bucket of the day (mean 1), or undefined when no season is used. */
  readonly index?: Float64Array;
  /** Steps per bucket. */
  readonly bucket: number;
}

/** Steps per bucket and buckets per day for a step, or undefined when a day is not whole steps. */
export function dayBuckets(stepSeconds: number): { bucket: number; perDay: number } | undefined {
  const steps = 86400 / stepSeconds;
  if (!Number.isInteger(steps) || steps < 4) return undefined;
  let bucket = Math.max(1, Math.round(3600 / stepSeconds));
  if (steps % bucket !== 0) bucket = 1;
  return { bucket, perDay: steps / bucket };
}

function bucketMeans(x: Float64Array, bucket: number): Float64Array {
  const n = Math.floor(x.length / bucket);
  return Float64Array.from({ length: n }, (_, j) => nanMean(x, j * bucket, (j + 1) * bucket));
}

/** Autocorrelations r_1..r_maxLag of z (gaps skipped pairwise). */
export function autocorrelations(z: Float64Array, maxLag: number): Float64Array {
  const mean = nanMean(z);
  let den = 0;
  for (const v of z) if (!Number.isNaN(v)) den += (v - mean) ** 2;
  const r = new Float64Array(maxLag + 1);
  if (!(den > 0)) return r;
  for (let k = 1; k <= maxLag; k++) {
    let s = 0;
    for (let t = k; t < z.length; t++) {
      const a = z[t] ?? Number.NaN;
      const b = z[t - k] ?? Number.NaN;
      if (!Number.isNaN(a) && !Number.isNaN(b)) s += (a - mean) * (b - mean);
    }
    r[k] = s / den;
  }
  return r;
}

/** The 90% test for a season of m buckets in z. */
export function seasonDetected(z: Float64Array, m: number): boolean {
  if (z.length < 2 * m) return false;
  const r = autocorrelations(z, m);
  let s = 0;
  for (let k = 1; k < m; k++) s += (r[k] ?? 0) ** 2;
  return Math.abs(r[m] ?? 0) > 1.645 * Math.sqrt((1 + 2 * s) / z.length);
}

/** Ratio of each bucket to its centred moving average over one day (2 x m for an even m), averaged per bucket of the day. */
export function classicalIndex(z: Float64Array, m: number): Float64Array {
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  const half = Math.floor(m / 2);
  for (let t = half; t + half < z.length; t++) {
    let s = 0;
    let w = 0;
    for (let k = -half; k <= half; k++) {
      const weight = m % 2 === 0 && Math.abs(k) === half ? 0.5 : 1;
      const v = z[t + k] ?? Number.NaN;
      if (Number.isNaN(v)) continue;
      s += weight * v;
      w += weight;
    }
    const v = z[t] ?? Number.NaN;
    if (w < m * 0.8 || !(s > 0) || Number.isNaN(v)) continue;
    sums[t % m] = (sums[t % m] ?? 0) + v / (s / w);
    counts[t % m] = (counts[t % m] ?? 0) + 1;
  }
  const index = Float64Array.from(sums, (s, k) => ((counts[k] ?? 0) > 0 ? s / (counts[k] ?? 1) : 1));
  const mean = index.reduce((a, b) => a + b, 0) / m;
  return index.map((v) => Math.max(v / (mean || 1), 1e-3));
}

/** Whether the 90% test finds a daily season in the hourly buckets of x. */
export function bucketSeasonDetected(x: Float64Array, stepSeconds: number): boolean {
  const day = dayBuckets(stepSeconds);
  return day !== undefined && seasonDetected(bucketMeans(x, day.bucket), day.perDay);
}

/** The daily index of x (buckets counted from x[0]), when at least two days show a season. */
export function seasonalIndex(x: Float64Array, stepSeconds: number): SeasonalIndex {
  const day = dayBuckets(stepSeconds);
  if (!day) return { bucket: 1 };
  const z = bucketMeans(x, day.bucket);
  if (!seasonDetected(z, day.perDay)) return { bucket: day.bucket };
  return { index: classicalIndex(z, day.perDay), bucket: day.bucket };
}

/** The index at step i (from x[0]), interpolated between bucket centres; 1 without a season. */
export function indexAt(s: SeasonalIndex, i: number): number {
  const index = s.index;
  if (!index) return 1;
  const m = index.length;
  const pos = (i - (s.bucket - 1) / 2) / s.bucket;
  const before = Math.floor(pos);
  const w = pos - before;
  const from = index[((before % m) + m) % m] ?? 1;
  const to = index[(((before + 1) % m) + m) % m] ?? 1;
  return from + (to - from) * w;
}
