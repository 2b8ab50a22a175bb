// A planner in the style of NVIDIA Dynamo's SLA planner (throughput-based scaling, as its design
// notes and planner_core.py describe it), adapted to aggregated vLLM replicas.
//
// Dynamo, every adjustment interval (180 s by default):
//  1. reads, over the interval, the request count, the mean ISL and OSL, the mean TTFT and ITL and
//     the mean request duration from Prometheus;
//  2. corrects its profile: prefill correction = observed TTFT / the profile's TTFT at the observed
//     ISL; decode correction = observed ITL / the profile's ITL at the observed concurrency per
//     replica (requests x duration / interval / replicas) and context ISL + OSL / 2;
//  3. predicts the next interval's request count, ISL and OSL with a load predictor (constant,
//     ARIMA or Prophet; here the constant one, the simplest it documents: the next interval is the
//     last one);
//  4. sizes prefill replicas = ceil(requests x ISL / interval x min(1, prefill correction) / the
//     prefill throughput of a replica at that ISL), decode replicas = ceil(requests x OSL / interval
//     / the decode throughput of a replica at the best load whose ITL meets ITL target / decode
//     correction at context ISL + OSL / 2);
//  5. sets the replica counts (no HPA in between), never below one each.
// No intervals, no forecast bands: a point prediction of the next interval.
//
// Aggregated adaptation: we run one replica type that prefills and decodes in the same engine
// steps, so a replica's time is shared: a replica that prefills at rate P tokens/s and decodes at
// rate D tokens/s when doing only one of them serves p prefill and d decode tokens/s in the fraction
// p / P + d / D of its time. Replicas = ceil((prefill load / P + decode load / D) / headroom): the
// two shares add before one ceiling (Dynamo rounds each pool up on its own). Headroom (1 = Dynamo
// as documented) is the knob a cost-vs-SLO sweep varies.
//
// The profile interpolation comes from our performance profile, the same source every policy
// uses: the "pre-deployment profiling" tables are computed from it (dynamo-profile.ts).

import type { LiveMetrics } from "./live-metrics.ts";
import type { DynamoProfile } from "./dynamo-profile.ts";
import type { LlmController } from "./simulate.ts";
import type { Cluster } from "../cluster.ts";

/** Dynamo's SLA planner defaults (planner defaults.py): adjustment_interval 180 s, min_endpoint 1. */
export const DYNAMO_ADJUSTMENT_SECONDS = 180;

/** What the planner read over one adjustment interval. */
export interface IntervalLoad {
  /** Requests that arrived in the interval. */
  readonly requests: number;
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
}

export interface IntervalObservation extends IntervalLoad {
  readonly meanTtftSeconds: number;
  readonly meanItlSeconds: number;
  readonly meanRequestSeconds: number;
  /** Replicas serving during the interval (ready at its end). */
  readonly replicas: number;
}

export interface Corrections {
  readonly prefill: number;
  readonly decode: number;
}

export interface DynamoSizing {
  /** Prefill tokens/s the next interval brings, after the prefill correction. */
  readonly prefillTokensPerSecond: number;
  /** One replica's prefill rate at the predicted ISL (tokens/s). */
  readonly prefillTokensPerReplica: number;
  readonly decodeTokensPerSecond: number;
  /** One replica's decode rate at the corrected ITL target and the predicted context (tokens/s). */
  readonly decodeTokensPerReplica: number;
  /** prefill / per replica + decode / per replica: replicas' worth of work, before headroom and rounding. */
  readonly replicaShares: number;
  readonly replicas: number;
}

/**
 * Step 2: the correction factors from one interval's observation. A factor that cannot be formed
 * (no request, no ready replica) keeps its previous value, as Dynamo's planner does when the
 * correction fails.
 */
export function corrections(
  profile: DynamoProfile,
  o: IntervalObservation,
  interval: number,
  previous: Corrections,
): Corrections {
  const expectedTtft = profile.prefillTtftSeconds(o.meanInputTokens);
  const prefill = o.meanTtftSeconds / expectedTtft;
  const concurrency = (o.requests * o.meanRequestSeconds) / interval / o.replicas;
  const context = o.meanInputTokens + o.meanOutputTokens / 2;
  const decode =
    o.replicas > 0 ? o.meanItlSeconds / profile.decodeItlSeconds(concurrency, context) : Number.NaN;
  return {
    prefill: Number.isFinite(prefill) && prefill > 0 ? prefill : previous.prefill,
    decode: Number.isFinite(decode) && decode > 0 ? decode : previous.decode,
  };
}

/**
 * Step 4, for aggregated replicas. Worked example (the unit test; steps of 10 ms + 0.09 ms per
 * prompt token + 0.001 ms per token of decode context): 360 requests in 180 s of 1,000 prompt and
 * 200 output tokens bring 2,000 prefill tokens/s, over a replica's 1,000 / 0.1 s = 10,000: 0.2;
 * and 400 decode tokens/s, over a replica's 36 / 0.0496 s = 725.8 at an ITL target of 50 ms (36
 * sequences of context 1,100: 10 + 36 x 1.1 = 49.6 ms): 0.551. One replica's worth is 0.751:
 * 1 replica at headroom 1 (Dynamo's two pools would take ceil(0.2) + ceil(0.551) = 2).
 */
