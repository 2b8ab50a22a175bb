// What one replica sustains within the SLO, measured with the simulator itself: the highest rate
// of Poisson arrivals, with request lengths drawn from the workload's own mix, at which one ready
// replica keeps the target share of requests within the TTFT and ITL targets in steady state.
// The static and oracle policies size replicas with it in tokens/s, and the request-rate policies
// take it as their per-replica target, so every policy is sized from the same profile and mix.
//
// Search: the rate doubles from 1 request/s until a run misses the target, then bisects 12 times
// between the last rate that met it and the first that did not. Each run lasts `seconds` (600 by
// default) and its first 60 s are not measured.

import type { PerformanceProfile } from "../../llm/profile.ts";
import { rng } from "../workload.ts";
import type { LlmArrivals } from "./arrivals.ts";
import type { LlmSlo } from "./outcome.ts";
import { defaultLlmSettings, simulateLlm, type LlmController } from "./simulate.ts";

export interface ReplicaCapacity {
  readonly requestsPerSecond: number;
  /** Prompt + output tokens per second at that rate. */
  readonly tokensPerSecond: number;
  readonly meanInputTokens: number;
  readonly meanOutputTokens: number;
  /** The SLO attainment target it was measured at, %. */
  readonly targetPct: number;
}

export interface CapacityOptions {
  readonly targetPct: number;
  readonly seconds?: number;
  readonly seed?: number;
}

/** `seconds` of Poisson arrivals at `rate`/s, lengths drawn with replacement from the mix. */
export function poissonArrivals(mix: LlmArrivals, rate: number, seconds: number, seed: number): LlmArrivals {
  const r = rng(seed);
  const times: number[] = [];
  const input: number[] = [];
  const output: number[] = [];
  const n = mix.times.length;
  for (let t = -Math.log(1 - r()) / rate; t < seconds; t += -Math.log(1 - r()) / rate) {
    const k = Math.min(n - 1, Math.floor(r() * n));
    times.push(t);
    input.push(mix.inputTokens[k] ?? 1);
    output.push(mix.outputTokens[k] ?? 1);
  }
  return {
    name: `Poisson ${rate.toFixed(3)}/s of ${mix.name}`,
    start: mix.start,
    times: Float64Array.from(times),
    inputTokens: Int32Array.from(input),
    outputTokens: Int32Array.from(output),
    origin: "constructed",
    provenance: `Poisson arrivals at ${rate}/s, lengths drawn from ${mix.name}, seed ${seed}`,
  };
}

const ONE_READY_REPLICA: LlmController = {
  step(t, _live, cluster) {
    if (t === 0) cluster.setReplicas(1, t, true);
  },
  desired: () => 1,
};

/** SLO attainment (%) of one replica at `rate` requests/s. */
export function attainmentAt(
  profile: PerformanceProfile,
  mix: LlmArrivals,
  slo: LlmSlo,
  rate: number,
  seconds: number,
  seed: number,
): number {
  const arrivals = poissonArrivals(mix, rate, seconds, seed);
  const price = { onDemand: 0, blended: 0, spotShare: 0, spotFactor: 1 };
  const settings = {
    ...defaultLlmSettings(profile, price, slo, 1),
    measureFromSeconds: 60,
    tailSeconds: 600,
  };
  return simulateLlm(arrivals, settings, ONE_READY_REPLICA, { policy: "capacity", knob: rate }).attainmentPct;
}

export function measureReplicaCapacity(
  profile: PerformanceProfile,
  mix: LlmArrivals,
  slo: LlmSlo,
  opt: CapacityOptions,
): ReplicaCapacity {
  const seconds = opt.seconds ?? 600;
  const seed = opt.seed ?? 1;
  const meets = (rate: number): boolean =>
    attainmentAt(profile, mix, slo, rate, seconds, seed) >= opt.targetPct;
  let good = 0;
  let bad = 1;
  while (meets(bad)) {
    good = bad;
    bad *= 2;
    if (bad > 1e6)
      throw new RangeError(`profile ${profile.id}: one replica meets the SLO above 1e6 requests/s`);
  }
  for (let i = 0; i < 12; i++) {
    const mid = (good + bad) / 2;
    if (meets(mid)) good = mid;
    else bad = mid;
  }
  let input = 0;
  let output = 0;
  for (let i = 0; i < mix.times.length; i++) {
    input += mix.inputTokens[i] ?? 0;
    output += mix.outputTokens[i] ?? 0;
  }
  const n = Math.max(1, mix.times.length);
  return {
    requestsPerSecond: good,
    tokensPerSecond: (good * (input + output)) / n,
    meanInputTokens: input / n,
    meanOutputTokens: output / n,
    targetPct: opt.targetPct,
  };
}
