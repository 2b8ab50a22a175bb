// Runs the KEDA gRPC server on a thread of its own. The loop's thread reads signals (thousands of
// HTTP requests a cycle), renders /metrics and decides; none of that may delay an answer to KEDA.
// The gRPC thread holds only a table of verdicts, sent to it as they change, so its heap is small
// and its garbage collections are short. Its calls' outcomes come back in batches for /metrics.

import { Worker } from "node:worker_threads";
import type { GrpcServerOptions } from "./keda-grpc.ts";
import type { Logger } from "./log.ts";
import type { VerdictChange } from "./verdicts.ts";
import { workerModule } from "./worker-module.ts";

export interface GrpcThreadInit {
  readonly services: readonly string[];
  readonly host: string;
  readonly port: number;
  readonly tls?: GrpcServerOptions["tls"];
  /** One BigInt64: when the thread's event loop last ran its heartbeat (ms since the epoch). */
  readonly heart: SharedArrayBuffer;
}

/** How often the gRPC thread's event loop marks that it runs. */
export const GRPC_HEARTBEAT_MS = 1000;

export type ToGrpcThread =
  | { readonly t: "verdicts"; readonly changes: readonly VerdictChange[] }
  | { readonly t: "flush"; readonly id: number }
  | { readonly t: "tls"; readonly tls: NonNullable<GrpcServerOptions["tls"]> }
  | { readonly t: "shutdown"; readonly graceMs: number };

export type FromGrpcThread =
  | { readonly t: "listening"; readonly port: number }
  | { readonly t: "failed"; readonly message: string }
  | {
      readonly t: "log";
      readonly level: keyof Logger;
      readonly msg: string;
      readonly fields?: Record<string, unknown>;
    }
  | {
      readonly t: "calls";
      /** [method, code, count] */
      readonly counts: readonly (readonly [string, string, number])[];
      /** [method, durations in seconds] */
      readonly durations: readonly (readonly [string, readonly number[]])[];
    }
  | { readonly t: "flushed"; readonly id: number }
  /** The shutdown message arrived: the thread's event loop is running. */
  | { readonly t: "stopping" }
  | { readonly t: "stopped" };

/** Where the thread's call outcomes land on this side (the mlas_grpc_* metrics). */
export interface CallSink {
  count(method: string, code: string, n: number): void;
  time(method: string, seconds: number): void;
}

/** The young generation of the gRPC thread's heap, in MB: small, so that each scavenge is short. */
const YOUNG_GENERATION_MB = 4;

/**
 * At shutdown, a thread that has not acknowledged the request within this long is busy (stuck in
 * synchronous code) and is terminated at once: it answers no call anyway. An idle thread
 * acknowledges within a millisecond.
 */
const SHUTDOWN_ACK_MS = 1000;

export class GrpcThread {
  readonly port: number;
  private readonly worker: Worker;
  private readonly heart: BigInt64Array;
  private stopped: Promise<void> | undefined;
  private exited = false;
  /** Set by shutdown(): the thread's exit from then on is expected, not a crash. */
  private stopping = false;
  private nextFlush = 1;
  private readonly flushes = new Map<number, () => void>();

  private constructor(worker: Worker, port: number, heart: SharedArrayBuffer) {
    this.worker = worker;
    this.port = port;
    this.heart = new BigInt64Array(heart);
    worker.once("exit", () => {
      this.exited = true;
    });
    worker.on("message", (m: FromGrpcThread) => {
      if (m.t !== "flushed") return;
      this.flushes.get(m.id)?.();
      this.flushes.delete(m.id);
    });
  }

