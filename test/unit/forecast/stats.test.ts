import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { conformalQuantile, mergeSorted, slidingPools } from "../../../src/forecast/stats.ts";

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

/** Values that sort awkwardly: any double, -0 and +0, NaN, and small integers (ties). */
const value = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, 1, -1),
  fc.integer({ min: -3, max: 3 }),
);

describe("mergeSorted: the same array as concatenating and sort()", () => {
  const f = (...xs: number[]): Float64Array => Float64Array.from(xs);
  const cases: { name: string; parts: Float64Array[]; want: Float64Array }[] = [
    { name: "no parts", parts: [], want: f() },
    { name: "empty parts", parts: [f(), f()], want: f() },
    { name: "one part", parts: [f(1, 2, 3)], want: f(1, 2, 3) },
    { name: "interleaved", parts: [f(1, 4, 7), f(2, 5), f(0, 3, 6, 8)], want: f(0, 1, 2, 3, 4, 5, 6, 7, 8) },
    { name: "ties", parts: [f(1, 1, 2), f(1, 2, 2)], want: f(1, 1, 1, 2, 2, 2) },
    { name: "-0 before +0 whichever part", parts: [f(0, 1), f(-0, 0.5)], want: f(-0, 0, 0.5, 1) },
    { name: "+0 first part, -0 later part", parts: [f(0), f(0), f(-0)], want: f(-0, 0, 0) },
    {
      name: "NaN last",
      parts: [f(3, Number.NaN), f(-1, Number.NaN)],
      want: f(-1, 3, Number.NaN, Number.NaN),
    },
    {
      name: "infinities",
      parts: [f(Number.NEGATIVE_INFINITY, 0), f(-5, Number.POSITIVE_INFINITY)],
      want: f(Number.NEGATIVE_INFINITY, -5, 0, Number.POSITIVE_INFINITY),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = mergeSorted(c.parts);
      assert.equal(got.length, c.want.length);
      // Object.is tells -0 from +0 and matches NaN with NaN.
      for (let i = 0; i < got.length; i++)
        assert.ok(Object.is(got[i], c.want[i]), `at ${i}: ${got[i]} vs ${c.want[i]}`);
    });
  }
  it("property: equals sort() of the concatenation, bit for bit up to NaN", () => {
    fc.assert(
      fc.property(fc.array(fc.array(value, { maxLength: 40 }), { maxLength: 6 }), (raw) => {
        const parts = raw.map((xs) => Float64Array.from(xs).sort());
        const got = mergeSorted(parts);
        const want = Float64Array.from(raw.flat()).sort();
        assert.equal(got.length, want.length);
        for (let i = 0; i < got.length; i++)
          assert.ok(Object.is(got[i], want[i]), `at ${i}: ${got[i]} vs ${want[i]}`);
      }),
      { numRuns: 500 },
    );
  });
});

describe("slidingPools: each window's parts merged, as mergeSorted gives them", () => {
  it("radius 1 over three parts", () => {
    const got = slidingPools([Float64Array.of(3), Float64Array.of(1), Float64Array.of(2)], 1);
    assert.deepEqual(
      got.map((p) => [...p]),
      [
        [1, 3],
        [1, 2, 3],
        [1, 2],
      ],
    );
  });
  it("property: window by window, bit for bit up to NaN, with ties, -0/+0 and NaN", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { maxLength: 30 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 4 }),
        (raw, radius) => {
          const parts = raw.map((xs) => Float64Array.from(xs).sort());
          const got = slidingPools(parts, radius);
          assert.equal(got.length, parts.length);
          for (let h = 0; h < parts.length; h++) {
            const want = mergeSorted(parts.slice(Math.max(0, h - radius), h + radius + 1));
            const g = got[h] ?? new Float64Array(0);
            assert.equal(g.length, want.length);
            for (let i = 0; i < g.length; i++)
              assert.ok(Object.is(g[i], want[i]), `h ${h} at ${i}: ${g[i]} vs ${want[i]}`);
          }
        },
      ),
      { seed: 16, numRuns: 500 },
    );
  });
});
