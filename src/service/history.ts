// From a load signal's history in the metrics store to what the loop keeps: when the service was
// last busy, and a forecast summary. Used inline and by the forecast worker (same code).

import { forecastWith } from "../forecast/calibrate.ts";
import { ours } from "../forecast/models/ours.ts";
import type { Forecast } from "../forecast/types.ts";
import { toForecastView } from "../forecast/view.ts";
import type { ForecastView } from "../engine/types.ts";
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

/**
 * What is kept of a forecast: its summary and the engine's view (30 points). Not the fitted model,
 * whose calibration arrays would cost hundreds of kilobytes per service.
 */
export interface ForecastState {
  readonly confidence: number;
  readonly recentWape: number;
  readonly patterns: Forecast["patterns"];
  readonly view: ForecastView;
  readonly generatedAt: number;
}

export interface HistoryResult {
  readonly historyFrom: number;
  readonly lastBusyAt?: number;
  readonly forecast?: ForecastState;
}

const clients = new Map<string, PrometheusClient>();

/**
 * History answers are large (10,080 points for a week at one minute, about 300 KB of JSON); at most
 * four are read at once, which bounds the memory a forecast cycle needs.
 */
const HISTORY_CONCURRENCY = 4;

function client(o: PrometheusOptions): PrometheusClient {
  const key = `${o.url}|${o.timeoutSeconds}|${o.maxConcurrency}`;
  let c = clients.get(key);
  if (!c) {
    c = new PrometheusClient({ ...o, maxConcurrency: Math.min(o.maxConcurrency, HISTORY_CONCURRENCY) });
    clients.set(key, c);
  }
  return c;
}

export async function readHistory(task: HistoryTask, signal?: AbortSignal): Promise<HistoryResult> {
  const step = HISTORY_STEP_SECONDS * 1000;
  const end = Math.floor(task.now / step) * step;
  const start = end - task.lookbackHours * 3_600_000;
  const h = await client(task.prometheus).range(task.query, start, end, HISTORY_STEP_SECONDS, signal);
  let lastBusyAt: number | undefined;
  for (let i = h.values.length - 1; i >= 0; i--) {
    if ((h.values[i] ?? 0) > task.activationLoad) {
      lastBusyAt = h.times[i] ?? 0;
      break;
    }
  }
  let forecast: ForecastState | undefined;
  if (task.predict) {
    const f = forecastWith(
      ours,
      { values: Float64Array.from(h.values), stepSeconds: HISTORY_STEP_SECONDS, start },
      task.horizonSteps,
    );
    forecast = {
      confidence: f.confidence,
      recentWape: f.recentWape,
      patterns: f.patterns,
      view: toForecastView(f, task.quantile, task.now),
      generatedAt: task.now,
    };
  }
  return {
    historyFrom: start,
    ...(lastBusyAt !== undefined ? { lastBusyAt } : {}),
    ...(forecast ? { forecast } : {}),
  };
}
