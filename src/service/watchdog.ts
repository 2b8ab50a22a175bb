// The last resort that ends `mlas serve`, on a thread of its own so that it works whatever the other
// threads are doing.
//
// A signal handler runs on the main thread, and worker threads get no signals; so a main thread
// stuck in synchronous code never sees SIGTERM, and a graceful stop that waits on a busy thread never
// ends. The watchdog thread therefore kills the process (SIGKILL, after a log line) when
//   - a stop began (SIGTERM) and the process still runs `killMs` later, or
//   - the main thread has not beaten its heart for `stallMs`, signal or not: it cannot answer the
//     probes, read signals or see a SIGTERM (the liveness probe would restart it a little later).
// With the chart's 30 s termination grace period: the graceful stop ends in about 1 s with a busy
// gRPC thread (it is terminated) and at most ~6 s with a slow client; the watchdog kills at 15 s
// after SIGTERM, or 20 s after the main thread stopped beating if that was before.

import { Worker } from "node:worker_threads";
import { workerModule } from "./worker-module.ts";

export interface WatchdogLimits {
  /** After a stop begins, the process is killed if it still runs this long after. */
  readonly killMs: number;
  /** The main thread not beating for this long kills the process. */
  readonly stallMs: number;
  /** Heartbeat and check period. */
  readonly tickMs: number;
}

export const WATCHDOG_LIMITS: WatchdogLimits = { killMs: 15_000, stallMs: 20_000, tickMs: 1_000 };

export interface WatchdogInit {
  readonly beats: SharedArrayBuffer;
  readonly limits: WatchdogLimits;
}

/** The message to the watchdog thread: a stop began at this time (ms since the epoch). */
export interface ArmWatchdog {
  readonly stopBeganAt: number;
}

export class Watchdog {
  private readonly worker: Worker;
  private readonly heart: NodeJS.Timeout;

  private constructor(worker: Worker, heart: NodeJS.Timeout) {
    this.worker = worker;
    this.heart = heart;
  }

  /** Starts the thread and the main thread's heartbeat; neither keeps the process alive. */
  static start(limits: WatchdogLimits = WATCHDOG_LIMITS): Watchdog {
    const beats = new SharedArrayBuffer(4);
    const counter = new Int32Array(beats);
    const worker = new Worker(workerModule("watchdog-worker", import.meta.url), {
      workerData: { beats, limits } satisfies WatchdogInit,
    });
    worker.unref();
    const heart = setInterval(() => {
      Atomics.add(counter, 0, 1);
    }, limits.tickMs);
    heart.unref();
    return new Watchdog(worker, heart);
  }

  /** A stop began: from now on the process has `killMs` to end. */
  arm(): void {
    this.worker.postMessage({ stopBeganAt: Date.now() } satisfies ArmWatchdog);
  }

  stop(): Promise<number> {
    clearInterval(this.heart);
    return this.worker.terminate();
  }
}
