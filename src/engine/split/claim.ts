// A service with variants under the cross-service caps (rules/budget.ts): its claim is trimmed by
// solving its split again with a narrower cap, so that what it gives up is chosen by the same
// least-cost rule: under a GPU quota it spills to another GPU type where that type's quota has room
// (a high-priority service keeps its SLO on a dearer GPU), under the budget it first drops its spot
// hedge, then the capacity that costs most per token/s. Every re-solve also holds the service
// within the room each other quota leaves it, so a spill never overruns another quota.
//
// A business-hours floor is kept while the narrower cap allows it (on other GPU types); when even
// its minimums do not fit, the floor is given up down to the service's minReplicas, as the caps
// trim a service without variants.

import type { Config } from "../../config/schema.ts";
import { own } from "../own.ts";
import type { Claim } from "../rules/budget.ts";
import type { VariantDraft } from "./explain.ts";
import type { SplitProblem, SplitResult } from "./problem.ts";
import { solveSplit } from "./solve.ts";

/**
 * GPUs of `type` the counts of a split take, each variant at the larger of its count and its held
 * pods (rules/held.ts; none given: the counts alone).
 */
function splitGpus(
  problem: SplitProblem,
  counts: readonly number[],
  type: string,
  held: Readonly<Record<string, number>> = {},
): number {
  let sum = 0;
  problem.variants.forEach((v, i) => {
    if (v.gpuType === type) sum += v.gpusPerReplica * Math.max(counts[i] ?? 0, own(held, v.name) ?? 0);
  });
  return sum;
}

/** GPUs of `type` a claim holds (a service with variants: over its variants). */
export function claimGpus(c: Claim, type: string): number {
  if (c.variants !== undefined) return splitGpus(c.variants.problem, c.variants.result.counts, type);
  return c.svc.resources.gpuType === type ? c.desired * c.svc.resources.gpusPerReplica : 0;
}

/** The GPU types a claim holds. */
export function claimGpuTypes(c: Claim): string[] {
  if (c.variants !== undefined)
    return [
      ...new Set(
        c.variants.problem.variants.flatMap((v) =>
          v.gpuType !== undefined && v.gpusPerReplica > 0 ? [v.gpuType] : [],
        ),
      ),
    ];
  const t = c.svc.resources.gpuType;
  return t !== undefined && c.svc.resources.gpusPerReplica > 0 ? [t] : [];
}

/**
 * GPUs of `type` a claim's pods take: each workload at the larger of its count and its held pods
 * (rules/held.ts), the pods that run whatever it is answered now.
 */
export function heldGpus(c: Claim, type: string): number {
  const held = c.held;
  if (held === undefined) return claimGpus(c, type);
  if (c.variants === undefined) {
    const r = c.svc.resources;
    return r.gpuType === type ? Math.max(c.desired, held.replicas) * r.gpusPerReplica : 0;
  }
  return splitGpus(c.variants.problem, c.variants.result.counts, type, held.variants);
}

/**
 * Per quota'd GPU type, what the other claims leave to claim `i`: the quota less the GPUs their
 * pods take, held pods counted (a pod the HPA keeps holds its GPU whatever its service is answered).
 */
function quotaRooms(config: Config, claims: readonly Claim[], i: number): Record<string, number> {
  const rooms: Record<string, number> = {};
  for (const [type, quota] of Object.entries(config.gpuQuotas)) {
    const others = claims.reduce((s, c, j) => (j === i ? s : s + heldGpus(c, type)), 0);
    rooms[type] = Math.max(0, quota - others);
  }
  return rooms;
}

/**
 * The split of `problem` under the cross-service caps: the floor kept when the caps let it, else
 * given up down to the service's `minReplicas`; the problem solved and its split.
 */
export function solveUnderCaps(
  problem: SplitProblem,
  minReplicas: number,
): { readonly problem: SplitProblem; readonly result: SplitResult } {
  const result = solveSplit(problem);
  if (result.outcome !== "minimums" || problem.minTotal <= minReplicas) return { problem, result };
  const floorless: SplitProblem = { ...problem, minTotal: minReplicas };
  return { problem: floorless, result: solveSplit(floorless) };
}

