// The scaler's one configuration, parsed once at start-up. Every field is declared once in
// fields.ts (type, default, range, doc); this file derives the parsed config's types from those
// declarations, fills in the defaults that follow from other fields, and checks the rules that
// relate fields to each other. The chart renders this document from its values; locally it is a
// YAML file.

import { isIP } from "node:net";
import { isScalar, LineCounter, parseDocument, visit, type Document } from "yaml";
import {
  BUSINESS_HOURS_FIELDS,
  CONFIG_FIELDS,
  COST_FIELDS,
  KEDA_FIELDS,
  KUBERNETES_FIELDS,
  LOG_LEVELS,
  PREDICTIVE_FIELDS,
  PROMETHEUS_FIELDS,
  readFields,
  RESOURCES_FIELDS,
  SERVER_FIELDS,
  SERVICE_ACCOUNT,
  SERVICE_FIELDS,
  SOURCES_FIELDS,
  TLS_FIELDS,
  TRIGGER_FIELDS,
  WORKLOAD_FIELDS,
  type ReadOf,
  type SectionOf,
} from "./fields.ts";
import { llmTriggers, readLlm, type LlmConfig, type LlmSignal, type ProfileSource } from "./llm.ts";
import {
  checkServiceWithVariants,
  readVariants,
  withCapacities,
  type ResolvedVariant,
  type VariantConfig,
} from "./variants.ts";
import { ConfigError, Reader, deepFreeze, join, show, type Obj } from "./read.ts";
import { excerpt } from "./redact.ts";

export { MAX_SERVICES } from "./fields.ts";
export type { LlmConfig, LlmSignal, ProfileSource } from "./llm.ts";
export type { VariantConfig } from "./variants.ts";

type Trigger = SectionOf<typeof TRIGGER_FIELDS>;
export type SignalKind = Trigger["kind"];
export type SourceType = Trigger["source"];
export type RabbitMetric = Trigger["metric"];
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * One trigger (TRIGGER_FIELDS), named; `metric` is `rabbitMetric` here. The parser always sets
 * historyQuery (for a query) and arrival; triggers built by hand may leave them out. `llm` marks
 * the triggers of an llm service that the token rules read (the llm block adds most of them).
 */
export type TriggerConfig = Omit<Trigger, "metric" | "historyQuery" | "arrival"> & {
  readonly name: string;
  readonly rabbitMetric: RabbitMetric;
  readonly historyQuery?: string;
  readonly arrival?: boolean;
  readonly llm?: LlmSignal;
  /** The variant a `spotPending` trigger reads. */
  readonly variant?: string;
};

export type ResourcesConfig = SectionOf<typeof RESOURCES_FIELDS>;

/**
 * One service (SERVICE_FIELDS), named. `loadSignal` is `loadTrigger` here; it and
 * capacityPerReplica are absent for a service without an extensive trigger. An llm service
 * carries its parsed llm block (the profile resolved) and the triggers that block adds.
 */
export type ServiceConfig = Omit<
  SectionOf<typeof SERVICE_FIELDS>,
  "loadSignal" | "triggers" | "llm" | "variants"
> & {
  readonly name: string;
  /** The trigger whose signal is forecast; must be extensive. Undefined: no predictive scaling. */
  readonly loadTrigger?: string;
  readonly triggers: readonly TriggerConfig[];
  readonly llm?: LlmConfig;
  /**
   * An llm service served by several workloads: the variants, in declared order (absent: one
   * workload, `workload`). With variants, `minReplicas` and `maxReplicas` bound the replicas of all
   * of them together, `podStartupSeconds` is the longest variant's, `readyReplicasQuery` is unused
   * (each variant has its own) and `llm.profile` is the first variant's.
   */
  readonly variants?: readonly VariantConfig[];
};

/** predictiveScaling. false enableProactiveScaling = forecast-only. */
export type PredictiveConfig = SectionOf<typeof PREDICTIVE_FIELDS>;

/** businessRules.businessHours, with days as numbers (0 = Sunday .. 6 = Saturday). */
export type BusinessHoursConfig = Omit<SectionOf<typeof BUSINESS_HOURS_FIELDS>, "days"> & {
  readonly days: readonly number[];
};

