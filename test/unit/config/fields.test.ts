// A section declared once: its validator reads defaults, rejects what its ranges exclude naming the
// field, and its JSON schema states the same ranges.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  COST_FIELDS,
  jsonSchemaOf,
  PREDICTIVE_FIELDS,
  readSection,
  readSectionWith,
} from "../../../src/config/fields.ts";
import { Reader } from "../../../src/config/read.ts";
import { configOf, serviceDoc } from "../helpers.ts";

const read = (v: unknown): { value: ReturnType<typeof readSection>; issues: string[] } => {
  const r = new Reader();
  const value = readSection(r, "predictiveScaling", v, PREDICTIVE_FIELDS);
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
    const { section } = readSectionWith(r, "businessRules.costOptimization", v, COST_FIELDS, [
      "gpuHourlyPrices",
    ]);
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
