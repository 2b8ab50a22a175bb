// The token-level policies' controllers on the modelled control plane, and the comparison's arithmetic.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cluster } from "../../../../src/sim/cluster.ts";
import { DEFAULT_CONTROL_PLANE } from "../../../../src/sim/control-plane.ts";
import { atTarget, comparedRun, type LlmRow } from "../../../../src/sim/llm/compare.ts";
import { llmPolicy, scheduleController, type LlmPolicyContext } from "../../../../src/sim/llm/policies.ts";
import type { LlmController } from "../../../../src/sim/llm/simulate.ts";
import { defaultLlmSettings } from "../../../../src/sim/llm/simulate.ts";
import { configOf, serviceDoc } from "../../helpers.ts";
import { arrivalsOf, handProfile, LiveStub as Stub, PRICE, SLO } from "./fixtures.ts";

function context(minReplicas: number, rows: readonly (readonly [number, number, number])[] = [[0, 1, 1]]) {
  const config = configOf({ llm: serviceDoc({ minReplicas, maxReplicas: 20, podStartupSeconds: 60 }) });
  const service = config.services[0];
  if (!service) throw new Error("no service");
  const ctx: LlmPolicyContext = {
    arrivals: arrivalsOf(rows),
    settings: defaultLlmSettings(handProfile({ loadSeconds: 60 }), PRICE, SLO, 20),
    service,
    config,
    controlPlane: DEFAULT_CONTROL_PLANE,
    capacity: {
      requestsPerSecond: 10,
      tokensPerSecond: 10_000,
      meanInputTokens: 900,
      meanOutputTokens: 100,
      targetPct: 99,
    },
    forecasts: [],
    historyFrom: 0,
  };
  return ctx;
}

/** The pod count each second to 45 s of a controller seeing `waiting` requests from 20 s, 5 arriving a second. */
function sizesWaiting(c: LlmController, waiting: number): Record<number, number> {
  const live = new Stub();
  const cluster = new Cluster(0);
  const sizes: Record<number, number> = {};
  for (let t = 0; t <= 45; t++) {
    live.waitingNow = t >= 20 ? waiting : 0;
    live.arrivals += 5;
    c.step(t, live, cluster);
    sizes[t] = cluster.size;
  }
  return sizes;
}

describe("reactive KEDA on vLLM's waiting requests (the production stack's recipe)", () => {
  it("12 waiting at threshold 5: the scrape at 30 s shows them and the HPA sync at 30 s asks ceil(12 / 5) = 3", () => {
    const sizes = sizesWaiting(llmPolicy("reactive-waiting").make(context(1), 5), 12);
    assert.equal(sizes[0], 1, "minReplicas at the first poll");
    assert.equal(sizes[29], 1, "the sample at 15 s still says 0");
    assert.equal(sizes[30], 3);
  });

  it("wakes a service at zero on the incoming request rate (no vLLM pod, no waiting series)", () => {
    const c = llmPolicy("reactive-waiting").make(context(0), 5);
    const live = new Stub();
    live.exporters = 0;
    const cluster = new Cluster(60);
    const sizes: number[] = [];
    for (let t = 0; t <= 31; t++) {
      if (t >= 1) live.arrivals += 2; // requests reach the gateway from t = 1
      c.step(t, live, cluster);
      sizes.push(cluster.size);
    }
    // rate() has two samples (0, 15) at 15 s: 28 / 15 > 0; KEDA's poll at 30 s activates: 1 pod.
    assert.equal(sizes[29], 0);
    assert.equal(sizes[30], 1);
  });
});

describe("the production stack's recipe with a floor (reactive-waiting-floor)", () => {
  // Minute 0 brings 3,000,000 + 600,000 tokens: 60,000 tokens/s, 6 replicas at 10,000 tokens/s each.
  const peakOfSix = [[0, 3_000_000, 600_000]] as const;

  it("share 0.5 of the peak's 6 replicas: 3 pods with nothing waiting; 30 waiting at threshold 5 ask ceil(30 / 5) = 6", () => {
    const sizes = sizesWaiting(llmPolicy("reactive-waiting-floor").make(context(1, peakOfSix), 0.5), 30);
    assert.equal(sizes[0], 3, "the floor from the first poll");
    assert.equal(sizes[29], 3, "the sample at 15 s still says 0 waiting: the floor holds");
    assert.equal(sizes[30], 6);
  });

  it("12 waiting ask ceil(12 / 5) = 3, no more than the floor of ceil(0.7 x 6) = 5 already holds", () => {
    const c = llmPolicy("reactive-waiting-floor").make(context(1, peakOfSix), 0.7);
    const live = new Stub();
    const cluster = new Cluster(0);
    for (let t = 0; t <= 60; t++) {
      live.waitingNow = 12;
      live.arrivals += 5;
      c.step(t, live, cluster);
    }
    assert.equal(cluster.size, 5);
  });

  it("never below the service's own minReplicas: share 0.1 of 6 is 1 pod, minReplicas 2 keeps 2", () => {
    const c = llmPolicy("reactive-waiting-floor").make(context(2, peakOfSix), 0.1);
    const cluster = new Cluster(0);
    c.step(0, new Stub(), cluster);
    assert.equal(cluster.size, 2);
  });
});

