// Synthetic series with known answers for forecaster tests.

import type { SeriesInput } from "../../../src/forecast/types.ts";

export const MONDAY = Date.parse("2026-01-05T00:00:00Z");

/** A deterministic pseudo-random generator (mulberry32), so tests never flake. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Minute series: level * (1 + amp * sin(daily)) * weekly factor, plus optional noise. */
export function seasonal(
  days: number,
  opts: { level?: number; amp?: number; weekend?: number; noise?: number; seed?: number } = {},
): SeriesInput {
  const { level = 100, amp = 0.5, weekend = 1, noise = 0, seed = 1 } = opts;
  const r = rng(seed);
  const n = days * 1440;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dow = Math.floor(i / 1440) % 7; // 0 = Monday
    const wk = dow >= 5 ? weekend : 1;
    const base = level * (1 + amp * Math.sin((2 * Math.PI * (i % 1440)) / 1440 - Math.PI / 2)) * wk;
    values[i] = Math.max(0, base * (1 + noise * (r() * 2 - 1)));
  }
  return { values, stepSeconds: 60, start: MONDAY };
}

export function truth(i: number, opts: { level?: number; amp?: number; weekend?: number } = {}): number {
  const { level = 100, amp = 0.5, weekend = 1 } = opts;
  const dow = Math.floor(i / 1440) % 7;
  return (
    level * (1 + amp * Math.sin((2 * Math.PI * (i % 1440)) / 1440 - Math.PI / 2)) * (dow >= 5 ? weekend : 1)
  );
}
