// The split of each LLM service's token demand across its variants (src/engine/split), at the
// planning level: the fleet the same decide() asks for over a week of demand, its dollars, against
// (1) the cheapest single-GPU-type fleet (decide() with the service's variants of one GPU type
// only, on demand and spot, the cheapest type per service), (2) a cost-aware greedy policy (the
// variant with the cheapest capacity per dollar first, as llm-d's optimizer orders them, each filled
// to its maximum and its GPU quota before the next, services by priority; no start-up, no spot
// hedge, no budget), and (3) the same split without
// spot variants. Every fleet is sized by the same capacity model (src/llm/capacity.ts: what one
// replica sustains within the TTFT/ITL SLO at the expected lengths), so "covered" below is the
// model's own verdict (capacity >= demand at each step), NOT an SLO attainment measured by a
// token-level replay with preemptions: that replay is not built yet (see bench/RESULTS.md).
//
// Config: examples/llm-variants.yaml (prices and their source in its header). Demand: the shared
// BurstGPT week (tokens per minute), each service on its own 2-day rotation of it, scaled to a
// stated peak; one decision every 5 minutes, each asking the replicas the previous one asked for
// ready (5 minutes exceed every start-up here). Also: the split's solve time and search nodes.
//
// Run: MLAS_TRACES=/path/to/shared/traces npm run bench -- variants

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { parseConfig, type Config, type ServiceConfig } from "../src/config/schema.ts";
import { priceOf } from "../src/engine/cost.ts";
import { decide } from "../src/engine/decide.ts";
import { EMPTY_STATE, type Decisions, type ServiceObservations } from "../src/engine/types.ts";
import { loadTrace } from "../src/traces/parse.ts";
import { machine } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const STEP_MINUTES = 5;
/** Peak prompt + output tokens/s per service, and its rotation of the week in days. */
const SHAPE: Record<string, { peak: number; shiftDays: number }> = {
  chat: { peak: 200_000, shiftDays: 0 },
  code: { peak: 15_000, shiftDays: 2 },
  agents: { peak: 120_000, shiftDays: 4 },
};

const raw = parseYaml(
  readFileSync(new URL("../examples/llm-variants.yaml", import.meta.url), "utf8"),
) as Record<string, unknown>;
const full = parseConfig(raw);

/** The example with each service's variants filtered (a service left without any keeps all). */
function withVariants(
  keep: (svc: string, v: { name: string; gpuType: string; spot: boolean }) => boolean,
): Config {
  const doc = structuredClone(raw) as {
    services: Record<string, { variants: Record<string, Record<string, unknown>> }>;
  };
  for (const [svc, s] of Object.entries(doc.services)) {
    const kept = Object.fromEntries(
      Object.entries(s.variants).filter(([name, v]) =>
        keep(svc, {
          name,
          gpuType: (v.resources as { gpuType: string }).gpuType,
          spot: typeof v.spotShare === "number" && v.spotShare > 0,
        }),
      ),
    );
    if (Object.keys(kept).length > 0) s.variants = kept;
  }
  return parseConfig(doc);
}

/** Demand per service per step, tokens/s: the trace's per-minute tokens, 5-minute means, scaled to the peak. */
function demands(): Map<string, number[]> {
  const trace = loadTrace(`${dir}/burstgpt-week1-tokens-per-minute.csv`);
  // A gap (NaN) carries the last value: it is a missing sample, not an idle minute.
  let last = 0;
  const perMinute = Array.from(trace.series.values, (v) => (Number.isFinite(v) ? (last = v) : last));
  const steps = Math.floor(perMinute.length / STEP_MINUTES);
  const means = Array.from({ length: steps }, (_, i) => {
    let s = 0;
    for (let m = 0; m < STEP_MINUTES; m++) s += perMinute[i * STEP_MINUTES + m] ?? 0;
    return s / STEP_MINUTES;
  });
  const top = Math.max(...means);
  const out = new Map<string, number[]>();
  for (const [svc, { peak, shiftDays }] of Object.entries(SHAPE)) {
    const shift = (shiftDays * 1440) / STEP_MINUTES;
    out.set(
      svc,
      means.map((_, i) => ((means[(i + shift) % steps] ?? 0) / top) * peak),
    );
  }
  return out;
}

interface Totals {
  dollars: number;
  steps: number;
  covered: number;
  overBudget: number;
  maxHourly: number;
}

/** decide() every step, each variant's previous count ready; dollars, covered steps, budget breaches. */
function runDecide(config: Config, demand: Map<string, number[]>): Totals {
  const ready = new Map<string, Record<string, number>>();
  const t: Totals = { dollars: 0, steps: 0, covered: 0, overBudget: 0, maxHourly: 0 };
  const steps = demand.get("chat")?.length ?? 0;
  const t0 = Date.parse("2026-01-05T00:00:00Z");
  for (let i = 0; i < steps; i++) {
    const now = t0 + i * STEP_MINUTES * 60_000;
    const obs: Record<string, ServiceObservations> = {};
    for (const s of config.services) {
      const r = ready.get(s.name) ?? {};
      const total = Object.values(r).reduce((a, b) => a + b, 0);
      obs[s.name] = {
        signals: {
          tokens: { value: demand.get(s.name)?.[i] ?? 0, observedAt: now },
          requestRate: { value: 0, observedAt: now },
        },
        readyReplicas: total,
        currentReplicas: total,
        idleSeconds: 0,
        variants: Object.fromEntries(
          (s.variants ?? []).map((v) => [
            v.name,
            { readyReplicas: r[v.name] ?? 0, currentReplicas: r[v.name] ?? 0 },
          ]),
        ),
      };
    }
    const d = decide(config, obs, EMPTY_STATE, now);
    record(t, d, config, demand, i);
    for (const s of d.services)
      ready.set(
        s.service,
        Object.fromEntries((s.variants?.variants ?? []).map((v) => [v.variant, v.desiredReplicas])),
      );
  }
  return t;
}

