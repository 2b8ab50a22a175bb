// History kept between forecast cycles: a cycle reads only the minutes since the last one (plus an
// overlap for late samples), the whole lookback again every FULL_READ_MS, and the result is the
// same as reading everything afresh.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FULL_READ_MS, OVERLAP_STEPS, readHistory, type HistoryTask } from "../../../src/service/history.ts";
import { FakeUpstream } from "../signals/fake-upstream.ts";

const STEP = 60_000;
/** A daily cycle with a quiet stretch at night (below activation), and a gap every 1,000 minutes. */
const load = (t: number): number | undefined => {
  const m = t / STEP;
  if (m % 1000 === 0) return undefined;
  const day = Math.sin((2 * Math.PI * (m % 1440)) / 1440);
  return day < -0.8 ? 0 : 50 + 40 * day;
};

function serve(up: FakeUpstream, late: Map<number, number>): void {
  up.reply = (path) => {
    const q = new URL(path, "http://x").searchParams;
    const start = Number(q.get("start")) * 1000;
    const end = Number(q.get("end")) * 1000;
    const values: [number, string][] = [];
    for (let t = start; t <= end; t += STEP) {
      const v = late.get(t) ?? load(t);
      if (v !== undefined) values.push([t / 1000, String(v)]);
    }
    return {
      body: JSON.stringify({
        status: "success",
        data: { resultType: "matrix", result: [{ metric: {}, values }] },
      }),
    };
  };
}

const task = (up: FakeUpstream, now: number): HistoryTask => ({
  prometheus: { url: up.url, timeoutSeconds: 2, maxConcurrency: 4 },
  query: "sum(rate(requests_total[1m]))",
  now,
  lookbackHours: 168,
  horizonSteps: 30,
  quantile: 0.95,
  activationLoad: 1,
  predict: true,
});

const startOf = (path: string): number => Number(new URL(path, "http://x").searchParams.get("start")) * 1000;

describe("readHistory keeps history between cycles", () => {
  const cached = new FakeUpstream();
  const fresh = new FakeUpstream();
  const late = new Map<number, number>();
  const t0 = Date.parse("2026-03-09T12:00:30Z");

  before(async () => {
    await cached.start();
    await fresh.start();
    serve(cached, late);
    serve(fresh, late);
  });
  after(async () => {
    await cached.stop();
    await fresh.stop();
  });

  it("reads the whole lookback first, then only what is new plus the overlap", async () => {
    await readHistory(task(cached, t0));
    const end0 = Math.floor(t0 / STEP) * STEP;
    assert.equal(startOf(cached.requests[0] ?? ""), end0 - 168 * 3_600_000);
    const t1 = t0 + 10 * STEP;
    await readHistory(task(cached, t1));
    assert.equal(startOf(cached.requests[1] ?? ""), end0 - OVERLAP_STEPS * STEP);
  });

  it("gives what a fresh read gives, including a late sample inside the overlap", async () => {
    const t2 = t0 + 25 * STEP;
    // A sample that changed after the previous cycle (at t1) read its minute: inside the overlap.
    late.set(Math.floor(t0 / STEP) * STEP + 5 * STEP, 777);
    const a = await readHistory(task(cached, t2));
    const b = await readHistory(task(fresh, t2));
    assert.deepEqual(a, b);
    assert.ok(a.forecast, "a forecast");
  });

  it("reads everything again after FULL_READ_MS", async () => {
    const t3 = t0 + FULL_READ_MS + STEP;
    const before = cached.requests.length;
    const a = await readHistory(task(cached, t3));
    assert.equal(startOf(cached.requests[before] ?? ""), Math.floor(t3 / STEP) * STEP - 168 * 3_600_000);
    assert.deepEqual(a, await readHistory(task(fresh, t3)));
  });

  it("a failed read leaves the kept history as it was", async () => {
    const t4 = t0 + FULL_READ_MS + 5 * STEP;
    const good = cached.reply;
    cached.reply = { status: 503, body: "overloaded" };
    await assert.rejects(readHistory(task(cached, t4)), /HTTP 503/);
    cached.reply = good;
    const before = cached.requests.length;
    const a = await readHistory(task(cached, t4));
    assert.notEqual(
      startOf(cached.requests[before] ?? ""),
      Math.floor(t4 / STEP) * STEP - 168 * 3_600_000,
      "still incremental",
    );
    assert.deepEqual(a, await readHistory(task(fresh, t4)));
  });
});
