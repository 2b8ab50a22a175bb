// Runs history reads and forecast fits on a worker thread. A fit takes milliseconds of CPU; 2,000
// of them on the main thread would delay signal reads and decisions by that much each.
//
// If the thread dies (a bug, or out of memory), the reads it had in hand fail with the reason and
// the next read starts a new thread: forecasts must not stop for good because one cycle crashed.

import { Worker } from "node:worker_threads";
import type { HistoryReader, HistoryTask } from "./history.ts";
import type { HistorySummary } from "../pipeline/forecast.ts";
import { workerModule } from "./worker-module.ts";

type Pending = { resolve: (r: HistorySummary) => void; reject: (e: Error) => void };

const ENTRY = workerModule("forecast-worker", import.meta.url);

export class ForecastPool implements HistoryReader {
  private readonly entry: URL;
  private worker: Worker | undefined;
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** How many times the thread was started (1 once it first runs). */
  starts = 0;

  /** `entry` is the worker's module (tests substitute one that misbehaves). */
  constructor(entry: URL = ENTRY) {
    this.entry = entry;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.entry);
    this.starts++;
    w.unref();
    w.on("message", (m: { id: number; result?: HistorySummary; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else if (m.result) p.resolve(m.result);
    });
    const died = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(`forecast thread ${why}`));
      this.pending.clear();
    };
    w.on("error", (e: Error) => {
      died(`failed: ${e.message}`);
    });
    w.on("exit", (code) => {
      died(`exited (code ${String(code)})`);
    });
    this.worker = w;
    return w;
  }

  run(task: HistoryTask): Promise<HistorySummary> {
    if (this.closed) return Promise.reject(new Error("forecast pool is closed"));
    const w = this.thread();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error("forecast pool is closed"));
    this.pending.clear();
    await w?.terminate();
  }
}
