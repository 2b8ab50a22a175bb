// Rule 6, budget and quotas across services: when GPUs of one type exceed their quota, or the hourly
// cost exceeds maxHourlyCost, replicas are removed from the lowest-priority services first, never
// below a service's minReplicas. Quotas and the budget hold for the pods that run as well as for
// what is decided: pods the HPA's scale-down window and KEDA's cooldown keep whatever the scaler
// answers (held.ts) take their GPUs and are paid all the same, so a second pass trims the answers
// above them until the GPUs taken and the paid sum, each workload at the larger of its answer and
// its held pods, fit: new demand gets only the room the held pods leave.

import type { Config, ServiceConfig } from "../../config/schema.ts";
import { ceilSafe } from "../hpa.ts";
import type { ReplicaPrice } from "../cost.ts";
import { own } from "../own.ts";
import type { Reason } from "../types.ts";
import {
  changeText,
  claimGpus,
  claimGpuTypes,
  heldGpus,
  paidCost,
  shrinkForBudget,
  shrinkForHeldQuota,
  shrinkForPaid,
  shrinkForQuota,
} from "../split/claim.ts";
import type { VariantDraft } from "../split/explain.ts";
import type { HeldPods } from "./held.ts";

/**
 * One service's claim on the shared budget and quotas. Claims are values: a claim step that trims
 * one returns a new claim and leaves the one it was given as it was.
 */
export interface Claim {
  readonly svc: ServiceConfig;
  /** Replicas wanted, after the cross-service caps applied so far. */
  readonly desired: number;
  /** Services without a valid decision are counted at what they run but never trimmed. */
  readonly trimmable: boolean;
  readonly price: ReplicaPrice;
  readonly reasons: readonly Reason[];
  /** The last cap applied, if any. */
  readonly cappedBy?: "gpu-quota" | "budget";
  /** A service with variants: its split (desired is the split's total). */
  readonly variants?: VariantDraft;
  /** Pods that run whatever the service is answered now (held.ts); absent: none. */
  readonly held?: HeldPods;
}

/** Lowest priority first; ties broken by name so the order is total and replicas agree. */
function byTrimOrder(a: Claim, b: Claim): number {
  return a.svc.priority - b.svc.priority || (a.svc.name < b.svc.name ? -1 : a.svc.name > b.svc.name ? 1 : 0);
}

interface Cap {
  readonly rule: "gpu-quota" | "budget";
  /** What binds, e.g. "GPU quota nvidia-a100 4". */
  readonly why: string;
  /** What one replica of the claim's service costs in the capped unit (GPUs, dollars per hour). */
  readonly unitOf: (c: Claim) => number;
  /** The count below which removing a replica frees nothing (a service without variants). */
  readonly floorOf: (c: Claim) => number;
  /** A service with variants giving up `left` of the unit: its split again under the cap (split/claim.ts). */
  readonly shrink: (
    claims: readonly Claim[],
    i: number,
    left: number,
  ) => { readonly claim: Claim; readonly freed: number };
}

/** A claim of a service with variants, trimmed by solving its split under the cap. */
function trimVariants(out: Claim[], i: number, left: number, cap: Cap): number {
  const c = out[i] as Claim;
  const before = c.variants as VariantDraft;
  const { claim, freed } = cap.shrink(out, i, left);
  if (!(freed > 1e-9)) return 0;
  const after = claim.variants as VariantDraft;
  const message = `${cap.why}: ${c.desired} -> ${claim.desired} (priority ${c.svc.priority}): ${changeText(before, after)}, ${after.result.outcome}`;
  out[i] = { ...claim, cappedBy: cap.rule, reasons: [...c.reasons, { rule: cap.rule, message }] };
  return freed;
}

/**
 * Removes units from the `eligible` trimmable claims in trim order until `excess` (in the cap's
 * unit) is gone; returns the claims, trimmed ones replaced, and the excess left.
 * Example: budget $100/h, demand $130/h; the low-priority service's replicas cost $12/h each:
 * ceil(30 / 12) = 3 replicas removed from it (if it has 3 above its minimum).
 */
function trim(
  claims: readonly Claim[],
  eligible: (c: Claim) => boolean,
  excess: number,
  cap: Cap,
): { readonly claims: readonly Claim[]; readonly left: number } {
  const out = [...claims];
  const order = [...claims.entries()]
    .filter(([, c]) => c.trimmable && eligible(c))
    .sort(([, a], [, b]) => byTrimOrder(a, b));
  let left = excess;
  for (const [i, c] of order) {
    if (left <= 1e-9) break;
    if (c.variants !== undefined) {
      left -= trimVariants(out, i, left, cap);
      continue;
    }
    const unit = cap.unitOf(c);
    if (!(unit > 0 && Number.isFinite(unit))) continue;
    const removable = c.desired - cap.floorOf(c);
    if (removable <= 0) continue;
    const remove = Math.min(removable, ceilSafe(left / unit));
    const desired = c.desired - remove;
    const message = `${cap.why}: ${c.desired} -> ${desired} (priority ${c.svc.priority})`;
    out[i] = { ...c, desired, cappedBy: cap.rule, reasons: [...c.reasons, { rule: cap.rule, message }] };
    left -= remove * unit;
  }
  return { claims: out, left };
}

