// Bounded concurrency towards one upstream, fair between fast and slow reads: hung reads must not
// take every slot and leave healthy ones waiting behind them until they age out.
//
// Each read has a key (its query, queue or namespace). A key whose last read took longer than
// `slowAfterMs` is slow, and its reads wait in the slow lane, which holds at most half the slots
// (slow keys that answered before those whose last read did not answer at all). Every other read
// takes any free slot first. A read not yet known to be slow that runs past `slowAfterMs` while
// other reads wait for a slot is cut, fails like a timeout, and its key is slow from then on.
//
// Worked: 16 slots, a 5 s timeout (slow after 1.25 s), 120 hung queries and one healthy one. The
// hung queries hold at most 8 slots once each has run once; the healthy read finds one of the other
// 8 free at once. Before each hung query has run once, the healthy read waits behind at most 16 of
// them per 1.25 s (the slots cut and handed on), never behind a whole 5 s timeout of each.
//
// Without `lanes` (history range queries, whose reads are long by nature) it is first come, first
// served. Either way a read whose caller gives up while it waits leaves the queue at once.

import { SourceError } from "./source.ts";

/** Time for the limiter: real timers by default, a fake clock in tests. */
export interface LimiterTimers {
  now(): number;
  after(ms: number, fn: () => void): unknown;
  cancel(handle: unknown): void;
}

export const realTimers: LimiterTimers = {
  now: Date.now,
  after: (ms, fn) => setTimeout(fn, ms),
  cancel: (h) => {
    clearTimeout(h as NodeJS.Timeout);
  },
};

export interface Lanes {
  /** The source's name, for errors. */
  readonly source: string;
  /** The source's timeout: a read that took this long did not answer. */
  readonly timeoutMs: number;
  readonly timers?: LimiterTimers;
}

/** A read running longer than this share of its source's timeout is slow. */
export const SLOW_SHARE_OF_TIMEOUT = 0.25;

/** Waiting order: fast keys, slow keys that answer, keys whose last read did not answer. */
type Tier = 0 | 1 | 2;

interface Waiter {
  readonly key: string;
  readonly tier: Tier;
  readonly begin: () => void;
}

interface Slot {
  readonly key: string;
  readonly tier: Tier;
  readonly startedAt: number;
  readonly abort: AbortController;
  readonly fail: (e: Error) => void;
  timer?: unknown;
  /** A fast-lane read that has run past slowAfterMs: it counts against the slow lane's share. */
  overdue: boolean;
  released: boolean;
}

export class Limiter {
  private readonly max: number;
  private readonly slowMax: number;
  private readonly lanes:
    (Lanes & { readonly timers: LimiterTimers; readonly slowAfterMs: number }) | undefined;
  private readonly queues: [Waiter[], Waiter[], Waiter[]] = [[], [], []];
  private readonly running = new Set<Slot>();
  /** Slots held by slow-lane reads and overdue fast-lane ones. */
  private slowRunning = 0;
  /** Keys known to be slow, with their tier (absent: fast). */
  private readonly slowKeys = new Map<string, 1 | 2>();

  constructor(max: number, lanes?: Lanes) {
    this.max = max;
    this.slowMax = Math.max(1, Math.floor(max / 2));
    this.lanes = lanes
      ? {
          ...lanes,
          timers: lanes.timers ?? realTimers,
          slowAfterMs: lanes.timeoutMs * SLOW_SHARE_OF_TIMEOUT,
        }
      : undefined;
  }

  /** Reads waiting for a slot, and slots held by slow reads (diagnostics and tests). */
  get state(): { waiting: number; running: number; slowRunning: number; slowKeys: number } {
    return {
      waiting: this.queues[0].length + this.queues[1].length + this.queues[2].length,
      running: this.running.size,
      slowRunning: this.slowRunning,
      slowKeys: this.slowKeys.size,
    };
  }

