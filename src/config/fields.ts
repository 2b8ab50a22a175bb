// Config sections declared once: each field's type, default, range and doc. From one declaration
// come the section's TypeScript type (`SectionOf`), its validator (`readSection`), its part of the
// chart's values.schema.json (`jsonSchemaOf`, written by scripts/chart-readme.ts), and the doc the
// chart's values.yaml comment must match (a test compares them). Sections whose fields depend on
// each other add their cross-field rules after `readSection`.

import { join, type Reader } from "./read.ts";

export interface NumberField {
  readonly type: "number";
  /** Absent: the field is optional and has no default. */
  readonly default?: number;
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

type ValueOf<F extends Field> = F extends NumberField ? number : boolean;
type Optional<F extends Field> = F extends { readonly default: unknown } ? false : true;

/** The parsed section: numbers and booleans by field name; a number without a default is optional. */
export type SectionOf<F extends Fields> = {
  readonly [K in keyof F as Optional<F[K]> extends true ? never : K]: ValueOf<F[K]>;
} & {
  readonly [K in keyof F as Optional<F[K]> extends true ? K : never]?: ValueOf<F[K]>;
};

/**
 * Validates one section: unknown keys, types and ranges, each problem named by its path.
 * `extraKeys` are allowed but read by the caller (fields with rules of their own), from `raw`.
 */
export function readSectionWith<F extends Fields>(
  r: Reader,
  path: string,
  v: unknown,
  fields: F,
  extraKeys: readonly string[],
): { readonly section: SectionOf<F>; readonly raw: Readonly<Record<string, unknown>> } {
  const raw = r.optObj(path, v, [...Object.keys(fields), ...extraKeys]);
  return { section: readFields(r, path, raw, fields), raw };
}

/** Reads the declared fields of an object whose keys the caller has already checked. */
export function readFields<F extends Fields>(
  r: Reader,
  path: string,
  raw: Readonly<Record<string, unknown>>,
  fields: F,
): SectionOf<F> {
  const out: Record<string, number | boolean> = {};
  for (const [name, f] of Object.entries(fields)) {
    const p = join(path, name);
    if (f.type === "boolean") {
      out[name] = r.bool(p, raw[name], f.default);
      continue;
    }
    const opts = {
      max: f.max,
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.above !== undefined ? { above: f.above } : {}),
      ...(f.integer === true ? { integer: true } : {}),
    };
    const n = f.default === undefined ? r.optNum(p, raw[name], opts) : r.num(p, raw[name], f.default, opts);
    if (n !== undefined) out[name] = n;
  }
  return out as SectionOf<F>;
}

export function readSection<F extends Fields>(r: Reader, path: string, v: unknown, fields: F): SectionOf<F> {
  return readSectionWith(r, path, v, fields, []).section;
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
    doc: "Quantile of the forecast's upper band on metrics, dashboards and the API (the planner picks its own quantile from violatingMinuteCost).",
  },
  violatingMinuteCost: {
    type: "number",
    min: 0,
    max: 1e6,
    default: 1,
    doc: "USD one SLO-violating minute of a service costs. Against a replica's hourly price it sets the forecast quantile the planner starts pods for (the newsvendor ratio; cheap replicas plan for a higher quantile).",
  },
  refreshSeconds: { type: "number", min: 5, max: 3600, default: 60, doc: "Seconds between forecast refits." },
} as const satisfies Fields;

