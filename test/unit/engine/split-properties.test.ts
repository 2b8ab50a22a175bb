// Properties of the split (src/engine/split) over generated problems (fast-check, fixed seed):
// it equals an exhaustive search over every kept and held count (the proof that the branch and
// bound is exact on small problems), it is deterministic, it keeps its bounds and caps, and the
// constraints it names as binding are exactly those whose relaxation changes it, while tightening
// any other one to what the split uses of it changes nothing.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  bindingConstraints,
  candidates,
  relax,
  type SplitConstraint,
} from "../../../src/engine/split/binding.ts";
import type { SplitProblem, SplitResult, SplitVariant } from "../../../src/engine/split/problem.ts";
import {
  capacityAt,
  costOf,
  lastCheckpoint,
  solveSplit,
  targetsOf,
  upperBounds,
} from "../../../src/engine/split/solve.ts";
import { variantHedge } from "../../../src/engine/split/hedge.ts";

const RUNS = { numRuns: 400, seed: 20261215 };

const variantArb = fc.record({
  capacity: fc.constantFrom(0, 4000, 10_000, 15_000, 30_000),
  price: fc.constantFrom(0.8, 1.25, 2, 3.5, 8),
  startupSeconds: fc.constantFrom(0, 60, 120, 480),
  ready: fc.integer({ min: 0, max: 4 }),
  min: fc.integer({ min: 0, max: 1 }),
  extra: fc.integer({ min: 0, max: 5 }),
  gpuType: fc.constantFrom("a", "b", undefined),
  gpusPerReplica: fc.constantFrom(1, 2),
  spotShare: fc.constantFrom(0, 0, 0.5, 1),
  preemptionsPerHour: fc.constantFrom(0, 0.5, 3, 12),
  spotUnavailable: fc.constantFrom(false, false, false, false, true),
});

const problemArb = fc.record({
  variants: fc.array(variantArb, { minLength: 1, maxLength: 3 }),
  demands: fc.array(fc.constantFrom(0, 5000, 10_000, 20_000, 30_000, 45_000, 90_000), {
    minLength: 4,
    maxLength: 4,
  }),
  horizonSeconds: fc.constantFrom(600, 1800, 3600),
  hedgeQuantile: fc.constantFrom(0, 0.9, 0.99),
  budget: fc.option(fc.constantFrom(4, 10, 20, 40), { nil: undefined }),
  capA: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
  minTotal: fc.integer({ min: 0, max: 3 }),
  maxTotal: fc.constantFrom(3, 6, 1000),
});

type Raw = typeof problemArb extends fc.Arbitrary<infer T> ? T : never;

function build(raw: Raw): SplitProblem {
  const variants: SplitVariant[] = raw.variants.map((v, i) => ({
    name: `v${i}`,
    capacity: v.capacity,
    price: v.price,
    startupSeconds: v.startupSeconds,
    ready: v.ready,
    min: v.min,
    max: v.min + v.extra,
    spotUnavailable: v.spotUnavailable && v.spotShare > 0,
    gpuType: v.gpuType,
    gpusPerReplica: v.gpusPerReplica,
    spotShare: v.spotShare,
    preemptionsPerHour: v.preemptionsPerHour,
  }));
  const times = [...new Set([0, ...variants.map((v) => v.startupSeconds)])].sort((a, b) => a - b);
  return {
    variants,
    horizonSeconds: raw.horizonSeconds,
    checkpoints: times.map((atSeconds, j) => ({ atSeconds, demand: raw.demands[j] ?? 0 })),
    hedgeQuantile: raw.hedgeQuantile,
    budget: raw.budget,
    gpuCaps: raw.capA !== undefined ? { a: raw.capA } : {},
    minTotal: raw.minTotal,
    maxTotal: raw.maxTotal,
  };
}

interface Candidate {
  kept: number[];
  held: number[];
  holdCost: number;
  dollars: number;
  coverage: number;
}

/** Every (kept, held) within the variants' bounds: held ready replicas beyond the kept ones. */
function* every(p: SplitProblem, hi: readonly number[], holds: boolean): Generator<[number[], number[]]> {
  const k = p.variants.length;
  const kept = p.variants.map((v) => v.min);
  const held = kept.map(() => 0);
  function* at(i: number): Generator<[number[], number[]]> {
    if (i === k) {
      yield [[...kept], [...held]];
      return;
    }
    const v = p.variants[i] as SplitVariant;
    for (let f = v.min; f <= (hi[i] ?? 0); f++) {
      kept[i] = f;
      const room = holds ? Math.max(0, Math.min(v.ready, hi[i] ?? 0) - f) : 0;
      for (let h = 0; h <= room; h++) {
        held[i] = h;
        yield* at(i + 1);
      }
      held[i] = 0;
    }
  }
  yield* at(0);
}

