// How a step batch composes the four tables, with worked numbers on a hand-made profile whose
// tables are constant along each axis (so every lookup is the single value).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TabulatedProfile, type StepTimeTables } from "../../../src/llm/step-time.ts";
import type { StepBatch } from "../../../src/llm/profile.ts";

const flat = (rows: number, columns: number, v: number): number[][] =>
  Array.from({ length: rows }, () => Array.from({ length: columns }, () => v));

const TABLES: StepTimeTables = {
  decodeLinear: { decodeSeqs: [1, 256], ms: [5, 5] },
  mixedLinear: { batchedTokens: [1, 2048], ms: [10, 10] },
  prefillAttention: { prefillSeqs: [1, 64], promptTokens: [1, 65536], ms: flat(2, 2, 3) },
  decodeAttention: { decodeSeqs: [1, 256], contextTokens: [0, 32768], ms: flat(2, 2, 2) },
};
const ID = {
  id: "test/flat",
  model: "m",
  gpuType: "g",
  engine: "vllm",
  tensorParallel: 1,
  gpusPerReplica: 1,
  kvCacheTokens: 1000,
  loadSeconds: 60,
  maxModelLen: 32768,
  limits: { maxBatchedTokens: 2048, maxSeqs: 256 },
};
const profile = new TabulatedProfile(ID, TABLES);
const batch = (b: Partial<StepBatch>): StepBatch => ({
  prefillTokens: 0,
  prefillSeqs: 0,
  prefillContextTokens: 0,
  decodeSeqs: 0,
  decodeContextTokens: 0,
  ...b,
});

describe("step time composition", () => {
  const cases: [string, Partial<StepBatch>, number][] = [
    [
      "decode only: decodeLinear 5 + decodeAttention 2 = 7 ms",
      { decodeSeqs: 8, decodeContextTokens: 8000 },
      7,
    ],
    [
      "whole prompt only: mixedLinear 10 + prefillAttention 3 = 13 ms",
      { prefillTokens: 512, prefillSeqs: 1 },
      13,
    ],
    [
      "chunk of 512 after 768 cached: 10 + 3 x 512 / (512 + 2 x 768) = 10.75 ms",
      { prefillTokens: 512, prefillSeqs: 1, prefillContextTokens: 768 },
      10.75,
    ],
    [
      "mixed: 10 + 3 x 256 / (256 + 2 x 256) + 2 = 13 ms",
      {
        prefillTokens: 512,
        prefillSeqs: 2,
        prefillContextTokens: 512,
        decodeSeqs: 4,
        decodeContextTokens: 4096,
      },
      13,
    ],
  ];
  for (const [name, b, ms] of cases) {
    it(name, () => {
      assert.ok(Math.abs(profile.stepMs(batch(b)) - ms) < 1e-9);
      assert.ok(Math.abs(profile.stepSeconds(batch(b)) - ms / 1000) < 1e-12);
    });
  }
  it("past the token grid grows in proportion: 4096 tokens = 10 x 2 + 3 = 23 ms", () => {
    assert.ok(Math.abs(profile.stepMs(batch({ prefillTokens: 4096, prefillSeqs: 1 })) - 23) < 1e-9);
  });
});

describe("a batch that is not a step is a RangeError naming the field", () => {
  const cases: [string, Partial<StepBatch>, RegExp][] = [
    ["empty", {}, /empty step/],
    ["negative decode", { decodeSeqs: -1 }, /decodeSeqs must be finite and >= 0, got -1/],
    ["NaN tokens", { prefillTokens: Number.NaN, prefillSeqs: 1 }, /prefillTokens must be finite/],
    [
      "prefill without sequences",
      { prefillTokens: 10 },
      /prefillSeqs must be between 1 and prefillTokens \(10\), got 0/,
    ],
    ["more sequences than tokens", { prefillTokens: 2, prefillSeqs: 3 }, /got 3/],
    [
      "context without decode",
      { decodeContextTokens: 5, prefillTokens: 1, prefillSeqs: 1 },
      /decodeContextTokens must be 0/,
    ],
  ];
  for (const [name, b, message] of cases) {
    it(name, () => {
      assert.throws(
        () => profile.stepSeconds(batch(b)),
        (e: unknown) => e instanceof RangeError && message.test(e.message),
      );
    });
  }
});
