// Validation of a profile document: a valid hand-made one loads; each broken field is reported
// with its path and value, all problems at once.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/config/read.ts";
import { PROFILE_BOUNDS, parseProfile } from "../../../src/llm/parse-profile.ts";

interface Axis1 {
  [axis: string]: unknown;
  ms: unknown;
}
interface Doc {
  [key: string]: unknown;
  limits: Record<string, unknown>;
  stepTime: {
    unit: unknown;
    decodeLinear: Axis1;
    mixedLinear: Axis1;
    prefillAttention: { prefillSeqs: unknown; promptTokens: unknown; ms: unknown[][] };
    decodeAttention: { decodeSeqs: unknown; contextTokens: unknown; ms: unknown[][] };
  };
  checks: Record<string, unknown>[];
  provenance: Record<string, unknown>;
}

/** A valid document: 5 ms decode linear, 10 ms mixed linear, 3 ms prompt attention, 2 ms decode attention. */
function validDoc(): Doc {
  return {
    format: "mlas-llm-profile/v1",
    id: "test/flat/vllm/tp1",
    model: "Org/Model-1B",
    gpuType: "h100_sxm",
    engine: "vllm",
    tensorParallel: 1,
    gpusPerReplica: 1,
    kvCacheTokens: 100000,
    loadSeconds: 60,
    maxModelLen: 32768,
    limits: { maxBatchedTokens: 2048, maxSeqs: 256 },
    stepTime: {
      unit: "ms",
      decodeLinear: { decodeSeqs: [1, 256], ms: [5, 5] },
      mixedLinear: { batchedTokens: [1, 2048], ms: [10, 10] },
      prefillAttention: {
        prefillSeqs: [1, 64],
        promptTokens: [1, 65536],
        ms: [
          [3, 3],
          [3, 3],
        ],
      },
      decodeAttention: {
        decodeSeqs: [1, 256],
        contextTokens: [0, 32768],
        ms: [
          [2, 2],
          [2, 2],
        ],
      },
    },
    checkTolerance: 0.05,
    checks: [
      {
        prefillTokens: 0,
        prefillSeqs: 0,
        prefillContextTokens: 0,
        decodeSeqs: 4,
        decodeContextTokens: 400,
        sourceMs: 7.1,
      },
      {
        prefillTokens: 512,
        prefillSeqs: 1,
        prefillContextTokens: 0,
        decodeSeqs: 0,
        decodeContextTokens: 0,
        sourceMs: 13,
        profileMs: 13,
      },
    ],
    provenance: { source: "hand-made for this test" },
  };
}

/** The i-th element, which the test's own document has. */
function at<T>(list: readonly T[], i: number): T {
  const v = list[i];
  assert.ok(v !== undefined);
  return v;
}

