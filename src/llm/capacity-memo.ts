// One replica's capacity (src/llm/capacity.ts), solved once per request shape for each config
// object that fixes the rest of the problem (an llm block: its profile, SLO and KV headroom; a
// variant: its profile under its service's SLO). The key is the whole shape, its length classes
// included: two distributions with the same means size a replica differently. And the last
// predictions of one replica, which a decision shows more than once.

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

interface Prediction {
  readonly profile: PerformanceProfile;
  /** shapeKey of the shape. */
  readonly shape: string;
  readonly rate: number;
  readonly percentile: number;
  readonly prediction: ReplicaPrediction;
}

/** The last predictions made, newest first. */
const recent: Prediction[] = [];
const RECENT_KEPT = 4;

/**
 * predictReplica, made once for the same inputs within the last few predictions: a decision's
 * reasons (the token count's, the plan's) and its API record each show a prediction, often at the
 * same count and load, each from its own sizing of the same observations (an equal shape, another
 * object: the key is the shape's).
 */
export function recentPrediction(
  profile: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  percentile: number,
): ReplicaPrediction {
  const key = shapeKey(shape);
  const hit = recent.find(
    (r) => r.profile === profile && r.shape === key && r.rate === rate && r.percentile === percentile,
  );
  if (hit) return hit.prediction;
  const prediction = predictReplica(profile, shape, rate, percentile);
  recent.unshift({ profile, shape: key, rate, percentile, prediction });
  if (recent.length > RECENT_KEPT) recent.pop();
  return prediction;
}