  /**
   * Runs `fn` in a slot: `signal` aborts it (or its wait), and so does the limiter when it cuts a
   * slow read for waiting ones; the returned promise then rejects at once, whatever `fn` does.
   */
  run<T>(key: string, fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const source = this.lanes?.source ?? "upstream";
      if (signal?.aborted) {
        reject(new SourceError(source, "aborted"));
        return;
      }
      const tier: Tier = this.slowKeys.get(key) ?? 0;
      const onAbort = (): void => {
        const q = this.queues[tier];
        const i = q.indexOf(waiter);
        if (i >= 0) {
          q.splice(i, 1);
          reject(new SourceError(source, "aborted while waiting for a slot"));
        }
      };
      const waiter: Waiter = {
        key,
        tier,
        begin: () => {
          signal?.removeEventListener("abort", onAbort);
          this.begin(key, tier, fn, signal, resolve, reject);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.queues[tier].push(waiter);
      this.pump();
      this.cutForWaiting();
    });
  }

  private begin<T>(
    key: string,
    tier: Tier,
    fn: (signal: AbortSignal) => Promise<T>,
    outer: AbortSignal | undefined,
    resolve: (v: T) => void,
    reject: (e: Error) => void,
  ): void {
    const abort = new AbortController();
    const onOuter = (): void => {
      abort.abort();
    };
    outer?.addEventListener("abort", onOuter, { once: true });
    const slot: Slot = {
      key,
      tier,
      startedAt: this.lanes?.timers.now() ?? 0,
      abort,
      fail: reject,
      overdue: false,
      released: false,
    };
    this.running.add(slot);
    if (tier > 0) this.slowRunning++;
    else if (this.lanes)
      slot.timer = this.lanes.timers.after(this.lanes.slowAfterMs, () => {
        this.overdue(slot);
      });
    const settle = (): void => {
      outer?.removeEventListener("abort", onOuter);
      this.release(slot, outer?.aborted === true ? "aborted" : "settled");
    };
    let p: Promise<T>;
    try {
      p = fn(abort.signal);
    } catch (e) {
      p = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    p.then(
      (v) => {
        const cut = slot.released;
        settle();
        if (!cut) resolve(v);
      },
      (e: unknown) => {
        const cut = slot.released;
        settle();
        if (!cut) reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  }

  /** A fast-lane read passes slowAfterMs: its key is slow, and it may be cut for waiting reads. */
  private overdue(slot: Slot): void {
    delete slot.timer;
    if (slot.released) return;
    slot.overdue = true;
    this.slowRunning++;
    this.slowKeys.set(slot.key, 2);
    this.cutForWaiting();
  }

  /** While fast-lane reads wait and every slot is taken, cut the longest-running overdue read. */
  private cutForWaiting(): void {
    const lanes = this.lanes;
    if (!lanes) return;
    while (this.queues[0].length > 0 && this.running.size >= this.max) {
      let oldest: Slot | undefined;
      for (const s of this.running)
        if (s.overdue && (oldest === undefined || s.startedAt < oldest.startedAt)) oldest = s;
      if (!oldest) return;
      const s = oldest;
      const waited = Math.round(lanes.timers.now() - s.startedAt);
      this.release(s, "cut");
      s.abort.abort();
      s.fail(
        new SourceError(
          lanes.source,
          `no answer after ${waited} ms while other reads waited: cut to free its slot (reads slower than ${Math.round(lanes.slowAfterMs)} ms share ${this.slowMax} of ${this.max})`,
        ),
      );
    }
  }

  private release(slot: Slot, end: "settled" | "aborted" | "cut"): void {
    if (slot.released) return;
    slot.released = true;
    this.running.delete(slot);
    if (slot.timer !== undefined) this.lanes?.timers.cancel(slot.timer);
    if (slot.tier > 0 || slot.overdue) this.slowRunning--;
    this.learn(slot, end);
    this.pump();
  }

  /**
   * What a read says of its key: fast (ended within slowAfterMs), slow but answering, or not
   * answering (cut, given up by its caller, or ended at its timeout).
   */
  private learn(slot: Slot, end: "settled" | "aborted" | "cut"): void {
    const lanes = this.lanes;
    if (!lanes) return;
    const took = lanes.timers.now() - slot.startedAt;
    if (took < lanes.slowAfterMs) {
      if (end === "settled") this.slowKeys.delete(slot.key);
    } else this.slowKeys.set(slot.key, end !== "settled" || took >= lanes.timeoutMs ? 2 : 1);
  }

  private pump(): void {
    while (this.running.size < this.max) {
      const next =
        this.queues[0].shift() ??
        (this.slowRunning < this.slowMax ? (this.queues[1].shift() ?? this.queues[2].shift()) : undefined);
      if (!next) return;
      next.begin();
    }
  }
}
