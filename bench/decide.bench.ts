// decide() for 1,000 services with every rule in play (forecast, business hours, budget, GPU quota),
// against a baseline that only does the bare HPA arithmetic over the same observations.
// Run: npm run bench -- decide

import os from "node:os";
import { parseConfig } from "../src/config/schema.ts";
import { decide } from "../src/engine/decide.ts";
import { extensiveReplicas } from "../src/engine/hpa.ts";
import { EMPTY_STATE, type ServiceObservations } from "../src/engine/types.ts";
import { machine, sideBySide, type Timing } from "./util.ts";

const N = 1000;
const now = Date.parse("2026-03-04T15:00:00Z");
const services: Record<string, unknown> = {};
const observations: Record<string, ServiceObservations> = {};
for (let i = 0; i < N; i++) {
  const gpu = i % 3 === 0;
  services[`svc${i}`] = {
    minReplicas: i % 2,
    maxReplicas: 20,
    priority: i % 100,
    loadSignal: "rps",
    ...(gpu ? { resources: { gpusPerReplica: 1, gpuType: "nvidia-a100", cpu: 8, memoryGiB: 32 } } : {}),
    triggers: {
      rps: { source: "prometheus", query: "q", target: 10, kind: "extensive" },
      gpu: { source: "prometheus", query: "q", target: 80, kind: "intensive" },
      queue: { source: "prometheus", query: "q", target: 5, kind: "extensive" },
    },
  };
  observations[`svc${i}`] = {
    signals: {
      rps: { value: (i * 7) % 90, observedAt: now - 2000 },
      gpu: { value: 50 + (i % 50), observedAt: now },
      queue: { value: i % 13, observedAt: now },
    },
    readyReplicas: 3,
    currentReplicas: 3,
    idleSeconds: i % 4 === 0 ? 3600 : 0,
    forecast: {
      generatedAt: now - 10_000,
      start: now - 10_000,
      stepSeconds: 60,
      mean: Array.from({ length: 30 }, (_, k) => ((i + k) * 3) % 80),
      upper: Array.from({ length: 30 }, (_, k) => (((i + k) * 3) % 80) * 1.3),
      confidence: (i % 10) / 10,
      model: "bench",
    },
  };
}
const config = parseConfig({
  sources: { prometheus: { url: "http://p:9090" } },
  businessRules: {
    businessHours: { enabled: true, timezone: "Europe/Berlin" },
    costOptimization: { enabled: true, maxHourlyCost: 2000, preferSpotInstances: true },
    gpuQuotas: { "nvidia-a100": 500 },
  },
  services,
});

let sink = 0;
const ours = (): void => {
  sink += decide(config, observations, EMPTY_STATE, now).totalHourlyCost;
};
const baseline = (): void => {
  for (const svc of config.services) {
    const o = observations[svc.name];
    let best = 0;
    for (const t of svc.triggers)
      best = Math.max(best, extensiveReplicas(o?.signals[t.name]?.value ?? 0, t.target));
    sink += best;
  }
};
const [a, b] = sideBySide(200, 30, ours, baseline);
const line = (t: Timing): string =>
  `p10 ${t.p10Ms.toFixed(3)} ms  median ${t.medianMs.toFixed(3)} ms  p90 ${t.p90Ms.toFixed(3)} ms`;
console.log(`decide() for ${N} services (${machine()}, ${os.cpus()[0]?.model ?? "cpu"})`);
console.log(`  ours (all rules):        ${line(a)}  = ${((a.medianMs * 1000) / N).toFixed(2)} us/service`);
console.log(`  baseline (bare HPA max): ${line(b)}`);
console.log(
  `  ratio ours/baseline: ${(a.medianMs / b.medianMs).toFixed(1)}x at the median, ${(a.p10Ms / b.p10Ms).toFixed(1)}x at p10; target: well under 1 ms per service -> ${a.medianMs / N < 0.1 ? "met" : "NOT met"}`,
);
if (sink === -1) console.log(sink);
