import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { headline } from "../../../src/sim/compare.ts";
import { costAtSlo, dominates, paretoFront } from "../../../src/sim/frontier.ts";

const p = (headroom: number, costDollars: number, sloViolationMinutesPct: number) => ({
  headroom,
  costDollars,
  sloViolationMinutesPct,
});

describe("frontier", () => {
  it("keeps only non-dominated points", () => {
    const f = paretoFront([p(0.5, 120, 0.5), p(0.6, 130, 0.8), p(0.8, 90, 2), p(1, 95, 3)]);
    assert.deepEqual(
      f.map((x) => x.headroom),
      [0.5, 0.8],
    );
  });
  it("interpolates cost at an SLO level: (0.5%, $120) and (2%, $90) -> $110 at 1%", () => {
    assert.equal(costAtSlo([p(0.5, 120, 0.5), p(0.8, 90, 2)], 1), 110);
    assert.equal(costAtSlo([p(0.5, 120, 0.5)], 0.1), undefined);
    assert.equal(costAtSlo([p(0.5, 120, 0.5), p(0.8, 90, 2)], 5), 90);
  });
  it("dominance", () => {
    const a = [p(0.5, 100, 0.5), p(0.8, 80, 2)];
    const b = [p(0.5, 120, 0.5), p(0.8, 90, 2)];
    assert.equal(dominates(a, b), true);
    assert.equal(dominates(b, a), false);
  });
  it("headline falls back to the lowest SLO both reach, and says so", () => {
    const h = headline(
      {
        ours: [p(0.5, 100, 0.5), p(0.8, 80, 3)],
        reactive: [p(0.5, 200, 2), p(0.8, 150, 4)],
        oracle: [p(1, 50, 0)],
      },
      1,
    );
    assert.equal(h.sloPct, 2);
    assert.ok(/not reached by reactive/.test(h.note));
    assert.ok(Math.abs((h.oursVsReactive ?? 0) - (100 - 20 * (1.5 / 2.5)) / 200) < 1e-9);
    assert.equal(h.oursVsOracle, (100 - 20 * (1.5 / 2.5)) / 50);
  });
});
