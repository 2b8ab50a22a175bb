// Fidelity of the token-level simulator (src/sim/llm) for one replica, with the shipped profiles,
// against the profile source's own estimates (aiconfigurator-core, the same compiled engine and
// perf database the profiles were derived from), across batch sizes. The target: within 10%.
// The anchors are bench/llm-fidelity-anchors.json (tools/gpu-profiles/anchors.py; provenance and
// the command to regenerate inside), read here; no Python runs at benchmark time.
//  (a) static batch: B identical requests sent together with the token budget raised to B x ISL,
//      so their prefill is one step, as aiconfigurator's `run_static` assumes. TTFT = that step;
//      TPOT = the mean of the OSL - 1 decode steps at batch B. Rows where B x ISL exceeds the
//      profile's max_num_batched_tokens time a step vLLM would never run: its tables extrapolate.
//      run_static times the engine alone, so this run leaves out the profile's per-request overhead.
//  (b) steady load: run_agg's batch B is B requests in the engine, one prompt prefilled per mixed
//      step beside the others' decodes, with its dispatch overhead added to each TTFT outside the
//      engine. The simulator's state: a closed loop of B clients (closed-loop.ts) on the engine alone
//      (the profile without its overhead), staggered, each sending its next request the instant its
//      previous one leaves the engine; each TTFT then gets the profile's overhead
//      (overhead.perRequestMs), as a replica records it. Against the vLLM backend's `run_agg` at
//      batch B (ctx_tokens = ISL): its TPOT, its mixed step plus its dispatch overhead (its TTFT
//      before its queueing factor) and its whole TTFT = (mixed step + dispatch overhead) x queueing
//      factor 1 + log2(B) / 8. The profile carries the overhead, not the queueing factor: the
//      simulator queues requests itself. Beside it, the same loop as `vllm bench serve` runs it,
//      each client sending its next request when it sees the previous end (the overhead later).
//  (c) the same throughput as (b) but with Poisson arrivals: the queueing that random arrivals add,
//      which the simulator models step by step and run_agg's queueing factor stands for; its TTFT
//      against run_agg's whole TTFT.
// Then the simulator against published vLLM measurements of the same model and GPU (GPUStack): the
// closed loop as `vllm bench serve` runs it (clients through the overhead), and beside it on the
// engine alone with the overhead added to each TTFT (the steady state of (b)).
// Run: npm run bench -- llm-fidelity

import anchorsDoc from "./llm-fidelity-anchors.json" with { type: "json" };
import type { PerformanceProfile, SchedulerLimits } from "../src/llm/profile.ts";
import { shippedProfile } from "../src/llm/registry.ts";
import { poissonArrivals } from "../src/sim/llm/capacity.ts";
import { closedLoop, summarizeClosedLoop } from "../src/sim/llm/closed-loop.ts";
import { meanInterTokenSeconds } from "../src/sim/llm/outcome.ts";
import { defaultLlmSettings, simulateLlm } from "../src/sim/llm/simulate.ts";
import type { Cluster } from "../src/sim/cluster.ts";
import { machine } from "./util.ts";

interface AggAnchor {
  readonly ttftMs: number;
  readonly tpotMs: number;
  readonly prefillStepMs: number;
  readonly dispatchOverheadMs: number;
  readonly queueingFactor: number;
}
interface Point {
  readonly batch: number;
  readonly static: { readonly ttftMs: number; readonly tpotMs: number };
  readonly agg: AggAnchor;
}
interface Shape {
  readonly isl: number;
  readonly osl: number;
  readonly points: readonly Point[];
}
const anchors = anchorsDoc as {
  readonly provenance: Readonly<Record<string, string>>;
  readonly profiles: readonly {
    readonly id: string;
    readonly shapes: readonly Shape[];
    /** The shape of a published benchmark of this model and GPU (published() below). */
    readonly published?: Shape;
  }[];
};

/**
 * The profile with other scheduler limits and per-request overhead (a TabulatedProfile's step time
 * is a method, so it is wrapped, not spread).
 */
