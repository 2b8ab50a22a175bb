// Speed of the token-level LLM serving simulator (src/sim/llm): the 7-day replay of one service
// peaking at 20 replicas (target: under 60 s on the 2-core machine), simulated requests per second,
// and how the time grows with days and with replicas.
//
// Workload: the constructed week (src/sim/llm/constructed-trace.ts: BurstGPT's tokens per minute,
// request lengths from both Azure 2023 traces, seed 20231116), scaled so that its busiest minute
// needs `peak` replicas of the capacity one replica sustains at 99% SLO attainment (capacity.ts).
// Profile: a shipped one (profiles/, aiconfigurator-derived), qwen3-8b/h100_sxm/vllm/tp1 unless
// MLAS_PROFILE names another. SLO: TTFT 2 s, mean ITL 50 ms.
// Each run is timed in wall-clock and in this process's CPU seconds (user + system): the machine is
// shared, and on a loaded machine the CPU time is the figure an idle machine's wall time approaches.
// Run: npm run bench -- llm-sim   (traces from ../shared/traces, or MLAS_TRACES; MLAS_PROFILE=<id>)

import { loadavg } from "node:os";
import { join } from "node:path";
import { loadConfigFile } from "../src/config/load.ts";
import { DEFAULT_CONTROL_PLANE } from "../src/sim/control-plane.ts";
import { shippedProfile, shippedProfileIds } from "../src/llm/registry.ts";
import type { LlmArrivals } from "../src/sim/llm/arrivals.ts";
import { measureReplicaCapacity, type ReplicaCapacity } from "../src/sim/llm/capacity.ts";
import {
  CONSTRUCTED_SEED,
  constructTrace,
  scaleForPeak,
  type LengthPool,
} from "../src/sim/llm/constructed-trace.ts";
import { llmPolicy } from "../src/sim/llm/policies.ts";
import { replayWindow, tokenForecasts } from "../src/sim/llm/replay-window.ts";
import type { ForecastTimeline } from "../src/sim/trace-forecasts.ts";
import type { Config, ServiceConfig } from "../src/config/schema.ts";
import { defaultLlmSettings, simulateLlm, type LlmRunResult } from "../src/sim/llm/simulate.ts";
import { loadTrace, type Series } from "../src/traces/parse.ts";
import { machine } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const profileId = process.env.MLAS_PROFILE ?? "qwen3-8b/h100_sxm/vllm/tp1";
const shipped = shippedProfile(profileId);
if (!shipped)
  throw new Error(`MLAS_PROFILE: must be one of ${shippedProfileIds().join(", ")}, got ${profileId}`);
const profile = shipped;
const slo = { ttftSeconds: 2, itlSeconds: 0.05 };
const config = loadConfigFile(new URL("../examples/vllm-gpu.yaml", import.meta.url).pathname);
const example = config.services[0];
if (!example) throw new Error("examples/vllm-gpu.yaml has no service");
const service = { ...example, minReplicas: 1, maxReplicas: 100 };
const price = { onDemand: 4, blended: 4, spotShare: 0, spotFactor: 0.3 };

interface Timed<T> {
  readonly value: T;
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
}

function timed<T>(f: () => T): Timed<T> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const wallSeconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, wallSeconds, cpuSeconds: (c.user + c.system) / 1e6 };
}

function pools(): LengthPool[] {
  return ["azure-llm-2023-code.csv", "azure-llm-2023-conv.csv"].map((f) => {
    const t = loadTrace(join(dir, f));
    if (!t.requests) throw new Error(`${f}: not a request trace`);
    return { name: f, requests: t.requests };
  });
}

