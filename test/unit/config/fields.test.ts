// A section declared once: its validator reads defaults, rejects what its ranges exclude naming the
// field, and its JSON schema states the same ranges.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CONFIG_FIELDS,
  jsonSchemaOf,
  jsonSchemaOfField,
  PREDICTIVE_FIELDS,
  readField,
  type Field,
} from "../../../src/config/fields.ts";
import { Reader } from "../../../src/config/read.ts";
import { configOf, serviceDoc } from "../helpers.ts";

const read = (v: unknown): { value: unknown; issues: string[] } => {
  const r = new Reader();
  const value = readField(r, "predictiveScaling", v, CONFIG_FIELDS.predictiveScaling);
  return { value, issues: r.issues.map((i) => `${i.path}: ${i.message}`) };
};

describe("config fields: predictiveScaling", () => {
  it("absent: every declared default", () => {
    const { value, issues } = read(undefined);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      value,
      Object.fromEntries(Object.entries(PREDICTIVE_FIELDS).map(([k, f]) => [k, f.default])),
    );
  });
  const bad: [name: string, doc: Record<string, unknown>, path: string][] = [
    ["a fractional integer", { lookbackHours: 1.5 }, "predictiveScaling.lookbackHours"],
    ["below the minimum", { forecastMinutes: 0 }, "predictiveScaling.forecastMinutes"],
    ["above the maximum", { confidenceThreshold: 1.2 }, "predictiveScaling.confidenceThreshold"],
    ["at an exclusive minimum", { quantile: 0.5 }, "predictiveScaling.quantile"],
    ["a string for a boolean", { enabled: "yes" }, "predictiveScaling.enabled"],
    ["an unknown key", { lookback: 24 }, "predictiveScaling.lookback"],
  ];
  for (const [name, doc, path] of bad) {
    it(`rejects ${name}, naming ${path}`, () => {
      const { issues } = read(doc);
      assert.equal(issues.length, 1, issues.join("; "));
      assert.ok(issues[0]?.startsWith(`${path}: `), issues[0] ?? "");
    });
  }
  it("its JSON schema carries the same bounds", () => {
    const s = jsonSchemaOf(PREDICTIVE_FIELDS) as { properties: Record<string, Record<string, unknown>> };
    assert.deepEqual(s.properties.quantile, {
      type: "number",
      description: PREDICTIVE_FIELDS.quantile.doc,
      exclusiveMinimum: 0.5,
      maximum: 0.999,
    });
    assert.equal(s.properties.lookbackHours?.type, "integer");
  });
});

describe("config fields: costOptimization", () => {
  const read = (v: unknown): { keys: string[]; issues: string[] } => {
    const r = new Reader();
    const section = readField(
      r,
      "businessRules.costOptimization",
      v,
      CONFIG_FIELDS.businessRules.fields.costOptimization,
    ) as Record<string, unknown>;
    return { keys: Object.keys(section), issues: r.issues.map((i) => `${i.path}: ${i.message}`) };
  };
  it("a field without a default stays absent when not given", () => {
    const { keys, issues } = read({ gpuHourlyPrices: {} });
    assert.deepEqual(issues, []);
    assert.ok(!keys.includes("maxHourlyCost"));
  });
  it("a zero budget is rejected, naming the field", () => {
    const { issues } = read({ maxHourlyCost: 0 });
    assert.equal(issues.length, 1);
    assert.ok(issues[0]?.startsWith("businessRules.costOptimization.maxHourlyCost: "), issues[0] ?? "");
  });
});

describe("config: business-hours holidays must exist in the calendar", () => {
  const cases: [holiday: string, ok: boolean][] = [
    ["2026-12-25", true],
    ["2028-02-29", true],
    ["2026-02-29", false],
    ["2026-02-30", false],
    ["2026-04-31", false],
    ["2026-13-01", false],
  ];
  for (const [holiday, ok] of cases) {
    it(`${holiday}: ${ok ? "accepted" : "rejected, naming the field"}`, () => {
      const parse = (): unknown =>
        configOf({ s: serviceDoc() }, { businessRules: { businessHours: { holidays: [holiday] } } });
      if (ok) assert.doesNotThrow(parse);
      else
        assert.throws(parse, (e: unknown) =>
          (e as Error).message.includes("businessRules.businessHours.holidays[0]: must be a date YYYY-MM-DD"),
        );
    });
  }
});