function withLimits(
  p: PerformanceProfile,
  limits: SchedulerLimits,
  requestOverheadSeconds: number,
): PerformanceProfile {
  return {
    id: p.id,
    model: p.model,
    gpuType: p.gpuType,
    engine: p.engine,
    tensorParallel: p.tensorParallel,
    gpusPerReplica: p.gpusPerReplica,
    kvCacheTokens: p.kvCacheTokens,
    loadSeconds: p.loadSeconds,
    limits,
    requestOverheadSeconds,
    stepSeconds: (b) => p.stepSeconds(b),
  };
}

/** (a): B requests at once, one prefill step, the engine alone; TTFT and mean TPOT in ms. */
function staticBatch(p: PerformanceProfile, b: number, isl: number, osl: number): [number, number] {
  const limits = {
    maxBatchedTokens: Math.max(p.limits.maxBatchedTokens, b * isl),
    maxSeqs: Math.max(p.limits.maxSeqs, b),
  };
  const raised = withLimits(p, limits, 0);
  const o = { concurrency: b, inputTokens: isl, outputTokens: osl, requests: b, stagger: false };
  const run = closedLoop(raised, o);
  let ttft = 0;
  let tpot = 0;
  for (let i = 0; i < b; i++) {
    const f = run.ledger.ttft[i] ?? Number.NaN;
    ttft = Math.max(ttft, f);
    tpot += ((run.ledger.e2e[i] ?? Number.NaN) - f) / (osl - 1) / b;
  }
  return [ttft * 1000, tpot * 1000];
}

/** (c): Poisson arrivals at `rate` on one ready replica; mean TTFT and mean TPOT in ms. */
function poisson(p: PerformanceProfile, rate: number, isl: number, osl: number): [number, number] {
  const mix = {
    name: "one shape",
    start: 0,
    times: new Float64Array(1),
    inputTokens: Int32Array.of(isl),
    outputTokens: Int32Array.of(osl),
    origin: "constructed" as const,
    provenance: "fidelity",
  };
  const a = poissonArrivals(mix, rate, Math.max(300, 3000 / rate), 1);
  const price = { onDemand: 0, blended: 0, spotShare: 0, spotFactor: 1 };
  const settings = {
    ...defaultLlmSettings(p, price, { ttftSeconds: 1e6, itlSeconds: 1e6 }, 1),
    measureFromSeconds: 60,
    tailSeconds: 36_000,
  };
  const oneReplica = {
    step(t: number, _l: unknown, c: Cluster) {
      if (t === 0) c.setReplicas(1, t, true);
    },
    desired: () => 1,
  };
  const r = simulateLlm(a, settings, oneReplica, { policy: "poisson", knob: rate });
  let ttft = 0;
  let tpot = 0;
  let n = 0;
  for (let i = 0; i < a.times.length; i++) {
    if ((a.times[i] ?? 0) < 60) continue;
    const f = r.ledger.ttft[i] ?? Number.NaN;
    ttft += f;
    tpot += meanInterTokenSeconds(f, r.ledger.e2e[i] ?? Number.NaN, osl);
    n++;
  }
  return [(ttft / n) * 1000, (tpot / n) * 1000];
}

/** The profile's overhead is run_agg's dispatch overhead (both from the same package), else stop. */
function sameOverhead(p: PerformanceProfile, shapes: readonly Shape[]): void {
  const ms = (p.requestOverheadSeconds ?? 0) * 1000;
  for (const s of shapes)
    for (const pt of s.points)
      if (Math.abs(ms - pt.agg.dispatchOverheadMs) > 1e-6 * pt.agg.dispatchOverheadMs)
        throw new Error(
          `${p.id}: per-request overhead ${ms} ms, run_agg's dispatch overhead ${pt.agg.dispatchOverheadMs} ms`,
        );
}

const diff = (sim: number, est: number): number => sim / est - 1;
const pct = (d: number): string => `${d >= 0 ? "+" : ""}${(d * 100).toFixed(1)}%`;
const abs = (d: number): string => `${(Math.abs(d) * 100).toFixed(1)}%`;
const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

interface Worst {
  staticTtft: number;
  staticTtftInBudget: number;
  staticTpot: number;
  tpot: number;
  ttftStep: number;
  ttftWhole: number;
  /** Poisson TTFT against the whole estimate, batches 1-64 (where run_agg's queueing factor was fitted). */
  poissonWhole: number;
}

