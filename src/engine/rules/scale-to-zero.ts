// Rule 4, scale to zero: only with minReplicas 0, after scaleToZeroAfterMinutes of idleness, with no
// business-hours keep-warm, no live load above activationLoad and no confident forecast of load within
// podStartup + scaleAhead. Idleness is strictly positive: a service idle for 0 s is busy, whatever the
// threshold (a threshold of 0 would otherwise let a busy service count as idle forever).

import type { ServiceConfig } from "../../config/schema.ts";
import type { Draft, StepContext } from "../step.ts";
import type { Reason } from "../types.ts";
import { fmt } from "./reactive.ts";

export interface ZeroInput {
  readonly idleSeconds: number | undefined;
  /** The load trigger's current reading, undefined when it was not read. */
  readonly load: number | undefined;
  readonly keepWarm: boolean;
  /** Highest confident point forecast in the window, undefined when there is no confident forecast. */
  readonly forecastPeak: number | undefined;
}

export interface ZeroResult {
  /** Zero is allowed: the idle load signal no longer holds a replica. */
  readonly allowed: boolean;
  readonly reason: Reason;
}

export function scaleToZero(svc: ServiceConfig, z: ZeroInput): ZeroResult | undefined {
  if (svc.minReplicas > 0) return undefined;
  const need = svc.scaleToZeroAfterMinutes * 60;
  const keep = (message: string): ZeroResult => ({ allowed: false, reason: { rule: "keep-warm", message } });
  if (z.keepWarm) return keep("business hours: not scaling to zero");
  if (z.load !== undefined && z.load > svc.activationLoad) {
    return keep(`load ${fmt(z.load)} > activationLoad ${fmt(svc.activationLoad)}: busy, not scaling to zero`);
  }
  if (z.forecastPeak !== undefined && z.forecastPeak > svc.activationLoad) {
    return keep(
      `forecast expects load ${fmt(z.forecastPeak)} > ${fmt(svc.activationLoad)} within start-up + scale-ahead: keeping warm`,
    );
  }
  if (z.idleSeconds === undefined || Number.isNaN(z.idleSeconds))
    return keep("idle time unknown: not scaling to zero");
  if (z.idleSeconds <= 0) return keep("not idle: not scaling to zero");
  if (z.idleSeconds < need) {
    return keep(
      `idle ${Math.round(z.idleSeconds / 60)}m < scaleToZeroAfterMinutes ${svc.scaleToZeroAfterMinutes}m`,
    );
  }
  return {
    allowed: true,
    reason: {
      rule: "scale-to-zero",
      message: `idle ${Math.round(z.idleSeconds / 60)}m >= ${svc.scaleToZeroAfterMinutes}m: zero allowed`,
    },
  };
}

/**
 * Rule 4 as a step. A kept-warm service holds at least one replica. When zero is allowed the service
 * is idle by definition: the load trigger's own count (noise at or below activationLoad) no longer
 * holds a replica, nor does the forecast's upper band (its point forecast expects no load).
 * Intensive levels say nothing about demand (any positive level rounds up to one replica), so only
 * another extensive signal, such as a queue backlog, can hold a replica then.
 */
export function scaleToZeroStep(draft: Draft, ctx: StepContext): Draft {
  const { svc } = ctx;
  const zero = scaleToZero(svc, {
    idleSeconds: ctx.obs.idleSeconds,
    load: draft.load,
    keepWarm: draft.keepWarm,
    forecastPeak: draft.forecastPeak,
  });
  if (zero === undefined) return draft;
  const reasons = [...draft.reasons, zero.reason];
  if (!zero.allowed) {
    const raises = draft.desired < 1;
    return { ...draft, desired: raises ? 1 : draft.desired, by: raises ? "keep-warm" : draft.by, reasons };
  }
  return othersHoldAReplica(svc, draft.perTrigger)
    ? { ...draft, reasons }
    : { ...draft, desired: 0, by: "scale-to-zero", reasons };
}

/**
 * An extensive trigger other than the load trigger asks for a replica: its count is above zero or
 * not a number (an unknown count must not let the service scale to zero).
 */
function othersHoldAReplica(svc: ServiceConfig, perTrigger: Draft["perTrigger"]): boolean {
  for (const t of svc.triggers) {
    if (t.kind !== "extensive" || t.name === svc.loadTrigger) continue;
    if (!((perTrigger?.get(t.name) ?? 0) <= 0)) return true;
  }
  return false;
}
