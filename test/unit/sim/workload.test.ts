import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { DEMO_PARAMS, generateWorkload, workloadFromSeries } from "../../../src/sim/workload.ts";
import { loadTrace } from "../../../src/traces/parse.ts";
import { shapeOf } from "./shape.ts";

const traces = new URL("../../../../shared/traces/", import.meta.url).pathname;

describe("workloads", () => {
  it("spreads each trace interval evenly over its seconds; gaps carry nothing", () => {
    const w = workloadFromSeries("t", {
      start: 0,
      stepSeconds: 60,
      values: Float64Array.from([60, Number.NaN, 120]),
      unit: "requests",
    });
    assert.equal(w.rate.length, 180);
    assert.equal(w.rate[0], 1);
    assert.equal(w.rate[61], 0);
    assert.equal(w.rate[179], 2);
    assert.deepEqual([...w.minuteRate], [1, 0, 2]);
  });

  it("the generator is deterministic", () => {
    assert.deepEqual(
      generateWorkload().minuteRate.subarray(0, 3000),
      generateWorkload().minuteRate.subarray(0, 3000),
    );
  });

  it("the demo's generator is fitted to the NASA trace's shape, with BurstGPT-like idle stretches", () => {
    const path = `${traces}nasa-http-1995-07.csv`;
    assert.ok(existsSync(path), `the shared traces must be beside the repository: ${path}`);
    const nasa = loadTrace(path).series;
    const real = shapeOf(nasa.values, nasa.start, -4);
    const w = generateWorkload();
    const gen = shapeOf(w.minuteRate, w.start, DEMO_PARAMS.utcOffsetHours);
    // Measured: NASA daily 4.40, weekend 0.59, minute CV 0.36; generator 3.99, 0.50, 0.32.
    assert.ok(
      Math.abs(gen.dailyRatio / real.dailyRatio - 1) < 0.2,
      `daily ${gen.dailyRatio} vs ${real.dailyRatio}`,
    );
    assert.ok(
      Math.abs(gen.weekendRatio - real.weekendRatio) < 0.15,
      `weekend ${gen.weekendRatio} vs ${real.weekendRatio}`,
    );
    assert.ok(
      Math.abs(gen.minuteCv / real.minuteCv - 1) < 0.25,
      `minute CV ${gen.minuteCv} vs ${real.minuteCv}`,
    );
    // Idle stretches exist (for scale to zero), fewer than BurstGPT's 38% idle minutes.
    const burst = loadTrace(`${traces}burstgpt-week1-tokens-per-minute.csv`).series;
    const burstIdle = shapeOf(burst.values, burst.start, 0).idleShare;
    assert.ok(
      gen.idleShare > 0.02 && gen.idleShare < burstIdle,
      `idle ${gen.idleShare} vs BurstGPT ${burstIdle}`,
    );
  });
});
