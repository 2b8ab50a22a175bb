import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conformalQuantile } from "../../../src/forecast/stats.ts";

describe("conformalQuantile: the ceil((n + 1) p)-th of n sorted errors", () => {
  const sorted = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i + 1);
  const cases: { n: number; p: number; want: number }[] = [
    { n: 56, p: 0.975, want: 56 }, // ceil(55.6) = 56: the largest
    { n: 56, p: 0.95, want: 55 }, // ceil(54.15) = 55
    { n: 9, p: 0.9, want: 9 }, // ceil(9) = 9
    { n: 1000, p: 0.9, want: 901 }, // ceil(900.9)
    { n: 19, p: 0.05, want: 1 }, // floor(1) = 1
    { n: 4, p: 0.5, want: 3 }, // ceil(2.5)
    { n: 3, p: 0.999, want: 3 }, // beyond n: the largest
    { n: 3, p: 0.001, want: 1 }, // below 1: the smallest
  ];
  for (const c of cases) {
    it(`n ${c.n}, p ${c.p}: the ${c.want}th`, () => {
      assert.equal(conformalQuantile(sorted(c.n), c.p), c.want);
    });
  }
  it("no errors: NaN", () => {
    assert.ok(Number.isNaN(conformalQuantile(new Float64Array(0), 0.9)));
  });
});
