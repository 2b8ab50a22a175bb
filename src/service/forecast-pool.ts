// Runs history reads and forecast fits on a worker thread. A fit takes milliseconds of CPU; 2,000
// of them on the gRPC thread would delay KEDA's calls by that much each.

import { extname } from "node:path";
import { Worker } from "node:worker_threads";
import type { HistoryResult, HistoryTask } from "./history.ts";

export class ForecastPool {
  private readonly worker: Worker;
  private next = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: HistoryResult) => void; reject: (e: Error) => void }
  >();

  constructor() {
    // The same extension as this module: .ts from source, .js from the build.
    this.worker = new Worker(
      new URL(`./forecast-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url),
    );
    this.worker.unref();
    this.worker.on("message", (m: { id: number; result?: HistoryResult; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else if (m.result) p.resolve(m.result);
    });
    this.worker.on("error", (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  run(task: HistoryTask): Promise<HistoryResult> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
