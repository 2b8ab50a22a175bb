// services.<name>.llm (LLM_FIELDS): a service sized in tokens. Read once at config load: the
// performance profile is resolved (a shipped id, or a file), the SLO is checked against what one
// request alone gets on it, and the vLLM signals the token rules read are added to the service's
// triggers, each marked with the role it plays (TriggerConfig.llm).
//
// The signals, from vLLM's own metrics (vllm/v1/metrics/loggers.py) under the service's metrics
// selector; an empty result reads as 0 (no token served; for the others, "not measured"):
//   tokens            prompt + generated tokens/s (vllm:prompt_tokens_total, :generation_tokens_total,
//                     1-minute rate): the load signal, forecast; its history counts a service
//                     without pods as 0 tokens/s (`or vector(0)`), not as a gap
//   meanPromptTokens  mean prompt tokens per finished request over 5 minutes
//   meanOutputTokens  mean output tokens per finished request (vllm:request_prompt_tokens and
//                     vllm:request_generation_tokens histograms, _sum / _count)
//   promptTokensP10 ... P98, outputTokensP10 ... P98
//                     the same histograms' quantiles 0.1, 0.3, 0.5, 0.7, 0.88 and 0.98 over 5
//                     minutes (histogram_quantile over their 1-2-5 buckets): the lengths'
//                     distribution, six classes of 20, 20, 20, 20, 16 and 4% of requests
//   ttft              the TTFT at the SLO's percentile over 2 minutes (vllm:time_to_first_token_seconds)
//   itl               a request's mean inter-token latency at the SLO's percentile over 2 minutes,
//                     the quantity the SLO judges (vllm:request_time_per_output_token_seconds);
//                     where that histogram is absent or empty (vLLM before it existed), the
//                     single inter-token gaps' (vllm:inter_token_latency_seconds, or
//                     vllm:time_per_output_token_seconds, its name before vLLM 0.11), which count
//                     a prefill step in full in every gap it lengthens; ttft and itl are
//                     intensive guards with the SLO targets as their targets.
// `> 0` drops the NaN that a ratio or a quantile of nothing gives (no request in the window).

import { isAbsolute, resolve } from "node:path";
import { replicaCapacity, type LlmSlo, type ReplicaCapacity } from "../llm/capacity.ts";
import { loadProfileFile } from "../llm/profile-file.ts";
import type { PerformanceProfile } from "../llm/profile.ts";
import { shippedProfile } from "../llm/registry.ts";
import { SHIPPED_PROFILE_IDS } from "../llm/shipped-ids.ts";
import type { TabulatedProfile } from "../llm/step-time.ts";
import type { LLM_FIELDS, ReadOf } from "./fields.ts";
import { ConfigError, join, type Reader } from "./read.ts";

/**
 * The role a trigger plays for the token rules; `spotPending` counts a variant's pods waiting for
 * spot capacity (variants.ts).
 */
export type LlmSignal =
  | "tokens"
  | "meanPromptTokens"
  | "meanOutputTokens"
  | LengthSignal
  | "ttft"
  | "itl"
  | "requests"
  | "spotPending";

/** The quantiles of the request lengths read, and the share of requests each stands for (the midpoints of 0-0.2, ..., 0.8-0.96, 0.96-1). */
export const LENGTH_QUANTILES: readonly { readonly q: number; readonly share: number }[] = [
  { q: 0.1, share: 0.2 },
  { q: 0.3, share: 0.2 },
  { q: 0.5, share: 0.2 },
  { q: 0.7, share: 0.2 },
  { q: 0.88, share: 0.16 },
  { q: 0.98, share: 0.04 },
];
export const PROMPT_LENGTH_SIGNALS = [
  "promptTokensP10",
  "promptTokensP30",
  "promptTokensP50",
  "promptTokensP70",
  "promptTokensP88",
  "promptTokensP98",
] as const;
export const OUTPUT_LENGTH_SIGNALS = [
  "outputTokensP10",
  "outputTokensP30",
  "outputTokensP50",
  "outputTokensP70",
  "outputTokensP88",
  "outputTokensP98",
] as const;
export type LengthSignal = (typeof PROMPT_LENGTH_SIGNALS)[number] | (typeof OUTPUT_LENGTH_SIGNALS)[number];

/** The triggers the llm block adds, by name (a service may not declare triggers of these names). */
export const LLM_TRIGGER_NAMES = [
  "tokens",
  "meanPromptTokens",
  "meanOutputTokens",
  ...PROMPT_LENGTH_SIGNALS,
  ...OUTPUT_LENGTH_SIGNALS,
  "ttft",
  "itl",
] as const;

