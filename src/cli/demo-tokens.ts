// The demo's token part: the same vLLM service sized in tokens (examples/vllm-gpu.yaml, Qwen3-8B on
// one H100, TTFT 2 s and ITL 50 ms at p99) on the built-in workload, through the token-level
// simulator. The workload counts requests; every request gets the llm block's expected lengths
// (1,024 + 256 tokens: constructed arrivals), the counts are scaled so the busiest minute needs
// PEAK_REPLICAS replicas of one replica's measured capacity, and only the last MEASURED_HOURS of
// the last TOKEN_DAYS days are measured (the days before are the forecasts' history): a replay per
// request costs far more than the request simulator's per second, and the demo stays quick.

import { loadConfigFile } from "../config/load.ts";
import { controlPlaneOf, HPA_TOLERANCE_BEFORE_1_35 } from "../sim/control-plane.ts";
import { arrivalsFromCounts } from "../sim/llm/arrivals.ts";
import { measureReplicaCapacity } from "../sim/llm/capacity.ts";
import { replayWindow } from "../sim/llm/replay-window.ts";
import type { Workload } from "../sim/workload.ts";
import { sloOf, tokenSettings, type LlmCompareRequest } from "./load-llm.ts";
import { pickService } from "./load-request.ts";

/** Days of the built-in workload the token part replays (the last ones). */
export const TOKEN_DAYS = 2;
/** Hours measured at the end of them. */
export const MEASURED_HOURS = 4;
/** Replicas the busiest minute needs at one replica's measured capacity. */
export const PEAK_REPLICAS = 4;

/** The token part's request: examples/vllm-gpu.yaml on the last days of `w`, every policy at its single knob. */
export function tokenDemoRequest(w: Workload, configPath: string): LlmCompareRequest {
  const config = loadConfigFile(configPath);
  const service = pickService(config, config.services.length === 1 ? undefined : "vllmService");
  const llm = service.llm;
  if (llm === undefined) throw new RangeError(`${configPath}: services.${service.name} has no llm block`);
  const from = Math.max(0, w.minuteRate.length - TOKEN_DAYS * 1440);
  const counts = Float64Array.from(w.minuteRate.subarray(from), (perSecond) => perSecond * 60);
  const series = { start: w.start + from * 60_000, stepSeconds: 60, values: counts, unit: "requests" };
  const lengths = { promptTokens: llm.meanPromptTokens, outputTokens: llm.meanOutputTokens };
  const targetAttainmentPct = 100 * llm.slo.percentile;
  const one = arrivalsFromCounts("one request", { ...series, values: Float64Array.of(1) }, 1, lengths);
  const capacity = measureReplicaCapacity(llm.profile, one, sloOf(llm), {
    targetPct: targetAttainmentPct,
    seconds: 300,
  });
  const peak = Math.max(...counts) / 60;
  const factor = (PEAK_REPLICAS * capacity.requestsPerSecond) / peak;
  const trace = arrivalsFromCounts(`${w.name}, last ${TOKEN_DAYS} days in tokens`, series, factor, lengths);
  const window = replayWindow(trace, (TOKEN_DAYS * 24 - MEASURED_HOURS) * 3600);
  return {
    kind: "llm",
    config,
    service,
    trace,
    window,
    capacity,
    settings: tokenSettings(config, service, window),
    controlPlane: controlPlaneOf(config.keda, HPA_TOLERANCE_BEFORE_1_35),
    policies: ["ours", "dynamo-planner", "reactive-waiting", "reactive-requests", "static", "oracle"],
    // The request-based demo's baseline, reactive KEDA on the request rate: reactive KEDA on
    // waiting requests runs to maxReplicas on this workload, and the cap would set its cost.
    baseline: "reactive-requests",
    sweep: false,
    targetAttainmentPct,
    notes: [
      `the built-in workload counts requests: every request is given the llm block's expected lengths (${lengths.promptTokens} + ${lengths.outputTokens} tokens), the counts scaled so its busiest minute needs ${PEAK_REPLICAS} replicas; each policy at its default knob (no sweep: mlas simulate --sweep compares at equal attainment)`,
    ],
    output: { json: false },
  };
}
