// decide(): the whole decision for every service, as a pure function of config, observations,
// the previous state and the time. Rules run in a fixed order; each leaves a reason.

import { enabledServices, type Config, type ServiceConfig } from "../config/schema.ts";
import { hourlyCost, replicaPrice } from "./cost.ts";
import { own } from "./own.ts";
import { applyBudget, applyGpuQuotas, gpuUse, gpusByType, totalCost, type Claim } from "./rules/budget.ts";
import { businessHoursFloor, businessHoursState, type BusinessHoursState } from "./rules/business-hours.ts";
import { predictive } from "./rules/predictive.ts";
import { reactive } from "./rules/reactive.ts";
import { scaleToZero } from "./rules/scale-to-zero.ts";
import type {
  Decisions,
  EngineState,
  ForecastView,
  Observations,
  Reason,
  Rule,
  ServiceDecision,
  ServiceObservations,
} from "./types.ts";

interface Draft {
  readonly valid: boolean;
  readonly desired: number;
  readonly by: Rule;
  readonly reasons: Reason[];
  readonly reactive?: number;
  readonly predictive?: number;
  readonly confidence?: number;
}

const NO_OBS: ServiceObservations = { signals: {} };

/** A replica count as the rules may use it: finite and non-negative, else unknown. */
function usableCount(n: number | undefined): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}

function finiteNonNegative(xs: readonly number[]): boolean {
  return xs.every((x) => Number.isFinite(x) && x >= 0);
}

/** A forecast the rules may act on: finite times and step, confidence in [0, 1], no negative or non-finite load. */
function usableForecast(f: ForecastView): boolean {
  return (
    Number.isFinite(f.generatedAt) &&
    Number.isFinite(f.start) &&
    Number.isFinite(f.stepSeconds) &&
    f.stepSeconds > 0 &&
    f.confidence >= 0 &&
    f.confidence <= 1 &&
    Array.isArray(f.mean) &&
    Array.isArray(f.upper) &&
    finiteNonNegative(f.mean) &&
    finiteNonNegative(f.upper)
  );
}

/**
 * One service's observations, looked up as an own property (a service named "constructor" without
 * observations must not read Object.prototype.constructor), with unusable counts treated as unknown
 * and an unusable forecast dropped (with a reason).
 */
function observationsOf(all: Observations, name: string, reasons: Reason[]): ServiceObservations {
  const o = own(all, name);
  if (o === undefined || o === null || typeof o !== "object") return NO_OBS;
  const signals = o.signals !== null && typeof o.signals === "object" ? o.signals : {};
  const ready = usableCount(o.readyReplicas);
  const current = usableCount(o.currentReplicas);
  let forecast = o.forecast;
  if (forecast !== undefined && !usableForecast(forecast)) {
    reasons.push({ rule: "predictive", message: "forecast with unusable values ignored" });
    forecast = undefined;
  }
  return {
    signals,
    ...(ready !== undefined ? { readyReplicas: ready } : {}),
    ...(current !== undefined ? { currentReplicas: current } : {}),
    ...(o.idleSeconds !== undefined ? { idleSeconds: o.idleSeconds } : {}),
    ...(forecast !== undefined ? { forecast } : {}),
  };
}

/**
 * Every count that leaves the engine is a whole number within [min, max]: an infinite count (an
 * overflowing ratio) is capped, a fractional one rounded up. NaN has no safe meaning and is handled
 * by the caller as an invalid decision.
 */
function bounded(n: number, svc: ServiceConfig): number {
  return Math.min(Math.max(Math.ceil(n), svc.minReplicas), svc.maxReplicas);
}

/** Rules 1-5 for one service; the count is a whole number within [min, max] whatever the observations. */
function decideService(
  config: Config,
  svc: ServiceConfig,
  all: Observations,
  bh: BusinessHoursState,
  now: number,
): Draft {
  const checks: Reason[] = [];
  const obs = observationsOf(all, svc.name, checks);
  const draft = draftFor(config, svc, obs, bh, now, checks);
  if (Number.isNaN(draft.desired)) {
    const reasons = [
      ...draft.reasons,
      { rule: "invalid" as const, message: "the rules gave no number (NaN): holding the current count" },
    ];
    return {
      valid: false,
      desired: bounded(obs.currentReplicas ?? svc.minReplicas, svc),
      by: "invalid",
      reasons,
    };
  }
  return { ...draft, desired: bounded(draft.desired, svc) };
}

