// An llm service's size in tokens, from what its vLLM signals say now (the token rules' shared
// arithmetic; src/llm/capacity.ts is the model of one replica).
//
// - Shape: the mean prompt and output tokens per request that vLLM measured over 5 minutes
//   (each rounded to 3 significant figures, so that one replica's capacity is solved once per
//   shape, not once per tick), or the configured expectation while it has measured none; and
//   their distributions: six classes per length, each a measured quantile (0.1, 0.3, 0.5, 0.7,
//   0.88, 0.98 of vLLM's length histograms) standing for 20, 20, 20, 20, 16 and 4% of requests,
//   scaled so that the classes' mean is the measured mean (histogram_quantile interpolates
//   linearly inside 1-2-5 buckets; the _sum / _count mean is exact) and rounded to 2 significant
//   figures. None measured: every request at the mean. Some measured and not others, or quantiles
//   that fall as q rises: malformed, said in the reasons, and sized at the mean.
// - Demand, tokens/s: the larger of the tokens vLLM served (prompt + generated, the load signal)
//   and the requests arriving at the ingress times the tokens each one brings (P + O): arrivals
//   count what waits in front of a saturated replica and what comes while no replica runs.
// - Replicas: ceil(demand / one replica's capacity in tokens/s at that shape).
//
// Worked example, qwen3-8b/h100_sxm/vllm/tp1, TTFT p99 <= 2 s, ITL p99 <= 50 ms, 10% KV headroom,
// measured 1,020.4 prompt and 255.6 output tokens (1,020 + 256 once rounded), no distribution
// measured (every request at the mean; test/unit/engine/llm.test.ts has one): one replica sustains
// 23.67 req/s = 30,203 tokens/s (the KV cache reaches 90% there, and just above it the mean step
// jumps from 49 to 59 ms: the replica tips into a backlog); vLLM served 61,000 tokens/s and
// the ingress counts 50 req/s x 1,276 = 63,800 tokens/s: demand 63,800 tokens/s,
// ceil(63,800 / 30,203) = 3 replicas, at which the model predicts TTFT p99 225 ms, ITL p99 (a
// request's mean) 18.5 ms and 21% of the KV cache for the 16.7 req/s each replica gets.

import {
  LENGTH_QUANTILES,
  OUTPUT_LENGTH_SIGNALS,
  PROMPT_LENGTH_SIGNALS,
  type LengthSignal,
} from "../config/llm.ts";
import type { LlmConfig, ServiceConfig } from "../config/schema.ts";
import {
  predictReplica,
  type CapacityBound,
  type LengthClass,
  type LlmSlo,
  type ReplicaCapacity,
  type WorkloadShape,
} from "../llm/capacity.ts";
import { recentPrediction, memoizedCapacity } from "../llm/capacity-memo.ts";
import { ceilSafe, HPA_TOLERANCE } from "./hpa.ts";
import { own } from "./own.ts";
import type { ServiceObservations } from "./types.ts";

/** What the token rules worked out for an llm service this tick. */
export interface LlmSizing {
  readonly llm: LlmConfig;
  readonly shape: WorkloadShape;
  /** Whether each mean length was measured (else the configured expectation). */
  readonly measured: { readonly prompt: boolean; readonly output: boolean };
  /**
   * The lengths' distributions: "measured" (in the shape), "not measured" (every request at the
   * mean), or why the readings were refused (malformed; sized at the mean).
   */
  readonly distribution: string;
  /** Tokens/s vLLM served (prompt + generated), when read. */
  readonly servedTokens: number | undefined;
  /** Requests/s arriving at the ingress, when the service has an arrival trigger and it was read. */
  readonly arrivals: number | undefined;
  /** Tokens/s to serve: max(served, arrivals x (P + O)). */
  readonly demand: number;
  readonly capacity: ReplicaCapacity;
  /** ceil(demand / capacity), or maxReplicas when no load is sustainable and there is demand. */
  readonly replicas: number;
  /**
   * TTFT and ITL at the SLO's percentile as vLLM measured them (0: nothing measured); ITL is a
   * request's mean (vllm:request_time_per_output_token_seconds), or single gaps where vLLM exports
   * no per-request histogram (config/llm.ts).
   */
  readonly measuredTtft: number | undefined;
  readonly measuredItl: number | undefined;
}

/** One replica's capacity at `shape` for `llm` (solved once per shape: src/llm/capacity-memo.ts). */
export const capacityAt = (llm: LlmConfig, shape: WorkloadShape): ReplicaCapacity =>
  memoizedCapacity(llm, llm.profile, llm.slo, shape, llm.kvCacheHeadroom);

