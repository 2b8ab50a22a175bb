// The forecast worker thread: range queries and model fits run here, so the thread that answers
// KEDA never blocks on them. Messages: { id, task } in, { id, result } or { id, error } out.

import { parentPort } from "node:worker_threads";
import { readHistory, type HistoryTask } from "./history.ts";
import { FORECAST_NICENESS, lowerOwnPriority } from "./priority.ts";

// Fits are batch work that can wait; answering KEDA cannot.
lowerOwnPriority(FORECAST_NICENESS);

parentPort?.on("message", (m: { id: number; task: HistoryTask }) => {
  readHistory(m.task).then(
    (result) => parentPort?.postMessage({ id: m.id, result }),
    (e: unknown) => parentPort?.postMessage({ id: m.id, error: (e as Error).message }),
  );
});