/** The same order as the solver: fewer dollars, then the first declared variants' larger counts. */
function first(a: Candidate, b: Candidate | undefined, byCoverage: boolean): boolean {
  if (b === undefined) return true;
  if (byCoverage && Math.abs(a.coverage - b.coverage) > 1e-9 * Math.max(1, b.coverage))
    return a.coverage > b.coverage;
  // Dollars equal up to rounding are a tie (the same prices summed in another order).
  if (Math.abs(a.dollars - b.dollars) > 1e-9 * Math.max(1, b.dollars)) return a.dollars < b.dollars;
  const larger = (x: number[], y: number[]): number | undefined =>
    x.map((v, i) => v - (y[i] ?? 0)).find((d) => d !== 0);
  const kept = larger(a.kept, b.kept);
  if (kept !== undefined) return kept > 0;
  if (a.holdCost !== b.holdCost) return a.holdCost < b.holdCost;
  const held = larger(a.held, b.held);
  return held !== undefined && held > 0;
}

/** What the model asks of a split, checked from its definition (solve.ts's header). */
function exhaustive(p: SplitProblem): { stage: string; best: Candidate } | undefined {
  const hi = upperBounds(p);
  const targets = targetsOf(p, hi);
  const last = lastCheckpoint(p);
  const tLast = p.checkpoints[last]?.atSeconds ?? 0;
  const tol = (x: number): number => 1e-9 * Math.max(1, x);
  const capsHold = (n: number[]): boolean =>
    n.reduce((s, x) => s + x, 0) <= p.maxTotal &&
    costOf(p, n) <= (p.budget ?? Infinity) + tol(p.budget ?? 0) &&
    Object.entries(p.gpuCaps).every(
      ([t, cap]) =>
        p.variants.reduce((s, v, i) => s + (v.gpuType === t ? (n[i] ?? 0) * v.gpusPerReplica : 0), 0) <= cap,
    );
  const hedged = (kept: number[]): number =>
    capacityAt(p, kept, tLast) -
    p.variants.reduce(
      (s, v, i) =>
        s +
        v.capacity *
          variantHedge(kept[i] ?? 0, v.spotShare, v.preemptionsPerHour, v.startupSeconds, p.hedgeQuantile)
            .replicas,
      0,
    );
  const hasHedge = p.hedgeQuantile > 0 && p.variants.some((v) => v.spotShare > 0 && v.preemptionsPerHour > 0);
  const stages: [string, boolean][] = [
    ...(hasHedge ? [["met", true] as [string, boolean]] : []),
    [hasHedge ? "hedge-dropped" : "met", false],
  ];
  for (const [stage, withHedge] of stages) {
    let best: Candidate | undefined;
    for (const [kept, held] of every(p, hi, true)) {
      const n = kept.map((f, i) => f + (held[i] ?? 0));
      if (!capsHold(n) || kept.reduce((s, x) => s + x, 0) < p.minTotal) continue;
      const served = p.checkpoints.every((c, j) => {
        const cap = j === last ? capacityAt(p, kept, c.atSeconds) : capacityAt(p, kept, c.atSeconds, held);
        return cap >= (targets[j] ?? 0) - tol(targets[j] ?? 0);
      });
      if (!served || (withHedge && hedged(kept) < (targets[last] ?? 0) - tol(targets[last] ?? 0))) continue;
      const c = {
        kept,
        held,
        holdCost: costOf(p, held),
        dollars: p.horizonSeconds * costOf(p, kept) + tLast * costOf(p, held),
        coverage: 0,
      };
      if (first(c, best, false)) best = c;
    }
    if (best) return { stage, best };
  }
  let best: Candidate | undefined;
  for (const [kept] of every(p, hi, false)) {
    if (!capsHold(kept) || kept.reduce((s, x) => s + x, 0) < p.minTotal) continue;
    const coverage = p.checkpoints.reduce(
      (s, c, j) => s + Math.min(targets[j] ?? 0, capacityAt(p, kept, c.atSeconds)),
      0,
    );
    const c = {
      kept,
      held: kept.map(() => 0),
      holdCost: 0,
      dollars: p.horizonSeconds * costOf(p, kept),
      coverage,
    };
    if (first(c, best, true)) best = c;
  }
  return best ? { stage: "short", best } : undefined;
}

