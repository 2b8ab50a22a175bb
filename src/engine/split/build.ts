// The split problem of one service with variants this tick, from its config and observations: each
// variant's capacity from its own profile at the measured request shape within the service's SLO
// (src/llm/capacity.ts), its hourly price (its GPU type's on-demand and spot prices blended by its
// spot share; on demand while spot is unavailable), its ready replicas, and whether spot capacity
// is unavailable (configured, or its pods wait Pending for it longer than spotPendingSeconds).

import type { Config, ServiceConfig, VariantConfig } from "../../config/schema.ts";
import type { ReplicaCapacity, WorkloadShape } from "../../llm/capacity.ts";
import { memoizedCapacity } from "../../llm/capacity-memo.ts";
import { priceOf, type ReplicaPrice } from "../cost.ts";
import { own } from "../own.ts";
import type { ServiceObservations } from "../types.ts";
import type { Checkpoint, SplitProblem } from "./problem.ts";

/** One variant this tick: what the problem takes of it, and what the reasons and the API show. */
export interface VariantState {
  readonly config: VariantConfig;
  /** One replica's capacity at the shape within the SLO. */
  readonly capacity: ReplicaCapacity;
  readonly price: ReplicaPrice;
  readonly ready: number;
  readonly current: number;
  /** Why spot capacity counts as unavailable, if it does. */
  readonly spotUnavailable: "configured" | "pending" | undefined;
  /** Its pods waiting for capacity longer than spotPendingSeconds, when read. */
  readonly pending: number | undefined;
}

/** One replica of `v` at `shape` within the service's SLO (solved once per shape and variant). */
export function variantCapacity(svc: ServiceConfig, v: VariantConfig, shape: WorkloadShape): ReplicaCapacity {
  const llm = svc.llm;
  if (llm === undefined) throw new Error(`service ${svc.name} has variants but no llm block`);
  return memoizedCapacity(v, v.profile, llm.slo, shape, llm.kvCacheHeadroom);
}

const count = (n: number | undefined): number =>
  n !== undefined && Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;

/** Each variant of `svc` this tick. */
export function variantStates(
  config: Config,
  svc: ServiceConfig,
  obs: ServiceObservations,
  shape: WorkloadShape,
): VariantState[] {
  return (svc.variants ?? []).map((v) => {
    const seen = obs.variants !== undefined ? own(obs.variants, v.name) : undefined;
    const ready = count(seen?.readyReplicas);
    const pendingReading =
      v.spotPendingTrigger !== undefined ? own(obs.signals, v.spotPendingTrigger)?.value : undefined;
    const pending =
      pendingReading !== undefined && Number.isFinite(pendingReading) && pendingReading >= 0
        ? pendingReading
        : undefined;
    const spotUnavailable =
      v.spotShare > 0 && !v.spotAvailable
        ? "configured"
        : pending !== undefined && pending > 0
          ? "pending"
          : undefined;
    // While spot is unavailable a spot-only variant cannot grow (problem.spotUnavailable); a mixed
    // one's new replicas land on demand, priced so.
    const spotShare = spotUnavailable !== undefined && v.spotShare < 1 ? 0 : v.spotShare;
    return {
      config: v,
      capacity: variantCapacity(svc, v, shape),
      price: priceOf(v.resources, spotShare, config.cost),
      ready,
      current: Math.max(ready, count(seen?.currentReplicas ?? seen?.readyReplicas)),
      spotUnavailable,
      pending,
    };
  });
}

/** The split problem of the variants, for the demand at `checkpoints`, within the service's bounds. */
export function problemOf(
  config: Config,
  svc: ServiceConfig,
  states: readonly VariantState[],
  checkpoints: readonly Checkpoint[],
): SplitProblem {
  return {
    variants: states.map((s) => ({
      name: s.config.name,
      capacity: s.capacity.tokensPerSecond,
      price: s.price.blended,
      startupSeconds: s.config.podStartupSeconds,
      ready: s.ready,
      min: s.config.minReplicas,
      max: s.config.maxReplicas,
      spotUnavailable: s.spotUnavailable !== undefined && s.config.spotShare >= 1,
      gpuType: s.config.resources.gpuType,
      gpusPerReplica: s.config.resources.gpusPerReplica,
      spotShare: s.config.spotShare,
      preemptionsPerHour: s.config.preemptionsPerHour,
    })),
    horizonSeconds: config.predictiveScaling.forecastMinutes * 60,
    checkpoints,
    hedgeQuantile: svc.llm?.spotHedgeQuantile ?? 0,
    budget: undefined,
    gpuCaps: {},
    minTotal: svc.minReplicas,
    maxTotal: svc.maxReplicas,
  };
}
