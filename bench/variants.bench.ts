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
// ready (5 minutes exceed every start-up here). Then spot preemptions: each spot replica of a
// decision preempted at a stated rate per replica-hour (Poisson, seeded), its capacity lost until a
// replacement serves (30 s + its start-up later), with and without the spot hedge, against the same
// split without spot: the share of service-seconds whose modelled capacity met the demand. Also:
// decide()'s time a step.
//
// Run: MLAS_TRACES=/path/to/shared/traces npm run bench -- variants

import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { parseConfig, type Config } from "../src/config/schema.ts";
import { decide } from "../src/engine/decide.ts";
import { EMPTY_STATE, type Decisions, type ServiceObservations } from "../src/engine/types.ts";
import { greedySplit } from "../src/sim/llm/variant-baselines.ts";
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

/** The example with every spot variant's preemptionsPerHour at `rate`, and the hedge quantile `q` if given. */
function withSpot(rate: number, q: number | undefined): Config {
  const doc = structuredClone(raw) as {
    services: Record<
      string,
      { llm: Record<string, unknown>; variants: Record<string, Record<string, unknown>> }
    >;
  };
  for (const svc of Object.values(doc.services)) {
    if (q !== undefined) svc.llm.spotHedgeQuantile = q;
    for (const v of Object.values(svc.variants))
      if (v.preemptionsPerHour !== undefined) v.preemptionsPerHour = rate;
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
  /** With preemptions: spot replicas preempted, and service-seconds whose capacity met the demand. */
  preemptions: number;
  coveredSeconds: number;
  serviceSeconds: number;
}

const empty = (): Totals => ({
  dollars: 0,
  steps: 0,
  covered: 0,
  overBudget: 0,
  maxHourly: 0,
  preemptions: 0,
  coveredSeconds: 0,
  serviceSeconds: 0,
});

/** Spot preemptions: each spot replica preempted at `perHour` a replica-hour (Poisson), seeded. */
interface Preemption {
  readonly perHour: number;
  readonly random: () => number;
}

/**
 * Seconds from a preemption until its replacement starts: the scaler reads the variant's ready
 * replicas every few seconds and KEDA polls it every 30 s (its default pollingInterval), so the
 * replacement pod is created about 30 s later (node provisioning for it is not modelled).
 */
const REPLACE_AFTER_SECONDS = 30;

/** mulberry32: a small seeded generator, so a run is repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A preempted replica's capacity, lost from `from` until its replacement serves (`to`), seconds. */
interface Loss {
  readonly service: string;
  readonly capacity: number;
  readonly from: number;
  readonly to: number;
}

/** decide() every step, each variant's previous count ready; dollars, covered steps, budget breaches. */
function runDecide(config: Config, demand: Map<string, number[]>, preempt?: Preemption): Totals {
  const losses: Loss[] = [];
  const ready = new Map<string, Record<string, number>>();
  const t: Totals = empty();
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
    if (preempt) preemptStep(t, d, config, demand, i, preempt, losses, ready);
  }
  return t;
}

/**
 * One step's spot preemptions: each spot replica of the decision is preempted within the step at
 * the stated rate; its capacity is lost from then until a replacement serves, REPLACE_AFTER_SECONDS
 * plus its variant's start-up later; the next decision sees it gone. Counts the service-seconds of
 * the step whose capacity still met the demand.
 */
