// Synthetic series with known answers for forecaster tests.

import type { SeriesInput } from "../../../src/forecast/types.ts";
import { rng } from "../../../src/sim/workload.ts";

export { rng };

export const MONDAY = Date.parse("2026-01-05T00:00:00Z");

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
