// The scaler's one configuration: types, defaults and validation, parsed once at start-up.
// The chart renders this document from its values; locally it is a YAML file.

import { isIP } from "node:net";
import { parse as parseYaml } from "yaml";
import {
  BUSINESS_HOURS_FIELDS,
  COST_FIELDS,
  PREDICTIVE_FIELDS,
  readSection,
  readFields,
  readSectionWith,
  SERVICE_FIELDS,
  SOURCE_TIMING_FIELDS,
  type SectionOf,
} from "./fields.ts";
import { ConfigError, Reader, deepFreeze, join, show, type Obj } from "./read.ts";

export type SignalKind = "extensive" | "intensive";
export type SourceType = "prometheus" | "rabbitmq";
export type RabbitMetric = "messages" | "messages_ready" | "publish_rate";
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface TriggerConfig {
  readonly name: string;
  readonly source: SourceType;
  /** PromQL for prometheus triggers. */
  readonly query?: string;
  /** PromQL giving this signal's history for forecasts (default: `query`); lets a RabbitMQ load signal be forecast from its exporter. */
  readonly historyQuery?: string;
  /** Queue name for rabbitmq triggers. */
  readonly queue?: string;
  readonly vhost: string;
  readonly rabbitMetric: RabbitMetric;
  /** Per-replica target: load per replica for extensive signals, the wanted level for intensive ones. */
  readonly target: number;
  readonly kind: SignalKind;
  /**
   * The signal counts demand arriving from outside the service's pods (a queue, a gateway's or
   * ingress's request rate), so it exists while the service runs no pod. A service that may sit at
   * zero needs one to wake on demand. Default: true for rabbitmq triggers, false for prometheus.
   */
  readonly arrival?: boolean;
}

export interface ResourcesConfig {
  readonly gpusPerReplica: number;
  readonly gpuType?: string;
  readonly cpu: number;
  readonly memoryGiB: number;
}

/**
 * One service. businessHoursMinReplicas, priority, scaleToZeroAfterMinutes, activationLoad,
 * capacityPerReplica (defaults to the load trigger's target), spotShare and predictive are declared
 * once in fields.ts (SERVICE_FIELDS).
 */
export type ServiceConfig = SectionOf<typeof SERVICE_FIELDS> & {
  readonly name: string;
  readonly enabled: boolean;
  readonly workload: { readonly kind: string; readonly name: string; readonly namespace: string };
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly podStartupSeconds: number;
  /** The trigger whose signal is forecast; must be extensive. Undefined: no predictive scaling. */
  readonly loadTrigger?: string;
  readonly resources: ResourcesConfig;
  readonly preferSpotInstances: boolean;
  /** PromQL giving ready replicas (kube-state-metrics); a default is derived from the workload. */
  readonly readyReplicasQuery: string;
  readonly triggers: readonly TriggerConfig[];
};

/** predictiveScaling, declared once in fields.ts. false enableProactiveScaling = forecast-only. */
export type PredictiveConfig = SectionOf<typeof PREDICTIVE_FIELDS>;

/** businessRules.businessHours: the scalar fields are declared once in fields.ts. */
export type BusinessHoursConfig = SectionOf<typeof BUSINESS_HOURS_FIELDS> & {
  readonly timezone: string;
  /** Days of week (0 = Sunday .. 6 = Saturday) that have business hours. */
  readonly days: readonly number[];
  /** Local dates (YYYY-MM-DD) without business hours. */
  readonly holidays: readonly string[];
};

/** businessRules.costOptimization, declared once in fields.ts, with the GPU prices merged over list prices. */
export type CostConfig = SectionOf<typeof COST_FIELDS> & {
  readonly gpuHourlyPrices: Readonly<Record<string, number>>;
};