function draftFor(
  config: Config,
  svc: ServiceConfig,
  obs: ServiceObservations,
  bh: BusinessHoursState,
  now: number,
  checks: readonly Reason[],
): Draft {
  const r = reactive(svc, obs, config.sources, now);
  const reasons: Reason[] = [...checks, ...r.reasons];
  if (r.invalid !== undefined) {
    reasons.push({ rule: "invalid", message: r.invalid });
    return {
      valid: false,
      desired: bounded(obs.currentReplicas ?? svc.minReplicas, svc),
      by: "invalid",
      reasons,
    };
  }
  let desired: number;
  let by: Rule;
  if (r.replicas === undefined) {
    desired = obs.currentReplicas ?? obs.readyReplicas ?? svc.minReplicas;
    by = "hold";
    reasons.push({ rule: "hold", message: `no trigger could be evaluated: holding ${desired}` });
  } else {
    desired = r.replicas;
    by = "reactive";
  }
  const raise = (n: number, rule: Rule): void => {
    if (n > desired) {
      desired = n;
      by = rule;
    }
  };

  const p = predictive(config.predictiveScaling, svc, obs.forecast, now, {
    currentReplicas: obs.currentReplicas ?? obs.readyReplicas,
    signals: obs.signals,
    replicaHourlyPrice: replicaPrice(svc, config.cost).blended,
  });
  reasons.push(...p.reasons);
  if (p.applied && p.replicas !== undefined) raise(p.replicas, "predictive");

  const bhActive = bh.open || bh.preScale;
  let keepWarm = false;
  if (bhActive) {
    const floor = businessHoursFloor(config.businessHours, svc);
    keepWarm = floor > 0;
    const before = desired;
    raise(floor, "business-hours");
    reasons.push({
      rule: "business-hours",
      message: `${bh.open ? "inside business hours" : `pre-scale: opening within ${config.businessHours.preScaleMinutes}m`} (${config.businessHours.timezone}): floor ${floor}${desired > before ? `, raised from ${before}` : ""}`,
    });
  }

  const zero = scaleToZero(svc, {
    idleSeconds: obs.idleSeconds,
    load: r.load,
    keepWarm,
    forecastPeak: p.confident && config.predictiveScaling.enableProactiveScaling ? p.peakMean : undefined,
  });
  if (zero) {
    reasons.push(zero.reason);
    if (zero.allowed) {
      // Idle by definition: the load trigger's own count (noise at or below activationLoad) no longer
      // holds a replica, nor does the forecast's upper band (its point forecast expects no load).
      // Intensive levels say nothing about demand (any positive level rounds up to one replica), so
      // only another extensive signal, such as a queue backlog, can hold a replica now.
      const others = svc.triggers
        .filter((t) => t.kind === "extensive" && t.name !== svc.loadTrigger)
        .map((t) => r.perTrigger.get(t.name) ?? 0);
      const floorFromOthers = Math.max(0, ...others);
      if (floorFromOthers === 0) {
        desired = 0;
        by = "scale-to-zero";
      }
    } else {
      raise(1, "keep-warm");
    }
  }

  if (desired < svc.minReplicas) {
    reasons.push({ rule: "min", message: `raised ${desired} to minReplicas ${svc.minReplicas}` });
    desired = svc.minReplicas;
    by = "min";
  }
  if (desired > svc.maxReplicas) {
    reasons.push({ rule: "max", message: `capped ${desired} at maxReplicas ${svc.maxReplicas}` });
    desired = svc.maxReplicas;
    by = "max";
  }
  return {
    valid: true,
    desired,
    by,
    reasons,
    ...(r.replicas !== undefined ? { reactive: r.replicas } : {}),
    ...(p.replicas !== undefined ? { predictive: p.replicas } : {}),
    ...(p.confidence !== undefined ? { confidence: p.confidence } : {}),
  };
}

function sameDecision(a: ServiceDecision | undefined, desired: number, valid: boolean, by: Rule): boolean {
  return a !== undefined && a.desiredReplicas === desired && a.valid === valid && a.reason === by;
}

/** Rules 1-7 for every enabled service. */
export function decide(
  config: Config,
  observations: Observations,
  state: EngineState,
  now: number,
): Decisions {
  const bh = businessHoursState(config.businessHours, now);
  const services = enabledServices(config);
  const drafts = services.map((svc) => decideService(config, svc, observations, bh, now));
  const claims: Claim[] = services.map((svc, i) => {
    const d = drafts[i] as Draft;
    return {
      svc,
      desired: d.desired,
      trimmable: d.valid,
      price: replicaPrice(svc, config.cost),
      reasons: d.reasons,
    };
  });
  const requestedGpus = gpusByType(claims);
  applyGpuQuotas(config, claims);
  applyBudget(config, claims);
  const out: ServiceDecision[] = claims.map((c, i) => {
    const d = drafts[i] as Draft;
    const by: Rule = c.cappedBy !== undefined && c.desired < d.desired ? c.cappedBy : d.by;
    return {
      service: c.svc.name,
      valid: d.valid,
      desiredReplicas: c.desired,
      active: c.desired > 0,
      reason: by,
      reasons: c.reasons,
      ...(d.reactive !== undefined ? { reactiveReplicas: d.reactive } : {}),
      ...(d.predictive !== undefined ? { predictiveReplicas: d.predictive } : {}),
      ...(d.confidence !== undefined ? { forecastConfidence: d.confidence } : {}),
      businessHours: bh.open,
      hourlyCost: hourlyCost(c.desired, c.price),
      changed: !sameDecision(own(state.previous, c.svc.name), c.desired, d.valid, by),
    };
  });
  return {
    at: now,
    services: out,
    totalHourlyCost: totalCost(claims),
    ...(config.cost.enabled && config.cost.maxHourlyCost !== undefined
      ? { maxHourlyCost: config.cost.maxHourlyCost }
      : {}),
    gpuUse: gpuUse(config, claims, requestedGpus),
  };
}

/** The state to pass to the next decide() call. */
export function nextState(d: Decisions): EngineState {
  return { previous: Object.fromEntries(d.services.map((s) => [s.service, s])) };
}