/** run_agg's queueing factor was fitted on measured vLLM runs at batch 1 to 64 (its comment). */
const FITTED_BATCHES = 64;

function shapeTable(p: PerformanceProfile, s: Shape, worst: Worst): void {
  console.log(`\n${p.id}, ISL ${s.isl}, OSL ${s.osl} (ms; diff = simulator / aiconfigurator - 1)`);
  console.log(
    "| B | static TTFT sim / run_static | diff | static TPOT sim / run_static | diff | steady TPOT sim / run_agg | diff | steady TTFT sim / run_agg step + overhead / run_agg whole | diff step + overhead | diff whole | Poisson TTFT / TPOT | Poisson TTFT diff whole | clients through the overhead: TTFT |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const pt of s.points) {
    const b = pt.batch;
    const [sTtft, sTpot] = staticBatch(p, b, s.isl, s.osl);
    const o = {
      concurrency: b,
      inputTokens: s.isl,
      outputTokens: s.osl,
      requests: Math.max(8 * b, 32),
      stagger: true,
    };
    const overheadMs = (p.requestOverheadSeconds ?? 0) * 1000;
    const steady = summarizeClosedLoop(closedLoop(withLimits(p, p.limits, 0), o), o);
    const ttft = steady.meanTtftSeconds * 1000 + overheadMs;
    const tpot = steady.meanTpotSeconds * 1000;
    const clients = summarizeClosedLoop(closedLoop(p, o), o).meanTtftSeconds * 1000;
    const [pTtft, pTpot] = poisson(p, steady.requestsPerSecond, s.isl, s.osl);
    const stepPlusOverhead = pt.agg.prefillStepMs + pt.agg.dispatchOverheadMs;
    const d = {
      sTtft: diff(sTtft, pt.static.ttftMs),
      sTpot: diff(sTpot, pt.static.tpotMs),
      tpot: diff(tpot, pt.agg.tpotMs),
      step: diff(ttft, stepPlusOverhead),
      whole: diff(ttft, pt.agg.ttftMs),
      poisson: diff(pTtft, pt.agg.ttftMs),
    };
    const inBudget = b * s.isl <= p.limits.maxBatchedTokens;
    worst.staticTtft = Math.max(worst.staticTtft, Math.abs(d.sTtft));
    if (inBudget) worst.staticTtftInBudget = Math.max(worst.staticTtftInBudget, Math.abs(d.sTtft));
    worst.staticTpot = Math.max(worst.staticTpot, Math.abs(d.sTpot));
    worst.tpot = Math.max(worst.tpot, Math.abs(d.tpot));
    worst.ttftStep = Math.max(worst.ttftStep, Math.abs(d.step));
    worst.ttftWhole = Math.max(worst.ttftWhole, Math.abs(d.whole));
    if (b <= FITTED_BATCHES) worst.poissonWhole = Math.max(worst.poissonWhole, Math.abs(d.poisson));
    console.log(
      `| ${b}${inBudget ? "" : "*"} | ${f1(sTtft)} / ${f1(pt.static.ttftMs)} | ${pct(d.sTtft)} | ${f2(sTpot)} / ${f2(pt.static.tpotMs)} | ${pct(d.sTpot)} | ${f2(tpot)} / ${f2(pt.agg.tpotMs)} | ${pct(d.tpot)} | ${f1(ttft)} / ${f1(stepPlusOverhead)} / ${f1(pt.agg.ttftMs)} | ${pct(d.step)} | ${pct(d.whole)} | ${f1(pTtft)} / ${f2(pTpot)} | ${pct(d.poisson)} | ${f1(clients)} |`,
    );
  }
}

/**
 * GPUStack's performance lab, "Optimizing Qwen3-8B Latency on NVIDIA H100 GPUs": vLLM 0.11.0
 * (`vllm serve Qwen/Qwen3-8B`), one H100 SXM, `vllm bench serve` on ShareGPT, 100 prompts (23,260
 * input and 22,061 output tokens: 233 and 221 on average). At 4 clients the full result; at 1, 2
 * and 8 the mean latency per request.
 */
