// A forecast worker thread of parallel-forecasts.ts: computes its share of the fits, posts the views
// (or the error) on its port, then raises its flag so the waiting thread wakes.

import { workerData } from "node:worker_threads";
import { ANSWERED, computeShare, type ShareData } from "./parallel-forecasts.ts";

const d = workerData as ShareData;
const status = new Int32Array(d.shared, 0, d.threads);
const fits = new Int32Array(d.shared, 4 * d.threads, d.threads);
try {
  const views = computeShare(d.jobs, d.thread, d.threads, () => Atomics.add(fits, d.thread, 1));
  d.port.postMessage({ views });
} catch (e) {
  d.port.postMessage({ error: (e as Error).message });
}
Atomics.store(status, d.thread, ANSWERED);
Atomics.notify(status, d.thread);