export function sizeReplicas(
  profile: DynamoProfile,
  load: IntervalLoad,
  c: Corrections,
  itlTargetSeconds: number,
  interval: number,
  headroom: number,
): DynamoSizing {
  const prefillTokensPerSecond = ((load.requests * load.meanInputTokens) / interval) * Math.min(1, c.prefill);
  const prefillTokensPerReplica = profile.prefillTokensPerSecond(load.meanInputTokens);
  const decodeTokensPerSecond = (load.requests * load.meanOutputTokens) / interval;
  const context = load.meanInputTokens + load.meanOutputTokens / 2;
  const decodeTokensPerReplica = profile.bestDecodeTokensPerSecond(itlTargetSeconds / c.decode, context);
  const replicaShares =
    prefillTokensPerSecond / prefillTokensPerReplica + decodeTokensPerSecond / decodeTokensPerReplica;
  return {
    prefillTokensPerSecond,
    prefillTokensPerReplica,
    decodeTokensPerSecond,
    decodeTokensPerReplica,
    replicaShares,
    replicas: Math.ceil(replicaShares / headroom - 1e-9),
  };
}

/** Counter readings at one scrape, for the interval's differences. */
interface Reading {
  readonly arrivals: number;
  readonly promptTokens: number;
  readonly prefilled: number;
  readonly finishedOutputTokens: number;
  readonly finished: number;
  readonly ttftSum: number;
  readonly itlSum: number;
  readonly itlCount: number;
  readonly e2eSum: number;
}

function read(live: LiveMetrics): Reading {
  return {
    arrivals: live.arrivals,
    promptTokens: live.promptTokens,
    prefilled: live.ttft.count,
    finishedOutputTokens: live.finishedOutputTokens,
    finished: live.e2e.count,
    ttftSum: live.ttft.sum,
    itlSum: live.itl.sum,
    itlCount: live.itl.count,
    e2eSum: live.e2e.sum,
  };
}

/**
 * One interval from two readings: requests from the ingress counter; mean ISL from
 * vllm:prompt_tokens_total over the requests prefilled; mean OSL from vllm:request_generation_tokens
 * (sum over count); mean TTFT, ITL and request duration from vLLM's histograms (sum over count).
 * NaN where the interval has none (Dynamo then skips the adjustment).
 */
export function observe(from: Reading, to: Reading, replicas: number): IntervalObservation {
  const per = (a: number, b: number): number => (b > 0 ? a / b : Number.NaN);
  const finished = to.finished - from.finished;
  const prefilled = to.prefilled - from.prefilled;
  return {
    requests: to.arrivals - from.arrivals,
    meanInputTokens: per(to.promptTokens - from.promptTokens, prefilled),
    meanOutputTokens: per(to.finishedOutputTokens - from.finishedOutputTokens, finished),
    meanTtftSeconds: per(to.ttftSum - from.ttftSum, prefilled),
    meanItlSeconds: per(to.itlSum - from.itlSum, to.itlCount - from.itlCount),
    meanRequestSeconds: per(to.e2eSum - from.e2eSum, finished),
    replicas,
  };
}

export interface DynamoSettings {
  readonly profile: DynamoProfile;
  readonly itlTargetSeconds: number;
  readonly headroom: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly intervalSeconds?: number;
}

/** Why the last adjustment did what it did, for tests and reports. */
export interface DynamoDecision {
  readonly t: number;
  readonly observation: IntervalObservation;
  readonly corrections: Corrections;
  /** Undefined when the interval's metrics were incomplete and the adjustment was skipped. */
  readonly sizing?: DynamoSizing;
  readonly replicas: number;
}

/** The planner as a controller: it acts at the end of every interval, setting the pod count directly. */
export class DynamoPlanner implements LlmController {
  readonly decisions: DynamoDecision[] = [];
  private readonly s: DynamoSettings;
  private readonly interval: number;
  private readonly floor: number;
  private last: Reading | undefined;
  private c: Corrections = { prefill: 1, decode: 1 };
  private size = 0;

  constructor(s: DynamoSettings) {
    this.s = s;
    this.interval = s.intervalSeconds ?? DYNAMO_ADJUSTMENT_SECONDS;
    // min_endpoint: Dynamo keeps at least one replica.
    this.floor = Math.min(Math.max(s.minReplicas, 1), s.maxReplicas);
  }

  step(t: number, live: LiveMetrics, cluster: Cluster): void {
    if (t === 0) {
      cluster.setReplicas(this.floor, t, true);
      this.size = this.floor;
      this.last = read(live);
      return;
    }
    if (t % this.interval !== 0 || !this.last) return;
    const now = read(live);
    const o = observe(this.last, now, cluster.ready);
    this.last = now;
    // No complete metrics (no request finished in the interval): Dynamo skips the adjustment.
    const complete = [o.meanInputTokens, o.meanOutputTokens, o.meanTtftSeconds, o.meanItlSeconds].every(
      Number.isFinite,
    );
    if (!complete || o.requests <= 0) {
      this.decisions.push({ t, observation: o, corrections: this.c, replicas: this.size });
      return;
    }
    this.c = corrections(this.s.profile, o, this.interval, this.c);
    // The constant predictor: the next interval's load is this one's.
    const sizing = sizeReplicas(
      this.s.profile,
      o,
      this.c,
      this.s.itlTargetSeconds,
      this.interval,
      this.s.headroom,
    );
    this.size = Math.min(Math.max(sizing.replicas, this.floor), this.s.maxReplicas);
    if (this.size !== cluster.size) cluster.setReplicas(this.size, t);
    this.decisions.push({ t, observation: o, corrections: this.c, sizing, replicas: this.size });
  }

  desired(): number {
    return this.size;
  }
}
