// Rule 2, predictive: a plan, not a worst case. Two numbers, each a floor under the reactive count:
//
// - ready-time need: a pod started now serves from now + podStartup, so the forecast at that moment
//   (the steps overlapping [now + startup, now + startup + refresh]) divided by the per-replica
//   capacity is what to start now, at the configured upper quantile. Later peaks are planned for by
//   later decisions. A queue trigger's backlog adds the rate that drains it within the start-up:
//   arrivals q95 4/s + 300 messages / 30 s = 14/s, at 2/s per replica = 7 replicas. Measured with the GPU example (180 s start-up, cost at 1% SLO-violating
//   minutes): the point forecast instead of the quantile cost 0.98x reactive on NASA instead of
//   0.88x, and the quantile only while the point forecast rises 0.98x too; on ServeGen the point
//   forecast gave 0.95x and the quantile 1.10x. Which pays depends on the series; the quantile is kept.
// - hold: a running pod is kept when the point forecast expects it to be needed again within the
//   time re-creating it would take and waste (start-up plus the HPA's scale-down cooldown); it never
//   raises the count above the current one. Scale-in therefore happens only when the forecast says
//   load stays low for longer than that.
//
// Worked example: start-up 180 s, refresh 60 s, capacity 10, current 7. The q95 at 10:03-10:04 is 48:
// start ceil(48 / 10) = 5 now. The mean peaks at 55 within 10:00-10:08 (start-up + 300 s cooldown):
// hold min(7, ceil(55 / 10)) = 6. The floor is max(5, 6) = 6; reactive may still ask for more.
// The forecast never forces a scale-in by itself.

import type { PredictiveConfig, ServiceConfig } from "../../config/schema.ts";
import { ceilSafe } from "../hpa.ts";
import type { ForecastView, Reading, Reason } from "../types.ts";
import { fmt } from "./reactive.ts";

export interface PredictiveResult {
  /** Replicas the forecast asks for (computed even when not applied). */
  readonly replicas?: number;
  /** True when the floor may act (enabled, confident, not forecast-only). */
  readonly applied: boolean;
  /** The forecast is confident enough to be trusted (for pre-warm and scale-to-zero). */
  readonly confident: boolean;
  readonly confidence?: number;
  /** Highest point forecast over start-up + scale-ahead (load units), for pre-warm and scale to zero. */
  readonly peakMean?: number;
  readonly reasons: readonly Reason[];
}

/** What the planner knows about the workload beyond the forecast. */
export interface PlanInput {
  /** Replicas that exist now (ready or starting); undefined when unknown (no hold then). */
  readonly currentReplicas?: number | undefined;
  /** The latest readings by trigger name: a queue trigger's backlog is sized with the arrivals. */
  readonly signals?: Readonly<Record<string, Reading | undefined>>;
}

/**
 * The backlog of the service's queue triggers (RabbitMQ messages or messages_ready), summed;
 * undefined when the service has none or none was read.
 */
export function queueBacklog(svc: ServiceConfig, signals: PlanInput["signals"]): number | undefined {
  let total: number | undefined;
  for (const t of svc.triggers) {
    if (t.source !== "rabbitmq" || (t.rabbitMetric !== "messages" && t.rabbitMetric !== "messages_ready"))
      continue;
    const v = signals?.[t.name]?.value;
    if (v === undefined || !Number.isFinite(v) || v < 0) continue;
    total = (total ?? 0) + v;
  }
  return total;
}

const NONE: PredictiveResult = { applied: false, confident: false, reasons: [] };

/** A forecast older than this many refresh periods is ignored. */
const MAX_FORECAST_AGE_PERIODS = 3;
/**
 * The HPA's scale-down stabilisation (autoscaling/v2 default, set explicitly by the chart): a pod
 * given up is gone for at least this long after the last recommendation that wanted it.
 */
export const SCALE_IN_COOLDOWN_SECONDS = 300;

/** Highest value of `series` over the steps overlapping [from, to]; -1 when none does. */
function peakOver(f: ForecastView, series: readonly number[], from: number, to: number): number {
  const stepMs = f.stepSeconds * 1000;
  let peak = -1;
  for (let i = 0; i < series.length; i++) {
    const t0 = f.start + i * stepMs;
    if (t0 + stepMs <= from || t0 > to) continue;
    const v = series[i] ?? 0;
    if (Number.isFinite(v) && v > peak) peak = v;
  }
  return peak;
}