/** `p` with constraint `c` tightened to what `r` uses of it. */
function tighten(p: SplitProblem, r: SplitResult, c: SplitConstraint): SplitProblem | undefined {
  const total = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
  switch (c.kind) {
    case "variant-max":
      return {
        ...p,
        variants: p.variants.map((v, i) => (v.name === c.variant ? { ...v, max: r.counts[i] ?? 0 } : v)),
      };
    case "variant-min":
      return {
        ...p,
        variants: p.variants.map((v, i) => (v.name === c.variant ? { ...v, min: r.kept[i] ?? 0 } : v)),
      };
    case "gpu-cap": {
      const used = p.variants.reduce(
        (s, v, i) => s + (v.gpuType === c.gpuType ? (r.counts[i] ?? 0) * v.gpusPerReplica : 0),
        0,
      );
      return { ...p, gpuCaps: { ...p.gpuCaps, [c.gpuType]: used } };
    }
    case "budget":
      return { ...p, budget: r.cost };
    case "max-total":
      return { ...p, maxTotal: total(r.counts) };
    case "min-total":
      return { ...p, minTotal: total(r.kept) };
    default:
      return undefined;
  }
}

describe("the split: properties (generated problems)", () => {
  it("equals the exhaustive search over every kept and held count, stage by stage", () => {
    fc.assert(
      fc.property(problemArb, (raw) => {
        const p = build(raw);
        const r = solveSplit(p);
        const want = exhaustive(p);
        assert.ok(r.proven);
        if (want === undefined) {
          assert.equal(r.outcome, "minimums");
          return;
        }
        assert.deepEqual({ kept: r.kept, held: r.held }, { kept: want.best.kept, held: want.best.held });
        const stage =
          want.stage === "met" || want.stage === "hedge-dropped" ? [want.stage, "short"] : ["short"];
        assert.ok(stage.includes(r.outcome), `${r.outcome} for ${want.stage}`);
      }),
      RUNS,
    );
  });

  it("is deterministic, keeps every variant within its bounds and the caps whenever the minimums fit them", () => {
    fc.assert(
      fc.property(problemArb, (raw) => {
        const p = build(raw);
        const r = solveSplit(p);
        assert.deepEqual(solveSplit(p), r);
        const hi = upperBounds(p);
        if (r.outcome === "minimums") return;
        r.counts.forEach((n, i) => {
          const v = p.variants[i] as SplitVariant;
          assert.ok(n >= v.min && n <= (hi[i] ?? 0), `${v.name}: ${n}`);
        });
        assert.ok(r.cost <= (p.budget ?? Infinity) + 1e-9, `cost ${r.cost} over budget ${p.budget}`);
        assert.ok(r.counts.reduce((s, n) => s + n, 0) <= p.maxTotal);
        for (const [type, cap] of Object.entries(p.gpuCaps)) {
          const used = p.variants.reduce(
            (s, v, i) => s + (v.gpuType === type ? (r.counts[i] ?? 0) * v.gpusPerReplica : 0),
            0,
          );
          assert.ok(used <= cap, `${type}: ${used} > ${cap}`);
        }
      }),
      RUNS,
    );
  });

  it("relaxing a binding constraint changes the split; relaxing or tightening (to its use) any other one does not", () => {
    fc.assert(
      fc.property(problemArb, (raw) => {
        const p = build(raw);
        const r = solveSplit(p);
        const binding = new Set(bindingConstraints(p, r).map((c) => JSON.stringify(c)));
        for (const c of candidates(p)) {
          const relaxed = solveSplit(relax(p, c)).counts;
          if (binding.has(JSON.stringify(c))) {
            assert.notDeepEqual(relaxed, r.counts, `${JSON.stringify(c)} named binding`);
            continue;
          }
          assert.deepEqual(relaxed, r.counts, `${JSON.stringify(c)} relaxed`);
          // Not judged (solve.ts's header): a short split's targets are what the variants serve at
          // their maxima and each type's GPU cap, so tightening one of those lowers a target, which
          // another split may then meet; and past the minimums the caps are raised to what the
          // minimums use, so tightening a minimum raises them too.
          const lowersTargets =
            (r.outcome === "short" || r.outcome === "minimums") &&
            (c.kind === "variant-max" || c.kind === "gpu-cap");
          const raisesCaps = r.outcome === "minimums" && (c.kind === "variant-min" || c.kind === "min-total");
          if (lowersTargets || raisesCaps) continue;
          const tight = tighten(p, r, c);
          if (tight !== undefined)
            assert.deepEqual(solveSplit(tight).counts, r.counts, `${JSON.stringify(c)} tightened`);
        }
      }),
      { ...RUNS, numRuns: 150 },
    );
  });
});
