// The engine's view of a forecast: point forecast and the configured upper quantile per step.

import type { ForecastView } from "../engine/types.ts";
import type { Forecast } from "./types.ts";

export function toForecastView(f: Forecast, quantile: number, generatedAt: number): ForecastView {
  return {
    generatedAt,
    start: f.start,
    stepSeconds: f.stepSeconds,
    mean: Array.from(f.mean),
    upper: Array.from(f.quantile(quantile)),
    confidence: f.confidence,
    model: `${f.model}/${f.mode}`,
  };
}