function stale(p: PredictiveConfig, f: ForecastView, now: number): string | undefined {
  const age = (now - f.generatedAt) / 1000;
  const maxAge = Math.max(MAX_FORECAST_AGE_PERIODS * p.refreshSeconds, 300);
  return age > maxAge ? `forecast is ${Math.round(age)}s old (> ${maxAge}s): reactive only` : undefined;
}

interface Plan {
  readonly replicas: number;
  readonly message: string;
}

function plan(
  p: PredictiveConfig,
  svc: ServiceConfig,
  capacity: number,
  f: ForecastView,
  now: number,
  input: PlanInput,
): Plan | undefined {
  const startup = svc.podStartupSeconds;
  const readyAt = now + startup * 1000;
  const readyEnd = readyAt + p.refreshSeconds * 1000;
  const atReady = peakOver(f, f.upper, readyAt, readyEnd);
  if (atReady < 0) return undefined;
  const q = `q${Math.round(p.quantile * 100)}`;
  const backlog = queueBacklog(svc, input.signals);
  // A backlog is drained by the time a pod started now would be ready, on top of the arrivals.
  const drain = backlog !== undefined && backlog > 0 ? backlog / Math.max(startup, 1) : 0;
  const up = Math.max(0, ceilSafe((atReady + drain) / capacity));
  let message =
    drain > 0
      ? `plan for ready time now+${startup}s: (${q} arrivals ${fmt(atReady)} + backlog ${fmt(backlog ?? 0)} drained in ${startup}s ${fmt(drain)}) / ${fmt(capacity)} per replica = ${up}`
      : `plan for ready time now+${startup}s: ${q} ${fmt(atReady)} / ${fmt(capacity)} per replica = ${up}`;
  const current = input.currentReplicas;
  if (current === undefined || current <= up) return { replicas: up, message };
  const keepFor = startup + SCALE_IN_COOLDOWN_SECONDS;
  const soon = peakOver(f, f.mean, now, now + keepFor * 1000);
  const hold = Math.min(current, Math.max(0, ceilSafe(soon / capacity)));
  if (hold > up) {
    message += `; hold ${hold} of ${current}: mean peak ${fmt(soon)} within start-up + cooldown (${keepFor}s) needs them again sooner than re-creating pays`;
    return { replicas: hold, message };
  }
  message += `; scale-in allowed: mean stays <= ${fmt(soon)} (${hold} replicas) for start-up + cooldown (${keepFor}s)`;
  return { replicas: up, message };
}

export function predictive(
  p: PredictiveConfig,
  svc: ServiceConfig,
  f: ForecastView | undefined,
  now: number,
  input: PlanInput = {},
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
  const old = stale(p, f, now);
  if (old !== undefined) return { ...NONE, reasons: [{ rule: "predictive", message: old }] };
  const planned = plan(p, svc, svc.capacityPerReplica, f, now, input);
  if (planned === undefined) {
    return {
      ...NONE,
      reasons: [{ rule: "predictive", message: "forecast does not cover the ready time: reactive only" }],
    };
  }
  const windowEnd = now + (p.scaleAheadMinutes * 60 + svc.podStartupSeconds) * 1000;
  const peakMean = peakOver(f, f.mean, now, windowEnd);
  const confident = f.confidence >= p.confidenceThreshold;
  let message: string;
  if (!confident)
    message = `${planned.message}; confidence ${f.confidence.toFixed(2)} < ${p.confidenceThreshold}: reactive only`;
  else if (!p.enableProactiveScaling) message = `${planned.message}; forecast-only mode: not applied`;
  else message = `${planned.message} (confidence ${f.confidence.toFixed(2)}, ${f.model})`;
  return {
    replicas: planned.replicas,
    applied: confident && p.enableProactiveScaling,
    confident,
    confidence: f.confidence,
    ...(peakMean >= 0 ? { peakMean } : {}),
    reasons: [{ rule: "predictive", message }],
  };
}
