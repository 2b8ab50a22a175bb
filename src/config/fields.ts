// Every config field the scaler reads, declared once: name, type, default (or how the default
// follows from other fields), range and doc. From these declarations come the parsed config's
// TypeScript types (`SectionOf`), the validator (`readFields`), the chart's values.schema.json
// (`jsonSchemaOf`, written by scripts/chart-readme.ts) and the chart README's values table. Rules
// that relate fields to each other run after reading, in schema.ts.

import { join, show, type Reader } from "./read.ts";

interface Described {
  readonly doc: string;
  /** How the default follows from other fields (the parser computes it): the field has no fixed default. */
  readonly derived?: string;
  /** Absent is an error; the text is the message ("is required ..."). */
  readonly required?: string;
  /** May be absent from the parsed config (a section not configured, a derivation that yields nothing). */
  readonly optional?: boolean;
}

export interface NumberField extends Described {
  readonly type: "number";
  readonly default?: number;
  readonly integer?: boolean;
  readonly min?: number;
  /** Exclusive lower bound. */
  readonly above?: number;
  readonly max: number;
}

export interface BooleanField extends Described {
  readonly type: "boolean";
  readonly default?: boolean;
}

export interface StringField extends Described {
  readonly type: "string";
  readonly default?: string;
  readonly maxLength?: number;
  readonly pattern?: RegExp;
  /** What the pattern asks for, in words (the error message). */
  readonly hint?: string;
  /**
   * The value may carry a credential (a URL's user:password@): every message and log line shows it
   * with the userinfo replaced by *** (see redact.ts), and the README says so.
   */
  readonly secret?: boolean;
  /** A check the pattern cannot express: the problem in words ("must ..."), or undefined when none. */
  readonly check?: (value: string) => string | undefined;
}

export interface EnumField extends Described {
  readonly type: "enum";
  readonly values: readonly string[];
  readonly default?: string;
}

export interface ListField extends Described {
  readonly type: "list";
  readonly items: StringField | EnumField;
  readonly default: readonly string[];
}

/** A nested section; an `optional` one absent from the input is absent from the parsed config. */
export interface ObjectField extends Described {
  readonly type: "object";
  readonly fields: Fields;
}

/** A map from names the user chooses to values of one kind. */
export interface RecordField extends Described {
  readonly type: "record";
  /** What one entry is called in messages ("service", "trigger", "GPU type"). */
  readonly entry: string;
  readonly keyPattern: RegExp;
  readonly keyHint: string;
  readonly values: NumberField | ObjectField;
  readonly minEntries?: number;
  readonly maxEntries?: number;
}

export type Field =
  NumberField | BooleanField | StringField | EnumField | ListField | ObjectField | RecordField;
export type Fields = Readonly<Record<string, Field>>;

type ItemOf<F> = F extends EnumField ? F["values"][number] : string;
export type ValueOf<F extends Field> = F extends NumberField
  ? number
  : F extends BooleanField
    ? boolean
    : F extends EnumField
      ? F["values"][number]
      : F extends StringField
        ? string
        : F extends ListField
          ? readonly ItemOf<F["items"]>[]
          : F extends ObjectField
            ? SectionOf<F["fields"]>
            : F extends RecordField
              ? Readonly<Record<string, ValueOf<F["values"]>>>
              : never;

/** Present in the parsed config whatever the input: a default, a derivation, required, or a section or map. */
type Always<F extends Field> = F extends { readonly optional: true }
  ? false
  : F extends { readonly type: "object" | "record" | "list" }
    ? true
    : F extends { readonly default: unknown }
      ? true
      : F extends { readonly derived: string }
        ? true
        : F extends { readonly required: string }
          ? true
          : false;

/** The parsed section: each field by name, with its value's type; optional where it may be absent. */
export type SectionOf<F extends Fields> = {
  readonly [K in keyof F as Always<F[K]> extends true ? K : never]: ValueOf<F[K]>;
} & {
  readonly [K in keyof F as Always<F[K]> extends true ? never : K]?: ValueOf<F[K]>;
};

/**
 * What the reader returns, before the parser fills in derived defaults: a derived or required field
 * may be absent (a required one when the input lacks it, an error already recorded).
 */
