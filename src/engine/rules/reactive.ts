// Rule 1, reactive: one replica count per trigger by the HPA's rules, then the maximum.

import { OUTPUT_LENGTH_SIGNALS, PROMPT_LENGTH_SIGNALS } from "../../config/llm.ts";
import type { ServiceConfig, SourcesConfig, TriggerConfig } from "../../config/schema.ts";
import { extensiveReplicas, intensiveReplicas } from "../hpa.ts";
import { own } from "../own.ts";
import { invalidDraft, type Draft, type StepContext } from "../step.ts";
import type { Reason, ServiceObservations, Writable } from "../types.ts";

/**
 * Signals of an llm service that the token rule reads instead of this one (llm-reactive.ts: the
 * demand and the TTFT and ITL guards), and a variant's pods waiting for spot capacity (the split
 * reads them).
 */
const TOKEN_RULE_SIGNALS: ReadonlySet<string> = new Set([
  "tokens",
  "meanPromptTokens",
  "meanOutputTokens",
  ...PROMPT_LENGTH_SIGNALS,
  ...OUTPUT_LENGTH_SIGNALS,
  "requests",
  "spotPending",
  "ttft",
  "itl",
]);

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
  let expired: string[] | undefined;
  let missing = 0;
  const ready = obs.readyReplicas ?? 0;
  let best:
    { readonly trigger: TriggerConfig; readonly value: number; readonly replicas: number } | undefined;
  let load: number | undefined;
  for (const t of svc.triggers) {
    const rd = own(obs.signals, t.name);
    if (rd === undefined) {
      missing++;
      reasons.push({ rule: "signal", message: `${t.name}: no reading yet` });
      continue;
    }
    if (!Number.isFinite(rd.value) || rd.value < 0 || !Number.isFinite(rd.observedAt)) {
      missing++;
      const what = Number.isFinite(rd.observedAt) ? "value" : "observation time";
      const v = Number.isFinite(rd.observedAt) ? rd.value : rd.observedAt;
      reasons.push({ rule: "signal", message: `${t.name}: unusable ${what} ${String(v)} ignored` });
      continue;
    }
    const age = Math.max(0, (now - rd.observedAt) / 1000);
    if (age > sources.maxStalenessSeconds) {
      (expired ??= []).push(`${t.name} (${Math.round(age)}s old)`);
      continue;
    }
    if (age > sources.staleAfterSeconds) {
      reasons.push({
        rule: "signal",
        message: `${t.name}: stale, using last good value ${fmt(rd.value)} from ${Math.round(age)}s ago`,
      });
    }
    if (t.name === svc.loadTrigger) load = rd.value;
    // An llm service's token load, request lengths, arrivals and latencies are the token rule's (llm-reactive.ts).
    if (t.llm !== undefined && TOKEN_RULE_SIGNALS.has(t.llm)) continue;
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
    if (best === undefined || n > best.replicas) best = { trigger: t, value: rd.value, replicas: n };
  }
  if (expired !== undefined) {
    return {
      invalid: `signal older than maxStalenessSeconds (${sources.maxStalenessSeconds}s): ${expired.join(", ")}`,
      perTrigger,
      reasons,
    };
  }
  if (missing === svc.triggers.length) {
    return { invalid: "no usable reading for any trigger yet", perTrigger, reasons };
  }
  const out: Writable<ReactiveResult> = { perTrigger, reasons };
  if (load !== undefined) out.load = load;
  if (best !== undefined) {
    const { trigger: t, value: v, replicas } = best;
    const how =
      t.kind === "intensive"
        ? `ceil(${ready} ready * ${fmt(v)} / ${fmt(t.target)})`
        : `ceil(${fmt(v)} / ${fmt(t.target)})`;
    reasons.push({ rule: "reactive", message: `${t.name}: ${how} = ${replicas}` });
    out.replicas = replicas;
    out.trigger = t.name;
  }
  return out;
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
  const reasons = draft.reasons.concat(r.reasons);
  if (r.invalid !== undefined) return invalidDraft({ ...draft, reasons }, ctx, r.invalid);
  if (r.replicas === undefined) {
    // An llm service's token rule, next, may still give a count (it says so when it cannot).
    if (ctx.svc.llm === undefined)
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
