// Rule 6, budget and quotas across services: when GPUs of one type exceed their quota, or the hourly
// cost exceeds maxHourlyCost, replicas are removed from the lowest-priority services first, never
// below a service's minReplicas.

import type { Config, ServiceConfig } from "../../config/schema.ts";
import { ceilSafe } from "../hpa.ts";
import type { ReplicaPrice } from "../cost.ts";
import { own } from "../own.ts";
import type { Reason } from "../types.ts";

export interface Claim {
  readonly svc: ServiceConfig;
  /** Replicas wanted before the cross-service caps. */
  desired: number;
  /** Services without a valid decision are counted at what they run but never trimmed. */
  readonly trimmable: boolean;
  readonly price: ReplicaPrice;
  readonly reasons: Reason[];
  /** The last cap applied, if any. */
  cappedBy?: "gpu-quota" | "budget";
}

/** Lowest priority first; ties broken by name so the order is total and replicas agree. */
function trimOrder(claims: readonly Claim[]): Claim[] {
  return claims
    .filter((c) => c.trimmable)
    .sort(
      (a, b) =>
        a.svc.priority - b.svc.priority || (a.svc.name < b.svc.name ? -1 : a.svc.name > b.svc.name ? 1 : 0),
    );
}

/**
 * Removes units from claims in trim order until `excess` (in the unit of `unitOf`) is gone.
 * Example: budget $100/h, demand $130/h; the low-priority service's replicas cost $12/h each:
 * ceil(30 / 12) = 3 replicas removed from it (if it has 3 above its minimum).
 */
function trim(
  claims: readonly Claim[],
  excess: number,
  unitOf: (c: Claim) => number,
  rule: "gpu-quota" | "budget",
  why: string,
): number {
  let left = excess;
  for (const c of trimOrder(claims)) {
    if (left <= 1e-9) break;
    const unit = unitOf(c);
    if (!(unit > 0 && Number.isFinite(unit))) continue;
    const removable = c.desired - c.svc.minReplicas;
    if (removable <= 0) continue;
    const remove = Math.min(removable, ceilSafe(left / unit));
    c.reasons.push({
      rule,
      message: `${why}: ${c.desired} -> ${c.desired - remove} (priority ${c.svc.priority})`,
    });
    c.desired -= remove;
    c.cappedBy = rule;
    left -= remove * unit;
  }
  return left;
}

/** GPUs the claims hold now, per GPU type (types without GPUs per replica count 0). */
export function gpusByType(claims: readonly Claim[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of claims) {
    const type = c.svc.resources.gpuType;
    if (type === undefined) continue;
    out.set(type, (out.get(type) ?? 0) + c.desired * c.svc.resources.gpusPerReplica);
  }
  return out;
}

/** Per GPU type: GPUs after every trim (quota and budget), GPUs asked for before them, and the quota. */
export function gpuUse(
  config: Config,
  claims: readonly Claim[],
  requested: ReadonlyMap<string, number>,
): Record<string, { used: number; requested: number; quota?: number }> {
  const used = gpusByType(claims);
  return Object.fromEntries(
    [...requested].map(([type, asked]) => {
      const quota = own(config.gpuQuotas, type);
      return [
        type,
        { used: used.get(type) ?? 0, requested: asked, ...(quota !== undefined ? { quota } : {}) },
      ];
    }),
  );
}

export function applyGpuQuotas(config: Config, claims: readonly Claim[]): void {
  const types = new Set(
    claims.map((c) => c.svc.resources.gpuType).filter((t): t is string => t !== undefined),
  );
  for (const type of types) {
    const ofType = claims.filter(
      (c) => c.svc.resources.gpuType === type && c.svc.resources.gpusPerReplica > 0,
    );
    const used = (): number => ofType.reduce((s, c) => s + c.desired * c.svc.resources.gpusPerReplica, 0);
    const quota = own(config.gpuQuotas, type);
    if (quota !== undefined && used() > quota) {
      const left = trim(
        ofType,
        used() - quota,
        (c) => c.svc.resources.gpusPerReplica,
        "gpu-quota",
        `GPU quota ${type} ${quota}`,
      );
      if (left > 1e-9) {
        for (const c of ofType)
          c.reasons.push({
            rule: "gpu-quota",
            message: `minimums alone exceed the ${type} quota of ${quota} GPUs`,
          });
      }
    }
  }
}

export function totalCost(claims: readonly Claim[]): number {
  return claims.reduce((s, c) => s + c.desired * c.price.blended, 0);
}

export function applyBudget(config: Config, claims: readonly Claim[]): void {
  const max = config.cost.maxHourlyCost;
  if (!config.cost.enabled || max === undefined) return;
  const total = totalCost(claims);
  if (total <= max + 1e-9) return;
  const left = trim(
    claims,
    total - max,
    (c) => c.price.blended,
    "budget",
    `budget $${max}/h (demand $${total.toFixed(2)}/h)`,
  );
  if (left > 1e-9) {
    for (const c of claims)
      c.reasons.push({ rule: "budget", message: `minimums alone exceed maxHourlyCost $${max}/h` });
  }
}
