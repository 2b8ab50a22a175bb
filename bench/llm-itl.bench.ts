// The capacity model's ITL tail (src/llm/capacity.ts, predictReplica) against what the token-level
// simulator measures for one replica (src/sim/llm): Poisson arrivals of constant lengths at 20%,
// 50% and 80% of the highest rate the model finds stable, on three shipped profiles and seven
// shapes from tiny prompts to 4,096-token prompts with 2- to 256-token answers. The simulator's
// ITL p99 is the least target at which 99% of requests keep their mean inter-token latency
// within it (TTFT unbounded), bisected on a log scale to 1%; each run lasts max(600 s, 3,000
// requests) after a 60 s warm-up. The model is judged by model / simulator per row, their mean
// |ln| and the worst under- and over-estimate (an under-estimate sizes too few replicas).
// Run: npm run bench -- llm-itl (about 4 minutes here)

import { predictReplica, type WorkloadShape } from "../src/llm/capacity.ts";
import type { PerformanceProfile } from "../src/llm/profile.ts";
import { shippedProfile } from "../src/llm/registry.ts";
import type { LlmArrivals } from "../src/sim/llm/arrivals.ts";
import { attainmentAt } from "../src/sim/llm/capacity.ts";
import { machine } from "./util.ts";

const PROFILES = ["qwen3-8b/h100_sxm/vllm/tp1", "qwen3-8b/l40s/vllm/tp1", "qwen3-30b-a3b/h100_sxm/vllm/tp2"];
const SHAPES: readonly [prompt: number, output: number][] = [
  [16, 3],
  [1053, 4],
  [2772, 2],
  [2048, 28],
  [1024, 256],
  [4096, 10],
  [300, 50],
];
const LOADS = [0.2, 0.5, 0.8];

/** The highest rate the model finds stable, to 2^-30 of the bracket. */
function maxStable(p: PerformanceProfile, shape: WorkloadShape): number {
  let lo = 0.001;
  let hi = 0.002;
  while (predictReplica(p, shape, hi, 0.99).stable && hi < 1e5) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (predictReplica(p, shape, mid, 0.99).stable) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The simulator's ITL p99 at `rate`: the least target 99% of requests meet, on a log scale to 1%. */
function simulatedItl(p: PerformanceProfile, prompt: number, output: number, rate: number): number {
  const mix: LlmArrivals = {
    name: `${prompt} + ${output}`,
    start: 0,
    times: Float64Array.of(0),
    inputTokens: Int32Array.of(prompt),
    outputTokens: Int32Array.of(output),
    origin: "constructed",
    provenance: "constant lengths",
  };
  const seconds = Math.max(600, 3000 / rate);
  let lo = 0.0005;
  let hi = 5;
  while (hi / lo > 1.01) {
    const mid = Math.sqrt(lo * hi);
    if (attainmentAt(p, mix, { ttftSeconds: 1e5, itlSeconds: mid }, rate, seconds, 1) >= 99) hi = mid;
    else lo = mid;
  }
  return hi;
}

console.log(`ITL p99 of one replica: the model against the simulator (${machine()})`);
console.log(
  "| profile | prompt + output | load (of the model's max) | req/s | model ms | simulator ms | model / simulator |",
);
console.log("|---|---|---|---|---|---|---|");
let sumLog = 0;
let rows = 0;
let under = 1;
let over = 1;
for (const id of PROFILES) {
  const p = shippedProfile(id);
  if (!p) throw new Error(`no profile ${id}`);
  for (const [prompt, output] of SHAPES) {
    const shape = { promptTokens: prompt, outputTokens: output };
    const top = maxStable(p, shape);
    for (const load of LOADS) {
      const rate = top * load;
      const model = predictReplica(p, shape, rate, 0.99).itlSeconds;
      const sim = simulatedItl(p, prompt, output, rate);
      const ratio = model / sim;
      sumLog += Math.abs(Math.log(ratio));
      rows++;
      under = Math.min(under, ratio);
      over = Math.max(over, ratio);
      console.log(
        `| ${id} | ${prompt} + ${output} | ${load * 100}% | ${rate.toFixed(2)} | ${(model * 1000).toFixed(1)} | ${(sim * 1000).toFixed(1)} | ${ratio.toFixed(2)} |`,
      );
    }
  }
}
console.log(
  `\n${rows} rows: mean |ln(model / simulator)| ${(sumLog / rows).toFixed(3)}, worst under-estimate ${under.toFixed(2)}x, worst over-estimate ${over.toFixed(2)}x`,
);
