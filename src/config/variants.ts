// services.<name>.variants (VARIANT_FIELDS): an llm service served by several workloads, one per
// GPU type or tensor parallelism. Read once at config load: each variant's profile is resolved and
// its SLO capacity at the expected lengths checked, its workload, resources, bounds, start-up and
// queries derived from the service's, and what the service may then not set itself is refused.
// Each variant is one workload with its own ScaledObject (KEDA scales one workload per
// ScaledObject): the chart renders one per variant, whose trigger metadata names the service and
// the variant, and GetMetrics answers that variant's replica count.
//
// A variant with spot replicas adds a trigger to its service that counts its pods waiting Pending
// for capacity longer than spotPendingSeconds (kube-state-metrics): above 0, spot capacity counts
// as unavailable and the variant does not grow.

import type { PerformanceProfile } from "../llm/profile.ts";
import type { ReadOf, SectionOf, VARIANT_FIELDS } from "./fields.ts";
import { capacityAtExpectedLengths, resolveProfile, type LlmConfig, type ProfileSource } from "./llm.ts";
import { join, show, type Reader } from "./read.ts";

type Workload = { readonly kind: string; readonly name: string; readonly namespace: string };

/** One variant, parsed: its profile resolved, every derived field filled in. */
export type VariantConfig = Omit<
  SectionOf<typeof VARIANT_FIELDS>,
  "profile" | "preemptionsPerHour" | "spotPendingQuery" | "workload"
> & {
  readonly name: string;
  readonly profileRef: string;
  readonly profile: PerformanceProfile;
  readonly workload: Workload;
  readonly preemptionsPerHour: number;
  /** With spotShare > 0: the query counting pods waiting for capacity, and the service trigger reading it. */
  readonly spotPendingQuery?: string;
  readonly spotPendingTrigger?: string;
  /** One replica's capacity at the llm block's expected lengths, tokens/s. */
  readonly expectedCapacity: number;
};

/** What the variants need of their service. */
export interface VariantContext {
  readonly path: string;
  readonly workload: Workload;
  readonly cpu: number;
  readonly memoryGiB: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** GPU types with an on-demand price. */
  readonly prices: Readonly<Record<string, number>>;
  /** The service's own trigger names (a variant's pending trigger may not take one). */
  readonly triggerNames: readonly string[];
}

/** A variant with its profile resolved, before its capacity is worked out. */
export type ResolvedVariant = Omit<VariantConfig, "expectedCapacity">;

/** The name of the trigger counting a variant's pods pending for spot capacity. */
export const spotPendingTriggerName = (variant: string): string => `${variant}-spot-pending`;

/** Pods of a workload (a Deployment's <name>-<hash>-<suffix>, a StatefulSet's <name>-<ordinal>, else <name>-...). */
function podPattern(w: Workload): string {
  const name = w.name.replace(/\./g, "[.]");
  if (w.kind === "Deployment") return `${name}-[a-z0-9]+-[a-z0-9]+`;
  if (w.kind === "StatefulSet") return `${name}-[0-9]+`;
  return `${name}-.+`;
}

/** kube-state-metrics: the workload's pods Pending and created more than `seconds` ago, counted. */
export function spotPendingQuery(w: Workload, seconds: number): string {
  const sel = `namespace="${w.namespace}",pod=~"${podPattern(w)}"`;
  return `count((time() - kube_pod_created{${sel}}) > ${seconds} and on(namespace, pod) (kube_pod_status_phase{${sel},phase="Pending"} == 1))`;
}