/** A usable reading of the trigger playing `role`, else undefined. */
export function signal(svc: ServiceConfig, obs: ServiceObservations, role: string): number | undefined {
  const t = svc.triggers.find((x) => x.llm === role);
  const v = t === undefined ? undefined : own(obs.signals, t.name)?.value;
  return v !== undefined && Number.isFinite(v) && v >= 0 ? v : undefined;
}

const round3 = (x: number): number => Number(x.toPrecision(3));

/** The measured mean length when there is one (above 0), else the expectation. */
function length(measured: number | undefined, expected: number): [number, boolean] {
  return measured !== undefined && measured > 0 ? [Math.max(1, round3(measured)), true] : [expected, false];
}

const round2 = (x: number): number => Number(x.toPrecision(2));

/**
 * One length's distribution from its quantile readings: classes scaled to `mean` when every
 * quantile reads above 0 and none falls as q rises; undefined when none reads; else what is wrong.
 */
export function lengthClasses(
  readings: readonly (number | undefined)[],
  mean: number,
  what: string,
): readonly LengthClass[] | undefined | string {
  const read = readings.filter((v) => v !== undefined && v > 0);
  if (read.length === 0) return undefined;
  if (read.length < readings.length)
    return `${what}: ${readings.length - read.length} of ${readings.length} quantiles unmeasured`;
  for (let i = 1; i < read.length; i++)
    if ((read[i] ?? 0) < (read[i - 1] ?? 0))
      return `${what}: quantile ${LENGTH_QUANTILES[i]?.q} reads ${read[i]}, below quantile ${LENGTH_QUANTILES[i - 1]?.q}'s ${read[i - 1]}`;
  let own = 0;
  read.forEach((v, i) => (own += (v ?? 0) * (LENGTH_QUANTILES[i]?.share ?? 0)));
  return read.map((v, i) => ({
    tokens: Math.max(1, round2(((v ?? 0) * mean) / own)),
    share: LENGTH_QUANTILES[i]?.share ?? 0,
  }));
}

/** Both lengths' distributions, or why they are not used. */
function distributions(
  svc: ServiceConfig,
  obs: ServiceObservations,
  shape: WorkloadShape,
  measured: { readonly prompt: boolean; readonly output: boolean },
): { readonly shape: WorkloadShape; readonly distribution: string } {
  const read = (names: readonly LengthSignal[]): (number | undefined)[] =>
    names.map((n) => signal(svc, obs, n));
  const prompts = lengthClasses(read(PROMPT_LENGTH_SIGNALS), shape.promptTokens, "prompt lengths");
  const outputs = lengthClasses(read(OUTPUT_LENGTH_SIGNALS), shape.outputTokens, "output lengths");
  if (prompts === undefined && outputs === undefined) return { shape, distribution: "not measured" };
  if (typeof prompts === "string" || typeof outputs === "string") {
    const problem = [prompts, outputs].filter((x) => typeof x === "string");
    return { shape, distribution: `malformed (${problem.join("; ")})` };
  }
  if (!measured.prompt || !measured.output || prompts === undefined || outputs === undefined)
    return {
      shape,
      distribution: "malformed (quantiles without both means, or one length without quantiles)",
    };
  return { shape: { ...shape, prompts, outputs }, distribution: "measured" };
}

/** What the vLLM signals say of the demand now, before any profile: the shape, the tokens/s, the measured latencies. */
export type TokenDemand = Omit<LlmSizing, "capacity" | "replicas">;

/** The service's token demand from its observations; undefined for a service without llm. */
export function tokenDemand(svc: ServiceConfig, obs: ServiceObservations): TokenDemand | undefined {
  const llm = svc.llm;
  if (llm === undefined) return undefined;
  const [promptTokens, prompt] = length(signal(svc, obs, "meanPromptTokens"), llm.meanPromptTokens);
  const [outputTokens, output] = length(signal(svc, obs, "meanOutputTokens"), llm.meanOutputTokens);
  const servedTokens = signal(svc, obs, "tokens");
  const arrivals = signal(svc, obs, "requests");
  const demand = Math.max(servedTokens ?? 0, (arrivals ?? 0) * (promptTokens + outputTokens));
  const ttft = signal(svc, obs, "ttft");
  const itl = signal(svc, obs, "itl");
  const measured = { prompt, output };
  const { shape, distribution } = distributions(svc, obs, { promptTokens, outputTokens }, measured);
  return {
    llm,
    shape,
    measured,
    distribution,
    servedTokens,
    arrivals,
    demand,
    measuredTtft: ttft !== undefined && ttft > 0 ? ttft : undefined,
    measuredItl: itl !== undefined && itl > 0 ? itl : undefined,
  };
}

