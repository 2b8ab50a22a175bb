// Timing helpers for benchmarks: interleaved rounds so that ours and the baseline see the same noise.

export interface Timing {
  /** The 10th percentile: the least disturbed by other load on a shared machine. */
  readonly p10Ms: number;
  readonly medianMs: number;
  readonly p90Ms: number;
}

export function summarize(samples: readonly number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { p10Ms: at(0.1), medianMs: at(0.5), p90Ms: at(0.9) };
}

/** Runs `a` and `b` alternately `rounds` times after `warmup` rounds; returns their timings. */
export function sideBySide(rounds: number, warmup: number, a: () => void, b: () => void): [Timing, Timing] {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < warmup + rounds; i++) {
    const t0 = performance.now();
    a();
    const t1 = performance.now();
    b();
    const t2 = performance.now();
    if (i >= warmup) {
      ta.push(t1 - t0);
      tb.push(t2 - t1);
    }
  }
  return [summarize(ta), summarize(tb)];
}

export function machine(): string {
  return `${process.version} on ${process.platform}/${process.arch}`;
}

/** The shared traces, in the order the benchmarks report them. */
export const SHARED_TRACES: readonly string[] = [
  "nasa-http-1995-07.csv",
  "wikipedia-en-2016-01-hourly.csv",
  "servegen-language-m-small-10min.csv",
  "burstgpt-week1-tokens-per-minute.csv",
  "azure-llm-2023-code.csv",
  "azure-llm-2023-conv.csv",
];