/** The split again under `narrow` (solveUnderCaps). */
function resolve(c: Claim, narrow: Partial<SplitProblem>): VariantDraft {
  const d = c.variants as VariantDraft;
  return { ...d, ...solveUnderCaps({ ...d.problem, ...narrow }, c.svc.minReplicas) };
}

/** The claim with its split `d`: its count the split's total. */
export function withSplit(c: Claim, d: VariantDraft): Claim {
  return { ...c, desired: d.result.counts.reduce((s, n) => s + n, 0), variants: d };
}

/** "l40s 6 -> 4, h100 0 -> 1" for the variants whose count changed. */
export function changeText(before: VariantDraft, after: VariantDraft): string {
  const moved = before.problem.variants.flatMap((v, i) => {
    const a = before.result.counts[i] ?? 0;
    const b = after.result.counts[i] ?? 0;
    return a === b ? [] : [`${v.name} ${a} -> ${b}`];
  });
  return moved.length > 0 ? moved.join(", ") : "no change";
}

/** Claim `i` giving up `left` GPUs of `type`: its split with that type capped; the GPUs it freed. */
export function shrinkForQuota(
  config: Config,
  claims: readonly Claim[],
  i: number,
  type: string,
  left: number,
): { readonly claim: Claim; readonly freed: number } {
  const c = claims[i] as Claim;
  const d = c.variants as VariantDraft;
  const used = claimGpus(c, type);
  const rooms = { ...quotaRooms(config, claims, i), [type]: Math.max(0, used - left) };
  const next = resolve(c, { gpuCaps: { ...d.problem.gpuCaps, ...rooms } });
  return { claim: withSplit(c, next), freed: used - splitGpus(next.problem, next.result.counts, type) };
}

/** Claim `i`'s GPU caps, each within the room the other claims leave of its type's quota. */
function capsWithRooms(config: Config, claims: readonly Claim[], i: number): Record<string, number> {
  const d = (claims[i] as Claim).variants as VariantDraft;
  const gpuCaps = { ...d.problem.gpuCaps };
  for (const [type, room] of Object.entries(quotaRooms(config, claims, i)))
    gpuCaps[type] = Math.min(own(gpuCaps, type) ?? Infinity, room);
  return gpuCaps;
}

/** Claim `i` giving up `left` dollars per hour: its split under that budget; the dollars it freed. */
export function shrinkForBudget(
  config: Config,
  claims: readonly Claim[],
  i: number,
  left: number,
): { readonly claim: Claim; readonly freed: number } {
  const c = claims[i] as Claim;
  const d = c.variants as VariantDraft;
  const budget = Math.max(0, d.result.cost - left);
  const gpuCaps = capsWithRooms(config, claims, i);
  const next = resolve(c, { budget, gpuCaps });
  return { claim: withSplit(c, next), freed: d.result.cost - next.result.cost };
}

/** USD per hour a claim pays: each workload at the larger of its count and its held pods (rules/held.ts). */
export function paidCost(c: Claim): number {
  const held = c.held;
  if (held === undefined) return claimCostOf(c);
  if (c.variants === undefined) return Math.max(c.desired, held.replicas) * c.price.blended;
  const { problem, result } = c.variants;
  return paidOfSplit(problem, result.counts, held.variants);
}

function paidOfSplit(
  problem: SplitProblem,
  counts: readonly number[],
  held: Readonly<Record<string, number>>,
): number {
  let sum = 0;
  problem.variants.forEach((v, i) => {
    sum += v.price * Math.max(counts[i] ?? 0, own(held, v.name) ?? 0);
  });
  return sum;
}

/**
 * The split re-solved under a bound (`solve`) lowered until `measure` (what it pays or the GPUs its
 * pods take, held pods counted) is at most `target`. The first bound is `start`; each next one is
 * lowered by what the last split still measured over; after four, the bound is what is left once
 * every held pod is counted (`heldOnly`), under which the split measures at most its own plus its
 * held pods, which fit.
 */
