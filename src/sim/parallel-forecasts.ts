// Runs trace forecast jobs on every core: this thread takes one share of the fits, a worker thread
// each of the others. The caller stays synchronous (simulate, compare and the platform replay are
// plain functions): it computes its share, then waits on a shared flag per worker (Atomics.wait) and
// takes the worker's answer from its port (receiveMessageOnPort), as synchronous worker calls do.
//
// The fits are pure and deterministic, so the forecasts equal those made on one thread, whatever the
// number of threads: fit i of the flattened list goes to thread i mod k, and each answer is put back
// at its index.

import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { MessageChannel, receiveMessageOnPort, Worker } from "node:worker_threads";
import type { ForecastView } from "../engine/types.ts";
import { forecastAt, type ForecastTimeline, type TraceForecastJob } from "./trace-forecasts.ts";

/** Beside this module, with its extension (.ts from source, .js from the build). */
const WORKER = new URL(`./forecast-worker${extname(new URL(import.meta.url).pathname)}`, import.meta.url);

/** A worker thread that has made no fit for this long is taken for dead (a fit takes under a second). */
const STALL_MS = 120_000;
/** Below this many fits a thread costs more to start than it saves. */
const FITS_PER_THREAD = 50;

/** Flag values in the shared status array (one slot per thread): a worker raises it after posting. */
export const RUNNING = 0;
export const ANSWERED = 1;

/** What a worker thread is given. */
export interface ShareData {
  readonly jobs: readonly TraceForecastJob[];
  readonly thread: number;
  readonly threads: number;
  /** Int32 per thread: each thread's status flag, then each thread's count of fits done. */
  readonly shared: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** Fit i of the flattened list, as [job, index of its second]. */
function flatten(jobs: readonly TraceForecastJob[]): [job: number, at: number][] {
  return jobs.flatMap((j, ji) => j.seconds.map((_, k): [number, number] => [ji, k]));
}

/** The views of this thread's share (fits thread, thread + threads, ...), counting each in `done`. */
export function computeShare(
  jobs: readonly TraceForecastJob[],
  thread: number,
  threads: number,
  onFit: () => void,
): ForecastView[] {
  const all = flatten(jobs);
  const out: ForecastView[] = [];
  for (let i = thread; i < all.length; i += threads) {
    const [ji, k] = all[i] ?? [0, 0];
    const job = jobs[ji] as TraceForecastJob;
    out.push(forecastAt(job, job.seconds[k] ?? 0));
    onFit();
  }
  return out;
}

/**
 * Every job's forecasts, in job order, on up to `threads` threads (this one included). `onProgress`
 * hears the fits done over all jobs.
 */
export function runForecastJobs(
  jobs: readonly TraceForecastJob[],
  onProgress?: (done: number, total: number) => void,
  threads = availableParallelism(),
): ForecastTimeline[] {
  const all = flatten(jobs);
  const k = Math.max(1, Math.min(threads, Math.floor(all.length / FITS_PER_THREAD)));
  const shared = new SharedArrayBuffer(8 * k);
  const status = new Int32Array(shared, 0, k);
  const fits = new Int32Array(shared, 4 * k, k);
  const report = (): void => {
    onProgress?.(
      fits.reduce((a, b) => a + b, 0),
      all.length,
    );
  };
  const workers = Array.from({ length: k - 1 }, (_, w) => startWorker(jobs, w + 1, k, shared));
  const shares: ForecastView[][] = [];
  try {
    let last = 0;
    shares[0] = computeShare(jobs, 0, k, () => {
      fits[0] = (fits[0] ?? 0) + 1;
      if ((fits[0] ?? 0) - last >= 10) {
        last = fits[0] ?? 0;
        report();
      }
    });
    workers.forEach((w, i) => {
      shares[i + 1] = awaitShare(w.port, status, fits, i + 1, report);
    });
  } finally {
    for (const w of workers) void w.worker.terminate();
  }
  report();
  const out: ForecastTimeline[] = jobs.map(() => []);
  all.forEach(([ji, at], i) => {
    const view = shares[i % k]?.[Math.floor(i / k)];
    if (!view) throw new Error(`forecast thread ${i % k} returned no forecast for fit ${i}`);
    out[ji]?.push({ t: jobs[ji]?.seconds[at] ?? 0, view });
  });
  return out;
}

function startWorker(
  jobs: readonly TraceForecastJob[],
  thread: number,
  threads: number,
  shared: SharedArrayBuffer,
): { worker: Worker; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  const data: ShareData = { jobs, thread, threads, shared, port: port2 };
  const worker = new Worker(WORKER, { workerData: data, transferList: [port2] });
  worker.unref();
  return { worker, port: port1 };
}

/** Blocks until worker `slot` has answered (or stalled), reporting progress meanwhile. */
function awaitShare(
  port: MessagePort,
  status: Int32Array,
  fits: Int32Array,
  slot: number,
  report: () => void,
): ForecastView[] {
  let seen = Atomics.load(fits, slot);
  let since = performance.now();
  while (Atomics.load(status, slot) === RUNNING) {
    Atomics.wait(status, slot, RUNNING, 1000);
    report();
    const now = Atomics.load(fits, slot);
    if (now !== seen) {
      seen = now;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS)
      throw new Error(`forecast thread ${slot}: no fit for ${STALL_MS / 1000} s`);
  }
  const m = receiveMessageOnPort(port)?.message as { views?: ForecastView[]; error?: string } | undefined;
  if (!m?.views) throw new Error(`forecast thread ${slot} failed: ${m?.error ?? "no answer"}`);
  return m.views;
}
