// The policy comparison on every shared trace and on the demo's built-in workload: a GPU-like service
// (examples/vllm-gpu-requests.yaml: 180 s start-up, scale to zero, business hours), each trace scaled so its
// peak minute needs 10 replicas, headroom swept, with and without scale to zero, at both HPA
// tolerances (0.1 before Kubernetes 1.35, 0 with the chart's per-HPA tolerance); plus the time of one
// 28-day policy point at 1 s resolution, ours vs reactive; plus how much foresight a cost target
// needs ("foresight", below).
// Run: npm run bench -- simulate [names...]   (traces from ../shared/traces, or MLAS_TRACES; names
// are prefixes of trace files, "demo", "speed" or "foresight")

import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadWorkload, simSettings } from "../src/cli/load-request.ts";
import { DEMO_RUN, DEMO_TRACE_RUN, type RunFlags } from "../src/cli/request.ts";
import { loadConfigFile } from "../src/config/load.ts";
import { compare, formatComparison } from "../src/sim/compare.ts";
import { HPA_TOLERANCE_BEFORE_1_35, HPA_TOLERANCE_PER_HPA_ZERO } from "../src/sim/control-plane.ts";
import {
  costAtSlo,
  dominates,
  paretoFront,
  SWEEP_HEADROOMS,
  type FrontierPoint,
} from "../src/sim/frontier.ts";
import { controllerFor, POLICIES } from "../src/sim/policies.ts";
import { simContext, simulatePoint, simulateWith } from "../src/sim/run.ts";
import { generateWorkload, type Workload } from "../src/sim/workload.ts";
import { machine, SHARED_TRACES } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const config = loadConfigFile(new URL("../examples/vllm-gpu-requests.yaml", import.meta.url).pathname);
const service = config.services[0];
if (!service) throw new Error("examples/vllm-gpu-requests.yaml has no service");
const capacity = service.capacityPerReplica ?? 1;
const flags: RunFlags = DEMO_TRACE_RUN;
const only = process.argv.slice(2);
const traces = [...SHARED_TRACES, "demo"].filter(
  (t) => only.length === 0 || only.some((o) => t.startsWith(o)),
);
console.log(
  `simulate: ${machine()}; service ${service.name}, start-up ${service.podStartupSeconds}s, capacity ${service.capacityPerReplica ?? 1} req/s per replica`,
);
/** The demo's workload as `mlas demo` runs it; a trace as `mlas demo --trace` does. */
function workloadOf(t: string): { w: Workload; base: RunFlags } {
  const base = t === "demo" ? DEMO_RUN : flags;
  const w = t === "demo" ? generateWorkload() : loadWorkload(join(dir, t), base.scaling, capacity);
  return { w, base };
}

for (const t of traces) {
  const path = join(dir, t);
  if (t !== "demo" && !existsSync(path)) {
    console.log(`\n${t}: not found under ${dir}`);
    continue;
  }
  // Loaded once: its forecasts are computed once and shared by every run on it.
  const { w, base } = workloadOf(t);
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

// How much foresight a cost target needs: the oracle's schedule made from the load's centred
// W-minute mean instead of the load itself (it knows the future trend exactly but nothing finer),
// swept over headroom like the others, at 1% SLO-violating minutes against reactive. A forecaster
// that knows the load no better than its W-minute mean cannot be expected to beat that column
// (the oracle also starts pods exactly on time, with no HPA in between). Scale to zero off, HPA
// tolerance 0.1, the traces long enough to warm up.
if (only.length === 0 || only.includes("foresight")) {
  console.log(
    "\nforesight: cost at 1% SLO-violating minutes over reactive's, scale to zero off, tolerance 0.1",
  );
  for (const t of [
    "nasa-http-1995-07.csv",
    "wikipedia-en-2016-01-hourly.csv",
    "servegen-language-m-small-10min.csv",
    "burstgpt-week1-tokens-per-minute.csv",
    "demo",
  ]) {
    if (t !== "demo" && !existsSync(join(dir, t))) continue;
    const { w, base } = workloadOf(t);
    const s = simSettings(
      config,
      service,
      { ...base, scaleToZero: false },
      w.rate.length / 86400,
      HPA_TOLERANCE_BEFORE_1_35,
    );
    const frontier = (plan: (u: number) => ReturnType<typeof simulatePoint>): FrontierPoint[] =>
      SWEEP_HEADROOMS.map((u) => {
        const r = plan(u);
        return { headroom: u, costDollars: r.costDollars, sloViolationMinutesPct: r.sloViolationMinutesPct };
      });
    const reactivePoints = frontier((u) => simulatePoint(w, s, "reactive", u, []));
    // 1%, or the lowest level reactive reaches where it never reaches 1% (BurstGPT).
    const level = Math.max(1, paretoFront(reactivePoints)[0]?.sloViolationMinutesPct ?? 1);
    const reactive = costAtSlo(reactivePoints, level);
    const cells = [5, 10, 30, 0].map((minutes) => {
      const rate = minutes > 0 ? centredMean(w.rate, minutes * 60) : w.rate;
      const cost = costAtSlo(
        frontier((u) =>
          simulateWith(w, s, "oracle", u, controllerFor("oracle", { ...simContext(w, s, u, []), rate })),
        ),
        level,
      );
      const label = minutes > 0 ? `${minutes}-min mean` : "exact load";
      return `${label} ${cost !== undefined && reactive !== undefined ? (cost / reactive).toFixed(3) : "unreached"}`;
    });
    console.log(`  ${t} at ${level.toFixed(2)}%: oracle knowing the ${cells.join(", ")}`);
  }
}

/** Each second's mean over the `window` seconds centred on it (shorter at the ends). */
function centredMean(rate: Float32Array, window: number): Float32Array {
  const prefix = new Float64Array(rate.length + 1);
  for (let t = 0; t < rate.length; t++) prefix[t + 1] = (prefix[t] ?? 0) + (rate[t] ?? 0);
  const half = Math.floor(window / 2);
  return Float32Array.from(rate, (_, t) => {
    const from = Math.max(0, t - half);
    const to = Math.min(rate.length, t + half + 1);
    return ((prefix[to] ?? 0) - (prefix[from] ?? 0)) / (to - from);
  });
}
