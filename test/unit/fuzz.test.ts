// Property-based fuzzing of every parser of external input, for a fixed budget: whatever comes in,
// the answer is a value or the parser's own error naming a field, never a crash.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../src/config/read.ts";
import { parseConfig, parseConfigText } from "../../src/config/schema.ts";
import { MetadataError, serviceFromMetadata } from "../../src/service/metadata.ts";
import { parseTraceText, TraceError } from "../../src/traces/parse.ts";
import { serviceDoc } from "./helpers.ts";

const RUNS = { numRuns: 600, seed: 424242 };
const hostile = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "💥",
    "ß".repeat(5000),
    "../../etc/passwd",
    "${jndi:ldap://x}",
    "NaN",
    "-1",
    "1e309",
  ),
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, Number.MAX_SAFE_INTEGER * 4, -1e308),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

function onlyOwnErrors(fn: () => unknown, own: new (...a: never[]) => Error): void {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof own, `unexpected ${(e as Error).name}: ${(e as Error).message}`);
    assert.ok(e.message.length > 0);
  }
}

describe("fuzz: scaler metadata from KEDA", () => {
  it("any map of strings is a known service or INVALID_ARGUMENT material naming the key", () => {
    const known = new Set(["api", "vllmService", "vllmService/h100"]);
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom("service", "variant", "scalerAddress", "enableTLS"),
            fc.string({ maxLength: 300 }),
          ),
          fc.string({ maxLength: 300 }),
        ),
        (meta) => {
          try {
            const s = serviceFromMetadata(meta, known);
            assert.ok(known.has(s));
          } catch (e) {
            assert.ok(e instanceof MetadataError, String(e));
            assert.match(e.message, /^scalerMetadata\.\S*/);
            assert.ok(e.message.length < 400, "messages stay short even for huge keys");
          }
        },
      ),
      RUNS,
    );
  });
});

describe("fuzz: config", () => {
  it("a valid config with one field replaced by anything parses or names what is wrong", () => {
    const fields = [
      "minReplicas",
      "maxReplicas",
      "priority",
      "podStartupSeconds",
      "scaleToZeroAfterMinutes",
      "activationLoad",
      "spotShare",
      "loadSignal",
      "workload",
      "resources",
      "triggers",
      "predictive",
    ];
    fc.assert(
      fc.property(fc.constantFrom(...fields), hostile, (field, value) => {
        onlyOwnErrors(
          () =>
            parseConfig({
              sources: { prometheus: { url: "http://p:9090" } },
              services: { s: serviceDoc({ [field]: value }) },
            }),
          ConfigError,
        );
      }),
      RUNS,
    );
  });
  it("arbitrary JSON documents never crash the parser", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
        onlyOwnErrors(() => parseConfig(doc), ConfigError);
      }),
      RUNS,
    );
  });
  it("arbitrary text never crashes the YAML front", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        onlyOwnErrors(() => parseConfigText(text), ConfigError);
      }),
      RUNS,
    );
  });
});

describe("fuzz: traces", () => {
  it("arbitrary rows never crash the trace parser, and errors carry a line number", () => {
    const row = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc
        .tuple(
          fc.date({ noInvalidDate: true, min: new Date("1990-01-01"), max: new Date("2100-01-01") }),
          fc.oneof(fc.nat().map(String), fc.string({ maxLength: 8 })),
        )
        .map(([d, v]) => `${d.toISOString()},${v}`),
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: 0, maxLength: 30 }), (rows) => {
        try {
          parseTraceText(["timestamp,requests", ...rows].join("\n"), "f.csv");
        } catch (e) {
          assert.ok(e instanceof TraceError, String(e));
          assert.match(e.message, /^f\.csv(:\d+)?: /);
        }
      }),
      RUNS,
    );
  });
});