/** services.<name>.llm, parsed: the profile resolved once, here. */
export interface LlmConfig {
  /** As given: a shipped id or a file path. */
  readonly profileRef: string;
  readonly profile: PerformanceProfile;
  readonly slo: LlmSlo;
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  readonly kvCacheHeadroom: number;
  /** With variants on spot: the quantile of preemptions within a start-up the split keeps capacity for. */
  readonly spotHedgeQuantile: number;
  readonly metricsSelector: string;
  /** The arrival trigger the token rules read as requests/s (none: no arrival signal). */
  readonly requestsTrigger?: string;
  /** One replica's capacity at the expected lengths, tokens/s (the tokens trigger's target). */
  readonly expectedCapacity: number;
}

/** Where profile files are read from, and how (tests inject their own). */
export interface ProfileSource {
  /** Directory a relative profile path is relative to; default: the working directory (as TLS files). */
  readonly baseDir?: string;
  readonly load?: (ref: string, baseDir: string) => PerformanceProfile;
}

const facades = new WeakMap<TabulatedProfile, PerformanceProfile>();

/**
 * The profile as the engine uses it: a plain object over the tables, so that freezing the parsed
 * config does not freeze the tables' lookup state. One per profile (configs parsed twice from the
 * same shipped profile hold the same one).
 */
function facade(p: TabulatedProfile): PerformanceProfile {
  const kept = facades.get(p);
  if (kept) return kept;
  const f: PerformanceProfile = {
    id: p.id,
    model: p.model,
    gpuType: p.gpuType,
    engine: p.engine,
    tensorParallel: p.tensorParallel,
    gpusPerReplica: p.gpusPerReplica,
    kvCacheTokens: p.kvCacheTokens,
    loadSeconds: p.loadSeconds,
    limits: { ...p.limits },
    maxModelLen: p.maxModelLen,
    requestOverheadSeconds: p.requestOverheadSeconds,
    stepSeconds: (b) => p.stepSeconds(b),
  };
  facades.set(p, f);
  return f;
}

export function loadProfile(ref: string, baseDir: string): PerformanceProfile {
  if ((SHIPPED_PROFILE_IDS as readonly string[]).includes(ref)) {
    const p = shippedProfile(ref);
    if (p === undefined) throw new ConfigError([{ path: ref, message: "is not a shipped profile" }]);
    return facade(p);
  }
  return facade(loadProfileFile(isAbsolute(ref) ? ref : resolve(baseDir, ref)));
}

export function resolveProfile(
  r: Reader,
  path: string,
  ref: string,
  src: ProfileSource,
): PerformanceProfile | undefined {
  try {
    return (src.load ?? loadProfile)(ref, src.baseDir ?? process.cwd());
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const shown = e.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
    const more = e.issues.length > 5 ? ` (and ${e.issues.length - 5} more)` : "";
    return r.fail(path, `does not load: ${shown.join("; ")}${more}`);
  }
}

/** What the llm block needs of the rest of the service. */
export interface LlmContext {
  readonly path: string;
  readonly workload: { readonly kind: string; readonly name: string; readonly namespace: string };
  readonly triggers: readonly {
    readonly name: string;
    readonly arrival?: boolean;
    readonly kind: string;
    readonly source: string;
    readonly rabbitMetric: string;
  }[];
  readonly gpusPerReplica: number;
  /** The raw service: loadSignal and capacityPerReplica may not be set with llm. */
  readonly given: Readonly<Record<string, unknown>>;
  /**
   * A service with variants: its first variant's profile and reference, standing in for the block's
   * own (each variant sizes with its own; variants.ts).
   */
  readonly reference?: { readonly ref: string; readonly profile: PerformanceProfile };
}

/**
 * The vLLM pods of a Deployment (<name>-<template hash>-<suffix>) or a StatefulSet
 * (<name>-<ordinal>); for other kinds every pod whose name starts with the workload's and a dash.
 */
function defaultSelector(w: LlmContext["workload"]): string {
  const pods =
    w.kind === "Deployment"
      ? `${w.name}-[a-z0-9]+-[a-z0-9]+`
      : w.kind === "StatefulSet"
        ? `${w.name}-[0-9]+`
        : `${w.name}-.*`;
  return `namespace="${w.namespace}",pod=~"${pods}"`;
}

/** A trigger whose value is a rate of arrivals: a Prometheus query, or a queue's publish rate (not its length). */
const isRate = (t: LlmContext["triggers"][number]): boolean =>
  t.kind === "extensive" && (t.source !== "rabbitmq" || t.rabbitMetric === "publish_rate");

function requestsTrigger(
  r: Reader,
  path: string,
  given: string | undefined,
  ctx: LlmContext,
): string | undefined {
  if (given === undefined) return ctx.triggers.find((t) => t.arrival === true && isRate(t))?.name;
  const t = ctx.triggers.find((x) => x.name === given);
  if (t === undefined)
    r.fail(
      join(path, "requestsTrigger"),
      `must name one of the service's triggers (${ctx.triggers.map((x) => x.name).join(", ")}), got ${JSON.stringify(given)}`,
    );
  else if (!isRate(t))
    r.fail(
      join(path, "requestsTrigger"),
      `must name a trigger that reads a rate of requests (extensive; a queue's publish_rate, not its length), "${given}" does not`,
    );
  return given;
}