  /**
   * Starts the thread and resolves once it listens (rejects if it cannot bind). After that, a
   * crash of the thread calls `onFatal`: the process cannot answer KEDA without it.
   */
  static start(
    init: Omit<GrpcThreadInit, "heart">,
    log: Logger,
    sink: CallSink,
    onFatal: (e: Error) => void,
  ): Promise<GrpcThread> {
    const heart = new SharedArrayBuffer(8);
    Atomics.store(new BigInt64Array(heart), 0, BigInt(Date.now()));
    const worker = new Worker(workerModule("grpc-worker", import.meta.url), {
      workerData: { ...init, heart } satisfies GrpcThreadInit,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    return new Promise((resolve, reject) => {
      let thread: GrpcThread | undefined;
      let exiting = false;
      worker.on("message", (m: FromGrpcThread) => {
        switch (m.t) {
          case "listening":
            thread = new GrpcThread(worker, m.port, heart);
            resolve(thread);
            break;
          case "failed":
            exiting = true;
            void worker.terminate();
            reject(new Error(m.message));
            break;
          case "log":
            log[m.level](m.msg, m.fields);
            break;
          case "calls":
            for (const [method, code, n] of m.counts) sink.count(method, code, n);
            for (const [method, seconds] of m.durations) for (const s of seconds) sink.time(method, s);
            break;
          case "stopped":
            exiting = true;
            break;
        }
      });
      // Once: a crash is reported as an error and then as an exit.
      const fail = (e: Error): void => {
        if (exiting || thread?.stopping === true) return;
        exiting = true;
        if (thread) onFatal(e);
        else reject(e);
      };
      worker.on("error", fail);
      worker.on("exit", (code) => {
        fail(new Error(`the gRPC thread exited unexpectedly (code ${String(code)})`));
      });
    });
  }

  /**
   * Resolves once the thread's call outcomes so far have reached the sink (messages arrive in
   * order), or after timeoutMs if the thread is busy: a scrape then shows them next time.
   */
  flush(timeoutMs = 200): Promise<void> {
    if (this.stopped || this.exited) return Promise.resolve();
    const id = this.nextFlush++;
    return new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.flushes.delete(id);
        resolve();
      }, timeoutMs);
      this.flushes.set(id, () => {
        clearTimeout(t);
        resolve();
      });
      this.worker.postMessage({ t: "flush", id } satisfies ToGrpcThread);
    });
  }

  /**
   * How long the thread's event loop has not run, in ms: about GRPC_HEARTBEAT_MS at most while it
   * serves; more when it is stuck in synchronous code (and answers no call).
   */
  silentMs(now: number = Date.now()): number {
    return now - Number(Atomics.load(this.heart, 0));
  }

  publish(changes: readonly VerdictChange[]): void {
    if (changes.length > 0) this.worker.postMessage({ t: "verdicts", changes } satisfies ToGrpcThread);
  }

  /** Renewed TLS files: new connections get them, established ones keep theirs. */
  updateTls(tls: NonNullable<GrpcServerOptions["tls"]>): void {
    if (!this.stopped && !this.exited) this.worker.postMessage({ t: "tls", tls } satisfies ToGrpcThread);
  }

  /**
   * Stops accepting calls, ends streams, waits for in-flight calls (forced after graceMs), then ends
   * the thread. A thread that does not acknowledge within SHUTDOWN_ACK_MS is busy and is terminated
   * at once; one that acknowledges but has not stopped by graceMs + SHUTDOWN_ACK_MS, too. Termination
   * interrupts JavaScript wherever it is (a loop, a regular expression).
   */
  shutdown(graceMs = 5000, log?: Logger): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.stopping = true;
    this.stopped ??= new Promise<"stopped" | "busy" | "late">((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (how: "stopped" | "busy" | "late"): void => {
        clearTimeout(timer);
        resolve(how);
      };
      timer = setTimeout(settle, SHUTDOWN_ACK_MS, "busy");
      this.worker.on("message", (m: FromGrpcThread) => {
        if (m.t === "stopping") {
          clearTimeout(timer);
          timer = setTimeout(settle, graceMs + SHUTDOWN_ACK_MS, "late");
        } else if (m.t === "stopped") settle("stopped");
      });
      this.worker.on("exit", () => {
        settle("stopped");
      });
      this.worker.postMessage({ t: "shutdown", graceMs } satisfies ToGrpcThread);
    }).then((how) => {
      if (how !== "stopped")
        log?.warn("the gRPC thread did not stop in time; terminating it", {
          reason:
            how === "busy"
              ? "busy: it did not acknowledge the shutdown"
              : "in-flight calls outlasted the grace",
        });
      return this.worker.terminate().then(() => undefined);
    });
    return this.stopped;
  }
}
