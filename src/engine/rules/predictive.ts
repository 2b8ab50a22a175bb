// Rule 2, predictive: a plan, not a worst case. Two numbers, each a floor under the reactive count:
//
// - ready-time need: a pod started now serves from now + podStartup, so the forecast at that moment
//   (the step holding now + startup) divided by the per-replica capacity is what to start now, at
//   the planner's quantile (below). Later moments are planned for by later decisions: the HPA asks
//   every 15 s, and sizing for the peak of a longer window (a refresh period, two or three steps)
//   pays for the next decisions' worst case too; on the demo without scale to zero and on ServeGen
//   that costs 1% more at 1% SLO-violating minutes (bench/RESULTS.md). A queue trigger's backlog
//   adds the rate that drains it within the start-up: arrivals q95 4/s + 300 messages / 30 s =
//   14/s, at 2/s per replica = 7 replicas.
// - hold: a running pod is kept when the point forecast expects it to be needed again within the
//   time re-creating it would take and waste (start-up plus the HPA's scale-down cooldown); it never
//   raises the count above the current one. Scale-in therefore happens only when the forecast says
//   load stays low for longer than that.
//
// The quantile comes from a newsvendor ratio, under / (under + over), of what one replica too few
// and one too many at the ready time cost:
// - under: a shortfall lasts at least until a pod started when it shows is ready, start-up seconds of
//   SLO-violating minutes at `violatingMinuteCost` each;
// - over: a pod started in vain is billed at least for its start-up and the scale-down cooldown.
// Example, the GPU example: $1 per violating minute, replica $2.70/h, start-up 180 s:
// under = $1 x 3 min = $3.00, over = $2.70/h x 480 s = $0.36, ratio 3.00 / 3.36 = 0.893: the plan
// should fall short in 10.7% of cases. The forecast's bands (q50..q99, its own out-of-sample error
// quantiles per lead) come with how often each recently fell short where the load at the origin
// did too (where sizing for the current load, as reactive does, would not have covered either);
// the planner takes the band whose such miss at the ready time is 1 - ratio, interpolated. Where
// the current load already covers most cases (a 10-minute trace replayed per minute) that is a
// low band; on a noisy series a high one. A CPU worker at $0.03/h (ratio 0.999) gets the top band.
// Measured (bench/RESULTS.md, cost at 1% SLO-violating minutes vs reactive): ServeGen 1.10 -> 0.99
// against the fixed q95, NASA 0.88 -> 0.89.
//
// Worked example: start-up 180 s, 1-minute steps, capacity 10, current 7, now 10:00:20. The
// quantile of the step 10:03-10:04 is 48: start ceil(48 / 10) = 5 now. The mean peaks at 55 within
// 10:00-10:08 (start-up + 300 s cooldown): hold min(7, ceil(55 / 10)) = 6. The floor is
// max(5, 6) = 6; reactive may still ask for more. The forecast never forces a scale-in by itself.

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
  /** The load the plan sized for at the ready time (its quantile, plus a queue's drain rate). */
  readonly plannedLoad?: number;
  readonly reasons: readonly Reason[];
}