function record(t: Totals, d: Decisions, config: Config, demand: Map<string, number[]>, i: number): void {
  t.steps++;
  t.dollars += d.totalHourlyCost * (STEP_MINUTES / 60);
  t.maxHourly = Math.max(t.maxHourly, d.totalHourlyCost);
  if (config.cost.maxHourlyCost !== undefined && d.totalHourlyCost > config.cost.maxHourlyCost + 1e-9)
    t.overBudget++;
  const ok = d.services.every((s) => {
    const cap = (s.variants?.variants ?? []).reduce((sum, v) => sum + v.capacityTokensPerSecond, 0);
    return cap >= (demand.get(s.service)?.[i] ?? 0) - 1e-6;
  });
  if (ok) t.covered++;
}

/**
 * Greedy: services by priority (highest first), each filling its variants in order of blended $
 * per token/s, each variant to its maximum and the GPU quota left before the next; no budget.
 */
function runGreedy(config: Config, demand: Map<string, number[]>): Totals {
  const t: Totals = { dollars: 0, steps: 0, covered: 0, overBudget: 0, maxHourly: 0 };
  const steps = demand.get("chat")?.length ?? 0;
  const byPriority = [...config.services].sort((a, b) => b.priority - a.priority);
  for (let i = 0; i < steps; i++) {
    const quota = new Map(Object.entries(config.gpuQuotas));
    let hourly = 0;
    let ok = true;
    for (const s of byPriority) {
      const r = greedyService(s, config, demand.get(s.name)?.[i] ?? 0, quota);
      hourly += r.hourly;
      ok &&= r.covered;
    }
    t.steps++;
    t.dollars += hourly * (STEP_MINUTES / 60);
    t.maxHourly = Math.max(t.maxHourly, hourly);
    if (config.cost.maxHourlyCost !== undefined && hourly > config.cost.maxHourlyCost + 1e-9) t.overBudget++;
    if (ok) t.covered++;
  }
  return t;
}

function greedyService(
  s: ServiceConfig,
  config: Config,
  demand: number,
  quota: Map<string, number>,
): { hourly: number; covered: boolean } {
  const ranked = (s.variants ?? [])
    .map((v) => ({ v, price: priceOf(v.resources, v.spotShare, config.cost).blended }))
    .filter((x) => x.v.expectedCapacity > 0)
    .sort((a, b) => a.price / a.v.expectedCapacity - b.price / b.v.expectedCapacity);
  let left = demand;
  let hourly = 0;
  let replicas = 0;
  for (const { v, price } of ranked) {
    const type = v.resources.gpuType;
    const room = quota.get(type);
    const byQuota = room === undefined ? Infinity : Math.floor(room / v.resources.gpusPerReplica);
    const want = Math.max(v.minReplicas, Math.ceil(Math.max(0, left) / v.expectedCapacity - 1e-9));
    const n = Math.min(v.maxReplicas, want, Math.max(v.minReplicas, byQuota));
    if (room !== undefined) quota.set(type, room - n * v.resources.gpusPerReplica);
    hourly += n * price;
    replicas += n;
    left -= n * v.expectedCapacity;
  }
  if (replicas < s.minReplicas && ranked[0]) hourly += (s.minReplicas - replicas) * ranked[0].price;
  return { hourly, covered: left <= 1e-6 };
}

function line(name: string, t: Totals, ref?: Totals): string {
  const ratio = ref ? ` (${(t.dollars / ref.dollars).toFixed(3)}x)` : "";
  return `${name.padEnd(44)} $${t.dollars.toFixed(0).padStart(7)}${ratio.padEnd(10)} covered ${((100 * t.covered) / t.steps).toFixed(2)}%  peak $${t.maxHourly.toFixed(2)}/h  over budget ${t.overBudget} of ${t.steps}`;
}

const demand = demands();
console.log(
  `variants at the planning level, ${machine()}; ${demand.get("chat")?.length} steps of ${STEP_MINUTES} min; peaks ${JSON.stringify(Object.fromEntries(Object.entries(SHAPE).map(([k, v]) => [k, v.peak])))} tokens/s; budget $${full.cost.maxHourlyCost}/h`,
);
const t0 = performance.now();
const ours = runDecide(full, demand);
const oursMs = performance.now() - t0;
const onDemand = runDecide(
  withVariants((_, v) => !v.spot),
  demand,
);
const types = [...new Set(full.services.flatMap((s) => (s.variants ?? []).map((v) => v.resources.gpuType)))];
const singles = types.map((type) => ({
  type,
  t: runDecide(
    withVariants((_, v) => v.gpuType === type),
    demand,
  ),
}));
const greedy = runGreedy(full, demand);
console.log(line("ours (split, all variants incl. spot)", ours));
console.log(line("ours without spot variants", onDemand, ours));
for (const { type, t } of singles) console.log(line(`single GPU type ${type} (its variants only)`, t, ours));
console.log(line("cost-aware greedy (cheapest $/token first)", greedy, ours));
const best = singles.reduce((a, b) => (a.t.dollars <= b.t.dollars ? a : b));
console.log(
  `ours / cheapest single type (${best.type}): ${(ours.dollars / best.t.dollars).toFixed(3)}; ours / greedy: ${(ours.dollars / greedy.dollars).toFixed(3)}; ours / no spot: ${(ours.dollars / onDemand.dollars).toFixed(3)}`,
);
console.log(
  `decide() for the 3 services with the split: ${((oursMs / ours.steps) * 1000).toFixed(0)} us a step (${ours.steps} steps)`,
);
