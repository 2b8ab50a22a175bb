// Forecasts made on several threads equal those made on one, fit for fit, and each lands at its
// second; a job list with no fits needs no thread.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runForecastJobs } from "../../../src/sim/parallel-forecasts.ts";
import { forecastAt, traceForecastJob } from "../../../src/sim/trace-forecasts.ts";
import { minuteMeans } from "../../../src/sim/workload.ts";

const START = Date.parse("2026-03-02T00:00:00Z");
const DAY = 86_400;

/** A daily wave with a ripple, `days` long, at `level` requests/s on average. */
function wave(days: number, level: number): { minuteRate: Float64Array; start: number; seconds: number } {
  const rate = new Float32Array(days * DAY);
  for (let t = 0; t < rate.length; t++)
    rate[t] =
      level * (1 + 0.6 * Math.sin((2 * Math.PI * t) / DAY) + 0.1 * Math.sin((2 * Math.PI * t) / 1700));
  return { minuteRate: minuteMeans(rate), start: START, seconds: rate.length };
}

const P = { enabled: true, lookbackHours: 24, forecastMinutes: 30, quantile: 0.9 };
const TIMING = { everySeconds: 900, warmupSeconds: DAY };

describe("forecasts on worker threads", () => {
  it("two jobs on 1, 2 and 3 threads give the forecasts of forecastAt, in order", () => {
    const a = wave(2, 40);
    const b = wave(2, 7);
    const jobs = [a, b].map((w) => {
      const j = traceForecastJob(w, w.seconds, P, true, TIMING);
      assert.ok(j);
      return j;
    });
    const expected = jobs.map((j) => j.seconds.map((t) => ({ t, view: forecastAt(j, t) })));
    assert.equal(expected[0]?.length, 100, "fits per job: (2 days - 23 h) / 15 min");
    for (const threads of [1, 2, 3]) {
      const progress: number[] = [];
      const got = runForecastJobs(jobs, (done) => progress.push(done), threads);
      assert.deepEqual(got, expected, `${threads} threads`);
      assert.equal(progress.at(-1), 200, `${threads} threads: progress ends at every fit`);
    }
  });

  it("a service that is not predictive has no job, and no fits mean no forecasts", () => {
    const w = wave(1, 10);
    assert.equal(traceForecastJob(w, w.seconds, P, false, TIMING), undefined);
    assert.equal(traceForecastJob(w, w.seconds, { ...P, enabled: false }, true, TIMING), undefined);
    assert.deepEqual(runForecastJobs([], undefined, 2), []);
  });
});
