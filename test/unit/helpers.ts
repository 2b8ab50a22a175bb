// Builders for test configs and observations: a test states only what it is about.

import { parseConfig, type Config } from "../../src/config/schema.ts";
import type { ForecastView, Reading, ServiceObservations } from "../../src/engine/types.ts";

export const T0 = Date.parse("2026-03-04T03:00:00Z"); // a Wednesday, 22:00 in New York (outside business hours)

type Doc = Record<string, unknown>;

/** A service with one extensive request-rate trigger (target 10) and one intensive GPU trigger (target 80). */
export function serviceDoc(over: Doc = {}): Doc {
  return {
    minReplicas: 1,
    maxReplicas: 10,
    podStartupSeconds: 120,
    loadSignal: "rps",
    triggers: {
      rps: { source: "prometheus", query: "sum(rate(x[1m]))", target: 10, kind: "extensive" },
      gpu: { source: "prometheus", query: "avg(DCGM_FI_DEV_GPU_UTIL)", target: 80, kind: "intensive" },
    },
    ...over,
  };
}

export function configOf(services: Record<string, Doc>, top: Doc = {}): Config {
  return parseConfig({ sources: { prometheus: { url: "http://127.0.0.1:9090" } }, services, ...top });
}

export function reading(value: number, at = T0): Reading {
  return { value, observedAt: at };
}

export function obs(
  signals: Record<string, number | undefined>,
  extra: Partial<ServiceObservations> = {},
  at = T0,
): ServiceObservations {
  const s: Record<string, Reading | undefined> = {};
  for (const [k, v] of Object.entries(signals)) s[k] = v === undefined ? undefined : reading(v, at);
  return { signals: s, readyReplicas: 2, currentReplicas: 2, idleSeconds: 0, ...extra };
}

/** A flat forecast: `mean` and `upper` for every minute of the next `minutes`, from `now`. */
export function flatForecast(
  now: number,
  mean: number,
  upper: number,
  confidence: number,
  minutes = 30,
): ForecastView {
  return {
    generatedAt: now,
    start: now,
    stepSeconds: 60,
    mean: Array.from({ length: minutes }, () => mean),
    upper: Array.from({ length: minutes }, () => upper),
    confidence,
    model: "test",
  };
}
