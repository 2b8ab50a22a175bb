// One replica's capacity in tokens (src/llm/capacity.ts) for every shipped profile at the chart's
// SLO (TTFT p99 <= 2 s, ITL p99 <= 50 ms, 10% KV headroom) and three request shapes, with the time
// one solve takes (the engine keeps one solve per shape and llm block: src/engine/llm-sizing.ts).
// Then, on the Azure LLM 2023 traces' own request mixes (MLAS_TRACES, default ../shared/traces) at
// knob 1 and 0.8 (step times / knob, as ours plans): the model at the mean lengths, the model with
// the distribution as the engine reads it (the six quantiles of the lengths from vLLM's 1-2-5
// buckets, histogram_quantile's interpolation, scaled to the mean: src/engine/llm-sizing.ts), and
// what the simulator measures one replica sustains at 99% on Poisson arrivals of the same mix
// (src/sim/llm/capacity.ts, the figure `mlas simulate` prints).
// Run: npm run bench -- llm-capacity

import { LENGTH_QUANTILES } from "../src/config/llm.ts";
import { lengthClasses } from "../src/engine/llm-sizing.ts";
import { replicaCapacity, type LengthClass, type WorkloadShape } from "../src/llm/capacity.ts";
import type { PerformanceProfile } from "../src/llm/profile.ts";
import { shippedProfile, shippedProfileIds } from "../src/llm/registry.ts";
import { plannedProfile } from "../src/sim/llm/ours-tokens.ts";
import { arrivalsFromTrace, type LlmArrivals } from "../src/sim/llm/arrivals.ts";
import { measureReplicaCapacity } from "../src/sim/llm/capacity.ts";
import { LatencyHistogram, lengthBuckets } from "../src/sim/llm/histogram.ts";
import { quantileOfIncrease } from "../src/sim/llm/vllm-prometheus.ts";
import { loadTrace } from "../src/traces/parse.ts";
import { machine, summarize } from "./util.ts";

const SLO = { ttftSeconds: 2, itlSeconds: 0.05, percentile: 0.99 };
const SHAPES: readonly [name: string, shape: WorkloadShape][] = [
  ["chat 1,024 + 256", { promptTokens: 1024, outputTokens: 256 }],
  ["long prompt 4,096 + 256", { promptTokens: 4096, outputTokens: 256 }],
  ["short answer 2,048 + 28", { promptTokens: 2048, outputTokens: 28 }],
];
const ROUNDS = 7;

const ms = (x: number): string => (Number.isFinite(x) ? (x * 1000).toFixed(0) : "-");
console.log(`one replica's capacity within TTFT p99 <= 2 s, ITL p99 <= 50 ms, KV <= 90% (${machine()})`);
console.log(
  "| profile | shape | req/s | tokens/s | bound | TTFT ms | ITL ms | KV % | solve ms (median of 7) |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const id of shippedProfileIds()) {
  const p = shippedProfile(id);
  if (!p) throw new Error(`no profile ${id}`);
  for (const [name, shape] of SHAPES) {
    const times: number[] = [];
    let c = replicaCapacity(p, SLO, shape, 0.1);
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now();
      c = replicaCapacity(p, SLO, shape, 0.1);
      times.push(performance.now() - t0);
    }
    const at = c.atCapacity;
    const dropped = c.unattainable.length > 0 ? ` (${c.unattainable.join(", ")} unattainable)` : "";
    console.log(
      `| ${id} | ${name} | ${c.requestsPerSecond.toFixed(2)} | ${Math.round(c.tokensPerSecond).toLocaleString("en-US")} | ${c.boundBy}${dropped} | ${ms(at.ttftSeconds)} | ${ms(at.itlSeconds)} | ${(at.kvCacheUse * 100).toFixed(0)} | ${summarize(times).medianMs.toFixed(2)} |`,
    );
  }
}

/** One length's classes as the engine reads them: vLLM's histogram, its quantiles, scaled to the mean. */
function classesFromHistogram(lengths: Int32Array, maxModelLen: number): readonly LengthClass[] {
  const h = new LatencyHistogram(lengthBuckets(maxModelLen));
  let sum = 0;
  for (const v of lengths) {
    h.observe(v);
    sum += v;
  }
  const none = new Float64Array(h.counts.length);
  const quantiles = LENGTH_QUANTILES.map((x) => quantileOfIncrease(h.bounds, none, h.counts, x.q));
  const c = lengthClasses(quantiles, sum / lengths.length, "lengths");
  if (c === undefined || typeof c === "string") throw new Error(`no distribution: ${String(c)}`);
  return c;
}

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const QWEN = shippedProfile("qwen3-8b/h100_sxm/vllm/tp1");
if (!QWEN) throw new Error("no profile qwen3-8b/h100_sxm/vllm/tp1");
const tokens = (x: number): string => Math.round(x).toLocaleString("en-US");
console.log("");
console.log(`qwen3-8b/h100_sxm/vllm/tp1 on the Azure traces' mixes, TTFT p99 <= 2 s, mean ITL p99 <= 50 ms`);
console.log(
  "| trace | knob | model at the mean, tokens/s | model with the distribution | simulator at 99% | model / simulator |",
);
console.log("|---|---|---|---|---|---|");
for (const file of ["azure-llm-2023-code.csv", "azure-llm-2023-conv.csv"]) {
  const mix: LlmArrivals = arrivalsFromTrace(loadTrace(`${dir}${file}`));
  const n = mix.times.length;
  const mean = (a: Int32Array): number => a.reduce((x, y) => x + y, 0) / n;
  const means = { promptTokens: mean(mix.inputTokens), outputTokens: mean(mix.outputTokens) };
  const maxLen = QWEN.maxModelLen ?? QWEN.kvCacheTokens;
  const spread: WorkloadShape = {
    ...means,
    prompts: classesFromHistogram(mix.inputTokens, maxLen),
    outputs: classesFromHistogram(mix.outputTokens, maxLen),
  };
  for (const knob of [1, 0.8]) {
    const p: PerformanceProfile = plannedProfile(QWEN, knob);
    const atMean = replicaCapacity(p, SLO, means, 0.1).tokensPerSecond;
    const withMix = replicaCapacity(p, SLO, spread, 0.1).tokensPerSecond;
    const sim = measureReplicaCapacity(p, mix, { ttftSeconds: 2, itlSeconds: 0.05 }, { targetPct: 99 });
    console.log(
      `| ${file} | ${knob} | ${tokens(atMean)} | ${tokens(withMix)} | ${tokens(sim.tokensPerSecond)} | ${(withMix / sim.tokensPerSecond).toFixed(2)} (at the mean ${(atMean / sim.tokensPerSecond).toFixed(2)}) |`,
    );
  }
}
