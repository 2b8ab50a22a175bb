// Fidelity harness of the token-level simulator (src/sim/llm) for one replica: the simulator's TTFT
// and ITL against the performance profile's own estimates, across batch sizes (the target:
// within 10%; the final figures need the measured profiles, which plug in through
// src/llm/profile.ts).
//  (a) static batch: B identical requests (ISL prompt, OSL output tokens) released together, the
//      token budget raised to B x ISL so that their prefill is one step, as a static-batch estimate
//      (aiconfigurator's run_static) assumes. Estimate: TTFT = the profile's prefill step of B x ISL
//      tokens; ITL = the mean of its decode steps at batch B over the OSL - 1 steps, the context
//      growing by B a step. Checks the simulator's own arithmetic (spans, batching, KV blocks).
//  (b) steady load: Poisson arrivals of the same requests at the rate that keeps B in flight by
//      Little's law on the estimate below (rate x estimated E2E = B; batch sizes the estimate puts
//      past saturation are skipped), with the profile's own scheduler limits. The
//      profile's steady-state estimate: a step decodes B sequences at the mean context
//      (ISL + OSL / 2); a share f = rate x mean step of the steps also prefills one prompt alongside
//      B - 1 decodes (chunked prefill), so mean step = decode / (1 - rate x (mixed - decode)) = ITL;
//      TTFT = the mixed step plus half a mean step of waiting for the step in flight. It leaves out
//      queueing beyond that, which grows with the load.
// Profile: --profile analytic (default; the analytic TEST profile, not measured data). Run:
// npm run bench -- llm-fidelity

import type { PerformanceProfile } from "../src/llm/profile.ts";
import { analyticTestProfile } from "../src/sim/llm/analytic-profile.ts";
import type { LlmArrivals } from "../src/sim/llm/arrivals.ts";
import { poissonArrivals } from "../src/sim/llm/capacity.ts";
import { meanInterTokenSeconds } from "../src/sim/llm/outcome.ts";
import { defaultLlmSettings, simulateLlm, type LlmRunResult } from "../src/sim/llm/simulate.ts";
import { machine } from "./util.ts";

const profile: PerformanceProfile = analyticTestProfile();
const BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
const SHAPES: readonly (readonly [isl: number, osl: number])[] = [
  [1024, 256],
  [256, 64],
];
const slo = { ttftSeconds: 1e6, itlSeconds: 1e6 };
const price = { onDemand: 0, blended: 0, spotShare: 0, spotFactor: 1 };

/** The profile's own static-batch estimate: one prefill step, then OSL - 1 decode steps. */
function estimate(p: PerformanceProfile, b: number, isl: number, osl: number): { ttft: number; itl: number } {
  const ttft = step(p, b * isl, b, 0, 0);
  let sum = 0;
  for (let j = 1; j < osl; j++) sum += step(p, 0, 0, b, b * (isl + j));
  return { ttft, itl: osl > 1 ? sum / (osl - 1) : 0 };
}

function step(
  p: PerformanceProfile,
  prefill: number,
  seqs: number,
  decodes: number,
  context: number,
): number {
  return p.stepSeconds({
    prefillTokens: prefill,
    prefillSeqs: seqs,
    prefillContextTokens: 0,
    decodeSeqs: decodes,
    decodeContextTokens: context,
  });
}

/** The profile's own steady-state estimate at `rate` (see the header). */
function steadyEstimate(
  p: PerformanceProfile,
  b: number,
  isl: number,
  osl: number,
  rate: number,
): { ttft: number; itl: number } {
  const ctx = isl + osl / 2;
  const decode = step(p, 0, 0, b, b * ctx);
  const mixed = step(p, isl, 1, b - 1, (b - 1) * ctx);
  const mean = decode / Math.max(1e-9, 1 - rate * (mixed - decode));
  return { ttft: mixed + mean / 2, itl: mean };
}