/** The service's size in tokens from its observations; undefined for a service without llm. */
export function sizeInTokens(svc: ServiceConfig, obs: ServiceObservations): LlmSizing | undefined {
  const d = tokenDemand(svc, obs);
  if (d === undefined) return undefined;
  const capacity = capacityAt(d.llm, d.shape);
  const per = capacity.tokensPerSecond;
  const replicas = per > 0 ? Math.max(0, ceilSafe(d.demand / per)) : d.demand > 0 ? svc.maxReplicas : 0;
  return {
    llm: d.llm,
    shape: d.shape,
    measured: d.measured,
    distribution: d.distribution,
    servedTokens: d.servedTokens,
    arrivals: d.arrivals,
    demand: d.demand,
    capacity,
    replicas,
    measuredTtft: d.measuredTtft,
    measuredItl: d.measuredItl,
  };
}

/**
 * What a latency guard is sized from: the demand, one replica's capacity in tokens/s (a service
 * with variants: its ready fleet's per replica), the count in tokens and the measured latencies.
 */
export type GuardBasis = Pick<LlmSizing, "llm" | "demand" | "replicas" | "measuredTtft" | "measuredItl"> & {
  readonly capacity: { readonly tokensPerSecond: number };
};

/** A measured TTFT or ITL above its target, and the replicas it asks for (latencyGuard). */
export interface LatencyGuard {
  readonly signal: "ttft" | "itl";
  readonly measured: number;
  readonly target: number;
  /** One replica's capacity corrected by the measurement: capacity x target / measured. */
  readonly correctedTokensPerSecond: number;
  /** ceil(demand / correctedTokensPerSecond): what the correction alone asks for. */
  readonly corrected: number;
  /** The ready replicas the step counts from (0 when unread). */
  readonly ready: number;
  /** The replicas a step may add beyond the ready ones: max(1, floor(ready x tolerance)). */
  readonly step: number;
  /** The most the guard asks for: max(the token count, ready + step). */
  readonly stepLimit: number;
  /** min(corrected, stepLimit). */
  readonly replicas: number;
}

/**
 * A measured latency at the SLO's percentile above its target beyond the HPA tolerance says the
 * profile overrates a replica on this workload (a long-prompt tail, prefill steps packed to the
 * token budget): the guard takes one replica's capacity as the profile's x target / measured and
 * sizes the demand with it. It is sized from the demand, not from the ready count: the latency is
 * a percentile over the last minutes, so it has not yet seen the replicas started since, and
 * ceil(ready x measured / target) would multiply them again at every decision until the
 * measurement catches up. Within the target (or the tolerance) it asks for nothing: the token
 * count stands, and a latency that more replicas would not lower holds none.
 *
 * Its step is bounded: at most max(1, floor(ready x tolerance)) replicas beyond the ready ones
 * (one below 20 ready, 10% of them from 20 up: the HPA's tolerance, the least change it acts on),
 * never fewer than the token count. target / measured is a fair correction of a step time (ITL
 * grows about linearly with the batch) but not of a queue: a TTFT p99 of 95 s against 2 s comes
 * from requests that waited behind a backlog, and x 47 the replicas would not shorten that wait
 * (each waits in its own replica's queue; a router that balances on outstanding tokens, as llm-d's
 * endpoint picker and the simulator's do, sends only the new requests to the new replicas). The
 * latency in force comes from the replicas ready over its window (2 minutes), so it judges the
 * ready ones, and each step is measured before the next: a profile that overrates the replica
 * keeps the latency above the target and the guard keeps adding, a backlog drains and the guard
 * stops. While fewer replicas are ready than the token count, the shortfall explains the latency
 * and the token count, not the guard, sizes it.
 *
 * Worked example (qwen3-8b/h100_sxm/vllm/tp1, 1,240 + 239 tokens a request, no distribution
 * measured): ITL p99 80.7 ms against 50 ms at a demand of 153,849 tokens/s, one replica 30,069
 * tokens/s by the profile (6 in tokens), 7 ready: corrected 30,069 x 50 / 80.7 = 18,630
 * tokens/s, ceil(153,849 / 18,630) = 9, at most max(6, 7 + 1) = 8: 8. Where a backlog put TTFT
 * p99 at 95 s against 2 s: 30,069 x 2 / 95 = 633 tokens/s, ceil(153,849 / 633) = 244; 8 again.
 */
