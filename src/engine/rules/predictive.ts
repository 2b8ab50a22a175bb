// Rule 2, predictive: the forecast's high quantile over [now, now + scaleAhead + podStartup],
// divided by per-replica capacity, is a floor under the reactive count. It never scales in by itself.

import type { PredictiveConfig, ServiceConfig } from "../../config/schema.ts";
import { ceilSafe } from "../hpa.ts";
import type { ForecastView, Reason } from "../types.ts";
import { fmt } from "./reactive.ts";

export interface PredictiveResult {
  /** Replicas the forecast asks for (computed even when not applied). */
  readonly replicas?: number;
  /** True when the floor may act (enabled, confident, not forecast-only). */
  readonly applied: boolean;
  /** The forecast is confident enough to be trusted (for pre-warm and scale-to-zero). */
  readonly confident: boolean;
  readonly confidence?: number;
  /** Highest point forecast in the window (load units). */
  readonly peakMean?: number;
  readonly reasons: readonly Reason[];
}

const NONE: PredictiveResult = { applied: false, confident: false, reasons: [] };

/** A forecast older than this many refresh periods is ignored. */
const MAX_FORECAST_AGE_PERIODS = 3;

export function predictive(
  p: PredictiveConfig,
  svc: ServiceConfig,
  f: ForecastView | undefined,
  now: number,
): PredictiveResult {
  if (!p.enabled || !svc.predictive) return NONE;
  if (svc.loadTrigger === undefined || svc.capacityPerReplica === undefined) {
    return {
      ...NONE,
      reasons: [{ rule: "predictive", message: "no extensive load signal to forecast: reactive only" }],
    };
  }
  if (f === undefined)
    return { ...NONE, reasons: [{ rule: "predictive", message: "no forecast yet: reactive only" }] };
  const age = (now - f.generatedAt) / 1000;
  const maxAge = Math.max(MAX_FORECAST_AGE_PERIODS * p.refreshSeconds, 300);
  if (age > maxAge) {
    return {
      ...NONE,
      reasons: [
        { rule: "predictive", message: `forecast is ${Math.round(age)}s old (> ${maxAge}s): reactive only` },
      ],
    };
  }
  const windowEnd = now + (p.scaleAheadMinutes * 60 + svc.podStartupSeconds) * 1000;
  const stepMs = f.stepSeconds * 1000;
  let peakUpper = -1;
  let peakMean = -1;
  for (let i = 0; i < f.mean.length; i++) {
    const t0 = f.start + i * stepMs;
    // A step counts if any part of it overlaps the window.
    if (t0 + stepMs <= now || t0 > windowEnd) continue;
    const u = f.upper[i] ?? 0;
    const m = f.mean[i] ?? 0;
    if (Number.isFinite(u) && u > peakUpper) peakUpper = u;
    if (Number.isFinite(m) && m > peakMean) peakMean = m;
  }
  if (peakUpper < 0) {
    return {
      ...NONE,
      reasons: [
        { rule: "predictive", message: "forecast does not cover the scale-ahead window: reactive only" },
      ],
    };
  }
  const replicas = Math.max(0, ceilSafe(peakUpper / svc.capacityPerReplica));
  const confident = f.confidence >= p.confidenceThreshold;
  const head = `forecast q${Math.round(p.quantile * 100)} peak ${fmt(peakUpper)} over next ${p.scaleAheadMinutes}m+${svc.podStartupSeconds}s / ${fmt(svc.capacityPerReplica)} per replica = ${replicas}`;
  let message: string;
  if (!confident)
    message = `${head}; confidence ${f.confidence.toFixed(2)} < ${p.confidenceThreshold}: reactive only`;
  else if (!p.enableProactiveScaling) message = `${head}; forecast-only mode: not applied`;
  else message = `${head} (confidence ${f.confidence.toFixed(2)})`;
  return {
    replicas,
    applied: confident && p.enableProactiveScaling,
    confident,
    confidence: f.confidence,
    peakMean,
    reasons: [{ rule: "predictive", message }],
  };
}
