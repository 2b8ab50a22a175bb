// A performance profile whose step time is linear in the batch, for worked numbers by hand:
// step = 10 ms + 0.02 ms per prompt token + 0.1 ms per decoding sequence (context does not
// matter), a 2,048-token budget, 256 sequences, 100,000 KV-cache tokens, 60 s to load.

import { parseConfig, type Config } from "../../../src/config/schema.ts";
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

/** What an llm service's config is built on: its llm block and the profile any path loads. */
export interface LlmServiceDoc {
  readonly llm: Record<string, unknown>;
  readonly gpusPerReplica: number;
  readonly load: () => PerformanceProfile;
}

/**
 * A config with one llm service `vllm` sized in tokens (`doc`), its arrival trigger
 * `requestRate`; `service` and `top` override the service's and the config's keys.
 */
export function llmServiceConfig(
  doc: LlmServiceDoc,
  service: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): Config {
  return parseConfig(
    {
      sources: { prometheus: { url: "http://127.0.0.1:9090" } },
      services: {
        vllm: {
          workload: { name: "vllm", namespace: "inference" },
          minReplicas: 1,
          maxReplicas: 20,
          resources: { gpusPerReplica: doc.gpusPerReplica, gpuType: "nvidia-h100" },
          llm: doc.llm,
          triggers: {
            requestRate: {
              source: "prometheus",
              query: "sum(rate(nginx_ingress_controller_requests[1m]))",
              target: 10,
              kind: "extensive",
              arrival: true,
            },
          },
          ...service,
        },
      },
      ...top,
    },
    { load: doc.load },
  );
}

/**
 * llmServiceConfig on LINEAR: one H100 a replica; TTFT p99 <= 0.5 s, ITL p99 <= 35 ms; 1,000 + 100
 * tokens expected, where one replica sustains 23,537 tokens/s.
 */
export function linearLlmConfig(
  service: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): Config {
  return llmServiceConfig(
    {
      llm: {
        profile: "linear.json",
        slo: { ttftSeconds: 0.5, itlSeconds: 0.035 },
        meanPromptTokens: 1000,
        meanOutputTokens: 100,
      },
      gpusPerReplica: 1,
      load: () => LINEAR,
    },
    service,
    top,
  );
}
