import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cluster } from "../../../src/sim/cluster.ts";
import {
  DEFAULT_CONTROL_PLANE,
  describeHpaTolerance,
  KedaHpa,
  RatePipeline,
  withHpaTolerance,
} from "../../../src/sim/control-plane.ts";
import { oracleSchedule } from "../../../src/sim/policies.ts";

function fixed(value: number, target = 1, active = true, push = false) {
  return { push, active: () => active, metric: () => ({ value, target }) };
}

describe("Prometheus rate() model", () => {
  it("sees about 4 samples of a 1 m window at a 15 s scrape and lags a step change", () => {
    const p = new RatePipeline(DEFAULT_CONTROL_PLANE);
    // 10 req/s until t = 100, then 20 req/s.
    let counter = 0;
    const seen: Record<number, number | undefined> = {};
    for (let t = 0; t <= 200; t++) {
      p.step(t, counter);
      seen[t] = p.rate;
      counter += t < 100 ? 10 : 20;
    }
    assert.equal(seen[15], 10); // two samples: (150 - 0) / 15
    assert.equal(seen[90], 10);
    // At t = 105 the window holds samples at 60, 75, 90, 105: (1000 + 5 * 20 - 600) / 45 = 11.1, not 20.
    assert.ok(Math.abs((seen[105] ?? 0) - 500 / 45) < 1e-9, String(seen[105]));
    assert.equal(seen[165], 20); // fully past the change only after the window
    assert.equal(seen[164], seen[150]); // between scrapes the value does not move
  });
});

describe("HPA model (AverageValue, default behavior)", () => {
  const run = (value: number, current: number, syncs = 1, cp = DEFAULT_CONTROL_PLANE) => {
    const c = new Cluster(0);
    c.setReplicas(current, 0);
    const k = new KedaHpa(cp, 1, 100, fixed(value));
    for (let i = 1; i <= syncs; i++) k.sync(i * 15, c);
    return c.size;
  };
  const cases: [name: string, value: number, current: number, syncs: number, want: number][] = [
    ["inside tolerance: 4.3 on 4 stays 4", 4.3, 4, 1, 4],
    ["just outside: 4.5 on 4 -> 5", 4.5, 4, 1, 5],
    ["scale-up limit: 30 from 2 -> max(2 x 2, 2 + 4) = 6 per sync", 30, 2, 1, 6],
    ["scale-up limit: 30 from 10 -> 20 (100%) per sync", 30, 10, 1, 20],
    ["scale-up over three syncs: 2 -> 6 -> 12 -> 24 capped at 30", 30, 2, 3, 24],
  ];
  for (const [name, value, current, syncs, want] of cases) {
    it(name, () => {
      assert.equal(run(value, current, syncs), want);
    });
  }
  it("scale-down happens once the 300 s window holds only lower recommendations", () => {
    const c = new Cluster(0);
    c.setReplicas(10, 0);
    let v = 10;
    const k = new KedaHpa(DEFAULT_CONTROL_PLANE, 1, 100, {
      push: false,
      active: () => true,
      metric: () => ({ value: v, target: 1 }),
    });
    k.sync(0, c);
    v = 2;
    for (let t = 15; t <= 300; t += 15) k.sync(t, c);
    assert.equal(c.size, 10, "the recommendation of 10 at t=0 is still in the window at t=300");
    k.sync(315, c);
    assert.equal(c.size, 2);
  });
  it("milli-quantities: a desired count of 3 computed as 2.9999999 stays 3", () => {
    assert.equal(run(2.9999999999, 1), 3);
  });
});