/** What the planner knows about the workload beyond the forecast. */
export interface PlanInput {
  /** Replicas that exist now (ready or starting); undefined when unknown (no hold then). */
  readonly currentReplicas?: number | undefined;
  /** The latest readings by trigger name: a queue trigger's backlog is sized with the arrivals. */
  readonly signals?: Readonly<Record<string, Reading | undefined>>;
  /** Expected hourly price of one replica (USD, spot share blended); undefined when unknown. */
  readonly replicaHourlyPrice?: number | undefined;
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
export function peakOver(f: ForecastView, series: readonly number[], from: number, to: number): number {
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
  /** The load sized for at the ready time. */
  readonly load: number;
}

/** The planner's quantile and the arithmetic behind it, for the reason. */
export interface PlannerLevel {
  readonly level: number;
  readonly why: string;
}

/**
 * The newsvendor ratio under / (under + over): the share of cases the plan should cover. A replica
 * without a price (or unknown) covers every case the bands can.
 */
export function plannerLevel(
  violatingMinuteCost: number,
  replicaHourlyPrice: number | undefined,
  startupSeconds: number,
): PlannerLevel {
  if (replicaHourlyPrice === undefined || !(replicaHourlyPrice > 0))
    return { level: 1, why: "1 (the replica has no price)" };
  const under = (violatingMinuteCost * startupSeconds) / 60;
  const over = (replicaHourlyPrice * (startupSeconds + SCALE_IN_COOLDOWN_SECONDS)) / 3600;
  const level = under + over > 0 ? under / (under + over) : 1;
  return {
    level,
    why: `newsvendor ${fmtUsd(under)} / (${fmtUsd(under)} + ${fmtUsd(over)}) = ${level.toFixed(3)}: violating minute ${fmtUsd(violatingMinuteCost)} x ${startupSeconds}s start-up vs replica ${fmtUsd(replicaHourlyPrice)}/h x (${startupSeconds}s start-up + ${SCALE_IN_COOLDOWN_SECONDS}s cooldown)`,
  };
}

function fmtUsd(x: number): string {
  return `$${x >= 100 ? x.toFixed(0) : x >= 0.01 ? x.toFixed(2) : x.toPrecision(2)}`;
}

/** Per step, the quantile at `level`, interpolated between the neighbouring bands. */
function bandAt(bands: NonNullable<ForecastView["bands"]>, level: number): number[] {
  const hi = Math.max(
    1,
    bands.findIndex((b) => b.level >= level),
  );
  const a = bands[hi - 1];
  const b = bands[hi];
  if (!a || !b) return [...(bands[bands.length - 1]?.values ?? [])];
  if (level >= b.level) return [...b.values];
  const w = b.level > a.level ? Math.min(1, Math.max(0, (level - a.level) / (b.level - a.level))) : 1;
  return a.values.map((v, i) => v + w * ((b.values[i] ?? v) - v));
}

/** Index of the step holding `t`; -1 when the forecast does not reach it. */
function stepAt(f: ForecastView, t: number): number {
  const stepMs = f.stepSeconds * 1000;
  for (let i = 0; i < f.mean.length; i++) {
    const t0 = f.start + i * stepMs;
    if (t0 <= t && t < t0 + stepMs) return i;
  }
  return -1;
}

/**
 * The band level whose recent miss beyond the current load at step `step` equals `target`,
 * interpolated between neighbouring bands (misses fall as the level rises); a band without measured
 * misses there counts its nominal 1 - level. Below the lowest band's miss: the lowest band.
 */
function levelForMiss(bands: NonNullable<ForecastView["bands"]>, step: number, target: number): number {
  const miss = bands.map((b) => {
    const m = b.missBeyondLast?.[step] ?? 1 - b.level;
    return m < 0 ? 1 - b.level : m;
  });
  const i = miss.findIndex((m) => m <= target);
  if (i < 0) return bands[bands.length - 1]?.level ?? 1;
  const hi = bands[i];
  const lo = bands[i - 1];
  if (i === 0 || !hi || !lo) return hi?.level ?? 1;
  const mLo = miss[i - 1] ?? 1;
  const mHi = miss[i] ?? 0;
  const w = mLo > mHi ? (mLo - target) / (mLo - mHi) : 1;
  return lo.level + Math.min(1, Math.max(0, w)) * (hi.level - lo.level);
}

/** The series the planner sizes from, its label and why that quantile. */
function plannerSeries(
  p: PredictiveConfig,
  svc: ServiceConfig,
  f: ForecastView,
  now: number,
  input: PlanInput,
): { series: readonly number[]; label: string; why?: string } {
  const bands = f.bands;
  const lowest = bands?.[0]?.level;
  const highest = bands?.[bands.length - 1]?.level;
  if (!bands || lowest === undefined || highest === undefined)
    return { series: f.upper, label: `q${Math.round(p.quantile * 100)}` };
  const ratio = plannerLevel(p.violatingMinuteCost, input.replicaHourlyPrice, svc.podStartupSeconds);
  const readyAt = now + svc.podStartupSeconds * 1000;
  const target = 1 - ratio.level;
  const level = levelForMiss(bands, stepAt(f, readyAt), target);
  const label = `q${(level * 100).toFixed(1).replace(/\.0$/, "")}`;
  return {
    series: bandAt(bands, level),
    label,
    why: `the band that recently fell short where the current load did too in ${(target * 100).toFixed(1)}% of cases at the ready time, 1 - ${ratio.why}`,
  };
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
  const sized = plannerSeries(p, svc, f, now, input);
  const step = stepAt(f, readyAt);
  const atReady = step < 0 ? Number.NaN : (sized.series[step] ?? Number.NaN);
  if (!(Number.isFinite(atReady) && atReady >= 0)) return undefined;
  const q = sized.label;
  const backlog = queueBacklog(svc, input.signals);
  // A backlog is drained by the time a pod started now would be ready, on top of the arrivals.
  const drain = backlog !== undefined && backlog > 0 ? backlog / Math.max(startup, 1) : 0;
  const up = Math.max(0, ceilSafe((atReady + drain) / capacity));
  let message =
    drain > 0
      ? `plan for ready time now+${startup}s: (${q} arrivals ${fmt(atReady)} + backlog ${fmt(backlog ?? 0)} drained in ${startup}s ${fmt(drain)}) / ${fmt(capacity)} per replica = ${up}`
      : `plan for ready time now+${startup}s: ${q} ${fmt(atReady)} / ${fmt(capacity)} per replica = ${up}`;
  if (sized.why !== undefined) message += ` (${q}: ${sized.why})`;
  const current = input.currentReplicas;
  const load = atReady + drain;
  if (current === undefined || current <= up) return { replicas: up, message, load };
  const keepFor = startup + SCALE_IN_COOLDOWN_SECONDS;
  const soon = peakOver(f, f.mean, now, now + keepFor * 1000);
  const hold = Math.min(current, Math.max(0, ceilSafe(soon / capacity)));
  if (hold > up) {
    message += `; hold ${hold} of ${current}: mean peak ${fmt(soon)} within start-up + cooldown (${keepFor}s) needs them again sooner than re-creating pays`;
    return { replicas: hold, message, load };
  }
  message += `; scale-in allowed: mean stays <= ${fmt(soon)} (${hold} replicas) for start-up + cooldown (${keepFor}s)`;
  return { replicas: up, message, load };
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
    plannedLoad: planned.load,
    reasons: [{ rule: "predictive", message }],
  };
}
