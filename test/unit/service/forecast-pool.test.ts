// The forecast thread dying must fail only the reads it had in hand; the next read gets a new one.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { ForecastPool } from "../../../src/service/forecast-pool.ts";
import type { HistoryTask } from "../../../src/service/history.ts";

const task = (query: string, now = 1): HistoryTask => ({
  prometheus: { url: "http://127.0.0.1:1", timeoutSeconds: 1, maxConcurrency: 1 },
  query,
  now,
  lookbackHours: 1,
  horizonSteps: 30,
  quantile: 0.95,
  activationLoad: 0,
  predict: false,
});

describe("ForecastPool", () => {
  const pool = new ForecastPool(new URL("./fixtures/crashing-forecast-worker.ts", import.meta.url));
  after(async () => {
    await pool.close();
  });

  it("fails the reads in hand when the thread dies, then starts a new thread", async () => {
    assert.deepEqual(await pool.run(task("ok", 5)), { historyFrom: 5 });
    assert.equal(pool.starts, 1);
    await assert.rejects(pool.run(task("crash")), /forecast thread exited \(code 3\)/);
    assert.deepEqual(await pool.run(task("ok", 7)), { historyFrom: 7 });
    assert.equal(pool.starts, 2);
  });

  it("refuses work once closed", async () => {
    const p = new ForecastPool(new URL("./fixtures/crashing-forecast-worker.ts", import.meta.url));
    await p.close();
    await assert.rejects(p.run(task("ok")), /closed/);
  });
});