describe("HPA tolerance: 0.1 below Kubernetes 1.35, 0 with the per-HPA behavior tolerance", () => {
  // A fresh HPA per case: its stabilisation window holds only this sync's recommendation.
  const once = (value: number, current: number, tolerance: number): number => {
    const c = new Cluster(0);
    c.setReplicas(current, 0);
    new KedaHpa(withHpaTolerance(tolerance), 1, 100, fixed(value)).sync(15, c);
    return c.size;
  };
  const cases: [name: string, value: number, current: number, at01: number, at0: number][] = [
    ["16 desired on 15: ratio 1.067", 16, 15, 15, 16],
    ["14 desired on 15: ratio 0.933", 14, 15, 15, 14],
    ["12 desired on 11: ratio 1.091", 12, 11, 11, 12],
    ["10 desired on 11: ratio 0.909", 10, 11, 11, 10],
    ["41 desired on 40: ratio 1.025", 41, 40, 40, 41],
    ["12 desired on 10: ratio 1.2, outside either tolerance", 12, 10, 12, 12],
    ["15 desired on 15: no change either way", 15, 15, 15, 15],
  ];
  for (const [name, value, current, at01, at0] of cases) {
    it(`${name}: ${at01} at 0.1, ${at0} at 0`, () => {
      assert.equal(once(value, current, 0.1), at01);
      assert.equal(once(value, current, 0), at0);
    });
  }
  it("the default is the controller's 0.1", () => {
    assert.equal(DEFAULT_CONTROL_PLANE.tolerance, 0.1);
    assert.equal(withHpaTolerance(0).tolerance, 0);
  });
  it("rejects a tolerance outside 0..1", () => {
    for (const bad of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      assert.throws(() => withHpaTolerance(bad), /HPA tolerance: must be between 0 and 1/);
  });
  it("names the clusters each setting stands for", () => {
    assert.match(describeHpaTolerance(0.1), /0\.1 .*Kubernetes < 1\.35/);
    assert.match(describeHpaTolerance(0), /tolerance 0 .*Kubernetes >= 1\.35/);
  });
});

describe("KEDA activation and cooldown", () => {
  it("activates from zero on a poll, and deactivates after the cooldown", () => {
    const c = new Cluster(0);
    let active = true;
    const k = new KedaHpa(DEFAULT_CONTROL_PLANE, 0, 10, {
      push: false,
      active: () => active,
      metric: () => ({ value: 1, target: 1 }),
    });
    for (let t = 1; t < 30; t++) k.step(t, c);
    assert.equal(c.size, 0, "polling: nothing happens before the 30 s poll");
    k.step(30, c);
    assert.equal(c.size, 1);
    active = false;
    for (let t = 31; t < 330; t++) k.step(t, c);
    assert.equal(c.size, 1, "still inside the 300 s cooldown");
    k.step(330, c);
    assert.equal(c.size, 0);
  });
  it("an external-push trigger activates at once", () => {
    const c = new Cluster(0);
    const k = new KedaHpa(DEFAULT_CONTROL_PLANE, 0, 10, fixed(1, 1, true, true));
    k.step(7, c);
    assert.equal(c.size, 1);
  });
  it("with minReplicas >= 1 activation is ignored and the floor is kept", () => {
    const c = new Cluster(0);
    const k = new KedaHpa(DEFAULT_CONTROL_PLANE, 2, 10, fixed(0, 1, false));
    k.step(0, c);
    assert.equal(c.size, 2);
  });
});

describe("cluster", () => {
  it("pods serve only after start-up; scale-down removes the newest first", () => {
    const c = new Cluster(180);
    c.setReplicas(2, 0);
    assert.equal(c.advance(179), 0);
    assert.equal(c.advance(180), 2);
    c.setReplicas(3, 200);
    assert.equal(c.advance(300), 2);
    c.setReplicas(2, 301);
    assert.equal(c.advance(1000), 2);
    assert.equal(c.coldStarts, 1);
    assert.equal(c.scaleEvents, 3);
  });
});

describe("oracle schedule", () => {
  it("creates pods start-up seconds ahead and bridges gaps shorter than the start-up", () => {
    // Capacity 10 per replica. Need 1 replica during [300, 400) and [450, 500), 2 during [1000, 1100).
    const rate = new Float32Array(1200);
    rate.fill(5, 300, 400);
    rate.fill(5, 450, 500);
    rate.fill(15, 1000, 1100);
    const alive = oracleSchedule(rate, 10, 100, 0, 10);
    assert.equal(alive[199], 0);
    assert.equal(alive[200], 1, "created 100 s before the need at 300");
    assert.equal(alive[420], 1, "the 50 s gap is shorter than the 100 s start-up: kept");
    assert.equal(alive[500], 0);
    assert.equal(alive[899], 0);
    assert.equal(alive[900], 2);
    assert.equal(alive[1100], 0);
  });
});
