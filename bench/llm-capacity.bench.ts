// One replica's capacity in tokens (src/llm/capacity.ts) for every shipped profile at the chart's
// SLO (TTFT p99 <= 2 s, ITL p99 <= 50 ms, 10% KV headroom) and three request shapes, with the time
// one solve takes (the engine keeps one solve per shape and llm block: src/engine/llm-sizing.ts).
// Run: npm run bench -- llm-capacity

import { replicaCapacity, type WorkloadShape } from "../src/llm/capacity.ts";
import { shippedProfile, shippedProfileIds } from "../src/llm/registry.ts";
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
