// A clock that moves only when a test tells it to, for the loop's injected Scheduler.

import type { Scheduler } from "../../../src/service/scheduler.ts";

/** Lets pending promise callbacks and immediates run. */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

/** Timers fire in time order as the clock passes them. */
export class FakeScheduler implements Scheduler {
  t = Date.parse("2026-03-04T12:00:00Z");
  private seq = 0;
  private readonly queue = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  after(ms: number, fn: () => void): unknown {
    const id = ++this.seq;
    this.queue.set(id, { at: this.t + ms, fn });
    return id;
  }
  cancel(h: unknown): void {
    this.queue.delete(h as number);
  }
  /** Advances by `ms` in 100 ms steps, running due timers and letting promises settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    while (this.t < end) {
      this.t = Math.min(end, this.t + 100);
      for (;;) {
        const due = [...this.queue.entries()]
          .filter(([, x]) => x.at <= this.t)
          .sort((a, b) => a[1].at - b[1].at);
        if (due.length === 0) break;
        for (const [id, x] of due) {
          this.queue.delete(id);
          x.fn();
        }
        await settle();
      }
      await settle();
    }
  }
}

/** A clock the test sets; timers never fire (for loops whose every read answers at once). */
export class ScriptedClock implements Scheduler {
  t: number;
  constructor(start: number) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  after(): unknown {
    return undefined;
  }
  cancel(): void {}
}
