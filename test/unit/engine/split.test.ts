// The split of an llm service's demand across its variants (src/engine/split): worked examples
// computed by hand in each case's comment, the spot hedge's Poisson arithmetic, and the binding
// constraint each example names.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bindingConstraints } from "../../../src/engine/split/binding.ts";
import { poissonQuantile, variantHedge } from "../../../src/engine/split/hedge.ts";
import type { SplitProblem, SplitVariant } from "../../../src/engine/split/problem.ts";
import { solveSplit } from "../../../src/engine/split/solve.ts";

export function variant(over: Partial<SplitVariant> & { name: string }): SplitVariant {
  return {
    capacity: 10_000,
    price: 1,
    startupSeconds: 60,
    ready: 0,
    min: 0,
    max: 20,
    spotUnavailable: false,
    gpuType: undefined,
    gpusPerReplica: 1,
    spotShare: 0,
    preemptionsPerHour: 0,
    ...over,
  };
}

/** Qwen3-8B-like numbers: an L40S replica serves 10,000 tokens/s at $2/h and loads in 480 s; an H100 30,000 at $8/h in 60 s. */
const L40S = variant({
  name: "l40s",
  capacity: 10_000,
  price: 2,
  startupSeconds: 480,
  gpuType: "nvidia-l40s",
});
const H100 = variant({
  name: "h100",
  capacity: 30_000,
  price: 8,
  startupSeconds: 60,
  gpuType: "nvidia-h100",
});

function problem(over: Partial<SplitProblem>): SplitProblem {
  return {
    variants: [L40S, H100],
    horizonSeconds: 1800,
    checkpoints: [
      { atSeconds: 0, demand: 0 },
      { atSeconds: 60, demand: 0 },
      { atSeconds: 480, demand: 70_000 },
    ],
    hedgeQuantile: 0,
    budget: undefined,
    gpuCaps: {},
    minTotal: 0,
    maxTotal: 1000,
    ...over,
  };
}

/** The same demand at every checkpoint. */
const steady = (demand: number): SplitProblem["checkpoints"] =>
  [0, 60, 480].map((atSeconds) => ({ atSeconds, demand }));

const kinds = (p: SplitProblem): string[] =>
  bindingConstraints(p, solveSplit(p)).map((c) =>
    "variant" in c ? `${c.kind}:${c.variant}` : "gpuType" in c ? `${c.kind}:${c.gpuType}` : c.kind,
  );

