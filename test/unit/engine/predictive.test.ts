import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { loadConfigFile } from "../../../src/config/load.ts";
import fc from "fast-check";
import { plannerLevel, predictive } from "../../../src/engine/rules/predictive.ts";
import type { ForecastView } from "../../../src/engine/types.ts";
import { configOf, serviceDoc, T0 } from "../helpers.ts";

/** A minute forecast from T0: `mean` per minute, upper = mean + 5. */
function forecast(mean: readonly number[]): ForecastView {
  return {
    generatedAt: T0,
    start: T0,
    stepSeconds: 60,
    mean: [...mean],
    upper: mean.map((m) => m + 5),
    confidence: 0.9,
    model: "ours/profile:weekly",
  };
}

/** 30 minutes at `base`, with `value` from minute `from` to minute `to` (exclusive). */
function shape(base: number, value: number, from: number, to: number): number[] {
  return Array.from({ length: 30 }, (_, i) => (i >= from && i < to ? value : base));
}

const config = configOf({ svc: serviceDoc({ podStartupSeconds: 180 }) });
const svc = config.services[0];

interface Case {
  readonly name: string;
  readonly mean: readonly number[];
  readonly current?: number;
  readonly want: number;
  readonly says: RegExp;
}

describe("predictive: a planner for the ready time", () => {
  const cases: Case[] = [
    {
      name: "plans q95 at now+180s: minute 3 at 40 (+5) / 10 = 5, not the peak of 90 at minute 20",
      mean: [...shape(40, 90, 20, 25)],
      want: 5,
      says: /plan for ready time now\+180s: q95 45 \/ 10 per replica = 5/,
    },
    {
      name: "a ramp arriving at ready time is planned now: minute 3 at 70 -> ceil(75 / 10) = 8",
      mean: shape(20, 70, 3, 30),
      want: 8,
      says: /= 8/,
    },
    {
      name: "plans only the step holding the ready time: minute 3 at 40, minute 4 at 90 -> 5 (later decisions plan minute 4)",
      mean: shape(40, 90, 4, 30),
      want: 5,
      says: /plan for ready time now\+180s: q95 45 \/ 10 per replica = 5/,
    },
    {
      name: "hold: 9 running, mean back at 60 at minute 6 (< 180 + 300 s): keep 6",
      mean: shape(20, 60, 6, 8),
      current: 9,
      want: 6,
      says: /hold 6 of 9: mean peak 60 within start-up \+ cooldown \(480s\)/,
    },
    {
      name: "scale-in allowed: 9 running, load back only at minute 10 (> 480 s): plan ceil(25 / 10) = 3",
      mean: shape(20, 60, 10, 12),
      current: 9,
      want: 3,
      says: /scale-in allowed: mean stays <= 20 \(2 replicas\) for start-up \+ cooldown \(480s\)/,
    },
    {
      name: "hold never raises above the current count: 4 running, mean 60 soon -> 4",
      mean: shape(20, 60, 6, 8),
      current: 4,
      want: 4,
      says: /hold 4 of 4/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.ok(svc);
      const r = predictive(config.predictiveScaling, svc, forecast(c.mean), T0, {
        currentReplicas: c.current,
      });
      assert.equal(r.replicas, c.want);
      assert.equal(r.applied, true);
      const text = r.reasons.map((x) => x.message).join("\n");
      assert.match(text, c.says);
      assert.match(text, /confidence 0\.90, ours\/profile:weekly/);
    });
  }
  it("a forecast that ends before the ready time: reactive only", () => {
    assert.ok(svc);
    const short = { ...forecast([50, 50]) };
    const r = predictive(config.predictiveScaling, svc, short, T0, { currentReplicas: 3 });
    assert.equal(r.applied, false);
    assert.match(r.reasons[0]?.message ?? "", /does not cover the ready time: reactive only/);
  });
});

describe("predictive: queue triggers size from backlog and drain time", () => {
  const root = new URL("../../../", import.meta.url).pathname;
  const celery = loadConfigFile(join(root, "examples/celery-worker.yaml"));
  const worker = celery.services[0];
  const cases: { name: string; backlog?: number; want: number; says: RegExp }[] = [
    {
      name: "no backlog: q95 arrivals 4 + 5 = 9/s / 2 per replica = 5",
      backlog: 0,
      want: 5,
      says: /q95 9 \/ 2 per replica = 5/,
    },
    {
      name: "backlog 300 drained within the 30 s start-up: (9 + 10) / 2 = 10",
      backlog: 300,
      want: 10,
      says: /\(q95 arrivals 9 \+ backlog 300 drained in 30s 10\) \/ 2 per replica = 10/,
    },
    { name: "no reading of the queue: arrivals only", want: 5, says: /q95 9 \/ 2 per replica = 5/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.ok(worker);
      const signals = c.backlog === undefined ? {} : { queueLength: { value: c.backlog, observedAt: T0 } };
      const r = predictive(celery.predictiveScaling, worker, forecast(Array(30).fill(4)), T0, { signals });
      assert.equal(r.replicas, c.want);
      assert.match(r.reasons[0]?.message ?? "", c.says);
    });
  }
});

