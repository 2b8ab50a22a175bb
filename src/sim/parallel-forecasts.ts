// Runs trace forecast jobs on every core: this thread and one worker thread per other core take the
// fits one at a time from a shared counter, so a thread that is slower (a busy core, a late start)
// simply takes fewer. The caller stays synchronous (simulate, compare and the platform replay are
// plain functions): it fits until none is left, then waits on a shared flag per worker
// (Atomics.wait) and takes the worker's answers from its port (receiveMessageOnPort), as
// synchronous worker calls do.
//
// The fits are pure and deterministic, so the forecasts equal those made on one thread, whatever the
// number of threads: each answer carries the index of its fit and is put back there.

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

/** Layout of the shared Int32 array: the next fit to take, then one flag and one fit count per thread. */
const NEXT = 0;
const flagSlot = (thread: number): number => 1 + 2 * thread;
const fitsSlot = (thread: number): number => 2 + 2 * thread;
/** A worker raises its flag after posting its answers. */
const RUNNING = 0;
const ANSWERED = 1;

/** What a worker thread is given. */
export interface ShareData {
  readonly jobs: readonly TraceForecastJob[];
  readonly thread: number;
  readonly shared: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** The fits taken by one thread: their indices in the flattened list, and their views. */
export interface Share {
  readonly fits: number[];
  readonly views: ForecastView[];
}

/** Fit i of the flattened list, as [job, index of its second]. */
function flatten(jobs: readonly TraceForecastJob[]): [job: number, at: number][] {
  return jobs.flatMap((j, ji) => j.seconds.map((_, k): [number, number] => [ji, k]));
}

/** Takes fits from the shared counter until none is left; counts each in the thread's slot. */
export function takeFits(
  jobs: readonly TraceForecastJob[],
  shared: SharedArrayBuffer,
  thread: number,
  onFit?: () => void,
): Share {
  const all = flatten(jobs);
  const cells = new Int32Array(shared);
  const share: Share = { fits: [], views: [] };
  for (let i = Atomics.add(cells, NEXT, 1); i < all.length; i = Atomics.add(cells, NEXT, 1)) {
    const [ji, k] = all[i] ?? [0, 0];
    const job = jobs[ji] as TraceForecastJob;
    share.fits.push(i);
    share.views.push(forecastAt(job, job.seconds[k] ?? 0));
    Atomics.add(cells, fitsSlot(thread), 1);
    onFit?.();
  }
  return share;
}

/** Raises worker `thread`'s flag and wakes the waiting thread. */
export function raiseFlag(shared: SharedArrayBuffer, thread: number): void {
  const cells = new Int32Array(shared);
  Atomics.store(cells, flagSlot(thread), ANSWERED);
  Atomics.notify(cells, flagSlot(thread));
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
  const shared = new SharedArrayBuffer(4 * (1 + 2 * k));
  const cells = new Int32Array(shared);
  const report = (): void => {
    let done = 0;
    for (let t = 0; t < k; t++) done += Atomics.load(cells, fitsSlot(t));
    onProgress?.(done, all.length);
  };
  const workers = Array.from({ length: k - 1 }, (_, w) => startWorker(jobs, w + 1, shared));
  const shares: Share[] = [];
  try {
    let mine = 0;
    shares.push(takeFits(jobs, shared, 0, () => (++mine % 10 === 0 ? report() : undefined)));
    workers.forEach((w, i) => shares.push(awaitShare(w.port, cells, i + 1, report)));
  } finally {
    for (const w of workers) void w.worker.terminate();
  }
  report();
  const views: (ForecastView | undefined)[] = new Array<ForecastView | undefined>(all.length);
  for (const s of shares) s.fits.forEach((i, n) => (views[i] = s.views[n]));
  const out: ForecastTimeline[] = jobs.map(() => []);
  all.forEach(([ji, at], i) => {
    const view = views[i];
    if (!view) throw new Error(`no forecast thread made fit ${i}`);
    out[ji]?.push({ t: jobs[ji]?.seconds[at] ?? 0, view });
  });
  return out;
}

function startWorker(
  jobs: readonly TraceForecastJob[],
  thread: number,
  shared: SharedArrayBuffer,
): { worker: Worker; port: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  const data: ShareData = { jobs, thread, shared, port: port2 };
  const worker = new Worker(WORKER, { workerData: data, transferList: [port2] });
  worker.unref();
  return { worker, port: port1 };
}

/** Blocks until worker `thread` has answered (or stalled), reporting progress meanwhile. */
function awaitShare(port: MessagePort, cells: Int32Array, thread: number, report: () => void): Share {
  let seen = Atomics.load(cells, fitsSlot(thread));
  let since = performance.now();
  while (Atomics.load(cells, flagSlot(thread)) === RUNNING) {
    Atomics.wait(cells, flagSlot(thread), RUNNING, 1000);
    report();
    const now = Atomics.load(cells, fitsSlot(thread));
    if (now !== seen) {
      seen = now;
      since = performance.now();
    } else if (performance.now() - since > STALL_MS)
      throw new Error(`forecast thread ${thread}: no fit for ${STALL_MS / 1000} s`);
  }
  const m = receiveMessageOnPort(port)?.message as { share?: Share; error?: string } | undefined;
  if (!m?.share) throw new Error(`forecast thread ${thread} failed: ${m?.error ?? "no answer"}`);
  return m.share;
}
