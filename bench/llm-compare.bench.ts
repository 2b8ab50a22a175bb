// The token-level comparison on the shared traces: every policy of LLM_POLICIES but ours-requests
// (which needs the trace's forecasts; the final comparison adds them and ours in tokens) swept over
// its knob on the same arrivals, profile and control plane, compared at equal SLO attainment
// (99% of requests within TTFT 2 s and mean ITL 50 ms), printed and written as the HTML report.
//  - constructed: the first `days` of the BurstGPT x Azure week (constructed-trace.ts, seed
//    20231116), scaled so that its busiest minute needs `peak` replicas of one replica's measured
//    capacity (constructed arrivals);
//  - the Azure LLM 2023 code and conversation traces as recorded (real arrivals).
// Run: npm run bench -- llm-compare   (MLAS_DAYS 2, MLAS_PEAK 20, MLAS_PROFILE, MLAS_POLICIES=a,b,
// MLAS_REPORT=out/llm-report.html, traces from ../shared/traces or MLAS_TRACES)

import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { loadConfigFile } from "../src/config/load.ts";
import { shippedProfile, shippedProfileIds } from "../src/llm/registry.ts";
import { renderLlmReport } from "../src/report/llm.ts";
import { DEFAULT_CONTROL_PLANE } from "../src/sim/control-plane.ts";
import { arrivalsFromTrace, type LlmArrivals } from "../src/sim/llm/arrivals.ts";
import { measureReplicaCapacity } from "../src/sim/llm/capacity.ts";
import { compareLlm, formatLlmComparison, type LlmComparison } from "../src/sim/llm/compare.ts";
import { CONSTRUCTED_SEED, constructTrace, scaleForPeak } from "../src/sim/llm/constructed-trace.ts";
import { LLM_POLICIES } from "../src/sim/llm/policies.ts";
import { defaultLlmSettings } from "../src/sim/llm/simulate.ts";
import { loadTrace } from "../src/traces/parse.ts";
import { machine } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const days = Number(process.env.MLAS_DAYS ?? 2);
const peak = Number(process.env.MLAS_PEAK ?? 20);
const profileId = process.env.MLAS_PROFILE ?? "qwen3-8b/h100_sxm/vllm/tp1";
const reportFile = process.env.MLAS_REPORT ?? "out/llm-report.html";
const shipped = shippedProfile(profileId);
if (!shipped)
  throw new Error(`MLAS_PROFILE: must be one of ${shippedProfileIds().join(", ")}, got ${profileId}`);
const profile = shipped;
const policies =
  process.env.MLAS_POLICIES?.split(",") ??
  LLM_POLICIES.map((p) => p.name).filter((p) => p !== "ours-requests");
const slo = { ttftSeconds: 2, itlSeconds: 0.05 };
const price = { onDemand: 4, blended: 4, spotShare: 0, spotFactor: 0.3 };
const config = loadConfigFile(new URL("../examples/vllm-gpu.yaml", import.meta.url).pathname);
const example = config.services[0];
if (!example) throw new Error("examples/vllm-gpu.yaml has no service");
const service = { ...example, minReplicas: 1, maxReplicas: 100 };

function azure(file: string): LlmArrivals {
  return arrivalsFromTrace(loadTrace(join(dir, file)));
}

/** Every row of both Azure traces, as the constructed trace draws its lengths from. */
function lengthMix(a: readonly LlmArrivals[]): LlmArrivals {
  const input = a.flatMap((x) => [...x.inputTokens]);
  const output = a.flatMap((x) => [...x.outputTokens]);
  return {
    name: "azure-llm-2023 code + conv lengths",
    start: 0,
    times: new Float64Array(input.length),
    inputTokens: Int32Array.from(input),
    outputTokens: Int32Array.from(output),
    origin: "real",
    provenance: "length mix",
  };
}

function compareOn(arrivals: LlmArrivals, mix: LlmArrivals): LlmComparison {
  const t0 = process.cpuUsage();
  const capacity = measureReplicaCapacity(profile, mix, slo, { targetPct: 99 });
  const c = compareLlm(
    {
      arrivals,
      settings: defaultLlmSettings(profile, price, slo, service.maxReplicas),
      service,
      config,
      controlPlane: DEFAULT_CONTROL_PLANE,
      capacity,
      forecasts: [],
    },
    { policies, sweep: true, targetAttainmentPct: 99, keepSeries: true },
  );
  const cpu = process.cpuUsage(t0);
  console.log(`\n${formatLlmComparison(c)}\n(cpu ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s)`);
  return c;
}

console.log(
  `llm-compare: ${machine()}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}; profile ${profile.id}; policies ${policies.join(", ")}`,
);
const code = azure("azure-llm-2023-code.csv");
const conv = azure("azure-llm-2023-conv.csv");
const mix = lengthMix([code, conv]);
const week = loadTrace(join(dir, "burstgpt-week1-tokens-per-minute.csv"));
const cap = measureReplicaCapacity(profile, mix, slo, { targetPct: 99 });
const constructed = constructTrace(
  {
    name: `burstgpt-week1 (first ${days} days)`,
    series: { ...week.series, values: week.series.values.slice(0, days * 1440) },
  },
  [
    {
      name: "azure-llm-2023-code.csv",
      requests: loadTrace(join(dir, "azure-llm-2023-code.csv")).requests ?? fail(),
    },
    {
      name: "azure-llm-2023-conv.csv",
      requests: loadTrace(join(dir, "azure-llm-2023-conv.csv")).requests ?? fail(),
    },
  ],
  { scale: scaleForPeak(week.series, cap.tokensPerSecond, peak), seed: CONSTRUCTED_SEED },
);

function fail(): never {
  throw new Error("the Azure traces are not request traces");
}

const comparisons = [compareOn(constructed, mix), compareOn(code, code), compareOn(conv, conv)];
mkdirSync(dirname(reportFile), { recursive: true });
writeFileSync(
  reportFile,
  renderLlmReport({
    title: `Token-level comparison on ${profile.id}`,
    comparisons,
    notes: [
      "One replica's capacity at 99% SLO attainment is measured with the simulator on each trace's own length mix (Poisson arrivals, capacity.ts); static, oracle and reactive on the request rate are sized from it.",
      "ours-requests is left out: it needs the trace's forecasts (the final comparison adds them and ours in tokens).",
      "The Dynamo-style planner acts every 180 s with the constant load predictor and sizes from tables computed from the same profile.",
    ],
  }),
);
console.log(
  `\nreport: ${reportFile}; peak resident memory ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
