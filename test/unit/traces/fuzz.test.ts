// The trace parser under fast-check, for a fixed budget in CI (bench/fuzz-traces.bench.ts runs more).

import { describe, it } from "node:test";
import fc from "fast-check";
import { anyTextProperty, datesProperty, endingsProperty } from "./properties.ts";

const RUNS = { numRuns: 400, seed: 20261129 };

describe("fuzz: trace parser", () => {
  it("accepts a timestamp exactly when it names a real instant", () => {
    fc.assert(datesProperty, RUNS);
  });
  it("reads LF, CRLF and CR-only files, with or without a byte-order mark, value for value", () => {
    fc.assert(endingsProperty, RUNS);
  });
  it("answers any text with a well-formed trace or its own error naming the file", () => {
    fc.assert(anyTextProperty, RUNS);
  });
});
