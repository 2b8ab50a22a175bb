// How a function's time grows when its input doubles, measured so that a shared, noisy machine does
// not decide the answer: the time is this thread's CPU time (a run that waits for a core behind
// other processes is not charged for the wait), the two sizes run side by side (alternating, so
// both see the same caches and clock), each round repeats the call until it takes a while, and the
// medians of several rounds compare. The sizes are n and 4n, and the factor per doubling is the
// square root of their ratio: a step in cost where the input outgrows a cache (or a runtime
// changes representation) is spread over two doublings instead of deciding one.

export interface Growth {
  readonly n: number;
  /** Median CPU time of one call at n and at 4n, in ms. */
  readonly smallMs: number;
  readonly largeMs: number;
  /**
   * sqrt(largeMs / smallMs), the cost of doubling the input: about 2 for linear work, 4 for
   * quadratic, 1 for work bounded before it starts.
   */
  readonly perDoubling: number;
}

/** This thread's CPU time in ms (user and system). */
function cpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

/** What the calls returned, folded, so that the compiler cannot drop a call whose result is unused. */
export let sink = 0;

function timeCalls(run: (input: unknown) => unknown, input: unknown, reps: number): number {
  const t0 = cpuMs();
  for (let i = 0; i < reps; i++) {
    const r = run(input);
    sink = (sink + (typeof r === "string" ? r.length : r === undefined ? 0 : 1)) | 0;
  }
  return cpuMs() - t0;
}

/** Calls per round such that a round at the smaller input takes at least `roundMs` of CPU. */
function calibrate(run: (input: unknown) => unknown, input: unknown, roundMs: number): number {
  let reps = 1;
  for (;;) {
    const t = timeCalls(run, input, reps);
    if (t >= roundMs || reps >= 1_000_000) return reps;
    reps = t <= 0 ? reps * 10 : Math.min(reps * 10, Math.ceil((reps * roundMs * 1.2) / t));
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Times `run` on `make(n)` and `make(4n)`; `roundMs` is the least CPU time of one round at n. */
export function growth(
  make: (n: number) => unknown,
  run: (input: unknown) => unknown,
  n: number,
  opts: { rounds?: number; roundMs?: number } = {},
): Growth {
  const rounds = opts.rounds ?? 5;
  const small = make(n);
  const large = make(4 * n);
  // Warm up: compiled code, flattened strings.
  run(small);
  run(large);
  const reps = calibrate(run, small, opts.roundMs ?? 10);
  const s: number[] = [];
  const l: number[] = [];
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      s.push(timeCalls(run, small, reps));
      l.push(timeCalls(run, large, reps));
    } else {
      l.push(timeCalls(run, large, reps));
      s.push(timeCalls(run, small, reps));
    }
  }
  const smallMs = median(s) / reps;
  const largeMs = median(l) / reps;
  return { n, smallMs, largeMs, perDoubling: Math.sqrt(largeMs / smallMs) };
}
