// A forecast worker thread of parallel-forecasts.ts: takes fits from the shared counter until none
// is left, posts its answers (or the error) on its port, then raises its flag so the waiting thread
// wakes.

import { workerData } from "node:worker_threads";
import { raiseFlag, takeFits, type ShareData } from "./parallel-forecasts.ts";

const d = workerData as ShareData;
try {
  d.port.postMessage({ share: takeFits(d.jobs, d.shared, d.thread) });
} catch (e) {
  d.port.postMessage({ error: (e as Error).message });
}
raiseFlag(d.shared, d.thread);
