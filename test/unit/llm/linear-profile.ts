// A performance profile whose step time is linear in the batch, for worked numbers by hand:
// step = 10 ms + 0.02 ms per prompt token + 0.1 ms per decoding sequence (context does not
// matter), a 2,048-token budget, 256 sequences, 100,000 KV-cache tokens, 60 s to load.

import type { PerformanceProfile, StepBatch } from "../../../src/llm/profile.ts";

export const LINEAR: PerformanceProfile = {
  id: "test/linear",
  model: "m",
  gpuType: "g",
  engine: "vllm",
  tensorParallel: 1,
  gpusPerReplica: 1,
  kvCacheTokens: 100_000,
  loadSeconds: 60,
  limits: { maxBatchedTokens: 2048, maxSeqs: 256 },
  stepSeconds: (b: StepBatch) => 0.01 + 0.00002 * b.prefillTokens + 0.0001 * b.decodeSeqs,
};