/** businessRules.costOptimization, with the GPU prices merged over list prices. */
export type CostConfig = SectionOf<typeof COST_FIELDS>;

export type SourcesConfig = SectionOf<typeof SOURCES_FIELDS>;
/** keda: how long KEDA and the HPA keep pods after a lower answer. */
export type KedaConfig = SectionOf<typeof KEDA_FIELDS>;
/** sources.prometheus: where it is, and how the scaler authenticates (credentials only from files or the environment). */
export type PrometheusConfig = SectionOf<typeof PROMETHEUS_FIELDS>;
export type ServerConfig = SectionOf<typeof SERVER_FIELDS>;

export interface Config {
  readonly logLevel: LogLevel;
  readonly server: ServerConfig;
  readonly sources: SourcesConfig;
  readonly predictiveScaling: PredictiveConfig;
  readonly businessHours: BusinessHoursConfig;
  readonly cost: CostConfig;
  /** Maximum GPUs per GPU type across all services. */
  readonly gpuQuotas: Readonly<Record<string, number>>;
  readonly keda: KedaConfig;
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

/** The input object as given (rules tell a value given but invalid from one not given), or {}. */
function asObj(v: unknown): Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {};
}

const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function businessHours(r: Reader, raw: ReadOf<typeof BUSINESS_HOURS_FIELDS>): BusinessHoursConfig {
  const p = "businessRules.businessHours";
  if (!isValidTimeZone(raw.timezone))
    r.fail(join(p, "timezone"), `must be an IANA time zone such as Europe/Berlin, got ${show(raw.timezone)}`);
  const { startHour, endHour } = raw;
  if (endHour <= startHour) r.fail(join(p, "endHour"), `must be > startHour (${startHour}), got ${endHour}`);
  const days = [...new Set(raw.days.map((d) => DAY_NAMES.indexOf(d)))].sort();
  return { ...raw, days };
}

function cost(raw: ReadOf<typeof COST_FIELDS>): CostConfig {
  return { ...raw, gpuHourlyPrices: { ...DEFAULT_GPU_PRICES, ...raw.gpuHourlyPrices } };
}

function trigger(
  r: Reader,
  path: string,
  name: string,
  raw: ReadOf<typeof TRIGGER_FIELDS>,
  given: Obj,
): TriggerConfig | undefined {
  const { source, kind, target, query, queue, metric, historyQuery, arrival, ...rest } = raw;
  if (source === "prometheus" && given.query === undefined)
    r.fail(join(path, "query"), "is required for a prometheus trigger");
  if (source === "prometheus" && given.queue !== undefined)
    r.fail(join(path, "queue"), "only applies to rabbitmq triggers");
  if (source === "rabbitmq" && given.queue === undefined)
    r.fail(join(path, "queue"), "is required for a rabbitmq trigger");
  if (source === "rabbitmq" && given.query !== undefined)
    r.fail(join(path, "query"), "only applies to prometheus triggers");
  if (source === "rabbitmq" && kind === "intensive")
    r.fail(join(path, "kind"), 'a rabbitmq queue signal is extensive, got "intensive"');
  if (source === undefined || kind === undefined || target === undefined) return undefined;
  const history = historyQuery ?? query;
  return {
    name,
    source,
    ...(query !== undefined ? { query } : {}),
    ...(history !== undefined ? { historyQuery: history } : {}),
    ...(queue !== undefined ? { queue } : {}),
    ...rest,
    rabbitMetric: metric,
    target,
    kind,
    arrival: arrival ?? source === "rabbitmq",
  };
}

/** The service name in kebab case: vllmService -> vllm-service. */
function kebab(name: string): string {
  return name
    .replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
    .replace(/_/g, "-")
    .replace(/^-/, "");
}

function workload(raw: ReadOf<typeof WORKLOAD_FIELDS>, service: string): ServiceConfig["workload"] {
  return { kind: raw.kind, name: raw.name ?? kebab(service), namespace: raw.namespace };
}

