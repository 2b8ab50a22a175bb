// One replica's capacity (src/llm/capacity.ts), solved once per request shape for each config
// object that fixes the rest of the problem (an llm block: its profile, SLO and KV headroom; a
// variant: its profile under its service's SLO). The key is the whole shape, its length classes
// included: two distributions with the same means size a replica differently. And the last
// prediction of one replica, which a decision shows twice.

import {
  predictReplica,
  replicaCapacity,
  type LengthClass,
  type LlmSlo,
  type ReplicaCapacity,
  type ReplicaPrediction,
  type WorkloadShape,
} from "./capacity.ts";
import type { PerformanceProfile } from "./profile.ts";

const solved = new WeakMap<object, Map<string, ReplicaCapacity>>();
/** Shapes kept per owner; past it the owner's memo starts afresh. */
const KEPT = 256;

const classesKey = (m: readonly LengthClass[] | undefined): string =>
  m === undefined ? "" : m.map((c) => `${c.tokens}:${c.share}`).join(",");

/** The memo's key of a shape: both means and both distributions. */
export const shapeKey = (shape: WorkloadShape): string =>
  `${shape.promptTokens}|${shape.outputTokens}|${classesKey(shape.prompts)}|${classesKey(shape.outputs)}`;

/** replicaCapacity(profile, slo, shape, kvHeadroom), solved once per shape for `owner`. */
export function memoizedCapacity(
  owner: object,
  profile: PerformanceProfile,
  slo: LlmSlo,
  shape: WorkloadShape,
  kvHeadroom: number,
): ReplicaCapacity {
  let kept = solved.get(owner);
  if (!kept) {
    kept = new Map();
    solved.set(owner, kept);
  }
  const key = shapeKey(shape);
  const hit = kept.get(key);
  if (hit) return hit;
  const c = replicaCapacity(profile, slo, shape, kvHeadroom);
  if (kept.size >= KEPT) kept.clear();
  kept.set(key, c);
  return c;
}

/** The last prediction made, by its inputs (the shape by identity: a decision's one shape object). */
let last:
  | {
      readonly profile: PerformanceProfile;
      readonly shape: WorkloadShape;
      readonly rate: number;
      readonly percentile: number;
      readonly prediction: ReplicaPrediction;
    }
  | undefined;

/**
 * predictReplica, made once for the same inputs twice in a row: a decision's reasons and its API
 * record each show the prediction at the count decided.
 */
export function lastPrediction(
  profile: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  percentile: number,
): ReplicaPrediction {
  if (
    last !== undefined &&
    last.profile === profile &&
    last.shape === shape &&
    last.rate === rate &&
    last.percentile === percentile
  )
    return last.prediction;
  const prediction = predictReplica(profile, shape, rate, percentile);
  last = { profile, shape, rate, percentile, prediction };
  return prediction;
}