function readyQuery(r: Reader, path: string, w: Workload): string {
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

type RawVariant = ReadOf<typeof VARIANT_FIELDS>;

function checkVariant(
  r: Reader,
  path: string,
  raw: RawVariant,
  ctx: VariantContext,
  profile: PerformanceProfile,
): void {
  const gpus = raw.resources.gpusPerReplica;
  if (gpus !== undefined && gpus !== profile.gpusPerReplica)
    r.fail(
      join(path, "resources.gpusPerReplica"),
      `must be the ${profile.gpusPerReplica} GPU(s) one replica of ${profile.id} holds, got ${gpus}`,
    );
  const type = raw.resources.gpuType;
  if (type !== undefined && !Object.hasOwn(ctx.prices, type))
    r.fail(
      join(path, "resources.gpuType"),
      `has no price: add it to businessRules.costOptimization.gpuHourlyPrices (known: ${Object.keys(ctx.prices).join(", ")}), got ${show(type)}`,
    );
  const max = raw.maxReplicas ?? ctx.maxReplicas;
  if (max < raw.minReplicas)
    r.fail(join(path, "maxReplicas"), `must be >= minReplicas (${raw.minReplicas}), got ${max}`);
  if (raw.spotShare > 0 && raw.preemptionsPerHour === undefined)
    r.fail(
      join(path, "preemptionsPerHour"),
      `is required with spotShare ${raw.spotShare}: the preemptions per spot replica-hour you expect of ${type ?? "this GPU type"} (the spot hedge sizes from it)`,
    );
  if (raw.spotShare === 0 && raw.spotPendingQuery !== undefined)
    r.fail(join(path, "spotPendingQuery"), "applies to a variant with spotShare > 0");
}

/** One variant with its profile resolved and its fields derived; undefined when its profile does not load. */
function readVariant(
  r: Reader,
  name: string,
  raw: RawVariant,
  ctx: VariantContext,
  src: ProfileSource,
): ResolvedVariant | undefined {
  const path = join(join(ctx.path, "variants"), name);
  if (raw.profile === undefined) return undefined;
  const profile = resolveProfile(r, join(path, "profile"), raw.profile, src);
  if (profile === undefined) return undefined;
  checkVariant(r, path, raw, ctx, profile);
  const workload: Workload = {
    kind: raw.workload.kind ?? ctx.workload.kind,
    name: raw.workload.name ?? `${ctx.workload.name}-${name}`,
    namespace: raw.workload.namespace ?? ctx.workload.namespace,
  };
  const trigger = spotPendingTriggerName(name);
  if (raw.spotShare > 0 && ctx.triggerNames.includes(trigger))
    r.fail(
      join(join(ctx.path, "triggers"), trigger),
      `variant ${name} reads its pods pending for spot capacity under this name: rename the trigger`,
    );
  const { preemptionsPerHour, spotPendingQuery: query, readyReplicasQuery, ...rest } = raw;
  return {
    ...rest,
    name,
    profileRef: raw.profile,
    profile,
    workload,
    resources: {
      gpuType: raw.resources.gpuType ?? "",
      gpusPerReplica: profile.gpusPerReplica,
      cpu: raw.resources.cpu ?? ctx.cpu,
      memoryGiB: raw.resources.memoryGiB ?? ctx.memoryGiB,
    },
    maxReplicas: raw.maxReplicas ?? ctx.maxReplicas,
    podStartupSeconds: raw.podStartupSeconds ?? Math.ceil(profile.loadSeconds),
    preemptionsPerHour: preemptionsPerHour ?? 0,
    readyReplicasQuery: readyReplicasQuery ?? readyQuery(r, path, workload),
    ...(raw.spotShare > 0
      ? {
          spotPendingQuery: query ?? spotPendingQuery(workload, raw.spotPendingSeconds),
          spotPendingTrigger: trigger,
        }
      : {}),
  };
}

/** The variants of one service, profiles resolved (the llm block then takes the first one's as its reference). */
export function readVariants(
  r: Reader,
  raw: Readonly<Record<string, RawVariant>>,
  ctx: VariantContext,
  src: ProfileSource,
): ResolvedVariant[] {
  const out: ResolvedVariant[] = [];
  for (const [name, v] of Object.entries(raw)) {
    const read = readVariant(r, name, v, ctx, src);
    if (read !== undefined) out.push(read);
  }
  checkAcrossVariants(r, ctx, out);
  return out;
}

function checkAcrossVariants(r: Reader, ctx: VariantContext, variants: readonly ResolvedVariant[]): void {
  const seen = new Map<string, string>();
  for (const v of variants) {
    const key = `${v.workload.namespace}/${v.workload.kind}/${v.workload.name}`;
    const twin = seen.get(key);
    if (twin !== undefined)
      r.fail(
        join(join(join(ctx.path, "variants"), v.name), "workload.name"),
        `is variant ${twin}'s workload too (${v.workload.kind} ${v.workload.namespace}/${v.workload.name}): each variant scales its own`,
      );
    seen.set(key, v.name);
  }
  const mins = variants.reduce((s, v) => s + v.minReplicas, 0);
  if (mins > ctx.maxReplicas)
    r.fail(
      join(ctx.path, "maxReplicas"),
      `must be >= the variants' minReplicas together (${mins}), got ${ctx.maxReplicas}`,
    );
  const maxes = variants.reduce((s, v) => s + v.maxReplicas, 0);
  if (variants.length > 0 && ctx.minReplicas > maxes)
    r.fail(
      join(ctx.path, "minReplicas"),
      `must be <= the variants' maxReplicas together (${maxes}), got ${ctx.minReplicas}`,
    );
}

/**
 * Each variant's capacity at the llm block's expected lengths within its SLO: a variant whose
 * profile misses the SLO with one request alone, or sustains no load, is an error naming it.
 */
export function withCapacities(
  r: Reader,
  path: string,
  variants: readonly ResolvedVariant[],
  llm: LlmConfig,
): VariantConfig[] {
  return variants.map((v) => {
    const c = capacityAtExpectedLengths(v.profile, llm);
    const at = join(join(join(path, "variants"), v.name), "profile");
    for (const which of c.unattainable)
      r.fail(
        at,
        `${v.profile.id} misses ${which === "itl" ? `ITL <= ${llm.slo.itlSeconds}` : `TTFT <= ${llm.slo.ttftSeconds}`} s with one request alone at ${llm.meanPromptTokens} prompt and ${llm.meanOutputTokens} output tokens: no replica count of it meets the SLO`,
      );
    if (c.unattainable.length === 0 && !(c.tokensPerSecond > 0))
      r.fail(at, `${v.profile.id} sustains no load within the SLO at the expected lengths`);
    return { ...v, expectedCapacity: c.tokensPerSecond };
  });
}

/** The service fields a service with variants sets per variant instead, refused when given. */
export function checkServiceWithVariants(
  r: Reader,
  path: string,
  given: Readonly<Record<string, unknown>>,
  hasLlm: boolean,
): void {
  if (!hasLlm)
    r.fail(
      join(path, "variants"),
      "need the service's llm block (its SLO and request lengths): variants are sized in tokens",
    );
  const resources = (given.resources ?? {}) as Readonly<Record<string, unknown>>;
  for (const key of ["gpuType", "gpusPerReplica"])
    if (resources[key] !== undefined)
      r.fail(
        join(path, `resources.${key}`),
        `is set per variant (variants.<variant>.resources.${key}): leave it unset`,
      );
  for (const key of ["preferSpotInstances", "spotShare", "podStartupSeconds", "readyReplicasQuery"])
    if (given[key] !== undefined) r.fail(join(path, key), "is set per variant: leave it unset");
}
