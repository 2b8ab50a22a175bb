import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FluidQueue } from "../../../src/sim/fluid-queue.ts";

/** n seconds of v. */
const repeat = (n: number, v: number): number[] => Array.from({ length: n }, () => v);

const latency = { serviceTimeSeconds: 1, sloSeconds: 5, lateShareForViolation: 0.05 };

/** Steps a queue through `rate` with `capacity[t]` requests/s served. */
function run(rate: readonly number[], capacity: readonly number[]): FluidQueue {
  const q = new FluidQueue(rate.length);
  rate.forEach((a, t) => q.step(t, a, capacity[t] ?? 0));
  return q;
}

describe("fluid queue", () => {
  it("12 arrive, 10 served: 2 wait and leave first in the next second", () => {
    const q = run([12, 5], [10, 10]);
    assert.deepEqual(Array.from(q.arrived), [0, 12, 17]);
    assert.deepEqual(Array.from(q.departed), [0, 10, 17]);
  });

  // Latency is service time (1 s) plus the wait of the middle of a second's arrivals, read from a
  // histogram of 0.1 s bins by their upper edge.
  const cases: {
    name: string;
    rate: number[];
    capacity: number[];
    p95: number;
    late: number;
    violating: number;
  }[] = [
    {
      name: "served in their own second: 1 s + 0.5 s wait, p95 in the 1.5-1.6 s bin",
      rate: repeat(60, 10),
      capacity: repeat(60, 10),
      p95: 1.6,
      late: 0,
      violating: 0,
    },
    {
      // No capacity for 10 s, then 20/s against 10/s arriving: the backlog of 100 drains by second 19.
      // Second 0's requests wait 10.5 s; the wait falls by 1 s every 2 s; seconds 0..12 wait > 4 s:
      // 130 of 600 requests late (21.7%). The top 5% (30) are seconds 0-2; the 95th percentile sits
      // in seconds 3-4's 9.5 s bin.
      name: "an outage of 10 s: 130 of 600 late, the minute violates",
      rate: repeat(60, 10),
      capacity: [...repeat(10, 0), ...repeat(50, 20)],
      p95: 9.6,
      late: (100 * 130) / 600,
      violating: 100,
    },
    {
      name: "a minute without arrivals is not counted",
      rate: [...repeat(60, 0), ...repeat(60, 1)],
      capacity: repeat(120, 1),
      p95: 1.6,
      late: 0,
      violating: 0,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const q = run(c.rate, c.capacity);
      const r = q.quality(Float32Array.from(c.rate), 0, latency);
      assert.equal(r.p95LatencySeconds.toFixed(1), c.p95.toFixed(1));
      assert.equal(r.lateRequestsPct.toFixed(3), c.late.toFixed(3));
      assert.equal(r.sloViolationMinutesPct, c.violating);
    });
  }

  it("requests still waiting at the end wait until the end: 3 s + 1 s service > 3.5 s SLO", () => {
    const q = run([10, 0, 0], [0, 0, 0]);
    const r = q.quality(Float32Array.from([10, 0, 0]), 0, { ...latency, sloSeconds: 3.5 });
    assert.equal(r.lateRequestsPct, 100);
  });
});
