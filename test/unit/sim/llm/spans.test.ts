// Runs of identical decode steps timed as one span must give what stepping one by one gives.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SpanTimes } from "../../../../src/sim/llm/span-times.ts";
import { rng } from "../../../../src/sim/workload.ts";
import { arrivalsOf, fixedReplicas, handProfile, runWith } from "./fixtures.ts";

describe("SpanTimes: a run's step times from three profile calls", () => {
  it("linear steps 10, 11, 12, 13 ms: starts 0, 10, 21, 33 ms, run 46 ms", () => {
    const t = new SpanTimes();
    t.fit(4, (j) => 0.01 + 0.001 * j);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((k) => Math.round(t.until(k) * 1e6) / 1e3),
      [0, 10, 21, 33, 46],
    );
    // Steps starting strictly before 20.5 ms: at 0 and 10 -> 2; before 21.5 ms: 3.
    assert.equal(t.startedBefore(0.0205), 2);
    assert.equal(t.startedBefore(0.0215), 3);
    assert.equal(t.startedBefore(0), 0);
    assert.equal(t.startedBefore(1), 4);
  });

  it("quadratic steps are exact: q(j) = 10 + j^2 ms over 5 steps sums to 50 + 30 = 80 ms", () => {
    const t = new SpanTimes();
    t.fit(5, (j) => (10 + j * j) / 1000);
    assert.ok(Math.abs(t.until(5) - 0.08) < 1e-12);
    assert.ok(Math.abs(t.at(3) - 0.019) < 1e-12);
  });

  it("rejects a profile step time that is not positive", () => {
    const t = new SpanTimes();
    assert.throws(() => t.fit(3, () => 0), /finite and positive, got 0/);
    assert.throws(() => t.fit(3, () => Number.NaN), /got NaN/);
  });
});

/** Poisson-like arrivals of varied lengths, seeded. */
function randomRows(n: number, rate: number, seed: number): [number, number, number][] {
  const r = rng(seed);
  const rows: [number, number, number][] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += -Math.log(1 - r()) / rate;
    rows.push([t, 1 + Math.floor(r() * 1500), 1 + Math.floor(r() * 300)]);
  }
  return rows;
}

describe("span aggregation gives the step-by-step result", () => {
  const cases: [name: string, kv: number, replicas: number][] = [
    ["ample cache, 2 replicas", 1_000_000, 2],
    ["tight cache with preemptions, 1 replica", 6_000, 1],
  ];
  for (const [name, kv, replicas] of cases) {
    it(name, () => {
      // Step time linear in the decode context (the fit is exact), so only float rounding differs.
      const profile = () =>
        handProfile({ contextMsPerToken: 0.0004, kvCacheTokens: kv, maxBatchedTokens: 2048, maxSeqs: 32 });
      const a = arrivalsOf(randomRows(600, 4, 7));
      const spans = runWith(a, profile(), fixedReplicas(replicas));
      const steps = runWith(a, profile(), fixedReplicas(replicas), { maxSpanSteps: 1 });
      let worst = 0;
      for (let i = 0; i < a.times.length; i++) {
        worst = Math.max(worst, Math.abs((spans.ledger.e2e[i] ?? 0) - (steps.ledger.e2e[i] ?? 0)));
        worst = Math.max(worst, Math.abs((spans.ledger.ttft[i] ?? 0) - (steps.ledger.ttft[i] ?? 0)));
      }
      assert.ok(worst < 1e-6, `largest difference ${worst} s`);
      assert.equal(spans.ledger.finished, a.times.length);
      assert.deepEqual([...spans.ledger.itlHistogram.counts], [...steps.ledger.itlHistogram.counts]);
      assert.equal(spans.preemptions, steps.preemptions);
      if (kv < 10_000) assert.ok(spans.preemptions > 0, "the tight cache case preempts");
    });
  }
});