describe("config: a holiday error names the holiday's own index", () => {
  it("after an entry that fails its pattern, a date that does not exist is named at its index", () => {
    const issues = (): string[] => {
      try {
        configOf(
          { s: serviceDoc() },
          { businessRules: { businessHours: { holidays: ["25/12/2026", "2026-12-24", "2026-02-30"] } } },
        );
        return [];
      } catch (e) {
        return (e as Error).message.split("\n");
      }
    };
    const got = issues().filter((l) => l.includes("holidays"));
    assert.deepEqual(
      got.map((l) => l.split(":")[0]),
      ["businessRules.businessHours.holidays[0]", "businessRules.businessHours.holidays[2]"],
      got.join("\n"),
    );
    assert.match(
      got[1] ?? "",
      /holidays\[2\]: must be a date YYYY-MM-DD that exists in the calendar, got "2026-02-30"/,
    );
  });
});

describe("config fields: each kind reads, defaults and rejects, naming the path and the value", () => {
  const NAME = /^[a-z]+$/;
  const kinds: Record<string, Field> = {
    string: {
      type: "string",
      maxLength: 5,
      pattern: NAME,
      hint: "must be lower case",
      default: "abc",
      doc: "",
    },
    secret: {
      type: "string",
      pattern: /^https?:\/\/[^\s@]+$/,
      hint: "must be a URL without credentials",
      secret: true,
      doc: "",
    },
    enum: { type: "enum", values: ["a", "b"], default: "a", doc: "" },
    required: { type: "enum", values: ["a", "b"], required: "is required (a or b)", doc: "" },
    derived: { type: "number", max: 10, derived: "twice another field", doc: "" },
    list: { type: "list", items: { type: "enum", values: ["x", "y"], doc: "" }, default: ["x"], doc: "" },
    object: {
      type: "object",
      optional: true,
      fields: { n: { type: "number", min: 1, max: 2, default: 1, doc: "" } },
      doc: "",
    },
    record: {
      type: "record",
      entry: "thing",
      keyPattern: NAME,
      keyHint: "must be lower case",
      minEntries: 1,
      maxEntries: 2,
      values: { type: "number", integer: true, min: 0, max: 9, doc: "" },
      doc: "",
    },
  };
  const cases: [kind: string, input: unknown, want: unknown, issue?: string][] = [
    ["string", undefined, "abc"],
    ["string", "xyz", "xyz"],
    ["string", "Xyz", "abc", 'f: must be lower case, got "Xyz"'],
    ["string", "abcdef", "abc", "f: must be at most 5 characters, got 6"],
    ["string", "", "abc", "f: must not be empty"],
    ["string", 3, "abc", "f: must be a string, got 3"],
    ["secret", "http://u:pw@h/", undefined, 'f: must be a URL without credentials, got "http://***@h/"'],
    ["enum", undefined, "a"],
    ["enum", "c", "a", 'f: must be one of a, b, got "c"'],
    ["required", undefined, undefined, "f: is required (a or b)"],
    ["derived", undefined, undefined],
    ["derived", 4, 4],
    ["list", undefined, ["x"]],
    ["list", ["y", "z"], ["y"], 'f[1]: must be one of x, y, got "z"'],
    ["list", "x", [], 'f: must be a list, got "x"'],
    ["object", undefined, undefined],
    ["object", {}, { n: 1 }],
    ["object", { m: 1 }, { n: 1 }, "f.m: unknown key (allowed: n)"],
    ["object", { n: 3 }, { n: 1 }, "f.n: must be <= 2, got 3"],
    ["record", { a: 1 }, { a: 1 }],
    ["record", {}, {}, "f: must declare at least one thing"],
    ["record", { a: 1, b: 2, c: 3 }, { a: 1, b: 2, c: 3 }, "f: must declare at most 2 things, got 3"],
    ["record", { A: 1 }, { A: 1 }, 'f.A: thing name must be lower case, got "A"'],
    ["record", { a: 1.5 }, {}, "f.a: must be a whole number, got 1.5"],
  ];
  for (const [kind, input, want, issue] of cases) {
    it(`${kind}: ${JSON.stringify(input) ?? "absent"} -> ${JSON.stringify(want) ?? "absent"}${issue ? `, "${issue}"` : ""}`, () => {
      const r = new Reader();
      const got = readField(r, "f", input, kinds[kind] as Field);
      assert.deepEqual(got, want);
      assert.deepEqual(
        r.issues.map((i) => `${i.path}: ${i.message}`),
        issue ? [issue] : [],
      );
    });
  }
  it("JSON schema: a record states its key pattern, sizes and value range; a derived default is in the description", () => {
    assert.deepEqual(jsonSchemaOfField(kinds.record as Field), {
      type: "object",
      description: "",
      minProperties: 1,
      maxProperties: 2,
      patternProperties: { "^[a-z]+$": { type: "integer", description: "", minimum: 0, maximum: 9 } },
      additionalProperties: false,
    });
    assert.equal(jsonSchemaOfField(kinds.derived as Field).description, " Default: twice another field.");
    assert.deepEqual(jsonSchemaOfField(kinds.list as Field), {
      type: "array",
      description: "",
      items: { type: "string", enum: ["x", "y"] },
    });
  });
});