/** The load signal: the one named, which must be an extensive trigger, or the first extensive one. */
function loadTrigger(
  r: Reader,
  path: string,
  given: string | undefined,
  triggers: readonly TriggerConfig[],
  declared: Obj,
): string | undefined {
  if (given === undefined) return triggers.find((t) => t.kind === "extensive")?.name;
  const t = triggers.find((x) => x.name === given);
  if (!t && !Object.hasOwn(declared, given))
    r.fail(
      join(path, "loadSignal"),
      `must name one of the service's triggers (${triggers.map((x) => x.name).join(", ")}), got ${show(given)}`,
    );
  else if (t && t.kind !== "extensive")
    r.fail(
      join(path, "loadSignal"),
      `must name an extensive trigger (a load that adds up across replicas), "${given}" is intensive`,
    );
  return given;
}

function checkResources(
  r: Reader,
  path: string,
  res: ResourcesConfig,
  prices: CostConfig["gpuHourlyPrices"],
): void {
  const known = Object.keys(prices).join(", ");
  if (res.gpusPerReplica > 0 && res.gpuType === undefined)
    r.fail(
      join(path, "resources.gpuType"),
      `is required when gpusPerReplica > 0, got gpusPerReplica ${res.gpusPerReplica} and no gpuType (known prices: ${known})`,
    );
  if (res.gpuType !== undefined && !Object.hasOwn(prices, res.gpuType))
    r.fail(
      join(path, "resources.gpuType"),
      `has no price: add it to businessRules.costOptimization.gpuHourlyPrices (known: ${known}), got ${show(res.gpuType)}`,
    );
}

function checkReplicas(r: Reader, path: string, raw: ReadOf<typeof SERVICE_FIELDS>, max: number): void {
  if (raw.maxReplicas !== undefined && raw.maxReplicas < raw.minReplicas)
    r.fail(join(path, "maxReplicas"), `must be >= minReplicas (${raw.minReplicas}), got ${raw.maxReplicas}`);
  const bh = raw.businessHoursMinReplicas;
  if (bh !== undefined && bh > max)
    r.fail(join(path, "businessHoursMinReplicas"), `must be <= maxReplicas (${max}), got ${bh}`);
}

function declaredTriggers(
  r: Reader,
  path: string,
  raw: ReadOf<typeof SERVICE_FIELDS>,
  given: Obj,
): TriggerConfig[] {
  const givenTriggers = asObj(given.triggers);
  const triggers: TriggerConfig[] = [];
  for (const [tname, t] of Object.entries(raw.triggers)) {
    const built = trigger(r, join(join(path, "triggers"), tname), tname, t, asObj(givenTriggers[tname]));
    if (built) triggers.push(built);
  }
  return triggers;
}

/** An llm service's triggers: its own (the arrival trigger marked as its requests) and the llm block's. */
function withLlmTriggers(
  triggers: readonly TriggerConfig[],
  llm: LlmConfig | undefined,
): readonly TriggerConfig[] {
  if (llm === undefined) return triggers;
  const own = triggers.map((t) => (t.name === llm.requestsTrigger ? { ...t, llm: "requests" as const } : t));
  return [...own, ...llmTriggers(llm)];
}

/** A variant's pods waiting for spot capacity, as a trigger of its service the token rules read. */
function spotPendingTriggers(variants: readonly VariantConfig[]): TriggerConfig[] {
  return variants.flatMap((v) =>
    v.spotPendingTrigger !== undefined && v.spotPendingQuery !== undefined
      ? [
          {
            name: v.spotPendingTrigger,
            source: "prometheus" as const,
            query: v.spotPendingQuery,
            historyQuery: v.spotPendingQuery,
            vhost: "/",
            rabbitMetric: "messages" as const,
            target: 1,
            kind: "extensive" as const,
            arrival: false,
            llm: "spotPending" as const,
            variant: v.name,
          },
        ]
      : [],
  );
}

/** A service with variants sizes in tokens: an extensive trigger other than its arrivals has no per-replica meaning across GPU types. */
function checkVariantTriggers(
  r: Reader,
  path: string,
  triggers: readonly TriggerConfig[],
  llm: LlmConfig | undefined,
): void {
  for (const t of triggers)
    if (t.kind === "extensive" && t.name !== llm?.requestsTrigger)
      r.fail(
        join(join(path, "triggers"), t.name),
        "a service with variants is sized in tokens across GPU types, where a per-replica target of an extensive signal means nothing: remove it (the arrival trigger and intensive guards stay)",
      );
}

