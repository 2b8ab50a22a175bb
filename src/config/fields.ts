// Config sections declared once: each field's type, default, range and doc. From one declaration
// come the section's TypeScript type (`SectionOf`), its validator (`readSection`), its part of the
// chart's values.schema.json (`jsonSchemaOf`, written by scripts/chart-readme.ts), and the doc the
// chart's values.yaml comment must match (a test compares them). Sections whose fields depend on
// each other add their cross-field rules after `readSection`.

import { join, type Reader } from "./read.ts";

export interface NumberField {
  readonly type: "number";
  readonly default: number;
  readonly integer?: boolean;
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  readonly max: number;
  readonly doc: string;
}

export interface BooleanField {
  readonly type: "boolean";
  readonly default: boolean;
  readonly doc: string;
}

export type Field = NumberField | BooleanField;
export type Fields = Readonly<Record<string, Field>>;

/** The parsed section: numbers and booleans by field name. */
export type SectionOf<F extends Fields> = {
  readonly [K in keyof F]: F[K] extends NumberField ? number : boolean;
};

/** Validates one section: unknown keys, types and ranges, each problem named by its path. */
export function readSection<F extends Fields>(r: Reader, path: string, v: unknown, fields: F): SectionOf<F> {
  const o = r.optObj(path, v, Object.keys(fields));
  const out: Record<string, number | boolean> = {};
  for (const [name, f] of Object.entries(fields)) {
    const p = join(path, name);
    out[name] =
      f.type === "boolean"
        ? r.bool(p, o[name], f.default)
        : r.num(p, o[name], f.default, {
            max: f.max,
            ...(f.min !== undefined ? { min: f.min } : {}),
            ...(f.above !== undefined ? { above: f.above } : {}),
            ...(f.integer === true ? { integer: true } : {}),
          });
  }
  return out as SectionOf<F>;
}

/** The section as JSON schema (draft-07), for the chart's values.schema.json. */
export function jsonSchemaOf(fields: Fields): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    properties[name] =
      f.type === "boolean"
        ? { type: "boolean", description: f.doc }
        : {
            type: f.integer === true ? "integer" : "number",
            description: f.doc,
            ...(f.min !== undefined ? { minimum: f.min } : {}),
            ...(f.above !== undefined ? { exclusiveMinimum: f.above } : {}),
            maximum: f.max,
          };
  }
  return { type: "object", additionalProperties: false, properties };
}

/** predictiveScaling: how forecasts are made and whether they act. */
export const PREDICTIVE_FIELDS = {
  enabled: { type: "boolean", default: true, doc: "Forecast each service's load and scale ahead of it." },
  lookbackHours: {
    type: "number",
    integer: true,
    min: 1,
    max: 24 * 90,
    default: 168,
    doc: "Hours of history per forecast.",
  },
  forecastMinutes: {
    type: "number",
    integer: true,
    min: 1,
    max: 1440,
    default: 30,
    doc: "Forecast horizon in minutes.",
  },
  confidenceThreshold: {
    type: "number",
    min: 0,
    max: 1,
    default: 0.7,
    doc: "Minimum forecast confidence (0..1) for the forecast to act.",
  },
  enableProactiveScaling: {
    type: "boolean",
    default: true,
    doc: "false = forecast-only: forecasts are computed and exported, never acted upon.",
  },
  scaleAheadMinutes: {
    type: "number",
    integer: true,
    min: 0,
    max: 1440,
    default: 15,
    doc: "Minutes ahead (beyond pod start-up) the forecast covers.",
  },
  quantile: {
    type: "number",
    above: 0.5,
    max: 0.999,
    default: 0.95,
    doc: "Quantile of the forecast that sizes the predictive floor.",
  },
  refreshSeconds: { type: "number", min: 5, max: 3600, default: 60, doc: "Seconds between forecast refits." },
} as const satisfies Fields;