function problems(mutate: (d: Doc) => void): string[] {
  const d = validDoc();
  mutate(d);
  try {
    parseProfile(d, "my.json");
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("parseProfile", () => {
  it("a valid document loads with its identity and limits", () => {
    const p = parseProfile(validDoc());
    assert.equal(p.id, "test/flat/vllm/tp1");
    assert.equal(p.kvCacheTokens, 100000);
    assert.deepEqual(p.limits, { maxBatchedTokens: 2048, maxSeqs: 256 });
    assert.equal(
      p.stepSeconds({
        prefillTokens: 0,
        prefillSeqs: 0,
        prefillContextTokens: 0,
        decodeSeqs: 1,
        decodeContextTokens: 9,
      }),
      0.007,
    );
  });

  it("overhead.perRequestMs 28.8 is carried as 0.0288 s beside the steps, which it leaves alone; absent, 0", () => {
    const d = validDoc();
    d["overhead"] = { perRequestMs: 28.8 };
    const withOverhead = parseProfile(d);
    const without = parseProfile(validDoc());
    assert.equal(withOverhead.requestOverheadSeconds, 0.0288);
    assert.equal(without.requestOverheadSeconds, 0);
    const b = {
      prefillTokens: 512,
      prefillSeqs: 1,
      prefillContextTokens: 0,
      decodeSeqs: 0,
      decodeContextTokens: 0,
    };
    assert.equal(withOverhead.stepSeconds(b), without.stepSeconds(b));
  });

  const cases: [string, (d: Doc) => void, string[]][] = [
    [
      "every missing field at once",
      (d) => {
        for (const k of Object.keys(d)) Reflect.deleteProperty(d, k);
        d["format"] = 1;
      },
      [
        'my.json: format: must be "mlas-llm-profile/v1", got 1',
        ...["id", "model", "gpuType", "engine"].map((k) => `my.json: ${k}: must be a string, got nothing`),
        ...["tensorParallel", "gpusPerReplica", "kvCacheTokens", "loadSeconds", "maxModelLen"].map(
          (k) => `my.json: ${k}: must be a finite number, got nothing`,
        ),
        ...["limits", "stepTime", "provenance"].map((k) => `my.json: ${k}: must be an object, got nothing`),
      ],
    ],
    [
      "unknown key (a typo)",
      (d) => {
        d["kvCacheToken"] = 5;
      },
      [
        "my.json: kvCacheToken: unknown key (allowed: format, id, model, gpuType, engine, tensorParallel, gpusPerReplica, kvCacheTokens, loadSeconds, maxModelLen, limits, overhead, stepTime, checkTolerance, checks, provenance)",
      ],
    ],
    [
      "wrong format",
      (d) => {
        d["format"] = "v2";
      },
      ['my.json: format: must be "mlas-llm-profile/v1", got "v2"'],
    ],
    [
      "fractional TP",
      (d) => {
        d["tensorParallel"] = 1.5;
      },
      ["my.json: tensorParallel: must be a whole number, got 1.5"],
    ],
    [
      "GPUs not a multiple of TP",
      (d) => {
        d["tensorParallel"] = 2;
        d["gpusPerReplica"] = 3;
      },
      ["my.json: gpusPerReplica: must be a multiple of tensorParallel (2), got 3"],
    ],
    [
      "zero KV cache",
      (d) => {
        d["kvCacheTokens"] = 0;
      },
      ["my.json: kvCacheTokens: must be >= 1, got 0"],
    ],
    [
      "load time not finite",
      (d) => {
        d["loadSeconds"] = "fast";
      },
      ['my.json: loadSeconds: must be a finite number, got "fast"'],
    ],
    [
      "limit missing",
      (d) => {
        Reflect.deleteProperty(d.limits, "maxSeqs");
      },
      ["my.json: limits.maxSeqs: must be a finite number, got nothing"],
    ],
    [
      "overhead not an object",
      (d) => {
        d["overhead"] = 28.8;
      },
      ["my.json: overhead: must be an object, got 28.8"],
    ],
    [
      "overhead without its figure",
      (d) => {
        d["overhead"] = {};
      },
      ["my.json: overhead.perRequestMs: must be a finite number, got nothing"],
    ],
    [
      "negative overhead",
      (d) => {
        d["overhead"] = { perRequestMs: -1 };
      },
      ["my.json: overhead.perRequestMs: must be >= 0, got -1"],
    ],
    [
      "overhead above a minute (seconds written as ms)",
      (d) => {
        d["overhead"] = { perRequestMs: 60001 };
      },
      ["my.json: overhead.perRequestMs: must be <= 60000, got 60001"],
    ],
    [
      "an overhead term the format does not have",
      (d) => {
        d["overhead"] = { perRequestMs: 28.8, perStepMs: 1 };
      },
      ["my.json: overhead.perStepMs: unknown key (allowed: perRequestMs)"],
    ],
    [
      "unit",
      (d) => {
        d.stepTime.unit = "s";
      },
      ['my.json: stepTime.unit: must be "ms", got "s"'],
    ],
    [
      "axis not increasing",
      (d) => {
        d.stepTime.mixedLinear.batchedTokens = [1, 1, 2048];
        d.stepTime.mixedLinear.ms = [1, 1, 1];
      },
      ["my.json: stepTime.mixedLinear.batchedTokens[1]: must be greater than the point before it (1), got 1"],
    ],
    [
      "axis starting below 1",
      (d) => {
        d.stepTime.decodeLinear.decodeSeqs = [0, 256];
      },
      ["my.json: stepTime.decodeLinear.decodeSeqs[0]: must be >= 1, got 0"],
    ],
    [
      "axis of one point",
      (d) => {
        d.stepTime.decodeLinear.decodeSeqs = [256];
        d.stepTime.decodeLinear.ms = [5];
      },
      ["my.json: stepTime.decodeLinear.decodeSeqs: must have 2 to 4096 points, got 1"],
    ],
    [
      "axis too long",
      (d) => {
        d.stepTime.decodeLinear.decodeSeqs = Array.from({ length: 5000 }, (_, i) => i + 1);
      },
      ["my.json: stepTime.decodeLinear.decodeSeqs: must have 2 to 4096 points, got 5000"],
    ],
    [
      "axis short of maxSeqs",
      (d) => {
        d.stepTime.decodeLinear.decodeSeqs = [1, 128];
      },
      [
        "my.json: stepTime.decodeLinear.decodeSeqs: must reach limits.maxSeqs (256), got 128 as its last point",
      ],
    ],
    [
      "values of the wrong length",
      (d) => {
        d.stepTime.decodeLinear.ms = [5];
      },
      ["my.json: stepTime.decodeLinear.ms: must have 2 values (one per grid point), got 1"],
    ],
    [
      "a zero time",
      (d) => {
        at(d.stepTime.decodeAttention.ms, 1)[0] = 0;
      },
      ["my.json: stepTime.decodeAttention.ms[1][0]: must be a time in ms in (0, 10000000], got 0"],
    ],
    [
      "an infinite time",
      (d) => {
        at(d.stepTime.prefillAttention.ms, 0)[1] = null;
      },
      ["my.json: stepTime.prefillAttention.ms[0][1]: must be a time in ms in (0, 10000000], got null"],
    ],
    [
      "missing row",
      (d) => {
        d.stepTime.prefillAttention.ms = [[3, 3]];
      },
      ["my.json: stepTime.prefillAttention.ms: must have 2 rows (one per row point), got 1"],
    ],
    [
      "no provenance source",
      (d) => {
        d.provenance = {};
      },
      ["my.json: provenance.source: must be a string, got nothing"],
    ],
    [
      "a check off the tables",
      (d) => {
        at(d.checks, 0).sourceMs = 8;
      },
      [
        "my.json: checks[0]: the tables give 7.0000 ms where the source gives 8 ms: 12.50% off, above checkTolerance 0.05",
      ],
    ],
    [
      "a check the twin computed differently",
      (d) => {
        at(d.checks, 1).profileMs = 13.1;
      },
      ["my.json: checks[1].profileMs: the tables give 13 ms, the file records 13.1: interpolation differs"],
    ],
    [
      "a check that is no step",
      (d) => {
        at(d.checks, 1).prefillSeqs = 0;
      },
      ["my.json: checks[1]: is not a step: prefillSeqs must be between 1 and prefillTokens (512), got 0"],
    ],
    [
      "several problems at once",
      (d) => {
        d["kvCacheTokens"] = -1;
        d["loadSeconds"] = 0;
      },
      ["my.json: kvCacheTokens: must be >= 1, got -1", "my.json: loadSeconds: must be > 0, got 0"],
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`rejects: ${name}`, () => {
      assert.deepEqual(problems(mutate), expected);
    });
  }

  it("a list instead of a document", () => {
    assert.throws(() => parseProfile([], "x.json"), /x\.json: \(root\): must be an object, got a list/);
  });

  it("bounds an untrusted table: more than 65,536 values is refused before any is read", () => {
    const rows = Array.from({ length: 300 }, (_, i) => i + 1);
    const columns = Array.from({ length: 300 }, (_, i) => i);
    const found = problems((d) => {
      d.stepTime.decodeAttention = { decodeSeqs: rows, contextTokens: columns, ms: [] };
    });
    assert.deepEqual(found, [
      `my.json: stepTime.decodeAttention.ms: must have at most ${PROFILE_BOUNDS.tableValues} values, got 300 x 300`,
    ]);
  });
});
