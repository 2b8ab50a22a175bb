// What the token-level simulator replays of a trace, and the forecasts ours plans with.
//
// The window: a run starts `settleSeconds` (an hour) before the measured part, not at the trace's
// start: every policy's state (pods, KEDA's cooldown, the HPA's 300 s window, the Dynamo-style
// planner's 180 s intervals) has settled by then, and replaying the warm-up's days request by
// request would cost more than the measured part. The warm-up still serves as history: the
// forecasts are fitted on the whole trace before each forecast time.
//
// The forecasts: of the token load (prompt + output tokens/s per minute, the series the llm block
// forecasts), made every forecastEverySeconds from the minutes before, on every core
// (parallel-forecasts.ts), as the request simulator makes them for its load signal
// (trace-forecasts.ts). The history is the tokens arriving per minute: the service's history
// counts the tokens vLLM served, which is the same while the replicas keep up (a prompt is counted
// at its first token, output tokens as they are generated, seconds later) and a policy-independent
// series, so that one set of forecasts serves every run.
//
// Example: a 7-day trace with a 3.5-day warm-up replays from 3.5 d - 1 h; forecasts every 5
// minutes from then, each from up to lookbackHours of the minutes before it.

import type { Config, ServiceConfig } from "../../config/schema.ts";
import { runForecastJobs } from "../parallel-forecasts.ts";
import { traceForecastJob, type ForecastTimeline } from "../trace-forecasts.ts";
import { firstArrivalAt, spanSeconds, tokensPerMinute, type LlmArrivals } from "./arrivals.ts";

/** How long a run replays before its measured part. */
export const SETTLE_SECONDS = 3600;
/** Seconds between two forecasts (the request simulator's cadence). */
export const FORECAST_EVERY_SECONDS = 300;

export interface ReplayWindow {
  /** The replayed requests, their times from the window's second 0. */
  readonly arrivals: LlmArrivals;
  /** The trace's second at the window's second 0 (a whole minute). */
  readonly offsetSeconds: number;
  /** The first measured second, in the window. */
  readonly measureFromSeconds: number;
  /** Epoch ms of the trace's second 0: the load's history is known from then. */
  readonly historyFrom: number;
}

/** The window of `a` a run replays when the first `warmupSeconds` are not measured. */
export function replayWindow(
  a: LlmArrivals,
  warmupSeconds: number,
  settleSeconds = SETTLE_SECONDS,
): ReplayWindow {
  const offset = Math.max(0, Math.floor((warmupSeconds - settleSeconds) / 60) * 60);
  if (offset === 0)
    return { arrivals: a, offsetSeconds: 0, measureFromSeconds: warmupSeconds, historyFrom: a.start };
  const i = firstArrivalAt(a.times, offset);
  const times = a.times.slice(i);
  for (let k = 0; k < times.length; k++) times[k] = (times[k] ?? 0) - offset;
  return {
    arrivals: {
      ...a,
      start: a.start + offset * 1000,
      times,
      inputTokens: a.inputTokens.subarray(i),
      outputTokens: a.outputTokens.subarray(i),
    },
    offsetSeconds: offset,
    measureFromSeconds: warmupSeconds - offset,
    historyFrom: a.start,
  };
}

/**
 * The forecasts of the token load ours plans with in `window`, by the window's second they were
 * made; empty when the service is not predictive or the trace is too short to fit any forecast
 * (an hour of history at least, trace-forecasts.ts).
 */
export function tokenForecasts(
  trace: LlmArrivals,
  window: ReplayWindow,
  config: Config,
  service: ServiceConfig,
  onProgress?: (done: number, total: number) => void,
): ForecastTimeline {
  const job = traceForecastJob(
    { minuteRate: tokensPerMinute(trace), start: trace.start },
    spanSeconds(trace),
    config.predictiveScaling,
    service.predictive,
    { everySeconds: FORECAST_EVERY_SECONDS, warmupSeconds: window.offsetSeconds + window.measureFromSeconds },
  );
  if (!job || job.seconds.length === 0) return [];
  const timeline = runForecastJobs([job], onProgress)[0] ?? [];
  return timeline
    .filter((f) => f.t >= window.offsetSeconds)
    .map((f) => ({ t: f.t - window.offsetSeconds, view: f.view }));
}