function podStartupSeconds(
  raw: ReadOf<typeof SERVICE_FIELDS>,
  llm: LlmConfig | undefined,
  variants: readonly ResolvedVariant[],
): number {
  if (raw.podStartupSeconds !== undefined) return raw.podStartupSeconds;
  if (variants.length > 0) return Math.max(...variants.map((v) => v.podStartupSeconds));
  if (llm !== undefined) return Math.ceil(llm.profile.loadSeconds);
  return raw.resources.gpusPerReplica > 0 ? 180 : 30;
}

function service(
  r: Reader,
  name: string,
  raw: ReadOf<typeof SERVICE_FIELDS>,
  given: Obj,
  costConfig: CostConfig,
  profiles: ProfileSource,
): ServiceConfig {
  const p = join("services", name);
  const { loadSignal, triggers: _, capacityPerReplica, llm: rawLlm, variants: rawVariants, ...rest } = raw;
  const maxReplicas = Math.max(raw.maxReplicas ?? Math.max(10, raw.minReplicas), raw.minReplicas);
  checkReplicas(r, p, raw, maxReplicas);
  const declared = declaredTriggers(r, p, raw, given);
  const wl = workload(raw.workload, name);
  const hasVariants = Object.keys(rawVariants).length > 0;
  if (hasVariants) checkServiceWithVariants(r, p, given, rawLlm !== undefined);
  const resolved = hasVariants
    ? readVariants(
        r,
        rawVariants,
        {
          path: p,
          workload: wl,
          cpu: raw.resources.cpu,
          memoryGiB: raw.resources.memoryGiB,
          minReplicas: raw.minReplicas,
          maxReplicas,
          prices: costConfig.gpuHourlyPrices,
          triggerNames: declared.map((t) => t.name),
        },
        profiles,
      )
    : [];
  const first = resolved[0];
  const llm = readLlm(
    r,
    rawLlm,
    {
      path: p,
      workload: wl,
      triggers: declared,
      gpusPerReplica: raw.resources.gpusPerReplica,
      given,
      ...(first !== undefined ? { reference: { ref: first.profileRef, profile: first.profile } } : {}),
    },
    profiles,
  );
  const variants = llm !== undefined ? withCapacities(r, p, resolved, llm) : [];
  if (hasVariants) checkVariantTriggers(r, p, declared, llm);
  const load =
    rawLlm !== undefined ? "tokens" : loadTrigger(r, p, loadSignal, declared, asObj(given.triggers));
  checkResources(r, p, raw.resources, costConfig.gpuHourlyPrices);
  const capacity =
    llm?.expectedCapacity ?? capacityPerReplica ?? declared.find((t) => t.name === load)?.target;
  return {
    ...rest,
    name,
    workload: wl,
    maxReplicas,
    podStartupSeconds: podStartupSeconds(raw, llm, resolved),
    ...(load !== undefined ? { loadTrigger: load } : {}),
    ...(capacity !== undefined ? { capacityPerReplica: capacity } : {}),
    preferSpotInstances: raw.preferSpotInstances ?? costConfig.preferSpotInstances,
    readyReplicasQuery: raw.readyReplicasQuery ?? (hasVariants ? "" : defaultReadyReplicasQuery(r, p, wl)),
    triggers: [...withLlmTriggers(declared, llm), ...spotPendingTriggers(variants)],
    ...(llm !== undefined ? { llm } : {}),
    ...(variants.length > 0 ? { variants } : {}),
  };
}

/** kube-state-metrics' ready replicas for the two kinds it reports; other kinds must set a query. */
function defaultReadyReplicasQuery(r: Reader, path: string, w: ServiceConfig["workload"]): string {
  if (w.kind === "Deployment")
    return `sum(kube_deployment_status_replicas_ready{namespace="${w.namespace}",deployment="${w.name}"})`;
  if (w.kind === "StatefulSet")
    return `sum(kube_statefulset_status_replicas_ready{namespace="${w.namespace}",statefulset="${w.name}"})`;
  r.fail(
    join(path, "readyReplicasQuery"),
    `is required for a ${w.kind} workload (kube-state-metrics reports ready replicas of Deployments and StatefulSets only)`,
  );
  return "";
}

