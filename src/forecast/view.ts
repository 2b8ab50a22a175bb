// The engine's view of a forecast: point forecast, the configured upper quantile per step, and the
// quantile bands the planner picks its own level from.

import type { ForecastView } from "../engine/types.ts";
import type { Forecast } from "./types.ts";

/** Quantile levels exported to the planner; it interpolates between neighbours. */
export const BAND_LEVELS: readonly number[] = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99];

export function toForecastView(f: Forecast, quantile: number, generatedAt: number): ForecastView {
  return {
    generatedAt,
    start: f.start,
    stepSeconds: f.stepSeconds,
    mean: Array.from(f.mean),
    upper: Array.from(f.quantile(quantile)),
    bands: BAND_LEVELS.map((level) => ({
      level,
      values: Array.from(f.quantile(level)),
      missBeyondLast: Array.from(f.missBeyondLast(level), (m) => (Number.isNaN(m) ? null : m)),
    })),
    confidence: f.confidence,
    model: `${f.model}/${f.mode}`,
  };
}