type Read<F extends Field> = F extends { readonly derived: string }
  ? false
  : F extends { readonly required: string }
    ? false
    : Always<F>;
export type ReadOf<F extends Fields> = {
  readonly [K in keyof F as Read<F[K]> extends true ? K : never]: ReadValueOf<F[K]>;
} & {
  readonly [K in keyof F as Read<F[K]> extends true ? never : K]?: ReadValueOf<F[K]>;
};
type ReadValueOf<F extends Field> = F extends ObjectField
  ? ReadOf<F["fields"]>
  : F extends RecordField
    ? F["values"] extends ObjectField
      ? Readonly<Record<string, ReadOf<F["values"]["fields"]>>>
      : Readonly<Record<string, number>>
    : ValueOf<F>;

function numOpts(f: NumberField): { min?: number; above?: number; max: number; integer?: boolean } {
  return {
    max: f.max,
    ...(f.min !== undefined ? { min: f.min } : {}),
    ...(f.above !== undefined ? { above: f.above } : {}),
    ...(f.integer === true ? { integer: true } : {}),
  };
}

function absent(r: Reader, path: string, f: Field): unknown {
  if (f.required !== undefined) return r.fail(path, f.required);
  return "default" in f ? f.default : undefined;
}

function readString(r: Reader, path: string, v: unknown, f: StringField): string | undefined {
  const s = r.reqStr(path, v, {
    ...(f.maxLength !== undefined ? { maxLength: f.maxLength } : {}),
    ...(f.pattern ? { pattern: f.pattern } : {}),
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
  });
  const problem = s === undefined ? undefined : f.check?.(s);
  return problem === undefined ? s : r.fail(path, `${problem}, got ${show(s)}`);
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not, though Date.parse rolls it over). */
function calendarDateProblem(s: string): string | undefined {
  const t = Date.parse(`${s}T00:00:00Z`);
  const exists = !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
  return exists ? undefined : "must be a date YYYY-MM-DD that exists in the calendar";
}

function readRecord(r: Reader, path: string, v: unknown, f: RecordField): Record<string, unknown> {
  const o = r.optObj(path, v);
  const n = Object.keys(o).length;
  if (f.minEntries !== undefined && n < f.minEntries)
    r.fail(path, `must declare at least ${f.minEntries === 1 ? "one" : f.minEntries} ${f.entry}`);
  if (f.maxEntries !== undefined && n > f.maxEntries)
    r.fail(path, `must declare at most ${f.maxEntries} ${f.entry}s, got ${n}`);
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(o)) {
    if (!f.keyPattern.test(k)) r.fail(join(path, k), `${f.entry} name ${f.keyHint}, got ${show(k)}`);
    const read = readField(r, join(path, k), val, f.values);
    if (read !== undefined) out[k] = read;
  }
  return out;
}

/** Reads one field's value (undefined: absent without a default, or invalid, recorded in `r`). */
export function readField(r: Reader, path: string, v: unknown, f: Field): unknown {
  if (v === undefined && f.type !== "object" && f.type !== "record") return absent(r, path, f);
  switch (f.type) {
    case "number":
      return r.reqNum(path, v, numOpts(f)) ?? f.default;
    case "boolean":
      return r.bool(path, v, f.default ?? false);
    case "string":
      return readString(r, path, v, f) ?? f.default;
    case "enum":
      if (typeof v !== "string" || !f.values.includes(v))
        return r.fail(path, `must be one of ${f.values.join(", ")}, got ${show(v)}`) ?? f.default;
      return v;
    case "list":
      return r
        .list(path, v)
        .map((x, i) => readField(r, join(path, i), x, f.items))
        .filter((x) => x !== undefined);
    case "object":
      if (v === undefined && f.optional === true) return undefined;
      return readFields(r, path, r.optObj(path, v, Object.keys(f.fields)), f.fields);
    case "record":
      return readRecord(r, path, v, f);
  }
}

/** Reads the declared fields of an object whose keys the caller has already checked. */
export function readFields<F extends Fields>(
  r: Reader,
  path: string,
  raw: Readonly<Record<string, unknown>>,
  fields: F,
): ReadOf<F> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const v = readField(r, join(path, name), raw[name], f);
    if (v !== undefined) out[name] = v;
  }
  return out as ReadOf<F>;
}