function checkService(r: Reader, profile: PerformanceProfile, ctx: LlmContext): void {
  if (ctx.reference !== undefined) {
    checkTriggers(r, ctx);
    return;
  }
  for (const key of ["loadSignal", "capacityPerReplica"])
    if (ctx.given[key] !== undefined)
      r.fail(
        join(ctx.path, key),
        `an llm service forecasts its token load and takes its capacity from the profile: leave ${key} unset`,
      );
  checkTriggers(r, ctx);
  if (ctx.gpusPerReplica !== profile.gpusPerReplica)
    r.fail(
      join(ctx.path, "resources.gpusPerReplica"),
      `must be the ${profile.gpusPerReplica} GPU(s) one replica of ${profile.id} holds, got ${ctx.gpusPerReplica}`,
    );
}

function checkTriggers(r: Reader, ctx: LlmContext): void {
  for (const name of LLM_TRIGGER_NAMES)
    if (ctx.triggers.some((t) => t.name === name))
      r.fail(
        join(join(ctx.path, "triggers"), name),
        "the llm block reads a signal of this name: rename the trigger",
      );
}

/** One replica of `profile` at the llm block's expected (mean) lengths, SLO and KV headroom. */
export function capacityAtExpectedLengths(
  profile: PerformanceProfile,
  llm: Pick<LlmConfig, "meanPromptTokens" | "meanOutputTokens" | "slo" | "kvCacheHeadroom">,
): ReplicaCapacity {
  const shape = { promptTokens: llm.meanPromptTokens, outputTokens: llm.meanOutputTokens };
  return replicaCapacity(profile, llm.slo, shape, llm.kvCacheHeadroom);
}

/**
 * One replica's capacity at the expected lengths, tokens/s; a target that one request alone misses
 * there is an error (no replica count can meet it).
 */
function expectedCapacity(r: Reader, path: string, llm: Omit<LlmConfig, "expectedCapacity">): number {
  const c = capacityAtExpectedLengths(llm.profile, llm);
  for (const which of c.unattainable) {
    const field = which === "itl" ? "itlSeconds" : "ttftSeconds";
    r.fail(
      join(path, `slo.${field}`),
      `${llm.slo[field]}s is below what one request alone gets on ${llm.profile.id} at ${llm.meanPromptTokens} prompt and ${llm.meanOutputTokens} output tokens: no replica count meets it`,
    );
  }
  if (c.unattainable.length === 0 && !(c.tokensPerSecond > 0))
    r.fail(path, `${llm.profile.id} sustains no load within the SLO at the expected lengths`);
  return c.tokensPerSecond;
}

/** Reads the llm block; undefined when it is absent or has errors (recorded in `r`). */
export function readLlm(
  r: Reader,
  raw: ReadOf<typeof LLM_FIELDS> | undefined,
  ctx: LlmContext,
  src: ProfileSource,
): LlmConfig | undefined {
  if (raw === undefined) return undefined;
  const path = join(ctx.path, "llm");
  const selector = raw.metricsSelector ?? defaultSelector(ctx.workload);
  const requests = requestsTrigger(r, path, raw.requestsTrigger, ctx);
  const resolved = blockProfile(r, path, raw.profile, ctx, src);
  if (resolved === undefined || raw.slo.ttftSeconds === undefined || raw.slo.itlSeconds === undefined)
    return undefined;
  const { ref, profile } = resolved;
  checkService(r, profile, ctx);
  const base = {
    profileRef: ref,
    profile,
    slo: { ttftSeconds: raw.slo.ttftSeconds, itlSeconds: raw.slo.itlSeconds, percentile: raw.slo.percentile },
    meanPromptTokens: raw.meanPromptTokens,
    meanOutputTokens: raw.meanOutputTokens,
    kvCacheHeadroom: raw.kvCacheHeadroom,
    spotHedgeQuantile: raw.spotHedgeQuantile,
    metricsSelector: selector,
    ...(requests !== undefined ? { requestsTrigger: requests } : {}),
  };
  // A variant service's reference profile is checked where it is declared, as each variant's.
  const capacity =
    ctx.reference === undefined
      ? expectedCapacity(r, path, base)
      : replicaCapacity(
          profile,
          base.slo,
          { promptTokens: base.meanPromptTokens, outputTokens: base.meanOutputTokens },
          base.kvCacheHeadroom,
        ).tokensPerSecond;
  return { ...base, expectedCapacity: capacity };
}

