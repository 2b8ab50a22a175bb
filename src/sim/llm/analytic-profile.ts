// A SIMPLE ANALYTIC TEST PROFILE, for developing and testing the token-level simulator until the
// measured profiles (NVIDIA aiconfigurator data) are wired in. It is not measured data and no result
// may be reported from it as a GPU's performance.
//
// Shape: a roofline-like step time, milliseconds:
//   overhead + max(weights read, compute per token x (prefill tokens + decode sequences))
//            + KV read per context token x (decode context + prefill context) + per sequence x decodes
// with constants picked to land near the aiconfigurator figures quoted in shared/llm-serving.md for
// Qwen3-8B on H100 SXM with vLLM (decode step at context 1024: bs 1 6.4 ms, bs 128 13.6 ms;
// prefill bs 1: 512 tokens 12.9 ms, 2048 tokens 44.5 ms). This model gives 6.4, 13.4, 12.1 and
// 43.7 ms for those four. KV cache: 350,000 tokens (about 52 GB at 144 KiB per token);
// scheduler limits 8192 batched tokens and 256 sequences; load time 60 s.

import type { PerformanceProfile, StepBatch } from "../../llm/profile.ts";

export interface AnalyticParams {
  readonly overheadMs: number;
  readonly weightsReadMs: number;
  readonly computeMsPerToken: number;
  readonly kvReadMsPerToken: number;
  readonly perSequenceMs: number;
}

export const QWEN3_8B_H100_LIKE: AnalyticParams = {
  overheadMs: 1.5,
  weightsReadMs: 4.8,
  computeMsPerToken: 0.0206,
  kvReadMsPerToken: 0.000044,
  perSequenceMs: 0.01,
};

export function analyticStepSeconds(p: AnalyticParams, b: StepBatch): number {
  const compute = p.computeMsPerToken * (b.prefillTokens + b.decodeSeqs);
  const ms =
    p.overheadMs +
    Math.max(p.weightsReadMs, compute) +
    p.kvReadMsPerToken * (b.decodeContextTokens + b.prefillContextTokens) +
    p.perSequenceMs * b.decodeSeqs;
  return ms / 1000;
}

/** The analytic test profile (see the header: not measured data). */
export function analyticTestProfile(
  over: Partial<Omit<PerformanceProfile, "stepSeconds">> & { readonly params?: AnalyticParams } = {},
): PerformanceProfile {
  const params = over.params ?? QWEN3_8B_H100_LIKE;
  return {
    id: "analytic-test/qwen3-8b-like/h100-like/vllm/tp1",
    model: "analytic test model (Qwen3-8B-like)",
    gpuType: "analytic test GPU (H100-like)",
    engine: "vllm",
    tensorParallel: 1,
    gpusPerReplica: 1,
    kvCacheTokens: 350_000,
    loadSeconds: 60,
    limits: { maxBatchedTokens: 8192, maxSeqs: 256 },
    ...over,
    stepSeconds: (b) => analyticStepSeconds(params, b),
  };
}
