// Dynamo's "pre-deployment profiling" tables, computed from our performance profile (the same source
// every policy is sized from) instead of measured on a deployment:
//  - prefill: the TTFT of one prompt of ISL tokens alone on a replica (chunked at
//    max_num_batched_tokens as vLLM does, plus the profile's per-request overhead, which a TTFT
//    measured on a deployment holds), and the replica's prefill rate ISL / TTFT (Dynamo's
//    throughput per GPU x GPUs per engine);
//  - decode: the ITL of a replica decoding n sequences of context L (one decode step), and, as
//    Dynamo's DecodeInterpolator.find_best_throughput_per_gpu does, the decode rate n / ITL at the
//    highest KV-cache usage on a grid of 100 (0 to 1) whose ITL meets a target, where n = usage x KV
//    tokens / L (at most max_num_seqs); below the grid's first point, that point's rate.
// Dynamo interpolates its profiled grid (cubic); here each value is the profile's own at the exact
// ISL, context and concurrency (the profile is itself the interpolation of measured kernel data).

import type { PerformanceProfile } from "../../llm/profile.ts";

/** Dynamo's decode interpolation resolution: KV-cache usage 0, 1/99, ..., 1. */
const KV_GRID = 100;

export class DynamoProfile {
  private readonly p: PerformanceProfile;

  constructor(profile: PerformanceProfile) {
    this.p = profile;
  }

  /** TTFT of one prompt of `isl` tokens alone: its chunks, one step each, and the per-request overhead. */
  prefillTtftSeconds(isl: number): number {
    const tokens = Math.max(1, Math.round(isl));
    const budget = this.p.limits.maxBatchedTokens;
    let done = 0;
    let seconds = this.p.requestOverheadSeconds ?? 0;
    while (done < tokens) {
      const chunk = Math.min(budget, tokens - done);
      seconds += this.p.stepSeconds({
        prefillTokens: chunk,
        prefillSeqs: 1,
        prefillContextTokens: done,
        decodeSeqs: 0,
        decodeContextTokens: 0,
      });
      done += chunk;
    }
    return seconds;
  }

  /** One replica's prefill rate at this ISL, tokens/s. */
  prefillTokensPerSecond(isl: number): number {
    return Math.max(1, Math.round(isl)) / this.prefillTtftSeconds(isl);
  }

  /** One decode step of `concurrency` sequences of `context` tokens (at least one sequence, at most max_num_seqs). */
  decodeItlSeconds(concurrency: number, context: number): number {
    const n = Math.min(Math.max(concurrency, 1), this.p.limits.maxSeqs);
    return this.p.stepSeconds({
      prefillTokens: 0,
      prefillSeqs: 0,
      prefillContextTokens: 0,
      decodeSeqs: n,
      decodeContextTokens: n * Math.max(1, context),
    });
  }

  /** Decode tokens/s of one replica at the highest KV usage on the grid whose ITL is within `itl`. */
  bestDecodeTokensPerSecond(itl: number, context: number): number {
    const rate = (k: number): { rate: number; itl: number } => {
      const n = Math.min(
        (k / (KV_GRID - 1)) * (this.p.kvCacheTokens / Math.max(1, context)),
        this.p.limits.maxSeqs,
      );
      const step = this.decodeItlSeconds(n, context);
      return { rate: Math.max(n, 1) / step, itl: step };
    };
    for (let k = KV_GRID - 1; k >= 1; k--) {
      const r = rate(k);
      if (r.itl <= itl) return r.rate;
    }
    return rate(1).rate;
  }
}