describe("the split: worked examples", () => {
  it("no start-up pressure: 70,000 tokens/s by 7 L40S ($14/h), not 3 H100 ($24/h): L40S gives 5,000 tokens/s per $ against 3,750", () => {
    const r = solveSplit(problem({}));
    assert.deepEqual(r.counts, [7, 0]);
    assert.equal(r.cost, 14);
    assert.equal(r.outcome, "met");
    assert.deepEqual(kinds(problem({})), []);
  });

  it("the cheap slow-loading variant loses to the warm dear one within its start-up: 70,000 at +60 s with 2 H100 ready (60,000) needs a third H100; 3 H100 serve 90,000 at +480 s too: $24/h", () => {
    // At +60 s the L40S serve nothing (480 s to load), so H100 kept + held >= 70,000 / 30,000 = 3;
    // held H100 are ready ones beyond the kept, at most 2 - kept: kept 3 is the only way.
    const p = problem({
      variants: [L40S, { ...H100, ready: 2 }],
      checkpoints: [
        { atSeconds: 0, demand: 50_000 },
        { atSeconds: 60, demand: 70_000 },
        { atSeconds: 480, demand: 70_000 },
      ],
    });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [0, 3]);
    assert.deepEqual(r.held, [0, 0]);
    assert.equal(r.cost, 24);
    assert.deepEqual(
      r.checkpoints.map((c) => c.capacity),
      [60_000, 90_000, 90_000],
    );
    // Were every replica to serve at once, 7 L40S would do: the start-up binds.
    assert.deepEqual(kinds(p), ["start-up"]);
  });

  it("moving off warm H100s pays only as far as the savings over 30 min beat holding an H100 for 480 s: keep 1 L40S + 2 H100, hold the third H100", () => {
    // 3 H100 ready, 70,000 steady. Dollars over the horizon (kept x 1,800 s + held x 480 s):
    //   stay, 3 H100:                  24 x 1,800                 = 43,200
    //   7 L40S, hold 3 H100:           14 x 1,800 + 24 x 480      = 36,720
    //   4 L40S + 1 H100, hold 2 H100:  16 x 1,800 + 16 x 480      = 36,480
    //   1 L40S + 2 H100, hold 1 H100:  18 x 1,800 +  8 x 480      = 36,240  (the least)
    // (the held H100 serves now and at +60 s, until the L40S loads).
    const p = problem({ variants: [L40S, { ...H100, ready: 3 }], checkpoints: steady(70_000) });
    const r = solveSplit(p);
    assert.deepEqual(r.kept, [1, 2]);
    assert.deepEqual(r.held, [0, 1]);
    assert.deepEqual(r.counts, [1, 3]);
    assert.equal(r.cost, 26);
    // Once that L40S serves: 1 L40S + 2 H100 ($18/h = 32,400) against 4 L40S + 1 H100 holding an
    // H100 (16 x 1,800 + 8 x 480 = 32,640): the $2/h saved over 30 min ($1.00) does not pay the
    // $1.07 hold; the fleet stays.
    const next = solveSplit({
      ...p,
      variants: [
        { ...L40S, ready: 1 },
        { ...H100, ready: 3 },
      ],
    });
    assert.deepEqual(next.counts, [1, 2]);
  });

  it("quota binding: 8 L40S GPUs wanted, a cap of 4: 4 L40S + 1 H100 (40,000 + 30,000) at $16/h spill to the dearer type", () => {
    const p = problem({ gpuCaps: { "nvidia-l40s": 4 } });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [4, 1]);
    assert.equal(r.cost, 16);
    assert.equal(r.outcome, "met");
    assert.deepEqual(kinds(p), ["gpu-cap:nvidia-l40s"]);
  });

  it("a quota that does not bind (10 L40S GPUs for 7) is not named, and the split is the unconstrained one", () => {
    const p = problem({ gpuCaps: { "nvidia-l40s": 10 } });
    assert.deepEqual(solveSplit(p).counts, [7, 0]);
    assert.deepEqual(kinds(p), []);
  });

  it("budget binding: $12/h buys 6 L40S (60,000 of 70,000 tokens/s): short, the budget named", () => {
    const p = problem({ budget: 12 });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [6, 0]);
    assert.equal(r.cost, 12);
    assert.equal(r.outcome, "short");
    assert.deepEqual(kinds(p), ["budget"]);
  });

  it("spot hedge size: 80,000 tokens/s on spot L40S ($0.80/h, 0.2 preemptions per replica-hour, 480 s start-up) at q0.99: 10 spot replicas, 2 of them the hedge", () => {
    // 10 spot: λ = 10 x 0.2 x 480 / 3600 = 0.2667, P(<=1) = e^-0.2667 x 1.2667 = 0.9702,
    // P(<=2) = 0.9702 + 0.7659 x 0.2667^2 / 2 = 0.9974 >= 0.99: lose 2, keep 80,000. $8.00/h.
    // 9 spot + 1 on demand: 9 spot lose 2 (λ = 0.24, P(<=1) = 0.9754): 100,000 - 20,000: $9.20.
    // 8 spot (no hedge): $6.40. The hedge costs 2 spot replicas, $1.60/h.
    const spot = variant({
      name: "spot",
      capacity: 10_000,
      price: 0.8,
      startupSeconds: 480,
      spotShare: 1,
      preemptionsPerHour: 0.2,
    });
    const onDemand = variant({ name: "od", capacity: 10_000, price: 2, startupSeconds: 480 });
    const p = problem({
      variants: [spot, onDemand],
      hedgeQuantile: 0.99,
      checkpoints: [
        { atSeconds: 0, demand: 0 },
        { atSeconds: 480, demand: 80_000 },
      ],
    });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [10, 0]);
    assert.deepEqual(r.hedge[0], { spot: 10, covered: 2 });
    assert.equal(r.outcome, "met");
    assert.deepEqual(kinds(p), ["hedge"]);
    assert.deepEqual(solveSplit({ ...p, hedgeQuantile: 0 }).counts, [8, 0]);
  });

  it("spot unavailable: the spot variant stays at its 3 ready; on-demand covers the rest and the hedge of those 3: 3 spot + 6 on demand", () => {
    // 3 spot: λ = 3 x 0.2 x 480 / 3600 = 0.08, P(0) = 0.923 < 0.99: lose 1, so 90,000 - 10,000
    // = 80,000 needs 6 on demand ($2.40 + $12 = $14.40; 8 on demand alone: $16).
    const spot = variant({
      name: "spot",
      capacity: 10_000,
      price: 0.8,
      startupSeconds: 480,
      spotShare: 1,
      preemptionsPerHour: 0.2,
      ready: 3,
      spotUnavailable: true,
    });
    const onDemand = variant({ name: "od", capacity: 10_000, price: 2, startupSeconds: 480 });
    const p = problem({
      variants: [spot, onDemand],
      hedgeQuantile: 0.99,
      checkpoints: [
        { atSeconds: 0, demand: 0 },
        { atSeconds: 480, demand: 80_000 },
      ],
    });
    assert.deepEqual(solveSplit(p).counts, [3, 6]);
    assert.ok(kinds(p).includes("spot-unavailable:spot"));
  });

  it("a floor of 2 replicas with no demand: the cheapest two, 2 L40S ($4/h); the floor named", () => {
    const p = problem({ checkpoints: steady(0), minTotal: 2 });
    assert.deepEqual(solveSplit(p).counts, [2, 0]);
    assert.deepEqual(kinds(p), ["min-total"]);
  });

  it("minimums alone over the budget: the minimums run (1 H100 at $8 against $5/h)", () => {
    const p = problem({ variants: [L40S, { ...H100, min: 1 }], budget: 5, checkpoints: steady(0) });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [0, 1]);
    assert.equal(r.outcome, "minimums");
  });

  it("minimums over a GPU quota (1 H100 against an H100 quota of 0): the H100 runs, the quota is raised to it and no further, and the $14/h budget still holds: 3 L40S beside it (60,000 of 70,000), the budget named, not the quota", () => {
    const p = problem({
      variants: [L40S, { ...H100, min: 1 }],
      gpuCaps: { "nvidia-h100": 0 },
      budget: 14,
      checkpoints: steady(70_000),
    });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [3, 1]);
    assert.equal(r.outcome, "minimums");
    assert.equal(r.cost, 14);
    assert.deepEqual(kinds(p), ["variant-min:h100", "budget"]);
    assert.deepEqual(solveSplit({ ...p, budget: undefined }).counts, [4, 1]);
    assert.deepEqual(solveSplit({ ...p, gpuCaps: {} }).counts, [3, 1]);
  });

  it("ties go to the first declared variant: two identical variants, 3 replicas needed: 3 + 0", () => {
    const p = problem({
      variants: [variant({ name: "a" }), variant({ name: "b" })],
      checkpoints: [{ atSeconds: 60, demand: 30_000 }],
    });
    assert.deepEqual(solveSplit(p).counts, [3, 0]);
  });

  it("a tie up to rounding goes to the first declared variant too: 3 a + 1 b + 0 c and 2 a + 1 b + 1 c both cost $3.20/h ($1,920 over 600 s; the bound of 3 a sums to $1,920.0000000000005)", () => {
    const at = (
      name: string,
      capacity: number,
      startupSeconds: number,
      min: number,
      max: number,
    ): SplitVariant => variant({ name, capacity, price: 0.8, startupSeconds, min, max, gpuType: "a" });
    const p = problem({
      variants: [at("a", 10_000, 480, 1, 3), at("b", 0, 0, 1, 1), at("c", 15_000, 120, 0, 1)],
      horizonSeconds: 600,
      checkpoints: [
        { atSeconds: 0, demand: 0 },
        { atSeconds: 120, demand: 0 },
        { atSeconds: 480, demand: 30_000 },
      ],
      maxTotal: 6,
    });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [3, 1, 0]);
    assert.equal(r.outcome, "met");
  });

  it("a demand above what the bounds serve is sized for what can be: 300,000 against 20 L40S + 20 H100 = 800,000 by +480 s but 600,000 by... all of both", () => {
    const p = problem({ checkpoints: [{ atSeconds: 480, demand: 900_000 }] });
    const r = solveSplit(p);
    assert.deepEqual(r.counts, [20, 20]);
    assert.equal(r.outcome, "short");
    assert.equal(r.checkpoints[0]?.target, 800_000);
  });
});

