// The service's history reader: a load signal's history from the metrics store (cached between
// cycles), summarised by the pipeline into what the loop keeps (when the service was last busy, and a
// forecast). Used inline and by the forecast worker (same code).

import { summarizeHistory, type HistorySummary } from "../pipeline/forecast.ts";
import { PrometheusClient, type PrometheusOptions } from "../signals/prometheus.ts";

export const HISTORY_STEP_SECONDS = 60;

export interface HistoryTask {
  readonly prometheus: PrometheusOptions;
  readonly query: string;
  readonly now: number;
  readonly lookbackHours: number;
  readonly horizonSteps: number;
  readonly quantile: number;
  readonly activationLoad: number;
  readonly predict: boolean;
}

/** Reads and summarises one history task (the forecast pool runs it on its thread). */
export interface HistoryReader {
  run(task: HistoryTask, signal?: AbortSignal): Promise<HistorySummary>;
}

const clients = new Map<string, PrometheusClient>();

/**
 * History answers are large (10,080 points for a week at one minute, about 300 KB of JSON); at most
 * four are read at once, which bounds the memory a forecast cycle needs.
 */
const HISTORY_CONCURRENCY = 4;

function client(o: PrometheusOptions): PrometheusClient {
  const key = JSON.stringify(o);
  let c = clients.get(key);
  if (!c) {
    // The forecast worker is an entry point of its own: basic-auth variables are read here.
    c = new PrometheusClient(
      { ...o, maxConcurrency: Math.min(o.maxConcurrency, HISTORY_CONCURRENCY) },
      process.env,
      false,
    );
    clients.set(key, c);
  }
  return c;
}

/**
 * Each load signal's history, kept between cycles so that a cycle reads only the minutes since the
 * last one instead of the whole lookback (a week is 10,080 points, about 300 KB of JSON, per service
 * per cycle otherwise). Float32 (4 bytes a point: 40 KB a week) is ample for a load signal.
 */
interface CachedHistory {
  readonly start: number;
  readonly end: number;
  readonly values: Float32Array;
  /** When the whole lookback was last read. */
  readonly fullAt: number;
}

const histories = new Map<string, CachedHistory>();

/**
 * The last OVERLAP_STEPS minutes are read again each cycle: samples can land late (scrape and
 * remote-write lag, rate() windows that were still filling). Everything is read again every
 * FULL_READ_MS, so a store that changed further back (a backfill, a new recording rule) is picked up.
 */
export const OVERLAP_STEPS = 15;
export const FULL_READ_MS = 6 * 3_600_000;

/** The task's lookback window of history, from the cache plus what is new in the store. */
async function history(task: HistoryTask, signal?: AbortSignal): Promise<CachedHistory> {
  const step = HISTORY_STEP_SECONDS * 1000;
  const end = Math.floor(task.now / step) * step;
  const start = end - task.lookbackHours * 3_600_000;
  const key = `${task.prometheus.url}|${task.query}|${task.lookbackHours}`;
  const old = histories.get(key);
  const incremental =
    old !== undefined &&
    end >= old.end &&
    end - old.end < task.lookbackHours * 3_600_000 &&
    task.now - old.fullAt < FULL_READ_MS;
  const from = incremental ? Math.max(start, old.end - OVERLAP_STEPS * step) : start;
  const h = await client(task.prometheus).range(task.query, from, end, HISTORY_STEP_SECONDS, signal);
  const values = new Float32Array((end - start) / step + 1).fill(Number.NaN);
  if (incremental) {
    // What the cache holds of [start, from), shifted into place.
    const skip = (start - old.start) / step;
    values.set(old.values.subarray(skip, skip + (from - start) / step));
  }
  values.set(h.values, (from - start) / step);
  const cached = { start, end, values, fullAt: incremental ? old.fullAt : task.now };
  histories.set(key, cached);
  return cached;
}

export async function readHistory(task: HistoryTask, signal?: AbortSignal): Promise<HistorySummary> {
  const { start, values } = await history(task, signal);
  const series = { values: Float64Array.from(values), stepSeconds: HISTORY_STEP_SECONDS, start };
  const forecast = task.predict ? { horizonSteps: task.horizonSteps, quantile: task.quantile } : undefined;
  return summarizeHistory(series, task.activationLoad, task.now, forecast);
}

/** History read inline, on the calling thread. */
export const inlineHistory: HistoryReader = { run: readHistory };
