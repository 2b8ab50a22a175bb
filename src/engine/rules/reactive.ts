// Rule 1, reactive: one replica count per trigger by the HPA's rules, then the maximum.

import type { ServiceConfig, SourcesConfig } from "../../config/schema.ts";
import { extensiveReplicas, intensiveReplicas } from "../hpa.ts";
import { own } from "../own.ts";
import { invalidDraft, type Draft, type StepContext } from "../step.ts";
import type { Reason, ServiceObservations } from "../types.ts";

export interface ReactiveResult {
  /** Max over the triggers that could be evaluated; undefined if none could. */
  readonly replicas?: number;
  /** The trigger that gave the maximum. */
  readonly trigger?: string;
  /** Set when the service must not be decided at all (data expired or never seen). */
  readonly invalid?: string;
  /** The load trigger's current value, if read. */
  readonly load?: number;
  /** Per-trigger counts (used by scale-to-zero to drop the idle load trigger). */
  readonly perTrigger: ReadonlyMap<string, number>;
  readonly reasons: readonly Reason[];
}

export function reactive(
  svc: ServiceConfig,
  obs: ServiceObservations,
  sources: SourcesConfig,
  now: number,
): ReactiveResult {
  const reasons: Reason[] = [];
  const perTrigger = new Map<string, number>();
  const expired: string[] = [];
  const missing: string[] = [];
  const ready = obs.readyReplicas ?? 0;
  let best: number | undefined;
  let bestTrigger: string | undefined;
  let load: number | undefined;
  for (const t of svc.triggers) {
    const rd = own(obs.signals, t.name);
    if (rd === undefined) {
      missing.push(t.name);
      reasons.push({ rule: "signal", message: `${t.name}: no reading yet` });
      continue;
    }
    if (!Number.isFinite(rd.value) || rd.value < 0 || !Number.isFinite(rd.observedAt)) {
      missing.push(t.name);
      const what = Number.isFinite(rd.observedAt) ? "value" : "observation time";
      const v = Number.isFinite(rd.observedAt) ? rd.value : rd.observedAt;
      reasons.push({ rule: "signal", message: `${t.name}: unusable ${what} ${String(v)} ignored` });
      continue;
    }
    const age = Math.max(0, (now - rd.observedAt) / 1000);
    if (age > sources.maxStalenessSeconds) {
      expired.push(`${t.name} (${Math.round(age)}s old)`);
      continue;
    }
    if (age > sources.staleAfterSeconds) {
      reasons.push({
        rule: "signal",
        message: `${t.name}: stale, using last good value ${fmt(rd.value)} from ${Math.round(age)}s ago`,
      });
    }
    if (t.name === svc.loadTrigger) load = rd.value;
    const n =
      t.kind === "extensive"
        ? extensiveReplicas(rd.value, t.target)
        : intensiveReplicas(rd.value, t.target, ready);
    if (n === undefined) {
      reasons.push({
        rule: "signal",
        message: `${t.name}: intensive signal not applicable with ${ready} ready replicas`,
      });
      continue;
    }
    perTrigger.set(t.name, n);
    if (best === undefined || n > best) {
      best = n;
      bestTrigger = t.name;
    }
  }
  if (expired.length > 0) {
    return {
      invalid: `signal older than maxStalenessSeconds (${sources.maxStalenessSeconds}s): ${expired.join(", ")}`,
      perTrigger,
      reasons,
    };
  }
  if (missing.length === svc.triggers.length) {
    return { invalid: "no usable reading for any trigger yet", perTrigger, reasons };
  }
  if (best !== undefined && bestTrigger !== undefined) {
    const t = svc.triggers.find((x) => x.name === bestTrigger);
    const v = own(obs.signals, bestTrigger)?.value ?? 0;
    const how =
      t?.kind === "intensive"
        ? `ceil(${ready} ready * ${fmt(v)} / ${fmt(t.target)})`
        : `ceil(${fmt(v)} / ${fmt(t?.target ?? 1)})`;
    reasons.push({ rule: "reactive", message: `${bestTrigger}: ${how} = ${best}` });
  }
  return {
    ...(best !== undefined ? { replicas: best } : {}),
    ...(bestTrigger !== undefined ? { trigger: bestTrigger } : {}),
    ...(load !== undefined ? { load } : {}),
    perTrigger,
    reasons,
  };
}

export function fmt(x: number): string {
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}

/**
 * Rule 1 as a step: the reactive count replaces the count the draft holds. With no trigger that can
 * be evaluated the draft keeps holding what runs; with expired or absent data it turns invalid.
 */
export function reactiveStep(draft: Draft, ctx: StepContext): Draft {
  const r = reactive(ctx.svc, ctx.obs, ctx.config.sources, ctx.now);
  const reasons = [...draft.reasons, ...r.reasons];
  if (r.invalid !== undefined) return invalidDraft({ ...draft, reasons }, ctx, r.invalid);
  if (r.replicas === undefined) {
    reasons.push({ rule: "hold", message: `no trigger could be evaluated: holding ${draft.desired}` });
    return { ...draft, by: "hold", perTrigger: r.perTrigger, load: r.load, reasons };
  }
  return {
    ...draft,
    desired: r.replicas,
    by: "reactive",
    reactive: r.replicas,
    perTrigger: r.perTrigger,
    load: r.load,
    reasons,
  };
}