describe("the spot hedge: Poisson arithmetic", () => {
  it("the quantile of Poisson(0.2133) (8 spot x 0.2/h x 480 s): 1 at q0.95 (P(<=1) = 0.9802), 2 at q0.99 (P(<=2) = 0.9986)", () => {
    const mean = (8 * 0.2 * 480) / 3600;
    assert.equal(poissonQuantile(mean, 0.95), 1);
    assert.equal(poissonQuantile(mean, 0.99), 2);
    assert.deepEqual(variantHedge(8, 1, 0.2, 480, 0.99), { spot: 8, expected: mean, replicas: 2 });
  });

  it("half of 5 replicas on spot rounds up to 3 spot; no spot, no rate or no quantile: no hedge", () => {
    assert.equal(variantHedge(5, 0.5, 1, 3600, 0.99).spot, 3);
    assert.equal(variantHedge(5, 0, 1, 3600, 0.99).replicas, 0);
    assert.equal(variantHedge(5, 1, 0, 3600, 0.99).replicas, 0);
    assert.equal(poissonQuantile(3, 0), 0);
  });

  it("exact sums agree with the normal approximation at the switch (mean 700, q0.99: 700 + 2.326 x 26.46 = 761.5)", () => {
    const exact = poissonQuantile(699.999, 0.99);
    const approx = poissonQuantile(700.001, 0.99);
    assert.ok(Math.abs(exact - approx) <= 1, `${exact} vs ${approx}`);
    assert.ok(exact >= 761 && exact <= 763, String(exact));
  });
});