/** businessRules.costOptimization (gpuHourlyPrices, a map merged over list prices, is read apart). */
export const COST_FIELDS = {
  enabled: { type: "boolean", default: false, doc: "Enforce maxHourlyCost across services." },
  maxHourlyCost: {
    type: "number",
    above: 0,
    max: 1e9,
    doc: "Hourly budget in USD for all services together.",
  },
  preferSpotInstances: {
    type: "boolean",
    default: false,
    doc: "Default for services: expect replicas on spot capacity (a service's own preferSpotInstances overrides it; vllmService sets true).",
  },
  spotDiscountPercentage: {
    type: "number",
    min: 0,
    max: 95,
    default: 70,
    doc: "Spot price = on-demand x (1 - spotDiscountPercentage / 100); 70 means spot costs 30%.",
  },
  cpuHourlyPrice: { type: "number", min: 0, max: 1000, default: 0.04, doc: "USD per vCPU-hour." },
  memoryGiBHourlyPrice: {
    type: "number",
    min: 0,
    max: 1000,
    default: 0.005,
    doc: "USD per GiB-hour of memory.",
  },
} as const satisfies Fields;

/** sources: how often signals are read and how old a reading may be (the sources themselves apart). */
export const SOURCE_TIMING_FIELDS = {
  refreshSeconds: { type: "number", min: 1, max: 300, default: 5, doc: "Seconds between signal refreshes." },
  staleAfterSeconds: {
    type: "number",
    min: 1,
    max: 3600,
    default: 30,
    doc: "A reading older than this is used but marked stale.",
  },
  maxStalenessSeconds: {
    type: "number",
    min: 1,
    max: 86_400,
    default: 300,
    doc: "A reading older than this is not used: the service's scaler calls fail and KEDA's fallback applies.",
  },
} as const satisfies Fields;

/** businessRules.businessHours (timezone, days and holidays, which need rules of their own, apart). */
export const BUSINESS_HOURS_FIELDS = {
  enabled: {
    type: "boolean",
    default: false,
    doc: "Raise the floor inside business hours (and before they open).",
  },
  startHour: {
    type: "number",
    integer: true,
    min: 0,
    max: 23,
    default: 8,
    doc: "First business hour (0-23).",
  },
  endHour: {
    type: "number",
    integer: true,
    min: 1,
    max: 24,
    default: 18,
    doc: "Hour business ends (1-24, exclusive).",
  },
  preScaleMinutes: {
    type: "number",
    integer: true,
    min: 0,
    max: 720,
    default: 30,
    doc: "Minutes before opening when the floor is already raised.",
  },
  multiplier: {
    type: "number",
    min: 1,
    max: 100,
    default: 1.5,
    doc: "Floor = ceil(multiplier x max(minReplicas, 1)) unless a service sets businessHoursMinReplicas.",
  },
} as const satisfies Fields;

/**
 * services.<name>: the fields with fixed defaults and ranges. minReplicas, maxReplicas,
 * podStartupSeconds and preferSpotInstances have defaults that depend on other fields, and
 * workload, resources, loadSignal and triggers have rules of their own (schema.ts).
 */
export const SERVICE_FIELDS = {
  businessHoursMinReplicas: {
    type: "number",
    integer: true,
    min: 0,
    max: 10_000,
    doc: "Floor inside business hours (otherwise ceil(multiplier x max(minReplicas, 1))).",
  },
  priority: {
    type: "number",
    integer: true,
    min: 0,
    max: 1000,
    default: 50,
    doc: "Budget priority: higher is trimmed last.",
  },
  scaleToZeroAfterMinutes: {
    type: "number",
    min: 1,
    max: 10_080,
    default: 15,
    doc: "Idle minutes before scaling to zero (minReplicas 0 only).",
  },
  activationLoad: {
    type: "number",
    min: 0,
    max: 1e12,
    default: 0,
    doc: "Load at or below which the service counts as idle.",
  },
  capacityPerReplica: {
    type: "number",
    above: 0,
    max: 1e12,
    doc: "Load one ready replica serves (defaults to the load trigger's target).",
  },
  spotShare: {
    type: "number",
    min: 0,
    max: 1,
    default: 1,
    doc: "Share of replicas on spot capacity when spot is preferred.",
  },
  predictive: { type: "boolean", default: true, doc: "Let forecasts raise this service's floor." },
} as const satisfies Fields;
