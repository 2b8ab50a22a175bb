// Forecasts of a trace's load, made from its past only, as the service makes them from Prometheus
// (pipeline/forecast.ts): every forecastEverySeconds, from the minutes fully observed before that
// second, up to lookbackHours. A forecast depends on the trace and predictiveScaling only, never on
// the policy (the counter counts arrivals), so one set serves every run on the trace.
//
// They are most of a replay's time (a 28-day trace is about 6,000 fits), so they run on worker
// threads (parallel-forecasts.ts); a job is plain data so that a thread can take it.

import type { ForecastView } from "../engine/types.ts";
import { forecastLoad, type ForecastSettings } from "../pipeline/forecast.ts";

/** Forecasts by the second they were made (ascending). */
export type ForecastTimeline = { t: number; view: ForecastView }[];

/** Everything forecasting one trace needs. */
export interface TraceForecastJob {
  /** Per-minute mean load; minute m covers seconds [60m, 60m + 60). */
  readonly minuteRate: Float64Array;
  /** Epoch ms of second 0. */
  readonly start: number;
  readonly lookbackMinutes: number;
  readonly settings: ForecastSettings;
  /** The seconds to forecast at (each with at least an hour of history). */
  readonly seconds: readonly number[];
}

/** Shorter histories than this are not forecast. */
const MIN_HISTORY_MINUTES = 60;

/**
 * The job for a trace of `seconds` seconds: from an hour before the warm-up ends (so the first
 * measured decisions have a forecast) every `everySeconds`; undefined when the service is not predictive.
 */
export function traceForecastJob(
  w: { readonly minuteRate: Float64Array; readonly start: number },
  seconds: number,
  p: { readonly enabled: boolean; lookbackHours: number; forecastMinutes: number; quantile: number },
  predictive: boolean,
  timing: { readonly everySeconds: number; readonly warmupSeconds: number },
): TraceForecastJob | undefined {
  if (!p.enabled || !predictive) return undefined;
  const lookbackMinutes = p.lookbackHours * 60;
  const at: number[] = [];
  const first = Math.max(timing.everySeconds, timing.warmupSeconds - 3600);
  for (let t = first; t < seconds; t += timing.everySeconds) {
    const m = Math.floor(t / 60); // minutes fully observed before t
    if (m - Math.max(0, m - lookbackMinutes) >= MIN_HISTORY_MINUTES) at.push(t);
  }
  return {
    minuteRate: w.minuteRate,
    start: w.start,
    lookbackMinutes,
    settings: { horizonSteps: p.forecastMinutes, quantile: p.quantile },
    seconds: at,
  };
}

/** The forecast made at second t from the minutes before it. */
export function forecastAt(job: TraceForecastJob, t: number): ForecastView {
  const m = Math.floor(t / 60);
  const from = Math.max(0, m - job.lookbackMinutes);
  const history = {
    values: job.minuteRate.subarray(from, m),
    stepSeconds: 60,
    start: job.start + from * 60_000,
  };
  return forecastLoad(history, job.settings, job.start + t * 1000).view;
}
