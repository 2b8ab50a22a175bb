// The baselines the split is compared with, for services with variants:
//  - the cost-aware greedy policy (as llm-d's optimizer orders accelerator variants): services by
//    priority, highest first, each filling its variants in order of blended USD per token/s of
//    capacity at the expected lengths, each variant to its maximum and the GPU quota left before the
//    next; no start-up, no spot hedge, no budget. The planning-level benchmark sizes it on the
//    demand; the token replay on the demand our decision sized its split for now (the same signals,
//    with a scale-down delay the demand it held, and the latency guards'), only the split replaced;
//  - the same config with some variants only (a single GPU type, or no spot).

import type { Config, ServiceConfig, VariantConfig } from "../../config/schema.ts";
import { priceOf } from "../../engine/cost.ts";
import type { ServiceDecision } from "../../engine/types.ts";

export interface GreedySplit {
  /** Replicas per variant. */
  readonly counts: Readonly<Record<string, number>>;
  readonly hourly: number;
  /** The replicas' capacity at the expected lengths covers the demand. */
  readonly covered: boolean;
}

/** One service's greedy fill of `demand` tokens/s; takes its GPUs from `quota` (GPUs left per type). */
export function greedySplit(
  s: ServiceConfig,
  config: Config,
  demand: number,
  quota: Map<string, number>,
): GreedySplit {
  const ranked = (s.variants ?? [])
    .map((v) => ({ v, price: priceOf(v.resources, v.spotShare, config.cost).blended }))
    .filter((x) => x.v.expectedCapacity > 0)
    .sort((a, b) => a.price / a.v.expectedCapacity - b.price / b.v.expectedCapacity);
  const counts: Record<string, number> = {};
  let left = demand;
  let hourly = 0;
  let replicas = 0;
  for (const { v, price } of ranked) {
    const type = v.resources.gpuType;
    const room = quota.get(type);
    const byQuota = room === undefined ? Infinity : Math.floor(room / v.resources.gpusPerReplica);
    const want = Math.max(v.minReplicas, Math.ceil(Math.max(0, left) / v.expectedCapacity - 1e-9));
    const n = Math.min(v.maxReplicas, want, Math.max(v.minReplicas, byQuota));
    if (room !== undefined) quota.set(type, room - n * v.resources.gpusPerReplica);
    counts[v.name] = n;
    hourly += n * price;
    replicas += n;
    left -= n * v.expectedCapacity;
  }
  const first = ranked[0];
  if (replicas < s.minReplicas && first) {
    counts[first.v.name] = (counts[first.v.name] ?? 0) + s.minReplicas - replicas;
    hourly += (s.minReplicas - replicas) * first.price;
  }
  return { counts, hourly, covered: left <= 1e-6 };
}

/**
 * The greedy split of every service's demand as our decisions computed it (a decision without a
 * split keeps its counts: the greedy policy has nothing to fill).
 */
export function greedyOverride(
  config: Config,
): (decisions: readonly ServiceDecision[]) => Readonly<Record<string, number>>[] {
  return (decisions) => {
    const quota = new Map(Object.entries(config.gpuQuotas));
    const out: Record<string, number>[] = decisions.map(() => ({}));
    const order = decisions
      .map((d, i) => ({ d, i, s: config.services.find((x) => x.name === d.service) }))
      .sort((a, b) => (b.s?.priority ?? 0) - (a.s?.priority ?? 0));
    for (const { d, i, s } of order) {
      const split = d.variants;
      if (s === undefined || split === undefined) continue;
      // The demand the decision sized its split for: now, or with a scale-down delay the demand it
      // held, or the latency guards' when they ask more.
      const sized = Math.max(
        split.scaleDownDelay?.heldTokensPerSecond ?? split.demandTokensPerSecond,
        split.guardTokensPerSecond ?? 0,
      );
      const demand = d.desiredReplicas > 0 ? sized : 0;
      out[i] = { ...greedySplit(s, config, demand, quota).counts };
      if (demand === 0) for (const v of s.variants ?? []) out[i][v.name] = v.minReplicas;
    }
    return out;
  };
}

/**
 * The config with each service's variants filtered by `keep` (a service left without any keeps
 * all of them); the llm block plans with the first kept variant's profile, and the spot-pending
 * triggers of the variants left out go with them.
 */
export function withVariantsOnly(config: Config, keep: (v: VariantConfig) => boolean): Config {
  return {
    ...config,
    services: config.services.map((s) => {
      const all = s.variants;
      if (all === undefined || s.llm === undefined) return s;
      const kept = all.filter(keep);
      if (kept.length === 0 || kept.length === all.length) return s;
      const gone = new Set(all.filter((v) => !kept.includes(v)).map((v) => v.spotPendingTrigger));
      return {
        ...s,
        variants: kept,
        triggers: s.triggers.filter((t) => !gone.has(t.name)),
        llm: { ...s.llm, profile: (kept[0] as VariantConfig).profile },
      };
    }),
  };
}

/** Whether a variant runs on spot at all. */
export const isSpot = (v: VariantConfig): boolean => v.spotShare > 0;