describe("reactive KEDA on the request rate", () => {
  it("targets measured capacity x headroom per replica: 24 req/s at 10 x 0.8 -> ceil(24 / 8) = 3", () => {
    const c = llmPolicy("reactive-requests").make(context(1), 0.8);
    const live = new Stub();
    const cluster = new Cluster(0);
    for (let t = 0; t <= 60; t++) {
      live.arrivals += 24;
      c.step(t, live, cluster);
    }
    assert.equal(cluster.size, 3);
  });
});

describe("static peak and the oracle, in tokens", () => {
  // Minute 0: one request of 1,000 tokens; minute 10: 1,800 requests of 1,000 tokens = 30,000 tokens/s.
  const rows: [number, number, number][] = [[0, 900, 100]];
  for (let i = 0; i < 1800; i++) rows.push([600 + i / 30, 900, 100]);

  it("static: the busiest minute's tokens/s over capacity x headroom: 30,000 / (10,000 x 0.8) -> 4, ready at once", () => {
    const c = llmPolicy("static").make(context(1, rows), 0.8);
    const cluster = new Cluster(60);
    c.step(0, new Stub(), cluster);
    assert.equal(cluster.size, 4);
    assert.equal(cluster.advance(0), 4);
  });

  it("oracle: 1 replica (minReplicas) until the busy minute's 4 are created 60 s ahead, at 540 s", () => {
    const c = llmPolicy("oracle").make(context(1, rows), 0.8);
    const cluster = new Cluster(60);
    const sizes: number[] = [];
    for (let t = 0; t < 660; t++) {
      c.step(t, new Stub(), cluster);
      sizes.push(cluster.size);
    }
    assert.equal(sizes[0], 1);
    assert.equal(sizes[539], 1);
    assert.equal(sizes[540], 4);
    assert.equal(cluster.advance(600), 4, "ready when the load arrives");
  });
});

describe("comparison at equal SLO attainment", () => {
  it("costs interpolated on each frontier at 99% (1% missing), ratios and the gap closed", () => {
    // reactive-waiting: (0.5% miss, $120), (2%, $90) -> at 1%: 120 - 30 x 0.5 / 1.5 = $110.
    // oracle: (0.2%, $50) -> $50. ours: (1%, $80) -> $80: 80 / 110 = 0.727x, 80 / 50 = 1.6x,
    // gap closed (110 - 80) / (110 - 50) = 0.5.
    const f = (pts: [number, number][]) =>
      pts.map(([miss, cost], i) => ({ headroom: i, costDollars: cost, sloViolationMinutesPct: miss }));
    const out = atTarget(
      {
        "reactive-waiting": f([
          [0.5, 120],
          [2, 90],
        ]),
        oracle: f([[0.2, 50]]),
        ours: f([[1, 80]]),
        never: f([[5, 10]]),
      },
      99,
      "reactive-waiting",
    );
    const by = Object.fromEntries(out.map((o) => [o.policy, o]));
    assert.ok(Math.abs((by["reactive-waiting"]?.costAtTarget ?? 0) - 110) < 1e-9);
    assert.ok(Math.abs((by.ours?.vsBaseline ?? 0) - 80 / 110) < 1e-12);
    assert.ok(Math.abs((by.ours?.vsOracle ?? 0) - 1.6) < 1e-12);
    assert.ok(Math.abs((by.ours?.gapClosed ?? 0) - 0.5) < 1e-12);
    assert.equal(by.never?.costAtTarget, null);
  });

  it("a baseline within 5% of the oracle ($43 against $42, the demo's case) gives no share of the gap, not 500%", () => {
    const f = (cost: number) => [{ headroom: 1, costDollars: cost, sloViolationMinutesPct: 0.5 }];
    const near = atTarget({ base: f(43), oracle: f(42), ours: f(38) }, 99, "base");
    assert.deepEqual(
      near.map((a) => a.gapClosed),
      [null, null, null],
    );
    const far = atTarget({ base: f(50), oracle: f(47.5), ours: f(48.75) }, 99, "base");
    assert.equal(far.find((a) => a.policy === "ours")?.gapClosed, 0.5, "a gap of exactly 5% is formed");
  });

  it("the table shows the cheapest run reaching the target, else the closest", () => {
    const r = (knob: number, attainmentPct: number, costDollars: number) =>
      ({ knob, attainmentPct, costDollars }) as LlmRow;
    assert.equal(comparedRun([r(1, 98, 10), r(2, 99.5, 30), r(3, 99.2, 20)], 99)?.knob, 3);
    assert.equal(comparedRun([r(1, 90, 10), r(2, 97, 30)], 99)?.knob, 2);
  });
});

describe("a replica-count schedule as a controller", () => {
  it("2 pods ready at 0, a third created at 3 (ready after its start-up), back to 1 from 5", () => {
    const c = scheduleController(Int32Array.from([2, 2, 2, 3, 3, 1]));
    const cluster = new Cluster(10);
    const seen: [number, number][] = [];
    for (let t = 0; t < 8; t++) {
      c.step(t, new Stub(), cluster);
      seen.push([cluster.size, cluster.advance(t)]);
    }
    assert.deepEqual(seen, [
      [2, 2],
      [2, 2],
      [2, 2],
      [3, 2],
      [3, 2],
      [1, 1],
      [1, 1],
      [1, 1],
    ]);
  });
});
