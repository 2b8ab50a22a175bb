// The watchdog thread (see watchdog.ts). It writes its one log line straight to file descriptor 1:
// a worker's process.stdout goes through the main thread, which may be the one that is stuck.

import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import type { ArmWatchdog, WatchdogInit } from "./watchdog.ts";

const { beats, limits } = workerData as WatchdogInit;
const counter = new Int32Array(beats);

function kill(msg: string, fields: Record<string, unknown>): void {
  try {
    writeSync(1, `${JSON.stringify({ ts: new Date().toISOString(), level: "error", msg, ...fields })}\n`);
  } finally {
    process.kill(process.pid, "SIGKILL");
  }
}

let armed = false;
parentPort?.on("message", (m: ArmWatchdog) => {
  if (armed) return;
  armed = true;
  setTimeout(
    () => {
      kill("still running after the stop deadline; killing the process", {
        deadlineSeconds: limits.killMs / 1000,
      });
    },
    Math.max(0, m.stopBeganAt + limits.killMs - Date.now()),
  );
});

let lastBeat = Atomics.load(counter, 0);
let lastBeatSeen = performance.now();
let lastTick = performance.now();
setInterval(() => {
  const now = performance.now();
  // This thread itself ran late (the process was paused, or the machine starved it): that is no
  // evidence against the main thread, so its silence is counted from here.
  if (now - lastTick > 3 * limits.tickMs) lastBeatSeen = now;
  lastTick = now;
  const beat = Atomics.load(counter, 0);
  if (beat !== lastBeat) {
    lastBeat = beat;
    lastBeatSeen = now;
  }
  if (now - lastBeatSeen >= limits.stallMs)
    kill("the main thread has not answered for too long; killing the process", {
      stalledSeconds: Math.round((now - lastBeatSeen) / 1000),
    });
}, limits.tickMs);