function preemptStep(
  t: Totals,
  d: Decisions,
  config: Config,
  demand: Map<string, number[]>,
  i: number,
  p: Preemption,
  losses: Loss[],
  ready: Map<string, Record<string, number>>,
): void {
  const start = i * STEP_MINUTES * 60;
  const end = start + STEP_MINUTES * 60;
  for (const s of d.services) {
    const svc = config.services.find((x) => x.name === s.service);
    const r = ready.get(s.service) ?? {};
    for (const v of s.variants?.variants ?? []) {
      const startup = svc?.variants?.find((x) => x.name === v.variant)?.podStartupSeconds ?? 0;
      const perReplica = v.desiredReplicas > 0 ? v.capacityTokensPerSecond / v.desiredReplicas : 0;
      for (let k = 0; k < Math.round(v.spotReplicas); k++) {
        const at = start + (-Math.log(1 - p.random()) / p.perHour) * 3600;
        if (at >= end) continue;
        t.preemptions++;
        losses.push({
          service: s.service,
          capacity: perReplica,
          from: at,
          to: at + REPLACE_AFTER_SECONDS + startup,
        });
        r[v.variant] = Math.max(0, (r[v.variant] ?? 0) - 1);
      }
    }
    const base = (s.variants?.variants ?? []).reduce((sum, v) => sum + v.capacityTokensPerSecond, 0);
    const want = demand.get(s.service)?.[i] ?? 0;
    t.serviceSeconds += end - start;
    t.coveredSeconds += coveredSeconds(
      base,
      want,
      start,
      end,
      losses.filter((l) => l.service === s.service),
    );
  }
  for (let j = losses.length - 1; j >= 0; j--) if ((losses[j]?.to ?? 0) <= end) losses.splice(j, 1);
}

/** Seconds of [start, end) in which `base` minus the losses in force meets `want`. */
function coveredSeconds(
  base: number,
  want: number,
  start: number,
  end: number,
  losses: readonly Loss[],
): number {
  const cuts = [start, end, ...losses.flatMap((l) => [l.from, l.to])]
    .filter((x) => x >= start && x <= end)
    .sort((a, b) => a - b);
  let covered = 0;
  for (let j = 0; j + 1 < cuts.length; j++) {
    const a = cuts[j] ?? 0;
    const b = cuts[j + 1] ?? 0;
    if (b <= a) continue;
    const lost = losses.reduce((sum, l) => (l.from <= a && l.to > a ? sum + l.capacity : sum), 0);
    if (base - lost >= want - 1e-6) covered += b - a;
  }
  return covered;
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

/** Greedy (variant-baselines.ts greedySplit): services by priority, each filled cheapest $ per token/s first. */
function runGreedy(config: Config, demand: Map<string, number[]>): Totals {
  const t: Totals = empty();
  const steps = demand.get("chat")?.length ?? 0;
  const byPriority = [...config.services].sort((a, b) => b.priority - a.priority);
  for (let i = 0; i < steps; i++) {
    const quota = new Map(Object.entries(config.gpuQuotas));
    let hourly = 0;
    let ok = true;
    for (const s of byPriority) {
      const r = greedySplit(s, config, demand.get(s.name)?.[i] ?? 0, quota);
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
const SEED = 20261206;
const pct = (x: Totals): string => ((100 * x.coveredSeconds) / x.serviceSeconds).toFixed(3);
const odOnly = runDecide(
  withVariants((_, v) => !v.spot),
  demand,
  { perHour: 1, random: seeded(SEED) },
);
for (const rate of [0, 0.1, 1]) {
  const spotOn = runDecide(withSpot(rate, undefined), demand, { perHour: rate, random: seeded(SEED) });
  const spotNoHedge = runDecide(withSpot(rate, 0), demand, { perHour: rate, random: seeded(SEED) });
  console.log(
    `preemptions at ${rate} per spot replica-hour, the config's preemptionsPerHour the same (seed ${SEED}); a replacement serves ${REPLACE_AFTER_SECONDS} s + its start-up after:`,
  );
  for (const [name, x] of [
    [`ours (spot, hedge q${full.services[0]?.llm?.spotHedgeQuantile ?? ""})`, spotOn],
    ["ours (spot, no hedge)", spotNoHedge],
    ["ours without spot variants", odOnly],
  ] as const)
    console.log(
      `  ${name.padEnd(30)} $${x.dollars.toFixed(0).padStart(7)}  preemptions ${String(x.preemptions).padStart(5)}  service-time covered ${pct(x)}%`,
    );
}
console.log(
  `decide() for the 3 services with the split: ${((oursMs / ours.steps) * 1000).toFixed(0)} us a step (${ours.steps} steps)`,
);
