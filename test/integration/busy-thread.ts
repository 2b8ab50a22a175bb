// A test hook preloaded into `mlas serve` (node --import) and, through the inherited execArgv, into
// each of its worker threads: once the file named by MLAS_TEST_BUSY_FILE holds a thread's name
// ("main", "grpc" or "forecast"), that thread runs synchronous code forever, as a thread stuck in a
// runaway computation would; "main-at-stop" makes the main thread do so once SIGTERM's handler has
// begun the stop. It writes "busy NAME" to stderr first (straight to the descriptor: a worker's
// process.stderr goes through the main thread).

import { existsSync, readFileSync, writeSync } from "node:fs";
import { isMainThread, workerData } from "node:worker_threads";

/** Which of the scaler's threads this is, from what each is started with. */
function threadName(): string {
  if (isMainThread) return "main";
  const data = workerData as Record<string, unknown> | undefined;
  if (data && "services" in data) return "grpc";
  if (data && "beats" in data) return "watchdog";
  return "forecast";
}

function busyForever(name: string): never {
  writeSync(2, `busy ${name}\n`);
  for (;;) {
    // Busy: nothing else runs on this thread from here on.
  }
}

const file = process.env.MLAS_TEST_BUSY_FILE;
const name = threadName();
const wanted = (): string =>
  file !== undefined && existsSync(file) ? readFileSync(file, "utf8").trim() : "";
if (file !== undefined && name !== "watchdog") {
  const poll = setInterval(() => {
    if (wanted() !== name) return;
    clearInterval(poll);
    busyForever(name);
  }, 20);
  poll.unref();
}
if (file !== undefined && name === "main")
  // Registered before the scaler's handler, so it runs first; it waits a turn, until that handler has
  // begun the stop.
  process.on("SIGTERM", () => {
    if (wanted() === "main-at-stop")
      setImmediate(() => {
        busyForever("main-at-stop");
      });
  });
