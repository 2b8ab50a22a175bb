// Every config field the scaler reads, declared once: name, type, default (or how the default
// follows from other fields), range and doc. From these declarations come the parsed config's
// TypeScript types (`SectionOf`), the validator (`readFields`), the chart's values.schema.json
// (`jsonSchemaOf`, written by scripts/chart-readme.ts) and the chart README's values table. Rules
// that relate fields to each other run after reading, in schema.ts.

import { SHIPPED_PROFILE_IDS } from "../llm/shipped-ids.ts";
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
  /** Names that differ only in letter case are one entry (HTTP header names): both are an error. */
  readonly caseInsensitive?: boolean;
  /** Names no entry may take, in any letter case, with the reason (the error message). */
  readonly reservedKeys?: { readonly names: readonly string[]; readonly hint: string };
  readonly values: NumberField | StringField | ObjectField;
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
      : Readonly<Record<string, ValueOf<F["values"]>>>
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
  const seen = new Map<string, string>();
  for (const [k, val] of Object.entries(o)) {
    if (!f.keyPattern.test(k)) r.fail(join(path, k), `${f.entry} name ${f.keyHint}, got ${show(k)}`);
    const folded = k.toLowerCase();
    if (f.reservedKeys?.names.includes(folded) === true)
      r.fail(join(path, k), `${f.reservedKeys.hint}, got ${show(k)}`);
    const twin = seen.get(folded);
    if (f.caseInsensitive === true && twin !== undefined)
      r.fail(join(path, k), `names the same ${f.entry} as ${show(twin)} (letter case does not count)`);
    seen.set(folded, k);
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
      // patternProperties, not propertyNames: helm reports a key that fails propertyNames at a
      // random path of the values; a key matching no pattern is reported at the map's own path.
      return {
        type: "object",
        ...description,
        ...(f.minEntries !== undefined ? { minProperties: f.minEntries } : {}),
        ...(f.maxEntries !== undefined ? { maxProperties: f.maxEntries } : {}),
        patternProperties: { [f.keyPattern.source]: jsonSchemaOfField(f.values) },
        additionalProperties: false,
        ...(f.reservedKeys ? { propertyNames: { not: { pattern: anyCase(f.reservedKeys.names) } } } : {}),
      };
  }
}

/** A pattern matching any of `names` in any letter case (JSON schema patterns have no flags). */
function anyCase(names: readonly string[]): string {
  const fold = (n: string): string => n.replace(/[a-z]/gi, (c) => `[${c.toUpperCase()}${c.toLowerCase()}]`);
  return `^(${names.map(fold).join("|")})$`;
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

/** A name that is also a Kubernetes label value (the chart labels each ScaledObject with its service). */
const NAME = /^[A-Za-z]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$/;
export const NAME_HINT =
  "must start with a letter, end with a letter or digit and hold only letters, digits, '-' or '_' (at most 63)";
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
    doc: "Open HTTP connections at most; beyond it the one that has waited on its client the longest is let go (closed a second later), so HTTP clients can neither take gRPC's descriptors nor starve the probes.",
  },
  tls: {
    type: "object",
    optional: true,
    fields: TLS_FIELDS,
    doc: "Serve gRPC over TLS (absent: plaintext, logged at start-up).",
  },
} as const satisfies Fields;

const TIMEOUT = { type: "number", above: 0, max: 120, default: 5 } as const;

const FILE = { type: "string", maxLength: 1024 } as const;

/** sources.prometheus.basicAuth: credentials from files (a mounted Secret) or the environment, never the config. */
export const BASIC_AUTH_FIELDS = {
  usernameFile: { ...FILE, doc: "File holding the username; re-read when it changes." },
  passwordFile: { ...FILE, doc: "File holding the password; re-read when it changes." },
  usernameEnv: {
    ...FILE,
    doc: "Environment variable holding the username (read at start-up: a change needs a restart).",
  },
  passwordEnv: {
    ...FILE,
    doc: "Environment variable holding the password (read at start-up: a change needs a restart).",
  },
} as const satisfies Fields;