/** Every pool row as a mix for the capacity measurement. */
function mixOf(p: readonly LengthPool[]): LlmArrivals {
  const input = p.flatMap((x) => [...x.requests.inputTokens]);
  const output = p.flatMap((x) => [...x.requests.outputTokens]);
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

function days(series: Series, n: number): Series {
  return { ...series, values: series.values.slice(0, n * 1440) };
}

/** Ours runs the service of the comparison's config (no budget, hours or scale to zero) with forecasts. */
interface OursSetup {
  readonly config: Config;
  readonly service: ServiceConfig;
  readonly forecasts: ForecastTimeline;
}

function run(
  a: LlmArrivals,
  cap: ReplicaCapacity,
  policy: string,
  knob: number,
  ours?: OursSetup,
): Timed<LlmRunResult> {
  const settings = defaultLlmSettings(profile, price, slo, service.maxReplicas);
  const ctx = {
    arrivals: a,
    settings,
    service: ours?.service ?? service,
    config: ours?.config ?? config,
    controlPlane: DEFAULT_CONTROL_PLANE,
    capacity: cap,
    forecasts: ours?.forecasts ?? [],
    historyFrom: a.start,
  };
  const controller = llmPolicy(policy).make(ctx, knob);
  return timed(() => simulateLlm(a, settings, controller, { policy, knob }));
}

function line(label: string, a: LlmArrivals, r: Timed<LlmRunResult>): string {
  const v = r.value;
  return [
    label.padEnd(34),
    `${a.times.length.toLocaleString("en-US")} req`.padStart(15),
    `wall ${r.wallSeconds.toFixed(1)} s`.padStart(13),
    `cpu ${r.cpuSeconds.toFixed(1)} s`.padStart(12),
    `${Math.round(a.times.length / r.wallSeconds).toLocaleString("en-US")} req/s wall`.padStart(20),
    `${Math.round(a.times.length / r.cpuSeconds).toLocaleString("en-US")} req/s cpu`.padStart(19),
    `  peak ${v.peakReplicas} replicas, ${v.gpuHours.toFixed(0)} GPU-h, SLO met ${v.attainmentPct.toFixed(2)}%`,
  ].join("");
}

const burst = loadTrace(join(dir, "burstgpt-week1-tokens-per-minute.csv"));
const lengthPools = pools();
console.log(
  `llm-sim: ${machine()}; load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}`,
);
console.log(
  `profile ${profile.id} (${profile.gpusPerReplica} GPU per replica, KV cache ${profile.kvCacheTokens} tokens, load ${profile.loadSeconds} s); SLO TTFT ${slo.ttftSeconds} s, ITL ${slo.itlSeconds * 1000} ms`,
);
const cap = timed(() => measureReplicaCapacity(profile, mixOf(lengthPools), slo, { targetPct: 99 }));
console.log(
  `capacity of one replica at 99%: ${cap.value.requestsPerSecond.toFixed(2)} req/s, ${cap.value.tokensPerSecond.toFixed(0)} tokens/s ` +
    `(measured in wall ${cap.wallSeconds.toFixed(1)} s, cpu ${cap.cpuSeconds.toFixed(1)} s)`,
);

function week(peak: number, n: number): Timed<LlmArrivals> {
  const scale = scaleForPeak(burst.series, cap.value.tokensPerSecond, peak);
  return timed(() =>
    constructTrace({ name: "burstgpt-week1", series: days(burst.series, n) }, lengthPools, {
      scale,
      seed: CONSTRUCTED_SEED,
    }),
  );
}

const full = week(20, 7);
console.log(
  `constructed week at peak 20: ${full.value.provenance} (wall ${full.wallSeconds.toFixed(1)} s, cpu ${full.cpuSeconds.toFixed(1)} s)`,
);
console.log("\n7 days, peak 20 replicas (oracle at headroom 1 sizes the busiest minute at exactly 20):");
for (const [policy, knob] of [
  ["oracle", 1],
  ["static", 1],
  ["dynamo-planner", 1],
  ["reactive-waiting", 5],
  ["reactive-requests", 0.8],
] as const)
  console.log(line(`${policy} ${knob}`, full.value, run(full.value, cap.value, policy, knob)));

// Ours: the engine's tick every refresh on the simulated vLLM metrics, planning with forecasts of
// the token load made every 5 minutes from the week's own past (the first hour has none). The
// forecasts are fitted once, before the replay, and timed apart from it.
const oursConfig = loadConfigFile(new URL("vllm-tokens-uncapped.yaml", import.meta.url).pathname);
const oursService = oursConfig.services[0];
if (!oursService) throw new Error("bench/vllm-tokens-uncapped.yaml has no service");
const forecasts = timed(() =>
  tokenForecasts(full.value, replayWindow(full.value, 0), oursConfig, oursService),
);
console.log(
  `ours' forecasts of the week (${forecasts.value.length} fits): wall ${forecasts.wallSeconds.toFixed(1)} s, cpu ${forecasts.cpuSeconds.toFixed(1)} s`,
);
console.log(
  line(
    "ours 1",
    full.value,
    run(full.value, cap.value, "ours", 1, {
      config: oursConfig,
      service: oursService,
      forecasts: forecasts.value,
    }),
  ),
);

console.log("\ngrowth with days (peak 20, oracle at headroom 1):");
for (const n of [1, 2, 4, 7]) {
  const a = n === 7 ? full.value : week(20, n).value;
  console.log(line(`${n} day${n > 1 ? "s" : ""}`, a, run(a, cap.value, "oracle", 1)));
}

console.log("\ngrowth with replicas (2 days, oracle at headroom 1; the load scales with the peak):");
for (const peak of [5, 10, 20, 40]) {
  const a = week(peak, 2).value;
  console.log(line(`peak ${peak} replicas`, a, run(a, cap.value, "oracle", 1)));
}

console.log("\ngrowth with replicas at a fixed load (2 days at peak 20, static pools):");
const two = week(20, 2).value;
for (const n of [20, 40, 80]) {
  const settings = defaultLlmSettings(profile, price, slo, 200);
  const controller = {
    step(t: number, _l: unknown, c: import("../src/sim/cluster.ts").Cluster) {
      if (t === 0) c.setReplicas(n, t, true);
    },
    desired: () => n,
  };
  console.log(
    line(
      `static ${n} replicas`,
      two,
      timed(() => simulateLlm(two, settings, controller, { policy: "static", knob: n })),
    ),
  );
}

console.log(
  `\npeak resident memory of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
