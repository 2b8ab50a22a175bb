import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  HourlyCostRecorder,
  hourlyCostJson,
  peakOf,
  secondsOverBudgetOf,
} from "../../../src/sim/hourly-cost.ts";

// vLLM at $2.5/h a replica, celery at $0.25/h (exact in binary, so the sums below are exact).
const SERVICES = [
  { name: "vllm", price: 2.5 },
  { name: "celery", price: 0.25 },
];

/** Replays `perSecond` (each second's alive replicas per service) and returns the series. */
function replay(perSecond: readonly (readonly number[])[], budget: number | undefined) {
  const rec = new HourlyCostRecorder(SERVICES, perSecond.length, budget);
  perSecond.forEach((alive, s) => {
    rec.record(s, alive);
  });
  return rec.series(Date.parse("2026-01-07T04:00:00Z"));
}

/** `n` seconds of the same replicas. */
const hold = (n: number, alive: readonly number[]): number[][] => Array.from({ length: n }, () => [...alive]);

describe("hourly cost series", () => {
  const cases: {
    name: string;
    seconds: number[][];
    budget?: number;
    total: number[];
    over: number[];
    vllm: number[];
    celery: number[];
  }[] = [
    {
      name: "8 vLLM + 4 celery for 2 min: 8 x 2.5 + 4 x 0.25 = $21/h each minute, under a $25/h budget",
      seconds: hold(120, [8, 4]),
      budget: 25,
      total: [21, 21],
      over: [0, 0],
      vllm: [8, 8],
      celery: [4, 4],
    },
    {
      name: "8 then 7 vLLM half a minute each, 4 celery: the minute's highest is $21/h, 30 s over a $20/h budget",
      seconds: [...hold(30, [8, 4]), ...hold(30, [7, 4]), ...hold(60, [7, 2])],
      budget: 20,
      total: [21, 18],
      over: [30, 0],
      vllm: [8, 7],
      celery: [4, 2],
    },
    {
      name: "each service's highest second differs from the total's: 2 vLLM + 8 celery ($7/h), then 3 + 0 ($7.5/h)",
      seconds: [...hold(10, [2, 8]), ...hold(50, [3, 0])],
      budget: 7.25,
      total: [7.5],
      over: [50],
      vllm: [3],
      celery: [8],
    },
    {
      name: "a partial last minute: 90 s give 2 points; without a budget nothing is over",
      seconds: [...hold(60, [1, 0]), ...hold(30, [4, 4])],
      total: [2.5, 11],
      over: [0, 0],
      vllm: [1, 4],
      celery: [0, 4],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const series = replay(c.seconds, c.budget);
      assert.deepEqual(Array.from(series.total), c.total);
      assert.deepEqual(Array.from(series.secondsOverBudget), c.over);
      assert.deepEqual(Array.from(series.services[0]?.replicas ?? []), c.vllm);
      assert.deepEqual(Array.from(series.services[1]?.replicas ?? []), c.celery);
      assert.equal(peakOf(series), Math.max(...c.total));
      assert.equal(
        secondsOverBudgetOf(series),
        c.over.reduce((a, b) => a + b, 0),
      );
    });

  it("JSON: plain per-minute arrays from the first measured second", () => {
    const j = hourlyCostJson(replay(hold(90, [2, 4]), 5)) as Record<string, unknown>;
    assert.deepEqual(j, {
      from: "2026-01-07T04:00:00.000Z",
      stepSeconds: 60,
      total: [6, 6],
      secondsOverBudget: [60, 30],
      services: [
        { service: "vllm", pricePerReplicaHour: 2.5, replicas: [2, 2] },
        { service: "celery", pricePerReplicaHour: 0.25, replicas: [4, 4] },
      ],
    });
  });
});