/** sources.prometheus.tls: how the scaler checks Prometheus's certificate and which one it shows. */
export const CLIENT_TLS_FIELDS = {
  caFile: {
    ...FILE,
    doc: "PEM CA bundle that signs the server's certificate; it replaces Node.js's bundled public CAs. Re-read when it changes.",
  },
  certFile: {
    ...FILE,
    doc: "PEM client certificate (chain) the scaler presents (mutual TLS); needs keyFile. Re-read when it changes.",
  },
  keyFile: { ...FILE, doc: "PEM private key of certFile. Re-read when it changes." },
  serverName: {
    type: "string",
    maxLength: 253,
    pattern: /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/,
    hint: "must be a DNS name",
    doc: "Name the server's certificate must carry when it differs from the url's host (a url with an IP address, a tunnel).",
  },
} as const satisfies Fields;

/** HTTP header names: letters, digits and '-', as every Prometheus front and gateway uses them. */
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,99}$/;
const HEADER_NAME_HINT = "must be an HTTP header name (letters, digits and '-', at most 100)";
/** Headers the HTTP client sets itself, or that would change how the answer is framed or encoded. */
const TRANSPORT_HEADERS = [
  "host",
  "content-length",
  "content-type",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "te",
  "upgrade",
  "accept-encoding",
  "proxy-connection",
];

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
    doc: "Queries in flight at once; queries slower than a quarter of timeoutSeconds share at most half of them.",
  },
  bearerTokenFile: {
    ...FILE,
    doc: "File holding a bearer token, sent as Authorization: Bearer (a mounted Secret, a projected service account token); re-read when it changes.",
  },
  basicAuth: {
    type: "object",
    optional: true,
    fields: BASIC_AUTH_FIELDS,
    doc: "Basic auth: usernameFile or usernameEnv, and passwordFile or passwordEnv. Not with bearerTokenFile.",
  },
  headers: {
    type: "record",
    entry: "header",
    keyPattern: HEADER_NAME,
    keyHint: HEADER_NAME_HINT,
    caseInsensitive: true,
    reservedKeys: {
      names: [...TRANSPORT_HEADERS, "authorization", "proxy-authorization"],
      hint: "is set by the HTTP client or carries a credential, which the config must not hold (use bearerTokenFile, basicAuth or headerFiles)",
    },
    maxEntries: 32,
    values: {
      type: "string",
      maxLength: 1024,
      pattern: /^[\x20-\x7e]+$/,
      hint: "must be printable ASCII on one line",
      doc: "The header's value.",
    },
    doc: "Extra HTTP headers on every request, e.g. X-Scope-OrgID: team-a (the tenant of Mimir, Cortex, Thanos or prom-label-proxy). Written in the config, so never a credential: secret headers go in headerFiles (the chart's sources.prometheus.auth.headerKeys).",
  },
  headerFiles: {
    type: "record",
    entry: "header",
    keyPattern: HEADER_NAME,
    keyHint: HEADER_NAME_HINT,
    caseInsensitive: true,
    reservedKeys: { names: TRANSPORT_HEADERS, hint: "is set by the HTTP client" },
    maxEntries: 32,
    values: { ...FILE, doc: "File holding the header's value." },
    doc: "Extra HTTP headers whose values are read from files (a mounted Secret: an API key or a tenant a gateway checks); re-read when they change.",
  },
  tls: {
    type: "object",
    optional: true,
    fields: CLIENT_TLS_FIELDS,
    doc: "TLS towards an https url: a private CA, a client certificate for mutual TLS.",
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
  gpuSpotHourlyPrices: {
    type: "record",
    entry: "GPU type",
    keyPattern: NAME,
    keyHint: NAME_HINT,
    values: { type: "number", min: 0, max: 1e6, doc: "USD per spot GPU-hour." },
    doc: "USD per spot GPU-hour by GPU type; a type without one is priced at gpuHourlyPrices x (1 - spotDiscountPercentage / 100).",
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

// ---- services.<name>.llm: an LLM service sized in tokens (src/config/llm.ts reads it) ----

/** A shipped profile id, or the path of a profile file ending in .json. */
const PROFILE_REF = new RegExp(
  `^(?:${SHIPPED_PROFILE_IDS.map((id) => id.replace(/[.]/g, "\\.")).join("|")}|\\S+\\.json)$`,
);
/** One PromQL label matcher: name, operator, double-quoted value. */
const LABEL_MATCHER = String.raw`[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"`;

/** services.<name>.llm.slo: the latency targets the token planner sizes for. */
export const LLM_SLO_FIELDS = {
  ttftSeconds: {
    type: "number",
    above: 0,
    max: 3600,
    required: "is required: the time-to-first-token target in seconds",
    doc: "Time-to-first-token target at the percentile, in seconds.",
  },
  itlSeconds: {
    type: "number",
    above: 0,
    max: 60,
    required: "is required: the inter-token latency target in seconds",
    doc: "Inter-token latency target at the percentile, in seconds.",
  },
  percentile: {
    type: "number",
    above: 0.5,
    max: 0.999,
    default: 0.99,
    doc: "Share of first tokens (TTFT) and of tokens (ITL) within target.",
  },
} as const satisfies Fields;

/** services.<name>.llm: the replica's performance profile, the SLO and the workload's expected shape. */
export const LLM_FIELDS = {
  profile: {
    type: "string",
    maxLength: 1024,
    pattern: PROFILE_REF,
    hint: `must be a shipped profile id (${SHIPPED_PROFILE_IDS.join(", ")}) or the path of a profile file ending in .json`,
    optional: true,
    doc: "Performance profile of one replica: a shipped id (profiles/README.md) or the path of an mlas-llm-profile/v1 file ending in .json (a relative path from the working directory, as for the TLS files). The chart schema checks ids; a file's content is checked when the scaler starts (and by mlas validate), not at helm install. Required unless the service declares variants, each with its own profile.",
  },
  slo: { type: "object", fields: LLM_SLO_FIELDS, doc: "TTFT and ITL targets at a percentile." },
  meanPromptTokens: {
    type: "number",
    min: 1,
    max: 1e7,
    default: 1024,
    doc: "Expected mean prompt tokens per request, used while vLLM has measured none (vllm:request_prompt_tokens over 5 minutes).",
  },
  meanOutputTokens: {
    type: "number",
    min: 1,
    max: 1e7,
    default: 256,
    doc: "Expected mean output tokens per request, used while vLLM has measured none (vllm:request_generation_tokens over 5 minutes).",
  },
  kvCacheHeadroom: {
    type: "number",
    min: 0,
    max: 0.9,
    default: 0.1,
    doc: "Share of each replica's KV cache the plan keeps free.",
  },
  spotHedgeQuantile: {
    type: "number",
    min: 0,
    max: 0.9999,
    default: 0.99,
    doc: "With variants on spot: the quantile of spot preemptions within a start-up the split keeps capacity for beyond the demand (a Poisson count at each variant's preemptionsPerHour); 0 keeps no hedge.",
  },
  metricsSelector: {
    type: "string",
    maxLength: 1024,
    pattern: new RegExp(`^${LABEL_MATCHER}(?:\\s*,\\s*${LABEL_MATCHER})*$`),
    hint: 'must be PromQL label matchers such as namespace="inference",pod=~"vllm-.*"',
    derived:
      'namespace="<workload.namespace>",pod=~"<workload.name>-<pod suffix>" (a Deployment\'s or StatefulSet\'s pod names; <workload.name>-.* for other kinds)',
    doc: "PromQL label matchers that select the service's vLLM pods (its token counters, request-length and latency histograms).",
  },
  requestsTrigger: {
    type: "string",
    maxLength: 63,
    pattern: NAME,
    hint: NAME_HINT,
    optional: true,
    derived:
      "the service's first trigger with arrival: true that reads a rate (a Prometheus query or a queue's publish_rate; none: no arrival signal)",
    doc: "The trigger counting requests arriving at the service (its ingress), read as requests/s and turned into tokens with the mean lengths, so that the service wakes from zero. The scaler does not use its target (KEDA's native trigger does, with nativeTriggers).",
  },
} as const satisfies Fields;

// ---- services.<name>.variants: one llm service served by several workloads (src/config/variants.ts) ----

/** A variant's name: part of its workload's and ScaledObject's names, so lower case and short. */
export const VARIANT_NAME = /^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$/;
export const VARIANT_NAME_HINT =
  "must be lower case letters, digits and '-', start with a letter and end with a letter or digit (at most 24)";

/** A declared field without its fixed default (a variant derives it from its service). */
function noDefault<F extends { readonly default?: unknown }>(f: F): Omit<F, "default"> {
  const { default: _, ...rest } = f;
  return rest;
}

/** services.<name>.variants.<variant>.workload: the variant's own workload (its own ScaledObject). */
export const VARIANT_WORKLOAD_FIELDS = {
  kind: { ...noDefault(WORKLOAD_FIELDS.kind), derived: "the service's workload.kind" },
  name: { ...WORKLOAD_FIELDS.name, derived: "<the service's workload.name>-<variant>" },
  namespace: { ...noDefault(WORKLOAD_FIELDS.namespace), derived: "the service's workload.namespace" },
} as const satisfies Fields;

/** services.<name>.variants.<variant>.resources: one replica of the variant, for cost and GPU quotas. */
export const VARIANT_RESOURCES_FIELDS = {
  gpuType: {
    ...RESOURCES_FIELDS.gpuType,
    required:
      "is required: the GPU type a replica runs on (a key of businessRules.costOptimization.gpuHourlyPrices)",
    doc: "GPU type a replica runs on: its price (gpuHourlyPrices, gpuSpotHourlyPrices) and its quota (gpuQuotas).",
  },
  gpusPerReplica: {
    ...noDefault(RESOURCES_FIELDS.gpusPerReplica),
    min: 1,
    derived: "the GPUs one replica of the profile holds (it must equal them)",
  },
  cpu: { ...noDefault(RESOURCES_FIELDS.cpu), derived: "the service's resources.cpu" },
  memoryGiB: { ...noDefault(RESOURCES_FIELDS.memoryGiB), derived: "the service's resources.memoryGiB" },
} as const satisfies Fields;

/** services.<name>.variants.<variant>: one workload serving the llm service on one GPU type. */
export const VARIANT_FIELDS = {
  profile: {
    type: "string",
    maxLength: 1024,
    pattern: PROFILE_REF,
    hint: LLM_FIELDS.profile.hint,
    required: "is required: the variant's performance profile (a shipped id or the path of a profile file)",
    doc: "Performance profile of one replica of this variant: a shipped id (profiles/README.md) or the path of a profile file ending in .json.",
  },
  workload: {
    type: "object",
    fields: VARIANT_WORKLOAD_FIELDS,
    doc: "The variant's workload (one ScaledObject each).",
  },
  resources: {
    type: "object",
    fields: VARIANT_RESOURCES_FIELDS,
    doc: "One replica's resources, for cost and GPU quotas.",
  },
  minReplicas: {
    type: "number",
    integer: true,
    min: 0,
    max: MAX_REPLICAS,
    default: 0,
    doc: "Replicas this variant always runs.",
  },
  maxReplicas: {
    type: "number",
    integer: true,
    min: 0,
    max: MAX_REPLICAS,
    derived: "the service's maxReplicas",
    doc: "Replicas this variant runs at most.",
  },
  podStartupSeconds: {
    type: "number",
    min: 0,
    max: 3600,
    derived: "the profile's loadSeconds rounded up",
    doc: "Seconds a new replica of this variant needs before it serves (add image pull and node provisioning if your nodes need them).",
  },
  spotShare: {
    type: "number",
    min: 0,
    max: 1,
    default: 0,
    doc: "Share of this variant's replicas on spot capacity (1: a spot-only node pool; 0: on demand).",
  },
  preemptionsPerHour: {
    type: "number",
    min: 0,
    max: 60,
    optional: true,
    doc: "Preemptions per spot replica-hour you expect of this GPU type (your cloud's interruption history); required with spotShare > 0. The split keeps capacity for the llm block's spotHedgeQuantile of them within a start-up.",
  },
  spotAvailable: {
    type: "boolean",
    default: true,
    doc: "false: spot capacity of this variant is known to be unavailable (the variant does not grow; on-demand variants take the load within the budget).",
  },
  spotPendingSeconds: {
    type: "number",
    min: 30,
    max: 86_400,
    default: 600,
    doc: "Spot capacity counts as unavailable while a pod of this variant (with spotShare > 0) has waited Pending longer than this (spotPendingQuery).",
  },
  spotPendingQuery: {
    type: "string",
    maxLength: 8192,
    derived:
      "kube-state-metrics: the variant's pods in phase Pending created more than spotPendingSeconds ago, counted (only with spotShare > 0)",
    doc: "PromQL counting the variant's pods that have waited for capacity longer than spotPendingSeconds; above 0, spot is unavailable.",
  },
  readyReplicasQuery: {
    type: "string",
    maxLength: 8192,
    derived:
      "kube-state-metrics' ready replicas of the variant's Deployment or StatefulSet (required for other kinds)",
    doc: "PromQL giving the variant's ready replicas.",
  },
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
  scaleDownDelaySeconds: {
    type: "number",
    integer: true,
    min: 0,
    max: 86_400,
    default: 0,
    doc: "Seconds a lower count waits: the scaler answers the highest count its rules asked within this window (Knative's scale-down delay), so the pods a burst needed stay through a lull; 0 is off. With variants the split sizes for the highest token demand asked within it.",
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
    derived:
      "the load signal's target (none without a load signal); for an llm service, the profile's tokens/s at the expected lengths",
    doc: "Load one ready replica serves.",
  },
  podStartupSeconds: {
    type: "number",
    min: 0,
    max: 3600,
    derived:
      "the llm profile's loadSeconds rounded up when llm is set, else 180 when resources.gpusPerReplica > 0, else 30",
    doc: "Seconds a new pod needs before it serves.",
  },
  loadSignal: {
    type: "string",
    maxLength: 63,
    optional: true,
    derived:
      "the first extensive trigger (none: no predictive scaling); for an llm service its token load (tokens), and it may not be set",
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
  llm: {
    type: "object",
    optional: true,
    fields: LLM_FIELDS,
    doc: "An LLM service sized in tokens: its replicas' performance profile, its TTFT/ITL SLO and the expected request lengths (README: How a decision is made in tokens).",
  },
  variants: {
    type: "record",
    entry: "variant",
    keyPattern: VARIANT_NAME,
    keyHint: VARIANT_NAME_HINT,
    maxEntries: 6,
    values: {
      type: "object",
      fields: VARIANT_FIELDS,
      doc: "One workload serving the service on one GPU type.",
    },
    doc: "An llm service served by several workloads, one per GPU type or tensor parallelism, each with its own profile, price, quota, bounds and ScaledObject; the scaler splits the token demand across them at the least cost (README: Variants). Absent: the service is one workload.",
  },
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

/** keda: what the chart sets on KEDA and the HPA, which decides how long pods outlive a lower answer. */
export const KEDA_FIELDS = {
  cooldownPeriod: {
    type: "number",
    integer: true,
    min: 0,
    max: 86_400,
    default: 300,
    doc: "Seconds of inactivity (answers of 0) before KEDA scales a workload with minReplicas 0 to zero; until then it keeps one pod, which the budget counts.",
  },
  scaleDownStabilizationWindowSeconds: {
    type: "number",
    integer: true,
    min: 0,
    max: 3600,
    default: 300,
    doc: "The HPA's behavior.scaleDown.stabilizationWindowSeconds: it keeps the highest count the scaler answered within it; the budget counts those pods until then.",
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
  keda: {
    type: "object",
    fields: KEDA_FIELDS,
    doc: "KEDA's and the HPA's scale-down settings (the chart renders them from keda.*).",
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
