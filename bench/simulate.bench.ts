// The policy comparison on every shared trace and on the demo's built-in workload: a GPU-like service
// (examples/vllm-gpu.yaml: 180 s start-up, scale to zero, business hours), each trace scaled so its
// peak minute needs 10 replicas, headroom swept, with and without scale to zero, at both HPA
// tolerances (0.1 before Kubernetes 1.35, 0 with the chart's per-HPA tolerance); plus the time of one
// 28-day policy point at 1 s resolution, ours vs reactive.
// Run: npm run bench -- simulate [names...]   (traces from ../shared/traces, or MLAS_TRACES; names
// are prefixes of trace files, "demo" or "speed")

import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadWorkload, simSettings } from "../src/cli/load-request.ts";
import { DEMO_RUN, DEMO_TRACE_RUN, type RunFlags } from "../src/cli/request.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { compare, formatComparison } from "../src/sim/compare.ts";
import { HPA_TOLERANCE_BEFORE_1_35, HPA_TOLERANCE_PER_HPA_ZERO } from "../src/sim/control-plane.ts";
import { costAtSlo, dominates } from "../src/sim/frontier.ts";
import { POLICIES } from "../src/sim/policies.ts";
import { simulatePoint } from "../src/sim/run.ts";
import { generateWorkload, type Workload } from "../src/sim/workload.ts";
import { machine, SHARED_TRACES } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const config = loadConfigFile(new URL("../examples/vllm-gpu.yaml", import.meta.url).pathname);
const service = config.services[0];
if (!service) throw new Error("examples/vllm-gpu.yaml has no service");
const flags: RunFlags = DEMO_TRACE_RUN;
const only = process.argv.slice(2);
const traces = [...SHARED_TRACES, "demo"].filter(
  (t) => only.length === 0 || only.some((o) => t.startsWith(o)),
);
console.log(
  `simulate: ${machine()}; service ${service.name}, start-up ${service.podStartupSeconds}s, capacity ${service.capacityPerReplica ?? 1} req/s per replica`,
);
for (const t of traces) {
  const path = join(dir, t);
  if (t !== "demo" && !existsSync(path)) {
    console.log(`\n${t}: not found under ${dir}`);
    continue;
  }
  // The demo's workload as `mlas demo` runs it; a trace as `mlas demo --trace` does. Loaded once:
  // its forecasts are computed once and shared by every run on it.
  const base = t === "demo" ? DEMO_RUN : flags;
  const w: Workload =
    t === "demo" ? generateWorkload() : loadWorkload(path, base.scaling, service.capacityPerReplica ?? 1);
  for (const zero of [true, false]) {
    for (const tolerance of [HPA_TOLERANCE_BEFORE_1_35, HPA_TOLERANCE_PER_HPA_ZERO]) {
      const f = { ...base, scaleToZero: zero };
      const days = w.rate.length / 86400;
      const s = simSettings(config, service, f, days, tolerance);
      const t0 = performance.now();
      const c = compare(w, s, { policies: POLICIES, sweep: true, headroom: 0.8, sloTargetPct: 1 });
      const ours = c.frontier.ours ?? [];
      const reactive = c.frontier.reactive ?? [];
      const oracle = c.frontier.oracle ?? [];
      const at1 = (p: typeof ours): string => costAtSlo(p, 1)?.toFixed(0) ?? "unreached";
      console.log(`\n${formatComparison(c)}`);
      console.log(
        `  scale to zero: ${zero ? "on (minReplicas 0)" : "off (minReplicas 1)"}; HPA tolerance ${tolerance}; ${days.toFixed(1)} days, ${(s.warmupSeconds / 86400).toFixed(1)} warm-up; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      console.log(
        `  cost at 1% SLO-violating minutes: ours ${at1(ours)}, reactive ${at1(reactive)}, oracle ${at1(oracle)}; ours dominates reactive's frontier: ${dominates(ours, reactive) ? "yes" : "no"}`,
      );
    }
  }
}

// Speed of one policy point over 28 days at 1 s resolution (the NASA trace is 27.6 days).
const nasa = join(dir, "nasa-http-1995-07.csv");
if (existsSync(nasa) && (only.length === 0 || only.includes("speed"))) {
  const w = loadWorkload(nasa, flags.scaling, service.capacityPerReplica ?? 1);
  const s = simSettings(config, service, flags, w.rate.length / 86400, HPA_TOLERANCE_BEFORE_1_35);
  const { precomputeForecasts } = await import("../src/sim/run.ts");
  let t0 = performance.now();
  const forecasts = precomputeForecasts(w, s);
  const fMs = performance.now() - t0;
  const time = (p: "ours" | "reactive"): number => {
    t0 = performance.now();
    simulatePoint(w, s, p, 0.8, forecasts);
    return performance.now() - t0;
  };
  const a = [time("ours"), time("ours"), time("ours")].sort((x, y) => x - y)[1] ?? 0;
  const b = [time("reactive"), time("reactive"), time("reactive")].sort((x, y) => x - y)[1] ?? 0;
  console.log(
    `\none policy point, ${(w.rate.length / 86400).toFixed(1)} days at 1 s (${w.rate.length} steps), median of 3:`,
  );
  console.log(
    `  ours ${(a / 1000).toFixed(2)} s, reactive ${(b / 1000).toFixed(2)} s (ratio ${(a / b).toFixed(1)}x); target < 30 s`,
  );
  console.log(
    `  forecasts for ours, shared by all runs on the trace: ${forecasts.length} fits in ${(fMs / 1000).toFixed(1)} s`,
  );
}