export function latencyGuard(
  s: GuardBasis,
  signal: "ttft" | "itl",
  measured: number | undefined,
  target: number,
  ready: number | undefined,
  tolerance = HPA_TOLERANCE,
): LatencyGuard | undefined {
  if (measured === undefined || !(target > 0) || !(measured > target * (1 + tolerance))) return undefined;
  const correctedTokensPerSecond = (s.capacity.tokensPerSecond * target) / measured;
  if (!(correctedTokensPerSecond > 0)) return undefined;
  const corrected = Math.max(0, ceilSafe(s.demand / correctedTokensPerSecond));
  const counted = ready ?? 0;
  const step = Math.max(1, Math.floor(counted * tolerance + 1e-9));
  const stepLimit = Math.max(s.replicas, counted + step);
  return {
    signal,
    measured,
    target,
    correctedTokensPerSecond,
    corrected,
    ready: counted,
    step,
    stepLimit,
    replicas: Math.min(corrected, stepLimit),
  };
}

/** The model at `replicas` sharing `tokensPerSecond` evenly (the router balances load). */
export function predictAt(
  s: Pick<LlmSizing, "llm" | "shape">,
  tokensPerSecond: number,
  replicas: number,
): ReturnType<typeof predictReplica> {
  const rate = tokensPerSecond / (s.shape.promptTokens + s.shape.outputTokens) / Math.max(1, replicas);
  return recentPrediction(s.llm.profile, s.shape, Math.max(rate, 1e-9), s.llm.slo.percentile);
}

/** The token arithmetic a decision carries (API, metrics). */
export interface LlmDecision {
  readonly profile: string;
  readonly slo: LlmSlo;
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  readonly lengthsMeasured: { readonly prompt: boolean; readonly output: boolean };
  readonly demandTokensPerSecond: number;
  readonly servedTokensPerSecond: number | null;
  readonly arrivalRequestsPerSecond: number | null;
  readonly capacityPerReplica: {
    readonly requestsPerSecond: number;
    readonly tokensPerSecond: number;
    readonly boundBy: CapacityBound;
    readonly unattainable: readonly string[];
  };
  /** What the demand needs in tokens (before the other rules). */
  readonly tokenReplicas: number;
  /** The model at the decision's replica count, sharing the demand (null at zero replicas). */
  readonly predicted: {
    readonly replicas: number;
    readonly stable: boolean;
    readonly ttftSeconds: number | null;
    readonly itlSeconds: number | null;
    readonly kvCacheUse: number | null;
  } | null;
  readonly measured: { readonly ttftSeconds: number | null; readonly itlSeconds: number | null };
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The model's prediction at the decision's count, as the API shows it (null at zero replicas). */
function predictedAt(s: LlmSizing, desiredReplicas: number): LlmDecision["predicted"] {
  if (!(desiredReplicas > 0)) return null;
  const pr = predictAt(s, s.demand, desiredReplicas);
  return {
    replicas: desiredReplicas,
    stable: pr.stable,
    ttftSeconds: finiteOrNull(pr.ttftSeconds),
    itlSeconds: finiteOrNull(pr.itlSeconds),
    kvCacheUse: finiteOrNull(pr.kvCacheUse),
  };
}

/** The decision's token arithmetic; its prediction is made when first read (as the lazy reasons' are). */
export function llmDecision(s: LlmSizing, desiredReplicas: number): LlmDecision {
  let predicted: LlmDecision["predicted"] | undefined;
  return {
    profile: s.llm.profile.id,
    slo: s.llm.slo,
    meanPromptTokens: s.shape.promptTokens,
    meanOutputTokens: s.shape.outputTokens,
    lengthsMeasured: s.measured,
    demandTokensPerSecond: s.demand,
    servedTokensPerSecond: s.servedTokens ?? null,
    arrivalRequestsPerSecond: s.arrivals ?? null,
    capacityPerReplica: {
      requestsPerSecond: s.capacity.requestsPerSecond,
      tokensPerSecond: s.capacity.tokensPerSecond,
      boundBy: s.capacity.boundBy,
      unattainable: s.capacity.unattainable,
    },
    tokenReplicas: s.replicas,
    get predicted(): LlmDecision["predicted"] {
      if (predicted === undefined) predicted = predictedAt(s, desiredReplicas);
      return predicted;
    },
    measured: { ttftSeconds: s.measuredTtft ?? null, itlSeconds: s.measuredItl ?? null },
  };
}