describe("predictive: the planner's quantile is a newsvendor ratio of a violating minute and a replica's price", () => {
  // under = cost x start-up minutes; over = price x (start-up + 300 s cooldown) / 3600.
  const cases: { name: string; cost: number; price: number | undefined; want: number; says: RegExp }[] = [
    {
      name: "GPU replica $2.70/h, $1 per violating minute, 180 s: 3.00 / (3.00 + 0.36) = 0.893",
      cost: 1,
      price: 2.7,
      want: 3 / (3 + 0.36),
      says: /newsvendor \$3\.00 \/ \(\$3\.00 \+ \$0\.36\) = 0\.893/,
    },
    { name: "a $0.03/h CPU replica: 0.999", cost: 1, price: 0.03, want: 3 / (3 + 0.004), says: /= 0\.999/ },
    {
      name: "a violating minute worth $0.10: 0.455",
      cost: 0.1,
      price: 2.7,
      want: 0.3 / 0.66,
      says: /= 0\.455/,
    },
    { name: "a replica without a price: every case", cost: 1, price: 0, want: 1, says: /no price/ },
    { name: "an unknown price: every case", cost: 1, price: undefined, want: 1, says: /no price/ },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const l = plannerLevel(c.cost, c.price, 180);
      assert.ok(Math.abs(l.level - c.want) < 1e-9, `${l.level} != ${c.want}`);
      assert.match(l.why, c.says);
    });
  }
  it("a dearer violating minute never lowers the ratio; a dearer replica never raises it", () => {
    const arb = fc.double({ min: 0.001, max: 1000, noNaN: true });
    fc.assert(
      fc.property(arb, arb, arb, fc.integer({ min: 0, max: 900 }), (cost, price, more, startup) => {
        const base = plannerLevel(cost, price, startup).level;
        assert.ok(plannerLevel(cost + more, price, startup).level >= base);
        assert.ok(plannerLevel(cost, price + more, startup).level <= base);
        assert.ok(base >= 0 && base <= 1);
      }),
      { seed: 14, numRuns: 300 },
    );
  });

  // Bands q50..q99 at mean + 0, 2, 4, ... by level; the ratio at $2.70/h is 0.893 (target miss 10.7%).
  const levels = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99];
  const mean: number[] = Array.from({ length: 30 }, () => 40);
  const banded = (miss?: readonly number[]): ForecastView => ({
    ...forecast(mean),
    upper: mean.map((m) => m + 50),
    bands: levels.map((level, i) => ({
      level,
      values: mean.map((m) => m + 2 * i),
      ...(miss ? { missBeyondLast: mean.map(() => miss[i] ?? null) } : {}),
    })),
  });
  it("without measured misses, sizes from the band at the ratio, interpolated", () => {
    assert.ok(svc);
    const r = predictive(config.predictiveScaling, svc, banded(), T0, { replicaHourlyPrice: 2.7 });
    // 40 + 10 + (0.893 - 0.85) / 0.05 x 2 = 51.71 -> ceil(51.71 / 10) = 6 (the upper band, 90, would say 9).
    assert.equal(r.replicas, 6);
    assert.match(
      r.reasons[0]?.message ?? "",
      /q89\.3 51\.71 \/ 10 per replica = 6 \(q89\.3: the band that recently fell short where the current load did too in 10\.7% of cases at the ready time, 1 - newsvendor/,
    );
  });
  it("with measured misses beyond the current load, takes the band that misses 10.7%: between q70 (12%) and q75 (9%)", () => {
    assert.ok(svc);
    const miss = [0.3, 0.2, 0.12, 0.09, 0.05, 0.04, 0.03, 0.02, 0.01, 0.005];
    const r = predictive(config.predictiveScaling, svc, banded(miss), T0, { replicaHourlyPrice: 2.7 });
    // w = (0.12 - 0.107) / 0.03 = 0.43: level 0.721, value 44 + 0.43 x 2 = 44.86 -> 5 replicas.
    assert.equal(r.replicas, 5);
    assert.match(r.reasons[0]?.message ?? "", /q72\.1 44\.86 \/ 10 per replica = 5/);
  });
  it("when every band misses more than the target, the top band", () => {
    assert.ok(svc);
    const r = predictive(config.predictiveScaling, svc, banded(Array(10).fill(0.5)), T0, {
      replicaHourlyPrice: 2.7,
    });
    assert.equal(r.replicas, 6); // 40 + 18 = 58
    assert.match(r.reasons[0]?.message ?? "", /q99 58 \/ 10 per replica = 6/);
  });
});
