import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { join } from "node:path";
import { loadConfigFile } from "../../../src/config/load.ts";
import { predictive } from "../../../src/engine/rules/predictive.ts";
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