const GPUSTACK = { concurrency: 4, meanTtftMs: 64.0, meanTpotMs: 7.38, requestsPerSecond: 2.25 };
const GPUSTACK_E2E: Readonly<Record<number, number>> = { 1: 1.66, 2: 1.68, 4: 1.68, 8: 1.78 };

function published(): void {
  for (const entry of anchors.profiles) {
    const shape = entry.published;
    const p = shippedProfile(entry.id);
    if (!shape || !p) continue;
    console.log(
      `\npublished vLLM figures (GPUStack: vLLM 0.11.0, ShareGPT, mean ${shape.isl} in / ${shape.osl} out) for ${p.id}; simulator: staggered closed loop of identical ${shape.isl}/${shape.osl} requests; aiconfigurator: run_agg at the same batch`,
    );
    console.log(
      "| clients | simulator TTFT / TPOT / E2E / req/s | run_agg TTFT / TPOT | published | simulator vs published | clients on the engine: TTFT + overhead / TPOT |",
    );
    console.log("|---|---|---|---|---|---|");
    for (const pt of shape.points) {
      const c = pt.batch;
      const o = {
        concurrency: c,
        inputTokens: shape.isl,
        outputTokens: shape.osl,
        requests: 16 * c,
        stagger: true,
      };
      const s = summarizeClosedLoop(closedLoop(p, o), o);
      const engine = summarizeClosedLoop(closedLoop(withLimits(p, p.limits, 0), o), o);
      const engineTtft = (engine.meanTtftSeconds + (p.requestOverheadSeconds ?? 0)) * 1000;
      const e2e = GPUSTACK_E2E[c] ?? Number.NaN;
      const full = c === GPUSTACK.concurrency;
      const pub = full
        ? `TTFT ${f1(GPUSTACK.meanTtftMs)} ms, TPOT ${f2(GPUSTACK.meanTpotMs)} ms, E2E ${e2e} s, ${GPUSTACK.requestsPerSecond} req/s`
        : `E2E ${e2e} s`;
      const versus =
        (full
          ? `TTFT ${pct(diff(s.meanTtftSeconds * 1000, GPUSTACK.meanTtftMs))}, TPOT ${pct(diff(s.meanTpotSeconds * 1000, GPUSTACK.meanTpotMs))}, `
          : "") + `E2E ${pct(diff(s.meanE2eSeconds, e2e))}`;
      console.log(
        `| ${c} | ${f1(s.meanTtftSeconds * 1000)} ms / ${f2(s.meanTpotSeconds * 1000)} ms / ${f2(s.meanE2eSeconds)} s / ${f2(s.requestsPerSecond)} | ${f1(pt.agg.ttftMs)} ms / ${f2(pt.agg.tpotMs)} ms | ${pub} | ${versus} | ${f1(engineTtft)} ms / ${f2(engine.meanTpotSeconds * 1000)} ms |`,
      );
    }
  }
}

console.log(
  `llm-fidelity: ${machine()}; anchors: ${anchors.provenance.source ?? "?"} (${anchors.provenance.command ?? "?"})`,
);
console.log("* B x ISL above the profile's max_num_batched_tokens: the static step is extrapolated");
for (const entry of anchors.profiles) {
  const p = shippedProfile(entry.id);
  if (!p) throw new Error(`anchors name ${entry.id}, which is not a shipped profile`);
  const worst: Worst = {
    staticTtft: 0,
    staticTtftInBudget: 0,
    staticTpot: 0,
    tpot: 0,
    ttftStep: 0,
    ttftWhole: 0,
    poissonWhole: 0,
  };
  sameOverhead(p, entry.shapes);
  for (const s of entry.shapes) shapeTable(p, s, worst);
  console.log(
    `\n${p.id}: largest |diff|: static TTFT ${abs(worst.staticTtft)} (${abs(worst.staticTtftInBudget)} within the token budget), static TPOT ${abs(worst.staticTpot)}, steady TPOT ${abs(worst.tpot)}, steady TTFT vs the step + overhead ${abs(worst.ttftStep)}, vs the whole estimate ${abs(worst.ttftWhole)}; Poisson TTFT vs the whole estimate at B <= ${FITTED_BATCHES} ${abs(worst.poissonWhole)}`,
  );
}
published();