/** The rate at which the steady-state estimate keeps b requests in flight (Little's law), if any. */
function rateFor(p: PerformanceProfile, b: number, isl: number, osl: number): number | undefined {
  const ctx = isl + osl / 2;
  const gap = step(p, isl, 1, b - 1, (b - 1) * ctx) - step(p, 0, 0, b, b * ctx);
  const inFlight = (rate: number): number => {
    const e = steadyEstimate(p, b, isl, osl, rate);
    return rate * (e.ttft + (osl - 1) * e.itl);
  };
  let lo = 0;
  let hi = gap > 0 ? 0.999 / gap : 1e6;
  if (inFlight(hi) < b) return undefined;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (inFlight(mid) < b) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function oneReplica(a: LlmArrivals, p: PerformanceProfile): LlmRunResult {
  const settings = { ...defaultLlmSettings(p, price, slo, 1), tailSeconds: 36_000 };
  const controller = {
    step(t: number, _l: unknown, c: import("../src/sim/cluster.ts").Cluster) {
      if (t === 0) c.setReplicas(1, t, true);
    },
    desired: () => 1,
  };
  return simulateLlm(a, settings, controller, { policy: "one replica", knob: 1 });
}

function means(r: LlmRunResult, a: LlmArrivals): { ttft: number; itl: number; ttftMax: number } {
  let ttft = 0;
  let itl = 0;
  let ttftMax = 0;
  const n = a.times.length;
  for (let i = 0; i < n; i++) {
    const f = r.ledger.ttft[i] ?? Number.NaN;
    ttft += f;
    ttftMax = Math.max(ttftMax, f);
    itl += meanInterTokenSeconds(f, r.ledger.e2e[i] ?? Number.NaN, a.outputTokens[i] ?? 1);
  }
  return { ttft: ttft / n, itl: itl / n, ttftMax };
}

function batchOf(b: number, isl: number, osl: number): LlmArrivals {
  return {
    name: `static batch ${b}`,
    start: 0,
    times: new Float64Array(b),
    inputTokens: new Int32Array(b).fill(isl),
    outputTokens: new Int32Array(b).fill(osl),
    origin: "constructed",
    provenance: "static batch",
  };
}

const pct = (sim: number, est: number): string => `${(((sim - est) / est) * 100).toFixed(1)}%`.padStart(8);
const ms = (s: number): string => (s * 1000).toFixed(2).padStart(9);

console.log(`llm-fidelity: ${machine()}; profile ${profile.id} (analytic test profile, not measured data)`);
for (const [isl, osl] of SHAPES) {
  console.log(`\n(a) static batch, ISL ${isl}, OSL ${osl}: simulator vs the profile's static estimate (ms)`);
  console.log("batch   TTFT sim   TTFT est     diff    ITL sim    ITL est     diff");
  for (const b of BATCHES) {
    const p = {
      ...profile,
      limits: { ...profile.limits, maxBatchedTokens: Math.max(profile.limits.maxBatchedTokens, b * isl) },
    };
    const a = batchOf(b, isl, osl);
    const sim = means(oneReplica(a, p), a);
    const est = estimate(p, b, isl, osl);
    console.log(
      `${String(b).padStart(5)}  ${ms(sim.ttftMax)}  ${ms(est.ttft)} ${pct(sim.ttftMax, est.ttft)}  ${ms(sim.itl)}  ${ms(est.itl)} ${pct(sim.itl, est.itl)}`,
    );
  }
  console.log(
    `\n(b) steady load, ISL ${isl}, OSL ${osl}: simulator vs the profile's steady-state estimate (ms)`,
  );
  console.log("batch  rate/s   TTFT p50 sim   TTFT est     diff    ITL sim    ITL est     diff");
  for (const b of BATCHES) {
    const rate = rateFor(profile, b, isl, osl);
    if (rate === undefined) {
      console.log(`${String(b).padStart(5)}  past saturation in the estimate`);
      continue;
    }
    const est = steadyEstimate(profile, b, isl, osl, rate);
    const a = poissonArrivals(batchOf(1, isl, osl), rate, Math.max(600, 4000 / rate), 1);
    const r = oneReplica(a, profile);
    const sim = means(r, a);
    console.log(
      `${String(b).padStart(5)} ${rate.toFixed(2).padStart(7)}  ${ms(r.ttftP50Seconds).padStart(13)}  ${ms(est.ttft)} ${pct(r.ttftP50Seconds, est.ttft)}  ${ms(sim.itl)}  ${ms(est.itl)} ${pct(sim.itl, est.itl)}`,
    );
  }
}
