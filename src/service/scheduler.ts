// Time for the loop's parts, injected: the service uses the real clock and timers, tests a fake
// clock they advance by hand (no sleeps).

export interface Scheduler {
  now(): number;
  /** Runs `fn` after `ms`; returns a handle for `cancel`. */
  after(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

export function realScheduler(clock: () => number = Date.now): Scheduler {
  return {
    now: clock,
    after: (ms, fn) => setTimeout(fn, ms),
    cancel: (h) => {
      clearTimeout(h as NodeJS.Timeout);
    },
  };
}

export class DeadlineError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within its deadline (${ms} ms)`);
    this.name = "DeadlineError";
  }
}

/**
 * Runs `work` with an abort signal that fires at `ms` (or when `outer` aborts); rejects with a
 * DeadlineError at the deadline even if `work` ignores its signal.
 */
export function withDeadline<T>(
  scheduler: Scheduler,
  ms: number,
  what: string,
  outer: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ac = new AbortController();
  const onOuter = (): void => {
    ac.abort();
  };
  outer.addEventListener("abort", onOuter, { once: true });
  return new Promise<T>((resolve, reject) => {
    const h = scheduler.after(ms, () => {
      ac.abort();
      reject(new DeadlineError(what, ms));
    });
    work(ac.signal).then(
      (v) => {
        scheduler.cancel(h);
        resolve(v);
      },
      (e: unknown) => {
        scheduler.cancel(h);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }).finally(() => {
    outer.removeEventListener("abort", onOuter);
  });
}