/** The block's profile: its own (required), or, with variants, the first variant's (its own may not be set). */
function blockProfile(
  r: Reader,
  path: string,
  given: string | undefined,
  ctx: LlmContext,
  src: ProfileSource,
): { readonly ref: string; readonly profile: PerformanceProfile } | undefined {
  if (ctx.reference !== undefined) {
    if (given !== undefined)
      r.fail(
        join(path, "profile"),
        "each variant names its own profile (variants.<variant>.profile): leave this unset",
      );
    return ctx.reference;
  }
  const block = ctx.given.llm;
  const written =
    block !== null && typeof block === "object" && (block as Record<string, unknown>).profile !== undefined;
  if (given === undefined && written) return undefined; // given but invalid: already reported
  if (given === undefined)
    return r.fail(
      join(path, "profile"),
      "is required: a shipped profile id or the path of a profile file (or declare variants, each with its own)",
    );
  const profile = resolveProfile(r, join(path, "profile"), given, src);
  return profile === undefined ? undefined : { ref: given, profile };
}

/** A trigger the llm block adds (the shape of TriggerConfig, with its role). */
export interface LlmTrigger {
  readonly name: string;
  readonly source: "prometheus";
  readonly query: string;
  readonly historyQuery: string;
  readonly vhost: string;
  readonly rabbitMetric: "messages";
  readonly target: number;
  readonly kind: "extensive" | "intensive";
  readonly arrival: false;
  readonly llm: LlmSignal;
}

/** The PromQL of each vLLM signal under `sel` (see the header). */
export function llmQueries(
  sel: string,
  percentile: number,
): Readonly<Record<(typeof LLM_TRIGGER_NAMES)[number], string>> {
  const rate = (m: string, w: string): string => `rate(${m}{${sel}}[${w}])`;
  const mean = (h: string): string => `sum(${rate(`${h}_sum`, "5m")}) / sum(${rate(`${h}_count`, "5m")}) > 0`;
  const quantile = (q: number, buckets: string): string =>
    `histogram_quantile(${q}, sum by (le) (${buckets})) > 0`;
  const lengths = (signals: readonly LengthSignal[], h: string): Record<string, string> =>
    Object.fromEntries(
      signals.map((name, i) => [name, quantile(LENGTH_QUANTILES[i]?.q ?? 0.5, rate(`${h}_bucket`, "5m"))]),
    );
  const gaps = `${rate("vllm:inter_token_latency_seconds_bucket", "2m")} or ${rate("vllm:time_per_output_token_seconds_bucket", "2m")}`;
  return {
    tokens: `sum(${rate("vllm:prompt_tokens_total", "1m")}) + sum(${rate("vllm:generation_tokens_total", "1m")})`,
    meanPromptTokens: mean("vllm:request_prompt_tokens"),
    meanOutputTokens: mean("vllm:request_generation_tokens"),
    ...(lengths(PROMPT_LENGTH_SIGNALS, "vllm:request_prompt_tokens") as Record<
      (typeof PROMPT_LENGTH_SIGNALS)[number],
      string
    >),
    ...(lengths(OUTPUT_LENGTH_SIGNALS, "vllm:request_generation_tokens") as Record<
      (typeof OUTPUT_LENGTH_SIGNALS)[number],
      string
    >),
    ttft: quantile(percentile, rate("vllm:time_to_first_token_seconds_bucket", "2m")),
    itl: `${quantile(percentile, rate("vllm:request_time_per_output_token_seconds_bucket", "2m"))} or ${quantile(percentile, gaps)}`,
  };
}

/** The triggers the llm block adds to its service. */
export function llmTriggers(llm: LlmConfig): LlmTrigger[] {
  const q = llmQueries(llm.metricsSelector, llm.slo.percentile);
  const t = (
    name: (typeof LLM_TRIGGER_NAMES)[number],
    kind: LlmTrigger["kind"],
    target: number,
  ): LlmTrigger => ({
    name,
    source: "prometheus",
    query: q[name],
    historyQuery: name === "tokens" ? `(${q.tokens}) or vector(0)` : q[name],
    vhost: "/",
    rabbitMetric: "messages",
    target,
    kind,
    arrival: false,
    llm: name,
  });
  return [
    t("tokens", "extensive", llm.expectedCapacity),
    t("meanPromptTokens", "intensive", llm.meanPromptTokens),
    t("meanOutputTokens", "intensive", llm.meanOutputTokens),
    ...PROMPT_LENGTH_SIGNALS.map((name) => t(name, "intensive", llm.meanPromptTokens)),
    ...OUTPUT_LENGTH_SIGNALS.map((name) => t(name, "intensive", llm.meanOutputTokens)),
    t("ttft", "intensive", llm.slo.ttftSeconds),
    t("itl", "intensive", llm.slo.itlSeconds),
  ];
}
