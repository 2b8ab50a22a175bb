// From a load signal's history to what a decision needs of it: when the service was last busy, and
// the forecast (our model, calibrated, summarised for the engine). The service feeds it the history
// Prometheus returns; the simulator feeds it the trace's past. Pure: the history and the time are
// values; reading the history is the caller's business.

import { forecastWith } from "../forecast/calibrate.ts";
import { ours } from "../forecast/models/ours.ts";
import type { Forecast, SeriesInput } from "../forecast/types.ts";
import { toForecastView } from "../forecast/view.ts";
import type { ForecastView } from "../engine/types.ts";

/** What a forecast needs from predictiveScaling: its length and the quantile the engine plans with. */
export interface ForecastSettings {
  readonly horizonSteps: number;
  readonly quantile: number;
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

/**
 * The forecast of a load history made at `now`: our model fitted on `history` (samples up to now,
 * NaN for gaps), calibrated on its own recent errors, with the engine's view at `quantile`.
 */
export function forecastLoad(history: SeriesInput, settings: ForecastSettings, now: number): ForecastState {
  const f = forecastWith(ours, history, settings.horizonSteps);
  return {
    confidence: f.confidence,
    recentWape: f.recentWape,
    patterns: f.patterns,
    view: toForecastView(f, settings.quantile, now),
    generatedAt: now,
  };
}

/** What a history read tells the loop about one service. */
export interface HistorySummary {
  /**
   * The first step the store has a value for (idle time cannot be longer than this); absent when
   * it has none: an empty history says nothing about idleness.
   */
  readonly historyFrom?: number;
  /** The start of the last step whose load was above activationLoad. */
  readonly lastBusyAt?: number;
  readonly forecast?: ForecastState;
}

/**
 * Epoch ms of the last step of `values` (starting at `start`) above `activationLoad`. A step without
 * a sample (a collection gap) is not busy: reading it as busy would wake every service at zero
 * after a monitoring outage. What is not known at all is the time before the first sample.
 */
export function lastBusyAt(
  values: ArrayLike<number>,
  start: number,
  stepSeconds: number,
  activationLoad: number,
): number | undefined {
  for (let i = values.length - 1; i >= 0; i--)
    if ((values[i] ?? 0) > activationLoad) return start + i * stepSeconds * 1000;
  return undefined;
}

function firstKnown(values: ArrayLike<number>): number | undefined {
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] ?? Number.NaN)) return i;
  return undefined;
}

/** The history's last busy step and, when `forecast` settings are given, its forecast at `now`. */
export function summarizeHistory(
  history: SeriesInput,
  activationLoad: number,
  now: number,
  forecast?: ForecastSettings,
): HistorySummary {
  const first = firstKnown(history.values);
  const busy = lastBusyAt(history.values, history.start, history.stepSeconds, activationLoad);
  return {
    ...(first !== undefined ? { historyFrom: history.start + first * history.stepSeconds * 1000 } : {}),
    ...(busy !== undefined ? { lastBusyAt: busy } : {}),
    ...(forecast ? { forecast: forecastLoad(history, forecast, now) } : {}),
  };
}
