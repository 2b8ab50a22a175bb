// The forecast worker thread: range queries and model fits run here, so the thread that answers
// KEDA never blocks on them. Messages: { id, task } in, { id, result } or { id, error } out.

import { setPriority } from "node:os";
import { parentPort } from "node:worker_threads";
import { readHistory, type HistoryTask } from "./history.ts";

// Fits are batch work that can wait; answering KEDA cannot. On Linux, setpriority() on pid 0
// applies to the calling thread only, so this lowers this thread alone (raising niceness needs no
// privilege). Where that is refused, the thread keeps the process's priority.
try {
  setPriority(0, 10);
} catch {
  // not permitted here: same priority as the rest of the process
}

parentPort?.on("message", (m: { id: number; task: HistoryTask }) => {
  readHistory(m.task).then(
    (result) => parentPort?.postMessage({ id: m.id, result }),
    (e: unknown) => parentPort?.postMessage({ id: m.id, error: (e as Error).message }),
  );
});
