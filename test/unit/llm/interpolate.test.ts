// The interpolation rule of profile tables with worked numbers: ln(1 + x) coordinates, ln values,
// the first point's value below the grid, proportional growth above it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Table1, Table2 } from "../../../src/llm/interpolate.ts";

const close = (actual: number, expected: number, digits = 9): void => {
  assert.ok(
    Math.abs(actual - expected) <= 10 ** -digits * Math.max(1, Math.abs(expected)),
    `${actual} != ${expected}`,
  );
};

describe("Table1: axis [16, 32], values [2, 4] ms", () => {
  const t = new Table1([16, 32], [2, 4]);
  const cases: [string, number, number][] = [
    ["on the first point: 2", 16, 2],
    ["on the last point: 4", 32, 4],
    [
      "between: weight (ln 25 - ln 17) / (ln 33 - ln 17) = 0.58137, 2^0.41863 x 4^0.58137 = 2.99266",
      24,
      2.99266,
    ],
    ["below the grid holds the first value: 2", 8, 2],
    ["at zero holds the first value: 2", 0, 2],
    ["above the grid grows in proportion: 4 x 64 / 32 = 8", 64, 8],
  ];
  for (const [name, x, expected] of cases) {
    it(name, () => {
      close(t.value(x), expected, name.startsWith("between") ? 5 : 9);
    });
  }
});

describe("Table2: rows [1, 3], columns [0, 1023], values [[1, 2], [4, 8]]", () => {
  const t = new Table2(
    [1, 3],
    [0, 1023],
    [
      [1, 2],
      [4, 8],
    ],
  );
  const cases: [string, number, number, number][] = [
    ["corner (1, 0): 1", 1, 0, 1],
    ["corner (3, 1023): 8", 3, 1023, 8],
    ["row 3 at column ln-midpoint 31 (ln 32 = ln 1024 / 2): sqrt(4 x 8) = 5.65685", 3, 31, Math.sqrt(32)],
    ["row ln-midpoint sqrt(2 x 4) - 1 = 1.82843, column 0: sqrt(1 x 4) = 2", Math.sqrt(8) - 1, 0, 2],
    ["both midpoints: (1 x 2 x 4 x 8)^(1/4) = 2.82843", Math.sqrt(8) - 1, 31, Math.sqrt(8)],
    ["past both ends: 8 x (6 / 3) x (2046 / 1023) = 32", 6, 2046, 32],
    ["row below, column past the end: 2 x 2 = 4", 0.5, 2046, 4],
  ];
  for (const [name, row, column, expected] of cases) {
    it(name, () => {
      close(t.value(row, column), expected);
    });
  }
});
