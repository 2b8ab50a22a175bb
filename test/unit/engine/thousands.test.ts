import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { tokens } from "../../../src/engine/thousands.ts";

describe("tokens: thousands as toLocaleString('en-US') writes them", () => {
  it("worked values", () => {
    const cases: [number, string][] = [
      [0, "0"],
      [999.4, "999"],
      [999.5, "1,000"],
      [63_800, "63,800"],
      [-1_234_567.2, "-1,234,567"],
      [-0.2, "-0"],
      [Infinity, "∞"],
      [Number.NaN, "NaN"],
      [1e21, (1e21).toLocaleString("en-US")],
    ];
    for (const [x, want] of cases) assert.equal(tokens(x), want, String(x));
  });

  it("equals Math.round(x).toLocaleString('en-US') for any double", () => {
    fc.assert(
      fc.property(fc.double(), (x) => tokens(x) === Math.round(x).toLocaleString("en-US")),
      { numRuns: 20_000 },
    );
  });
});