function kubernetes(
  raw: ReadOf<typeof KUBERNETES_FIELDS> | undefined,
): SectionOf<typeof KUBERNETES_FIELDS> | undefined {
  if (!raw) return undefined;
  const caFile = raw.caFile ?? (raw.url.startsWith("https:") ? `${SERVICE_ACCOUNT}/ca.crt` : undefined);
  return { ...raw, url: raw.url.replace(/\/+$/, ""), ...(caFile !== undefined ? { caFile } : {}) };
}

/** The name of `names` that is `name` in any letter case. */
function findHeader(names: Readonly<Record<string, unknown>>, name: string): string | undefined {
  return Object.keys(names).find((k) => k.toLowerCase() === name);
}

/** One way to send each credential: one Authorization header, each header from one place, TLS files that go together. */
function checkPrometheusAuth(r: Reader, p: PrometheusConfig): void {
  const at = "sources.prometheus";
  const basic = p.basicAuth;
  if (basic) {
    for (const what of ["username", "password"] as const) {
      const file = basic[`${what}File`];
      const env = basic[`${what}Env`];
      if ((file === undefined) === (env === undefined))
        r.fail(
          `${at}.basicAuth.${what}File`,
          file === undefined ? `set ${what}File or ${what}Env` : `set ${what}File or ${what}Env, not both`,
        );
    }
  }
  const authorization = findHeader(p.headerFiles, "authorization");
  const ways = [
    ...(p.bearerTokenFile !== undefined ? ["bearerTokenFile"] : []),
    ...(basic ? ["basicAuth"] : []),
    ...(authorization !== undefined ? [`headerFiles.${authorization}`] : []),
    ...(/^https?:\/\/[^/?#]*@/i.test(p.url) ? ["the url's user:password@"] : []),
  ];
  if (ways.length > 1) r.fail(at, `sends one Authorization header: set only one of ${ways.join(", ")}`);
  for (const name of Object.keys(p.headerFiles)) {
    const twin = findHeader(p.headers, name.toLowerCase());
    if (twin !== undefined)
      r.fail(
        `${at}.headerFiles.${name}`,
        `is also set in headers (as ${JSON.stringify(twin)}): set it in one place`,
      );
  }
  const tls = p.tls;
  if (!tls) return;
  if (!p.url.toLowerCase().startsWith("https:"))
    r.fail(`${at}.tls`, `applies to an https url, got ${show(p.url)}`);
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    r.fail(
      `${at}.tls.${tls.certFile === undefined ? "certFile" : "keyFile"}`,
      "is required with the other half of the client certificate (certFile and keyFile)",
    );
}

function sources(r: Reader, raw: ReadOf<typeof SOURCES_FIELDS>): SourcesConfig {
  if (raw.maxStalenessSeconds < raw.staleAfterSeconds)
    r.fail(
      "sources.maxStalenessSeconds",
      `must be >= staleAfterSeconds (${raw.staleAfterSeconds}), got ${raw.maxStalenessSeconds}`,
    );
  const { prometheus, rabbitmq, kubernetes: k8s, ...timing } = raw;
  if (prometheus) checkPrometheusAuth(r, prometheus);
  const kube = kubernetes(k8s);
  const out: SourcesConfig = {
    ...timing,
    ...(prometheus ? { prometheus: prometheus } : {}),
    ...(rabbitmq ? { rabbitmq: rabbitmq } : {}),
    ...(kube ? { kubernetes: kube } : {}),
  };
  checkReadDeadlines(r, out);
  return out;
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

function tls(
  r: Reader,
  raw: ReadOf<typeof TLS_FIELDS> | undefined,
): SectionOf<typeof TLS_FIELDS> | undefined {
  if (!raw) return undefined;
  const requireClientCert = raw.requireClientCert ?? raw.caFile !== undefined;
  if (requireClientCert && raw.caFile === undefined)
    r.fail("server.tls.caFile", "is required when requireClientCert is true");
  if (raw.certFile === undefined || raw.keyFile === undefined) return undefined;
  return { ...raw, certFile: raw.certFile, keyFile: raw.keyFile, requireClientCert };
}

function server(r: Reader, raw: ReadOf<typeof SERVER_FIELDS>): ServerConfig {
  if (isIP(raw.bindAddress) === 0)
    r.fail(
      "server.bindAddress",
      `must be an IP address (0.0.0.0 for every IPv4 interface, :: for every one), got ${show(raw.bindAddress)}`,
    );
  const t = tls(r, raw.tls);
  const { tls: _, ...rest } = raw;
  return { ...rest, ...(t ? { tls: t } : {}) };
}

/** Rules across sections: the sources the triggers use, and what sources.kubernetes can read. */
function checkAcross(r: Reader, config: Config): void {
  const { services, sources: s, cost: c } = config;
  for (const source of ["prometheus", "rabbitmq"] as const) {
    const user = services.flatMap((x) =>
      x.triggers.filter((t) => t.source === source).map((t) => `services.${x.name}.triggers.${t.name}`),
    )[0];
    if (user !== undefined && !s[source])
      r.fail(`sources.${source}`, `is required: ${user} has source ${source}`);
  }
  if (s.kubernetes)
    for (const x of services)
      if (x.workload.kind !== "Deployment" && x.workload.kind !== "StatefulSet")
        r.fail(
          join(join("services", x.name), "workload.kind"),
          `sources.kubernetes reads Deployments and StatefulSets only, got ${show(x.workload.kind)}: use readyReplicasQuery without sources.kubernetes`,
        );
  if (c.enabled && c.maxHourlyCost === undefined)
    r.fail("businessRules.costOptimization.maxHourlyCost", "is required when costOptimization is enabled");
}

/**
 * Validates a parsed document and returns the frozen config, or throws ConfigError listing every
 * problem. `profiles` says where an llm service's profile file is read from.
 */
export function parseConfig(doc: unknown, profiles: ProfileSource = {}): Config {
  const r = new Reader();
  const o: Obj =
    doc === undefined || doc === null
      ? (r.fail("", "the config document is empty") ?? {})
      : (r.obj("", doc, Object.keys(CONFIG_FIELDS)) ?? {});
  const raw = readFields(r, "", o, CONFIG_FIELDS);
  const costConfig = cost(raw.businessRules.costOptimization);
  const given = asObj(o.services);
  const config: Config = {
    logLevel: raw.logLevel,
    server: server(r, raw.server),
    sources: sources(r, raw.sources),
    predictiveScaling: raw.predictiveScaling,
    businessHours: businessHours(r, raw.businessRules.businessHours),
    cost: costConfig,
    gpuQuotas: raw.businessRules.gpuQuotas,
    keda: raw.keda,
    services: Object.entries(raw.services).map(([name, s]) =>
      service(r, name, s, asObj(given[name]), costConfig, profiles),
    ),
  };
  checkAcross(r, config);
  r.throwIfAny();
  return deepFreeze(config);
}

export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

/**
 * The first key given twice in one mapping, or undefined. (yaml's own check compares each key with
 * every earlier one of its mapping: quadratic, minutes for a few ten thousand keys.)
 */
function duplicateKey(doc: Document, lines: LineCounter): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) {
          const at = pair.key.range ? lines.linePos(pair.key.range[0]) : undefined;
          found = `key ${show(key)} is given twice in one mapping${at ? ` at line ${at.line}, column ${at.col}` : ""}`;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}

/** The YAML document as plain data, or what is wrong with it (the first line of yaml's message). */
function yamlData(text: string): { data: unknown } | { problem: string } {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter: lines });
    const error = doc.errors[0];
    if (error) return { problem: error.message };
    const duplicate = duplicateKey(doc, lines);
    if (duplicate !== undefined) return { problem: duplicate };
    return { data: doc.toJS({ maxAliasCount: 100 }) as unknown };
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

/** Parses YAML text (the one place a config document is read). */
export function parseConfigText(text: string, source = "config", profiles: ProfileSource = {}): Config {
  if (text.length > MAX_CONFIG_BYTES)
    throw new ConfigError([
      { path: source, message: `is ${text.length} characters; at most ${MAX_CONFIG_BYTES} are allowed` },
    ]);
  const yaml = yamlData(text);
  if ("problem" in yaml)
    throw new ConfigError([
      { path: source, message: `is not valid YAML: ${excerpt(yaml.problem.split("\n")[0] ?? "", 200)}` },
    ]);
  return parseConfig(yaml.data, profiles);
}

export function enabledServices(config: Config): readonly ServiceConfig[] {
  return config.services.filter((s) => s.enabled);
}