function lowerUntilHeldFit(
  start: number,
  target: number,
  heldOnly: number,
  solve: (bound: number) => VariantDraft,
  measure: (d: VariantDraft) => number,
): VariantDraft {
  let bound = Math.max(0, start);
  let next = solve(bound);
  for (let k = 0; k < 4 && measure(next) > target + 1e-9; k++) {
    bound = Math.max(0, bound - (measure(next) - target));
    next = solve(bound);
  }
  return measure(next) > target + 1e-9 ? solve(Math.max(0, target - heldOnly)) : next;
}

/**
 * Claim `i` giving up `left` paid dollars per hour (held pods counted): its split under a budget
 * lowered until what it pays fits (lowerUntilHeldFit, from its cost less `left`).
 */
export function shrinkForPaid(
  config: Config,
  claims: readonly Claim[],
  i: number,
  left: number,
): { readonly claim: Claim; readonly freed: number } {
  const c = claims[i] as Claim;
  const d = c.variants as VariantDraft;
  const held = c.held?.variants ?? {};
  const paid = paidCost(c);
  const gpuCaps = capsWithRooms(config, claims, i);
  const paidOf = (x: VariantDraft): number => paidOfSplit(x.problem, x.result.counts, held);
  const next = lowerUntilHeldFit(
    d.result.cost - left,
    Math.max(0, paid - left),
    paidOfSplit(d.problem, [], held),
    (budget) => resolve(c, { budget, gpuCaps }),
    paidOf,
  );
  return { claim: withSplit(c, next), freed: paid - paidOf(next) };
}

/**
 * Claim `i` giving up `left` GPUs of `type` its pods take (held pods counted): its split with that
 * type capped lower until its pods fit (lowerUntilHeldFit, from its counts' GPUs less `left`); the
 * GPUs it freed.
 */
export function shrinkForHeldQuota(
  config: Config,
  claims: readonly Claim[],
  i: number,
  type: string,
  left: number,
): { readonly claim: Claim; readonly freed: number } {
  const c = claims[i] as Claim;
  const d = c.variants as VariantDraft;
  const held = c.held?.variants ?? {};
  const taken = heldGpus(c, type);
  const gpuCaps = capsWithRooms(config, claims, i);
  const takenOf = (x: VariantDraft): number => splitGpus(x.problem, x.result.counts, type, held);
  const next = lowerUntilHeldFit(
    claimGpus(c, type) - left,
    Math.max(0, taken - left),
    splitGpus(d.problem, [], type, held),
    (cap) => resolve(c, { gpuCaps: { ...gpuCaps, [type]: cap } }),
    takenOf,
  );
  return { claim: withSplit(c, next), freed: taken - takenOf(next) };
}

/**
 * The split problem claim `i` asked to solve (`asked`, before any trim: with its floor) with every
 * cap it lives under after the cross-service steps: the room each quota and the budget leave it
 * beside the other claims. Its split is the one solveUnderCaps gives under them (it is, or it was
 * solved under them), so the binding constraints are worked out on it: a quota or budget that
 * binds is then named even where it held without a trim, and a floor a cap gave up comes back
 * when the cap is relaxed.
 */
export function underCaps(
  config: Config,
  claims: readonly Claim[],
  i: number,
  asked: SplitProblem,
): SplitProblem {
  const c = claims[i] as Claim;
  const d = c.variants as VariantDraft;
  const gpuCaps = { ...d.problem.gpuCaps };
  for (const [type, room] of Object.entries(quotaRooms(config, claims, i)))
    gpuCaps[type] = Math.min(own(gpuCaps, type) ?? Infinity, room);
  const max = config.cost.enabled ? config.cost.maxHourlyCost : undefined;
  if (max === undefined) return { ...asked, gpuCaps };
  const others = claims.reduce((sum, x, j) => (j === i ? sum : sum + claimCostOf(x)), 0);
  const room = Math.max(0, max - others);
  return { ...asked, gpuCaps, budget: Math.min(d.problem.budget ?? Infinity, room) };
}

function claimCostOf(c: Claim): number {
  return c.variants !== undefined ? c.variants.result.cost : c.desired * c.price.blended;
}