/** The claims with `reason` added to each one `which` accepts. */
function withReason(
  claims: readonly Claim[],
  which: (c: Claim) => boolean,
  reason: Reason,
): readonly Claim[] {
  return claims.map((c) => (which(c) ? { ...c, reasons: [...c.reasons, reason] } : c));
}

/**
 * `excess` trimmed from the eligible claims under `cap` (trim); where the floors alone leave some
 * over the cap, each eligible claim gets the reason `unmet` words from the trimmed claims.
 */
function trimOrSay(
  claims: readonly Claim[],
  eligible: (c: Claim) => boolean,
  excess: number,
  cap: Cap,
  unmet: (trimmed: readonly Claim[]) => string,
): readonly Claim[] {
  const trimmed = trim(claims, eligible, excess, cap);
  if (trimmed.left <= 1e-9) return trimmed.claims;
  return withReason(trimmed.claims, eligible, { rule: cap.rule, message: unmet(trimmed.claims) });
}

/** GPUs the claims hold now, per GPU type (types without GPUs per replica count 0). */
export function gpusByType(claims: readonly Claim[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of claims) {
    if (c.variants !== undefined) {
      for (const type of claimGpuTypes(c)) out.set(type, (out.get(type) ?? 0) + claimGpus(c, type));
      continue;
    }
    const type = c.svc.resources.gpuType;
    if (type === undefined) continue;
    out.set(type, (out.get(type) ?? 0) + c.desired * c.svc.resources.gpusPerReplica);
  }
  return out;
}

/**
 * Per GPU type: GPUs after every trim (quota and budget), the GPUs the pods take then (held pods
 * counted), GPUs asked for before the trims, and the quota.
 */
export function gpuUse(
  config: Config,
  claims: readonly Claim[],
  requested: ReadonlyMap<string, number>,
): Record<string, { used: number; taken: number; requested: number; quota?: number }> {
  const used = gpusByType(claims);
  return Object.fromEntries(
    [...requested].map(([type, asked]) => {
      const quota = own(config.gpuQuotas, type);
      const taken = claims.reduce((sum, c) => sum + heldGpus(c, type), 0);
      return [
        type,
        { used: used.get(type) ?? 0, taken, requested: asked, ...(quota !== undefined ? { quota } : {}) },
      ];
    }),
  );
}

/**
 * Per GPU type with a quota, the GPUs over it are trimmed from that type's services: first from
 * what is decided, then from what the pods take, held pods counted (the module's comment). Returns
 * one claim per service in the order given; the claims it was given are not changed.
 */
export function applyGpuQuotas(config: Config, claims: readonly Claim[]): readonly Claim[] {
  let out = claims;
  for (const type of gpusByType(claims).keys()) {
    const quota = own(config.gpuQuotas, type);
    if (quota === undefined) continue;
    out = trimHeldQuota(config, type, quota, trimDecidedQuota(config, type, quota, out));
  }
  return out;
}

/** Whether a claim's service may run GPUs of `type`. */
function ofGpuType(type: string): (c: Claim) => boolean {
  return (c) =>
    c.variants !== undefined
      ? claimGpuTypes(c).includes(type)
      : c.svc.resources.gpuType === type && c.svc.resources.gpusPerReplica > 0;
}

/** The decided GPUs of `type` over its quota trimmed, lowest priority first. */
function trimDecidedQuota(
  config: Config,
  type: string,
  quota: number,
  claims: readonly Claim[],
): readonly Claim[] {
  const ofType = ofGpuType(type);
  const used = claims.reduce((sum, c) => (ofType(c) ? sum + claimGpus(c, type) : sum), 0);
  if (!(used > quota)) return claims;
  return trimOrSay(
    claims,
    ofType,
    used - quota,
    {
      rule: "gpu-quota",
      why: `GPU quota ${type} ${quota}`,
      unitOf: (c) => c.svc.resources.gpusPerReplica,
      floorOf: (c) => c.svc.minReplicas,
      shrink: (cs, i, left) => shrinkForQuota(config, cs, i, type, left),
    },
    () => `minimums alone exceed the ${type} quota of ${quota} GPUs`,
  );
}

/**
 * The GPUs of `type` its pods take over its quota (held pods counted) trimmed from the answers
 * above the held pods, lowest priority first.
 * Example: quota 8 A100s, one a replica; a low-priority service answered 2 but holding 6 pods from
 * 4 minutes ago, a rising one asking 5: decided 7 fits, taken 11 does not: the rising one is
 * trimmed by 3 to 2; once the window has passed, it gets its 5.
 */