/** sources: the timing fields are declared once in fields.ts (SOURCE_TIMING_FIELDS). */
export type SourcesConfig = SectionOf<typeof SOURCE_TIMING_FIELDS> & {
  readonly prometheus?: {
    readonly url: string;
    readonly timeoutSeconds: number;
    readonly maxConcurrency: number;
  };
  readonly rabbitmq?: {
    readonly managementUrl: string;
    /** amqp://host:5672 (no credentials): messages_ready is then read by passive declare, immediately. */
    readonly amqpUrl?: string;
    readonly timeoutSeconds: number;
    readonly usernameFile?: string;
    readonly passwordFile?: string;
    readonly usernameEnv?: string;
    readonly passwordEnv?: string;
  };
  /**
   * Ready and current replicas from the Kubernetes API (LIST of the workloads' kind per namespace)
   * instead of kube-state-metrics through Prometheus.
   */
  readonly kubernetes?: {
    readonly url: string;
    readonly tokenFile: string;
    /** The API server's CA; absent for a plain-HTTP URL (kubectl proxy). */
    readonly caFile?: string;
    readonly timeoutSeconds: number;
  };
};

export interface ServerConfig {
  /** The address both ports bind to (an IP literal; 0.0.0.0 for all of IPv4, :: for all). */
  readonly bindAddress: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Open HTTP connections beyond this are refused, so HTTP clients cannot take gRPC's descriptors. */
  readonly httpMaxConnections: number;
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly caFile?: string;
    readonly requireClientCert: boolean;
    /** Seconds between checks of the files for a renewed certificate. */
    readonly reloadCheckSeconds: number;
  };
}

export interface Config {
  readonly logLevel: LogLevel;
  readonly server: ServerConfig;
  readonly sources: SourcesConfig;
  readonly predictiveScaling: PredictiveConfig;
  readonly businessHours: BusinessHoursConfig;
  readonly cost: CostConfig;
  /** Maximum GPUs per GPU type across all services. */
  readonly gpuQuotas: Readonly<Record<string, number>>;
  readonly services: readonly ServiceConfig[];
}

/**
 * Approximate on-demand list prices in USD per GPU-hour at a large public cloud (single-GPU shapes,
 * 2025). They are defaults for planning: set `gpuHourlyPrices` to your contract's prices.
 */
export const DEFAULT_GPU_PRICES: Readonly<Record<string, number>> = {
  "nvidia-t4": 0.53,
  "nvidia-l4": 0.8,
  "nvidia-a10g": 1.01,
  "nvidia-l40s": 1.86,
  "nvidia-a100": 3.67,
  "nvidia-a100-80gb": 5.07,
  "nvidia-h100": 6.98,
};

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const NAME_HINT = "must start with a letter and hold only letters, digits, '-' or '_' (at most 63)";
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
const MAX_REPLICAS = 10_000;

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function parsePredictive(r: Reader, v: unknown): PredictiveConfig {
  return readSection(r, "predictiveScaling", v, PREDICTIVE_FIELDS);
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not, though Date.parse rolls it over). */
function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
}

function parseBusinessHours(r: Reader, v: unknown): BusinessHoursConfig {
  const p = "businessRules.businessHours";
  const { section, raw: o } = readSectionWith(r, p, v, BUSINESS_HOURS_FIELDS, [
    "timezone",
    "days",
    "holidays",
  ]);
  const timezone = r.str(join(p, "timezone"), o.timezone, "UTC", { maxLength: 64 });
  if (!isValidTimeZone(timezone))
    r.fail(
      join(p, "timezone"),
      `must be an IANA time zone such as Europe/Berlin, got ${JSON.stringify(timezone)}`,
    );
  const { startHour, endHour } = section;
  if (endHour <= startHour) r.fail(join(p, "endHour"), `must be > startHour (${startHour}), got ${endHour}`);
  let days: number[] = [1, 2, 3, 4, 5];
  if (o.days !== undefined) {
    days = [];
    r.list(join(p, "days"), o.days).forEach((d, i) => {
      const idx =
        typeof d === "string" ? (DAY_NAMES as readonly string[]).indexOf(d.toLowerCase().slice(0, 3)) : -1;
      if (idx < 0)
        r.fail(join(join(p, "days"), i), `must be a day name (mon, tue, ...), got ${JSON.stringify(d)}`);
      else days.push(idx);
    });
  }
  const holidays: string[] = [];
  r.list(join(p, "holidays"), o.holidays).forEach((h, i) => {
    const path = join(join(p, "holidays"), i);
    const s = typeof h === "string" ? h : h instanceof Date ? h.toISOString().slice(0, 10) : undefined;
    if (s === undefined || !isCalendarDate(s))
      r.fail(path, `must be a date YYYY-MM-DD, got ${JSON.stringify(h)}`);
    else holidays.push(s);
  });
  return { ...section, timezone, days: [...new Set(days)].sort(), holidays };
}

