// Small hand-written profiles and runs for the token-level simulator's tests: step times a reader
// can add up by hand.

import type { Config } from "../../../../src/config/schema.ts";
import type { PerformanceProfile, StepBatch } from "../../../../src/llm/profile.ts";
import type { LlmArrivals } from "../../../../src/sim/llm/arrivals.ts";
import {
  E2E_BUCKETS,
  ITL_BUCKETS,
  LatencyHistogram,
  lengthBuckets,
  TPOT_BUCKETS,
  TTFT_BUCKETS,
} from "../../../../src/sim/llm/histogram.ts";
import type { LiveMetrics } from "../../../../src/sim/llm/live-metrics.ts";
import { llmServiceConfig } from "../../llm/linear-profile.ts";
import {
  defaultLlmSettings,
  simulateLlm,
  type LlmController,
  type LlmRunResult,
  type LlmSimSettings,
} from "../../../../src/sim/llm/simulate.ts";

export interface HandProfile {
  /** Milliseconds every step costs. */
  readonly baseMs?: number;
  /** Milliseconds per prefill token. */
  readonly prefillMsPerToken?: number;
  /** Milliseconds per token of decode context. */
  readonly contextMsPerToken?: number;
  readonly kvCacheTokens?: number;
  readonly maxBatchedTokens?: number;
  readonly maxSeqs?: number;
  readonly loadSeconds?: number;
  /** The profile's per-request overhead, milliseconds (none when absent). */
  readonly requestOverheadMs?: number;
}

/**
 * A profile whose step takes baseMs + prefillMsPerToken x prefill tokens + contextMsPerToken x
 * decode context; defaults: 10 ms, 0.1 ms per prefill token, no context cost. `calls` records the
 * batch of every step timed one by one (`calls` holds copies).
 */
export function handProfile(p: HandProfile = {}): PerformanceProfile & { readonly calls: StepBatch[] } {
  const calls: StepBatch[] = [];
  const base = p.baseMs ?? 10;
  const prefill = p.prefillMsPerToken ?? 0.1;
  const context = p.contextMsPerToken ?? 0;
  return {
    id: "hand/test",
    model: "hand",
    gpuType: "hand",
    engine: "vllm",
    tensorParallel: 1,
    gpusPerReplica: 1,
    kvCacheTokens: p.kvCacheTokens ?? 1_000_000,
    loadSeconds: p.loadSeconds ?? 0,
    limits: { maxBatchedTokens: p.maxBatchedTokens ?? 8192, maxSeqs: p.maxSeqs ?? 64 },
    ...(p.requestOverheadMs !== undefined ? { requestOverheadSeconds: p.requestOverheadMs / 1000 } : {}),
    calls,
    stepSeconds(b: StepBatch): number {
      calls.push({ ...b });
      return (base + prefill * b.prefillTokens + context * b.decodeContextTokens) / 1000;
    },
  };
}

/** Requests as [arrival second, input tokens, output tokens]. */
export function arrivalsOf(rows: readonly (readonly [number, number, number])[]): LlmArrivals {
  return {
    name: "test",
    start: 0,
    times: Float64Array.from(rows.map((r) => r[0])),
    inputTokens: Int32Array.from(rows.map((r) => r[1])),
    outputTokens: Int32Array.from(rows.map((r) => r[2])),
    origin: "real",
    provenance: "test rows",
  };
}

/** `n` replicas from second 0; `prewarmed`: ready at once (else after the profile's load time). */
export function fixedReplicas(n: number, prewarmed = true): LlmController {
  return {
    step(t, _live, cluster) {
      if (t === 0) cluster.setReplicas(n, t, prewarmed);
    },
    desired: () => n,
  };
}

export const PRICE = { onDemand: 4, blended: 4, spotShare: 0, spotFactor: 0.3 };
export const SLO = { ttftSeconds: 1, itlSeconds: 0.05 };

export function runWith(
  arrivals: LlmArrivals,
  profile: PerformanceProfile,
  controller: LlmController = fixedReplicas(1),
  over: Partial<LlmSimSettings> = {},
): LlmRunResult {
  const settings = { ...defaultLlmSettings(profile, PRICE, SLO, 20), ...over };
  return simulateLlm(arrivals, settings, controller, { policy: "test", knob: 0 });
}

export function near(actual: number | undefined, expected: number, eps = 1e-9): boolean {
  return actual !== undefined && Math.abs(actual - expected) <= eps;
}

/** Live metrics a test sets by hand. */
export class LiveStub implements LiveMetrics {
  arrivals = 0;
  gatewayQueue = 0;
  exporters = 1;
  promptTokens = 0;
  generationTokens = 0;
  preemptions = 0;
  finishedOutputTokens = 0;
  finishedPromptTokens = 0;
  waitingNow = 0;
  readonly ttft = new LatencyHistogram(TTFT_BUCKETS);
  readonly itl = new LatencyHistogram(ITL_BUCKETS);
  readonly e2e = new LatencyHistogram(E2E_BUCKETS);
  readonly tpot = new LatencyHistogram(TPOT_BUCKETS);
  readonly promptLengths = new LatencyHistogram(lengthBuckets(40_960));
  readonly outputLengths = new LatencyHistogram(lengthBuckets(40_960));
  running(): number {
    return 0;
  }
  waiting(): number {
    return this.waitingNow;
  }
  kvCacheUsageMean(): number {
    return 0;
  }
  kvCacheUsageMax(): number {
    return 0;
  }
}

/**
 * A config with one llm service `vllm` sized in tokens on `profile` (loaded for any profile path),
 * its arrival trigger `requestRate`; `service` and `top` override the service's and the config's keys.
 */
export function llmConfig(
  profile: PerformanceProfile,
  service: Record<string, unknown> = {},
  top: Record<string, unknown> = {},
): Config {
  return llmServiceConfig(
    {
      llm: {
        profile: "hand.json",
        slo: { ttftSeconds: SLO.ttftSeconds, itlSeconds: SLO.itlSeconds },
        meanPromptTokens: 500,
        meanOutputTokens: 100,
      },
      gpusPerReplica: profile.gpusPerReplica,
      // The parsed config is frozen: the engine gets a profile of its own, without the step log.
      load: () => ({
        id: profile.id,
        model: profile.model,
        gpuType: profile.gpuType,
        engine: profile.engine,
        tensorParallel: profile.tensorParallel,
        gpusPerReplica: profile.gpusPerReplica,
        kvCacheTokens: profile.kvCacheTokens,
        loadSeconds: profile.loadSeconds,
        limits: { ...profile.limits },
        stepSeconds: (b) => profile.stepSeconds(b),
      }),
    },
    service,
    top,
  );
}