/** A field's JSON schema (draft-07), for the chart's values.schema.json. */
export function jsonSchemaOfField(f: Field): Record<string, unknown> {
  const description = { description: f.derived !== undefined ? `${f.doc} Default: ${f.derived}.` : f.doc };
  switch (f.type) {
    case "number":
      return {
        type: f.integer === true ? "integer" : "number",
        ...description,
        ...(f.min !== undefined ? { minimum: f.min } : {}),
        ...(f.above !== undefined ? { exclusiveMinimum: f.above } : {}),
        maximum: f.max,
      };
    case "boolean":
      return { type: "boolean", ...description };
    case "string":
      return {
        type: "string",
        ...description,
        minLength: 1,
        maxLength: f.maxLength ?? 4096,
        ...(f.pattern ? { pattern: f.pattern.source.replace(/\\\//g, "/") } : {}),
      };
    case "enum":
      return { type: "string", ...description, enum: [...f.values] };
    case "list":
      return { type: "array", ...description, items: stripDescription(jsonSchemaOfField(f.items)) };
    case "object":
      return { ...jsonSchemaOf(f.fields), ...description };
    case "record":
      return {
        type: "object",
        ...description,
        ...(f.minEntries !== undefined ? { minProperties: f.minEntries } : {}),
        ...(f.maxEntries !== undefined ? { maxProperties: f.maxEntries } : {}),
        propertyNames: { pattern: f.keyPattern.source },
        additionalProperties: jsonSchemaOfField(f.values),
      };
  }
}

function stripDescription(s: Record<string, unknown>): Record<string, unknown> {
  const { description: _, ...rest } = s;
  return rest;
}

/** The section as JSON schema (draft-07): unknown keys rejected. */
export function jsonSchemaOf(fields: Fields): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) properties[name] = jsonSchemaOfField(f);
  return { type: "object", additionalProperties: false, properties };
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
export const NAME_HINT = "must start with a letter and hold only letters, digits, '-' or '_' (at most 63)";
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const HTTP_URL = /^https?:\/\/\S+$/;
export const MAX_REPLICAS = 10_000;
/** Limits on a config's size, so that a mistaken file cannot exhaust memory or the loop. */
export const MAX_SERVICES = 5000;

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** server.tls: the gRPC port's certificate; see src/service/tls-reload.ts for renewals. */
export const TLS_FIELDS = {
  certFile: {
    type: "string",
    maxLength: 1024,
    required: "is required",
    doc: "PEM certificate (chain) the gRPC port presents.",
  },
  keyFile: { type: "string", maxLength: 1024, required: "is required", doc: "PEM private key of certFile." },
  caFile: {
    type: "string",
    maxLength: 1024,
    doc: "PEM CA certificates that sign the client certificates KEDA presents.",
  },
  requireClientCert: {
    type: "boolean",
    derived: "true when caFile is set",
    doc: "Require KEDA to present a client certificate signed by the CA in caFile (mutual TLS).",
  },
  reloadCheckSeconds: {
    type: "number",
    min: 1,
    max: 3600,
    default: 30,
    doc: "Seconds between checks of the files for a renewed certificate (a change the file system reports is read at once).",
  },
} as const satisfies Fields;

/** server: where the scaler listens. */
export const SERVER_FIELDS = {
  bindAddress: {
    type: "string",
    maxLength: 64,
    default: "0.0.0.0",
    doc: "IP address both ports bind to (0.0.0.0 for every IPv4 interface, :: for every one).",
  },
  grpcPort: {
    type: "number",
    integer: true,
    min: 0,
    max: 65535,
    default: 9090,
    doc: "gRPC port KEDA connects to.",
  },
  httpPort: {
    type: "number",
    integer: true,
    min: 0,
    max: 65535,
    default: 8080,
    doc: "HTTP port for /metrics, /healthz, /readyz and /api/v1.",
  },
  httpMaxConnections: {
    type: "number",
    integer: true,
    min: 1,
    max: 10_000,
    default: 64,
    doc: "Open HTTP connections beyond this are refused, so HTTP clients cannot take gRPC's descriptors.",
  },
  tls: {
    type: "object",
    optional: true,
    fields: TLS_FIELDS,
    doc: "Serve gRPC over TLS (absent: plaintext, logged at start-up).",
  },
} as const satisfies Fields;

const TIMEOUT = { type: "number", above: 0, max: 120, default: 5 } as const;

/** sources.prometheus. */
export const PROMETHEUS_FIELDS = {
  url: {
    type: "string",
    pattern: HTTP_URL,
    hint: "must be an http(s) URL",
    secret: true,
    default: "http://prometheus-operated.monitoring:9090",
    doc: "Prometheus HTTP API the scaler queries (live values and history).",
  },
  timeoutSeconds: { ...TIMEOUT, doc: "Query timeout in seconds." },
  maxConcurrency: {
    type: "number",
    integer: true,
    min: 1,
    max: 256,
    default: 16,
    doc: "Queries in flight at once.",
  },
} as const satisfies Fields;

/** sources.rabbitmq. */
export const RABBITMQ_FIELDS = {
  managementUrl: {
    type: "string",
    pattern: /^https?:\/\/[^\s@]+$/,
    hint: "must be an http(s) URL and must not embed credentials (use usernameFile/passwordFile or usernameEnv/passwordEnv)",
    default: "http://rabbitmq.default:15672",
    doc: "RabbitMQ management API (queue depth, publish rate).",
  },
  amqpUrl: {
    type: "string",
    pattern: /^amqps?:\/\/[^\s@/]+(:\d+)?\/?$/,
    hint: "must be amqp://host[:port] or amqps://host[:port], without credentials or vhost",
    doc: "AMQP URL without credentials; when set, ready messages are read by passive declare (immediate).",
  },
  timeoutSeconds: { ...TIMEOUT, doc: "Management API request timeout in seconds." },
  usernameFile: { type: "string", maxLength: 1024, doc: "File holding the RabbitMQ username." },
  passwordFile: { type: "string", maxLength: 1024, doc: "File holding the RabbitMQ password." },
  usernameEnv: {
    type: "string",
    maxLength: 1024,
    doc: "Environment variable holding the RabbitMQ username.",
  },
  passwordEnv: {
    type: "string",
    maxLength: 1024,
    doc: "Environment variable holding the RabbitMQ password.",
  },
} as const satisfies Fields;

export const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/** sources.kubernetes: ready and current replicas from the API instead of kube-state-metrics. */
export const KUBERNETES_FIELDS = {
  url: {
    type: "string",
    pattern: HTTP_URL,
    hint: "must be an http(s) URL (https for the API server, http for kubectl proxy)",
    default: "https://kubernetes.default.svc",
    doc: "Kubernetes API server (or kubectl proxy).",
  },
  tokenFile: {
    type: "string",
    maxLength: 1024,
    default: `${SERVICE_ACCOUNT}/token`,
    doc: "Bearer token file.",
  },
  caFile: {
    type: "string",
    maxLength: 1024,
    optional: true,
    derived: `${SERVICE_ACCOUNT}/ca.crt for an https url, none for http`,
    doc: "The API server's CA.",
  },
  timeoutSeconds: { ...TIMEOUT, doc: "API request timeout in seconds." },
} as const satisfies Fields;

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

/** businessRules.costOptimization. */
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
  gpuHourlyPrices: {
    type: "record",
    entry: "GPU type",
    keyPattern: NAME,
    keyHint: NAME_HINT,
    values: { type: "number", min: 0, max: 1e6, doc: "USD per GPU-hour." },
    doc: "USD per GPU-hour by GPU type, merged over built-in list prices.",
  },
} as const satisfies Fields;

/** sources: the signal sources, how often they are read and how old a reading may be. */
export const SOURCES_FIELDS = {
  prometheus: {
    type: "object",
    optional: true,
    fields: PROMETHEUS_FIELDS,
    doc: "Prometheus (required when a service has a prometheus trigger; it also gives forecasts their history).",
  },
  rabbitmq: {
    type: "object",
    optional: true,
    fields: RABBITMQ_FIELDS,
    doc: "RabbitMQ (required when a service has a rabbitmq trigger).",
  },
  kubernetes: {
    type: "object",
    optional: true,
    fields: KUBERNETES_FIELDS,
    doc: "Read ready and current replicas from the Kubernetes API (one LIST per namespace and kind per refresh) instead of kube-state-metrics through Prometheus.",
  },
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

/** businessRules.businessHours. */
export const BUSINESS_HOURS_FIELDS = {
  enabled: {
    type: "boolean",
    default: false,
    doc: "Raise the floor inside business hours (and before they open).",
  },
  timezone: { type: "string", maxLength: 64, default: "UTC", doc: "IANA time zone." },
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
  days: {
    type: "list",
    items: { type: "enum", values: DAY_NAMES, doc: "A day of the week." },
    default: ["mon", "tue", "wed", "thu", "fri"],
    doc: "Business days.",
  },
  holidays: {
    type: "list",
    items: {
      type: "string",
      pattern: /^\d{4}-\d{2}-\d{2}$/,
      hint: "must be a date YYYY-MM-DD",
      check: calendarDateProblem,
      doc: "A local date.",
    },
    default: [],
    doc: "Local dates (YYYY-MM-DD) without business hours.",
  },
} as const satisfies Fields;

/** businessRules. */
export const BUSINESS_RULES_FIELDS = {
  businessHours: { type: "object", fields: BUSINESS_HOURS_FIELDS, doc: "A higher floor in business hours." },
  costOptimization: {
    type: "object",
    fields: COST_FIELDS,
    doc: "Prices, spot capacity and the hourly budget.",
  },
  gpuQuotas: {
    type: "record",
    entry: "GPU type",
    keyPattern: NAME,
    keyHint: NAME_HINT,
    values: { type: "number", integer: true, min: 0, max: 1e6, doc: "GPUs." },
    doc: "Maximum GPUs per GPU type across services, e.g. {nvidia-a100: 8}.",
  },
} as const satisfies Fields;

/** services.<name>.triggers.<name>: one signal. */
export const TRIGGER_FIELDS = {
  source: {
    type: "enum",
    values: ["prometheus", "rabbitmq"],
    required: "is required (prometheus or rabbitmq)",
    doc: "Where the signal is read.",
  },
  query: { type: "string", maxLength: 8192, doc: "PromQL of the signal (prometheus triggers)." },
  historyQuery: {
    type: "string",
    maxLength: 8192,
    derived: "query",
    doc: "PromQL giving the signal's history for forecasts; lets a RabbitMQ load signal be forecast from its exporter.",
  },
  queue: { type: "string", maxLength: 255, doc: "Queue name (rabbitmq triggers)." },
  vhost: { type: "string", maxLength: 255, default: "/", doc: "RabbitMQ virtual host of the queue." },
  metric: {
    type: "enum",
    values: ["messages", "messages_ready", "publish_rate"],
    default: "messages",
    doc: "What a rabbitmq trigger reads: messages (ready + unacknowledged), messages_ready, or publish_rate.",
  },
  target: {
    type: "number",
    above: 0,
    max: 1e12,
    required: "is required",
    doc: "Per-replica target: load per replica for extensive signals, the wanted level for intensive ones.",
  },
  kind: {
    type: "enum",
    values: ["extensive", "intensive"],
    required:
      "is required: extensive (queue length, request or token rate) or intensive (latency, utilisation)",
    doc: "extensive: a load that adds up across replicas; intensive: a level such as latency or utilisation.",
  },
  arrival: {
    type: "boolean",
    derived: "true for rabbitmq triggers, false for prometheus",
    doc: "The signal counts demand arriving from outside the service's pods (a queue, a gateway's request rate), so it exists while the service runs no pod.",
  },
} as const satisfies Fields;

/** services.<name>.workload: the object KEDA scales (any kind with a /scale subresource). */
export const WORKLOAD_FIELDS = {
  kind: {
    type: "string",
    maxLength: 63,
    pattern: /^[A-Z][A-Za-z0-9]*$/,
    hint: "must be a Kubernetes kind such as Deployment, StatefulSet, Rollout or LeaderWorkerSet",
    default: "Deployment",
    doc: "Kind of the workload; ready replicas come from kube-state-metrics or the API only for Deployment and StatefulSet.",
  },
  name: {
    type: "string",
    maxLength: 253,
    pattern: K8S_NAME,
    hint: "must be a Kubernetes object name (lower case, digits, '-', '.')",
    derived: "the service name in kebab case",
    doc: "Name of the workload.",
  },
  namespace: {
    type: "string",
    maxLength: 63,
    pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    hint: "must be a Kubernetes namespace name (lower case, digits, '-')",
    default: "default",
    doc: "Namespace of the workload.",
  },
} as const satisfies Fields;

/** services.<name>.resources: one replica's resources, for cost and GPU quotas. */
export const RESOURCES_FIELDS = {
  gpusPerReplica: { type: "number", integer: true, min: 0, max: 64, default: 0, doc: "GPUs per replica." },
  gpuType: {
    type: "string",
    maxLength: 63,
    pattern: NAME,
    hint: NAME_HINT,
    doc: "GPU type (a key of gpuHourlyPrices); required when gpusPerReplica > 0.",
  },
  cpu: { type: "number", min: 0, max: 1024, default: 1, doc: "vCPUs per replica." },
  memoryGiB: { type: "number", min: 0, max: 16384, default: 2, doc: "GiB of memory per replica." },
} as const satisfies Fields;

/** services.<name>: one scaled workload. */
export const SERVICE_FIELDS = {
  enabled: { type: "boolean", default: true, doc: "Scale this service." },
  workload: { type: "object", fields: WORKLOAD_FIELDS, doc: "The workload KEDA scales." },
  minReplicas: {
    type: "number",
    integer: true,
    min: 0,
    max: MAX_REPLICAS,
    default: 1,
    doc: "Minimum replicas; 0 lets the service scale to zero when idle.",
  },
  maxReplicas: {
    type: "number",
    integer: true,
    min: 1,
    max: MAX_REPLICAS,
    derived: "max(10, minReplicas)",
    doc: "Maximum replicas.",
  },
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
    optional: true,
    derived: "the load signal's target (none without a load signal)",
    doc: "Load one ready replica serves.",
  },
  podStartupSeconds: {
    type: "number",
    min: 0,
    max: 3600,
    derived: "180 when resources.gpusPerReplica > 0, else 30",
    doc: "Seconds a new pod needs before it serves.",
  },
  loadSignal: {
    type: "string",
    maxLength: 63,
    optional: true,
    derived: "the first extensive trigger (none: no predictive scaling)",
    doc: "The extensive trigger whose signal is forecast.",
  },
  resources: { type: "object", fields: RESOURCES_FIELDS, doc: "Per-replica resources, for cost." },
  preferSpotInstances: {
    type: "boolean",
    derived: "businessRules.costOptimization.preferSpotInstances",
    doc: "Expect replicas on spot capacity.",
  },
  spotShare: {
    type: "number",
    min: 0,
    max: 1,
    default: 1,
    doc: "Share of replicas on spot capacity when spot is preferred.",
  },
  predictive: { type: "boolean", default: true, doc: "Let forecasts raise this service's floor." },
  readyReplicasQuery: {
    type: "string",
    maxLength: 8192,
    derived: "kube-state-metrics' ready replicas of a Deployment or StatefulSet (required for other kinds)",
    doc: "PromQL giving the workload's ready replicas.",
  },
  triggers: {
    type: "record",
    entry: "trigger",
    keyPattern: NAME,
    keyHint: NAME_HINT,
    minEntries: 1,
    values: { type: "object", fields: TRIGGER_FIELDS, doc: "One signal." },
    doc: "The service's signals, by name.",
  },
} as const satisfies Fields;

/** The whole config document. */
export const CONFIG_FIELDS = {
  logLevel: { type: "enum", values: LOG_LEVELS, default: "info", doc: "debug | info | warn | error." },
  server: { type: "object", fields: SERVER_FIELDS, doc: "Where the scaler listens." },
  sources: { type: "object", fields: SOURCES_FIELDS, doc: "Signal sources." },
  predictiveScaling: { type: "object", fields: PREDICTIVE_FIELDS, doc: "Forecasts." },
  businessRules: {
    type: "object",
    fields: BUSINESS_RULES_FIELDS,
    doc: "Business hours, cost and GPU quotas.",
  },
  services: {
    type: "record",
    entry: "service",
    keyPattern: NAME,
    keyHint: NAME_HINT,
    minEntries: 1,
    maxEntries: MAX_SERVICES,
    values: { type: "object", fields: SERVICE_FIELDS, doc: "One scaled workload." },
    doc: "Services to scale, by name.",
  },
} as const satisfies Fields;