function priceMap(
  r: Reader,
  path: string,
  v: unknown,
  defaults: Readonly<Record<string, number>>,
): Record<string, number> {
  const out: Record<string, number> = { ...defaults };
  const o = r.optObj(path, v);
  for (const [k, val] of Object.entries(o)) {
    if (!NAME.test(k)) {
      r.fail(join(path, k), `${NAME_HINT}, got ${show(k)}`);
      continue;
    }
    const n = r.reqNum(join(path, k), val, { min: 0, max: 1e6 });
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function parseCost(r: Reader, v: unknown): CostConfig {
  const p = "businessRules.costOptimization";
  const { section, raw } = readSectionWith(r, p, v, COST_FIELDS, ["gpuHourlyPrices"]);
  return {
    ...section,
    gpuHourlyPrices: priceMap(r, join(p, "gpuHourlyPrices"), raw.gpuHourlyPrices, DEFAULT_GPU_PRICES),
  };
}

function parseTrigger(r: Reader, path: string, name: string, v: unknown): TriggerConfig | undefined {
  const o = r.obj(path, v, [
    "source",
    "query",
    "historyQuery",
    "queue",
    "vhost",
    "metric",
    "target",
    "kind",
    "arrival",
  ]);
  if (!o) return undefined;
  if (!NAME.test(name)) r.fail(path, `trigger name ${NAME_HINT}, got ${show(name)}`);
  const source =
    o.source === undefined
      ? r.fail(join(path, "source"), "is required (prometheus or rabbitmq)")
      : r.oneOf(join(path, "source"), o.source, ["prometheus", "rabbitmq"] as const, "prometheus");
  const kind =
    o.kind === undefined
      ? r.fail(
          join(path, "kind"),
          "is required: extensive (queue length, request or token rate) or intensive (latency, utilisation)",
        )
      : r.oneOf(join(path, "kind"), o.kind, ["extensive", "intensive"] as const, "extensive");
  const target =
    o.target === undefined
      ? r.fail(join(path, "target"), "is required")
      : r.reqNum(join(path, "target"), o.target, { above: 0, max: 1e12 });
  const query = r.optStr(join(path, "query"), o.query, { maxLength: 8192 });
  const historyQuery = r.optStr(join(path, "historyQuery"), o.historyQuery, { maxLength: 8192 }) ?? query;
  const queue = r.optStr(join(path, "queue"), o.queue, { maxLength: 255 });
  const vhost = r.str(join(path, "vhost"), o.vhost, "/", { maxLength: 255 });
  const rabbitMetric = r.oneOf(
    join(path, "metric"),
    o.metric,
    ["messages", "messages_ready", "publish_rate"] as const,
    "messages",
  );
  if (source === "prometheus" && query === undefined && o.query === undefined)
    r.fail(join(path, "query"), "is required for a prometheus trigger");
  if (source === "prometheus" && o.queue !== undefined)
    r.fail(join(path, "queue"), "only applies to rabbitmq triggers");
  if (source === "rabbitmq" && queue === undefined && o.queue === undefined)
    r.fail(join(path, "queue"), "is required for a rabbitmq trigger");
  if (source === "rabbitmq" && o.query !== undefined)
    r.fail(join(path, "query"), "only applies to prometheus triggers");
  if (source === "rabbitmq" && kind === "intensive")
    r.fail(join(path, "kind"), 'a rabbitmq queue signal is extensive, got "intensive"');
  if (source === undefined || kind === undefined || target === undefined) return undefined;
  return {
    name,
    source,
    ...(query !== undefined ? { query } : {}),
    ...(historyQuery !== undefined ? { historyQuery } : {}),
    ...(queue !== undefined ? { queue } : {}),
    vhost,
    rabbitMetric,
    target,
    kind,
    arrival: r.bool(join(path, "arrival"), o.arrival, source === "rabbitmq"),
  };
}

const SERVICE_KEYS = [
  "enabled",
  "workload",
  "minReplicas",
  "maxReplicas",
  "businessHoursMinReplicas",
  "priority",
  "podStartupSeconds",
  "scaleToZeroAfterMinutes",
  "activationLoad",
  "loadSignal",
  "capacityPerReplica",
  "resources",
  "preferSpotInstances",
  "spotShare",
  "predictive",
  "readyReplicasQuery",
  "triggers",
] as const;

function parseService(r: Reader, name: string, v: unknown, cost: CostConfig): ServiceConfig | undefined {
  const p = join("services", name);
  if (!NAME.test(name)) r.fail(p, `service name ${NAME_HINT}, got ${show(name)}`);
  const o = r.obj(p, v, SERVICE_KEYS);
  if (!o) return undefined;
  const minReplicas = r.num(join(p, "minReplicas"), o.minReplicas, 1, {
    min: 0,
    max: MAX_REPLICAS,
    integer: true,
  });
  const rawMax =
    o.maxReplicas === undefined
      ? undefined
      : r.reqNum(join(p, "maxReplicas"), o.maxReplicas, { integer: true, max: MAX_REPLICAS });
  const maxReplicas = rawMax ?? Math.max(10, minReplicas);
  if (rawMax !== undefined && rawMax < minReplicas)
    r.fail(join(p, "maxReplicas"), `must be >= minReplicas (${minReplicas}), got ${rawMax}`);
  else if (rawMax !== undefined && rawMax < 1) r.fail(join(p, "maxReplicas"), `must be >= 1, got ${rawMax}`);
  const fields = readFields(r, p, o, SERVICE_FIELDS);
  const bhMin = fields.businessHoursMinReplicas;
  if (bhMin !== undefined && bhMin > maxReplicas)
    r.fail(join(p, "businessHoursMinReplicas"), `must be <= maxReplicas (${maxReplicas}), got ${bhMin}`);

  const w = r.optObj(join(p, "workload"), o.workload, ["kind", "name", "namespace"]);
  const workload = {
    // Any kind with a /scale subresource (Argo Rollouts, LeaderWorkerSet, ...); ready replicas come
    // from kube-state-metrics or the API only for Deployments and StatefulSets.
    kind: r.str(join(p, "workload.kind"), w.kind, "Deployment", {
      maxLength: 63,
      pattern: /^[A-Z][A-Za-z0-9]*$/,
      hint: "must be a Kubernetes kind such as Deployment, StatefulSet, Rollout or LeaderWorkerSet",
    }),
    name: r.str(
      join(p, "workload.name"),
      w.name,
      name
        .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
        .replace(/_/g, "-")
        .replace(/^-/, ""),
      {
        maxLength: 253,
        pattern: K8S_NAME,
        hint: "must be a Kubernetes object name (lower case, digits, '-', '.')",
      },
    ),
    namespace: r.str(join(p, "workload.namespace"), w.namespace, "default", {
      maxLength: 63,
      pattern: K8S_NAME,
      hint: "must be a Kubernetes namespace name",
    }),
  };

  const triggersObj = r.optObj(join(p, "triggers"), o.triggers);
  const triggers: TriggerConfig[] = [];
  for (const [tname, tv] of Object.entries(triggersObj)) {
    const t = parseTrigger(r, join(join(p, "triggers"), tname), tname, tv);
    if (t) triggers.push(t);
  }
  if (Object.keys(triggersObj).length === 0) r.fail(join(p, "triggers"), "must declare at least one trigger");

  let loadTrigger: string | undefined;
  if (o.loadSignal !== undefined) {
    const ls = r.reqStr(join(p, "loadSignal"), o.loadSignal, { maxLength: 63 });
    const t = triggers.find((x) => x.name === ls);
    if (ls !== undefined && !t && !Object.hasOwn(triggersObj, ls)) {
      r.fail(
        join(p, "loadSignal"),
        `must name one of the service's triggers (${triggers.map((x) => x.name).join(", ")}), got ${JSON.stringify(ls)}`,
      );
    } else if (t && t.kind !== "extensive") {
      r.fail(
        join(p, "loadSignal"),
        `must name an extensive trigger (a load that adds up across replicas), "${ls ?? ""}" is intensive`,
      );
    }
    loadTrigger = ls;
  } else {
    loadTrigger = triggers.find((t) => t.kind === "extensive")?.name;
  }

  const res = r.optObj(join(p, "resources"), o.resources, ["gpusPerReplica", "gpuType", "cpu", "memoryGiB"]);
  const gpusPerReplica = r.num(join(p, "resources.gpusPerReplica"), res.gpusPerReplica, 0, {
    min: 0,
    max: 64,
    integer: true,
  });
  const gpuType = r.optStr(join(p, "resources.gpuType"), res.gpuType, {
    maxLength: 63,
    pattern: NAME,
    hint: NAME_HINT,
  });
  if (gpusPerReplica > 0 && gpuType === undefined && res.gpuType === undefined) {
    r.fail(
      join(p, "resources.gpuType"),
      `is required when gpusPerReplica > 0 (known prices: ${Object.keys(cost.gpuHourlyPrices).join(", ")})`,
    );
  }
  if (gpuType !== undefined && !Object.hasOwn(cost.gpuHourlyPrices, gpuType)) {
    r.fail(
      join(p, "resources.gpuType"),
      `has no price: add it to businessRules.costOptimization.gpuHourlyPrices (known: ${Object.keys(cost.gpuHourlyPrices).join(", ")}), got ${JSON.stringify(gpuType)}`,
    );
  }
  const resources: ResourcesConfig = {
    gpusPerReplica,
    ...(gpuType !== undefined ? { gpuType } : {}),
    cpu: r.num(join(p, "resources.cpu"), res.cpu, 1, { min: 0, max: 1024 }),
    memoryGiB: r.num(join(p, "resources.memoryGiB"), res.memoryGiB, 2, { min: 0, max: 16384 }),
  };

  const capacityPerReplica = fields.capacityPerReplica;
  const loadTarget = triggers.find((t) => t.name === loadTrigger)?.target;
  const capacity = capacityPerReplica ?? loadTarget ?? 1;
  const podStartupSeconds = r.num(
    join(p, "podStartupSeconds"),
    o.podStartupSeconds,
    gpusPerReplica > 0 ? 180 : 30,
    { min: 0, max: 3600 },
  );
  const workloadName = workload.name;
  return {
    name,
    enabled: r.bool(join(p, "enabled"), o.enabled, true),
    workload,
    minReplicas,
    maxReplicas: Math.max(maxReplicas, minReplicas),
    ...(bhMin !== undefined ? { businessHoursMinReplicas: bhMin } : {}),
    priority: fields.priority,
    podStartupSeconds,
    scaleToZeroAfterMinutes: fields.scaleToZeroAfterMinutes,
    activationLoad: fields.activationLoad,
    ...(loadTrigger !== undefined ? { loadTrigger } : {}),
    ...(capacityPerReplica !== undefined || loadTarget !== undefined ? { capacityPerReplica: capacity } : {}),
    resources,
    preferSpotInstances: r.bool(
      join(p, "preferSpotInstances"),
      o.preferSpotInstances,
      cost.preferSpotInstances,
    ),
    spotShare: fields.spotShare,
    predictive: fields.predictive,
    readyReplicasQuery: r.str(
      join(p, "readyReplicasQuery"),
      o.readyReplicasQuery,
      defaultReadyReplicasQuery(r, p, workload.kind, workload.namespace, workloadName, o.readyReplicasQuery),
      { maxLength: 8192 },
    ),
    triggers,
  };
}

/** kube-state-metrics' ready replicas for the two kinds it reports; other kinds must set a query. */
function defaultReadyReplicasQuery(
  r: Reader,
  path: string,
  kind: string,
  namespace: string,
  name: string,
  given: unknown,
): string {
  if (kind === "Deployment")
    return `sum(kube_deployment_status_replicas_ready{namespace="${namespace}",deployment="${name}"})`;
  if (kind === "StatefulSet")
    return `sum(kube_statefulset_status_replicas_ready{namespace="${namespace}",statefulset="${name}"})`;
  if (given === undefined)
    r.fail(
      join(path, "readyReplicasQuery"),
      `is required for a ${kind} workload (kube-state-metrics reports ready replicas of Deployments and StatefulSets only)`,
    );
  return "";
}

function parseSources(r: Reader, v: unknown): SourcesConfig {
  const p = "sources";
  const { section, raw: o } = readSectionWith(r, p, v, SOURCE_TIMING_FIELDS, [
    "prometheus",
    "rabbitmq",
    "kubernetes",
  ]);
  const { refreshSeconds, staleAfterSeconds, maxStalenessSeconds } = section;
  if (maxStalenessSeconds < staleAfterSeconds)
    r.fail(
      join(p, "maxStalenessSeconds"),
      `must be >= staleAfterSeconds (${staleAfterSeconds}), got ${maxStalenessSeconds}`,
    );
  const url = /^https?:\/\/[^\s]+$/;
  let prometheus: SourcesConfig["prometheus"];
  if (o.prometheus !== undefined) {
    const po = r.optObj(join(p, "prometheus"), o.prometheus, ["url", "timeoutSeconds", "maxConcurrency"]);
    prometheus = {
      url: r.str(join(p, "prometheus.url"), po.url, "http://prometheus-operated.monitoring:9090", {
        pattern: url,
        hint: "must be an http(s) URL",
      }),
      timeoutSeconds: r.num(join(p, "prometheus.timeoutSeconds"), po.timeoutSeconds, 5, {
        above: 0,
        max: 120,
      }),
      maxConcurrency: r.num(join(p, "prometheus.maxConcurrency"), po.maxConcurrency, 16, {
        min: 1,
        max: 256,
        integer: true,
      }),
    };
  }
  let rabbitmq: SourcesConfig["rabbitmq"];
  if (o.rabbitmq !== undefined) {
    const ro = r.optObj(join(p, "rabbitmq"), o.rabbitmq, [
      "managementUrl",
      "amqpUrl",
      "timeoutSeconds",
      "usernameFile",
      "passwordFile",
      "usernameEnv",
      "passwordEnv",
    ]);
    const managementUrl = r.str(
      join(p, "rabbitmq.managementUrl"),
      ro.managementUrl,
      "http://rabbitmq:15672",
      { pattern: url, hint: "must be an http(s) URL without credentials" },
    );
    if (/\/\/[^/]*@/.test(managementUrl))
      r.fail(
        join(p, "rabbitmq.managementUrl"),
        "must not embed credentials: use usernameFile/passwordFile or usernameEnv/passwordEnv",
      );
    const amqpUrl = r.optStr(join(p, "rabbitmq.amqpUrl"), ro.amqpUrl, {
      pattern: /^amqps?:\/\/[^\s@/]+(:\d+)?\/?$/,
      hint: "must be amqp://host[:port] or amqps://host[:port], without credentials or vhost",
    });
    const opt = (
      k: "usernameFile" | "passwordFile" | "usernameEnv" | "passwordEnv",
    ): Record<string, string> => {
      const s = r.optStr(join(p, `rabbitmq.${k}`), ro[k], { maxLength: 1024 });
      return s === undefined ? {} : { [k]: s };
    };
    rabbitmq = {
      managementUrl,
      ...(amqpUrl !== undefined ? { amqpUrl } : {}),
      timeoutSeconds: r.num(join(p, "rabbitmq.timeoutSeconds"), ro.timeoutSeconds, 5, { above: 0, max: 120 }),
      ...opt("usernameFile"),
      ...opt("passwordFile"),
      ...opt("usernameEnv"),
      ...opt("passwordEnv"),
    };
  }
  let kubernetes: SourcesConfig["kubernetes"];
  if (o.kubernetes !== undefined) {
    const ko = r.optObj(join(p, "kubernetes"), o.kubernetes, [
      "url",
      "tokenFile",
      "caFile",
      "timeoutSeconds",
    ]);
    const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
    const kurl = r.str(join(p, "kubernetes.url"), ko.url, "https://kubernetes.default.svc", {
      pattern: url,
      hint: "must be an http(s) URL (https for the API server, http for kubectl proxy)",
    });
    const caFile =
      ko.caFile !== undefined || kurl.startsWith("https:")
        ? r.str(join(p, "kubernetes.caFile"), ko.caFile, `${sa}/ca.crt`, { maxLength: 1024 })
        : undefined;
    kubernetes = {
      url: kurl.replace(/\/+$/, ""),
      tokenFile: r.str(join(p, "kubernetes.tokenFile"), ko.tokenFile, `${sa}/token`, { maxLength: 1024 }),
      ...(caFile !== undefined ? { caFile } : {}),
      timeoutSeconds: r.num(join(p, "kubernetes.timeoutSeconds"), ko.timeoutSeconds, 5, {
        above: 0,
        max: 120,
      }),
    };
  }
  return {
    ...(prometheus ? { prometheus } : {}),
    ...(rabbitmq ? { rabbitmq } : {}),
    ...(kubernetes ? { kubernetes } : {}),
    refreshSeconds,
    staleAfterSeconds,
    maxStalenessSeconds,
  };
}

function parseBindAddress(r: Reader, path: string, v: unknown): string {
  const a = r.str(path, v, "0.0.0.0", { maxLength: 64 });
  if (isIP(a) !== 0) return a;
  return (
    r.fail(
      path,
      `must be an IP address (0.0.0.0 for every IPv4 interface, :: for every one), got ${show(a)}`,
    ) ?? "0.0.0.0"
  );
}

/**
 * A read that takes its whole timeout must still land before the previous value is too old to use:
 * each source's timeoutSeconds + refreshSeconds must fit in maxStalenessSeconds.
 */
function checkReadDeadlines(r: Reader, s: SourcesConfig): void {
  for (const name of ["prometheus", "rabbitmq", "kubernetes"] as const) {
    const t = s[name]?.timeoutSeconds;
    if (t !== undefined && t + s.refreshSeconds > s.maxStalenessSeconds)
      r.fail(
        `sources.${name}.timeoutSeconds`,
        `${t}s plus refreshSeconds (${s.refreshSeconds}s) must fit in maxStalenessSeconds (${s.maxStalenessSeconds}s): a read that uses its whole timeout would leave the signal unusable`,
      );
  }
}

function parseServer(r: Reader, v: unknown): ServerConfig {
  const p = "server";
  const o = r.optObj(p, v, ["bindAddress", "grpcPort", "httpPort", "httpMaxConnections", "tls"]);
  const port = { min: 0, max: 65535, integer: true };
  let tls: ServerConfig["tls"];
  if (o.tls !== undefined) {
    const t = r.optObj(join(p, "tls"), o.tls, [
      "certFile",
      "keyFile",
      "caFile",
      "requireClientCert",
      "reloadCheckSeconds",
    ]);
    const certFile = r.reqStr(join(p, "tls.certFile"), t.certFile ?? "");
    const keyFile = r.reqStr(join(p, "tls.keyFile"), t.keyFile ?? "");
    const caFile = r.optStr(join(p, "tls.caFile"), t.caFile);
    const requireClientCert = r.bool(
      join(p, "tls.requireClientCert"),
      t.requireClientCert,
      caFile !== undefined,
    );
    if (requireClientCert && caFile === undefined && t.caFile === undefined)
      r.fail(join(p, "tls.caFile"), "is required when requireClientCert is true");
    const reloadCheckSeconds = r.num(join(p, "tls.reloadCheckSeconds"), t.reloadCheckSeconds, 30, {
      min: 1,
      max: 3600,
    });
    if (certFile !== undefined && keyFile !== undefined) {
      tls = {
        certFile,
        keyFile,
        ...(caFile !== undefined ? { caFile } : {}),
        requireClientCert,
        reloadCheckSeconds,
      };
    }
  }
  return {
    bindAddress: parseBindAddress(r, join(p, "bindAddress"), o.bindAddress),
    grpcPort: r.num(join(p, "grpcPort"), o.grpcPort, 9090, port),
    httpPort: r.num(join(p, "httpPort"), o.httpPort, 8080, port),
    httpMaxConnections: r.num(join(p, "httpMaxConnections"), o.httpMaxConnections, 64, {
      min: 1,
      max: 10_000,
      integer: true,
    }),
    ...(tls ? { tls } : {}),
  };
}

const TOP_KEYS = ["logLevel", "server", "sources", "predictiveScaling", "businessRules", "services"] as const;

/** Validates a parsed document and returns the frozen config, or throws ConfigError listing every problem. */
export function parseConfig(doc: unknown): Config {
  const r = new Reader();
  const o: Obj =
    doc === undefined || doc === null
      ? (r.fail("", "the config document is empty") ?? {})
      : (r.obj("", doc, TOP_KEYS) ?? {});
  const br = r.optObj("businessRules", o.businessRules, ["businessHours", "costOptimization", "gpuQuotas"]);
  const cost = parseCost(r, br.costOptimization);
  const gpuQuotas: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.optObj("businessRules.gpuQuotas", br.gpuQuotas))) {
    if (!NAME.test(k)) {
      r.fail(join("businessRules.gpuQuotas", k), `GPU type ${NAME_HINT}, got ${show(k)}`);
      continue;
    }
    const n = r.reqNum(join("businessRules.gpuQuotas", k), v, { min: 0, max: 1e6, integer: true });
    if (n !== undefined) gpuQuotas[k] = n;
  }
  const services: ServiceConfig[] = [];
  const so = r.optObj("services", o.services);
  for (const [name, sv] of Object.entries(so)) {
    const s = parseService(r, name, sv, cost);
    if (s) services.push(s);
  }
  if (Object.keys(so).length === 0) r.fail("services", "must declare at least one service");
  if (Object.keys(so).length > MAX_SERVICES)
    r.fail("services", `must declare at most ${MAX_SERVICES} services, got ${Object.keys(so).length}`);
  const config: Config = {
    logLevel: r.oneOf("logLevel", o.logLevel, ["debug", "info", "warn", "error"] as const, "info"),
    server: parseServer(r, o.server),
    sources: parseSources(r, o.sources),
    predictiveScaling: parsePredictive(r, o.predictiveScaling),
    businessHours: parseBusinessHours(r, br.businessHours),
    cost,
    gpuQuotas,
    services,
  };
  const usesProm = services.some((s) => s.triggers.some((t) => t.source === "prometheus"));
  const usesRabbit = services.some((s) => s.triggers.some((t) => t.source === "rabbitmq"));
  if (usesProm && !config.sources.prometheus)
    r.fail("sources.prometheus", "is required: a service has a prometheus trigger");
  if (usesRabbit && !config.sources.rabbitmq)
    r.fail("sources.rabbitmq", "is required: a service has a rabbitmq trigger");
  checkReadDeadlines(r, config.sources);
  if (config.sources.kubernetes)
    for (const s of services)
      if (s.workload.kind !== "Deployment" && s.workload.kind !== "StatefulSet")
        r.fail(
          join(join("services", s.name), "workload.kind"),
          `sources.kubernetes reads Deployments and StatefulSets only, got ${JSON.stringify(s.workload.kind)}: use readyReplicasQuery without sources.kubernetes`,
        );
  if (cost.enabled && cost.maxHourlyCost === undefined)
    r.fail("businessRules.costOptimization.maxHourlyCost", "is required when costOptimization is enabled");
  r.throwIfAny();
  return deepFreeze(config);
}

/** Parses YAML text (the one place a config document is read). */
/** Limits on a config's size, so that a mistaken file cannot exhaust memory or the loop. */
export const MAX_SERVICES = 5000;
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export function parseConfigText(text: string, source = "config"): Config {
  if (text.length > MAX_CONFIG_BYTES)
    throw new ConfigError([
      { path: source, message: `is ${text.length} characters; at most ${MAX_CONFIG_BYTES} are allowed` },
    ]);
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError([
      { path: source, message: `is not valid YAML: ${(e as Error).message.split("\n")[0] ?? ""}` },
    ]);
  }
  return parseConfig(doc);
}

export function enabledServices(config: Config): readonly ServiceConfig[] {
  return config.services.filter((s) => s.enabled);
}