function trimHeldQuota(
  config: Config,
  type: string,
  quota: number,
  claims: readonly Claim[],
): readonly Claim[] {
  const ofType = ofGpuType(type);
  const taken = claims.reduce((sum, c) => (ofType(c) ? sum + heldGpus(c, type) : sum), 0);
  const heldOnly = taken - claims.reduce((sum, c) => (ofType(c) ? sum + claimGpus(c, type) : sum), 0);
  // Without held pods above the answers, the decided pass has trimmed (or said why it could not).
  if (!(taken > quota + 1e-9) || !(heldOnly > 1e-9)) return claims;
  const held = heldText(config);
  return trimOrSay(
    claims,
    ofType,
    taken - quota,
    {
      rule: "gpu-quota",
      why: `GPU quota ${type} ${quota}, taken ${taken}: ${heldOnly} above the answers in ${held}`,
      unitOf: (c) => c.svc.resources.gpusPerReplica,
      floorOf: (c) => Math.max(c.svc.minReplicas, c.held?.replicas ?? 0),
      shrink: (cs, i, left) => shrinkForHeldQuota(config, cs, i, type, left),
    },
    () => `${held} and the minimums alone exceed the ${type} quota of ${quota} GPUs`,
  );
}

/** The pods held whatever the scaler answers, as a reason names them. */
function heldText(config: Config): string {
  const { cooldownPeriod, scaleDownStabilizationWindowSeconds } = config.keda;
  return `pods the HPA's ${scaleDownStabilizationWindowSeconds} s scale-down window and KEDA's ${cooldownPeriod} s cooldown keep`;
}

/** USD per hour of a claim: its replicas at their price, or its split's cost. */
export function claimCost(c: Claim): number {
  return c.variants !== undefined ? c.variants.result.cost : c.desired * c.price.blended;
}

export function totalCost(claims: readonly Claim[]): number {
  return claims.reduce((s, c) => s + claimCost(c), 0);
}

export function totalPaid(claims: readonly Claim[]): number {
  return claims.reduce((s, c) => s + paidCost(c), 0);
}

/**
 * Over maxHourlyCost, dollars are trimmed from the lowest-priority services first: first from what
 * is decided, then from what is paid, the held pods counted (the module's comment). Returns one
 * claim per service in the order given; the claims it was given are not changed.
 * Example: budget $100/h; a low-priority service decided 2 x $10/h but holding 6 pods from 4 minutes
 * ago ($60/h paid), a rising one asking 7 x $10/h: decided $90/h fits, paid $130/h does not: the
 * rising one is trimmed by ceil(30 / 10) = 3 to 4; once the window has passed, the held pods are
 * gone and it gets its 7.
 */
export function applyBudget(config: Config, claims: readonly Claim[]): readonly Claim[] {
  const max = config.cost.maxHourlyCost;
  if (!config.cost.enabled || max === undefined) return claims;
  return trimPaid(config, max, trimDecided(config, max, claims));
}

/** The decided dollars over the budget trimmed, lowest priority first. */
function trimDecided(config: Config, max: number, claims: readonly Claim[]): readonly Claim[] {
  const total = totalCost(claims);
  if (total <= max + 1e-9) return claims;
  return trimOrSay(
    claims,
    () => true,
    total - max,
    {
      rule: "budget",
      why: `budget $${max}/h (demand $${total.toFixed(2)}/h)`,
      unitOf: (c) => c.price.blended,
      floorOf: (c) => c.svc.minReplicas,
      shrink: (cs, i, left) => shrinkForBudget(config, cs, i, left),
    },
    () => `minimums alone exceed maxHourlyCost $${max}/h`,
  );
}

/** The paid dollars over the budget (held pods counted) trimmed from the answers above them, lowest priority first. */
function trimPaid(config: Config, max: number, claims: readonly Claim[]): readonly Claim[] {
  const paid = totalPaid(claims);
  if (paid <= max + 1e-9) return claims;
  const held = heldText(config);
  const heldOnly = paid - totalCost(claims);
  return trimOrSay(
    claims,
    () => true,
    paid - max,
    {
      rule: "budget",
      why: `budget $${max}/h, paid $${paid.toFixed(2)}/h: $${heldOnly.toFixed(2)}/h above the answers in ${held}`,
      unitOf: (c) => c.price.blended,
      floorOf: (c) => Math.max(c.svc.minReplicas, c.held?.replicas ?? 0),
      shrink: (cs, i, left) => shrinkForPaid(config, cs, i, left),
    },
    (trimmed) =>
      `${held} and the minimums alone exceed maxHourlyCost $${max}/h (paid $${totalPaid(trimmed).toFixed(2)}/h)`,
  );
}
