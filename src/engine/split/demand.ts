// The demand a service with variants must serve, at the moments that matter to the split: now, with
// what runs (the keep checkpoint), and at each variant's start-up (when its new replicas would
// serve). Rules 1 and 2 in tokens, as for one workload (llm-reactive.ts, llm-plan.ts), with the
// capacity of a replica left to the split:
//
// - now: the larger of the tokens/s vLLM served and the ingress's arrivals x (P + O);
// - the guards: the measured TTFT and ITL ask one workload's guard step (llm-reactive.ts: one
//   replica's capacity x target / measured, at most one replica beyond the ready ones), and any
//   other intensive trigger the HPA's ratio of the ready replicas, ceil(ready x measured / target);
//   in tokens the highest count is that many replicas at the ready fleet's capacity a replica (a
//   GPU utilisation of 90% against 45% with 2 ready: the capacity of 4 of them);
// - at start-up S of each variant: the planner's quantile of the token forecast at now + S (its
//   newsvendor ratio from the cheapest variant of that start-up), never below now and the guards;
// - keep: what the ready replicas must go on serving: now, the guards, and the forecast's mean peak
//   within the longest start-up + the HPA's scale-down cooldown (the planner's hold);
// - the scale-down delay (scaleDownDelaySeconds): a lower demand waits. The base is the highest
//   demand asked within the last D seconds (each answer stores the demand asked now, so a held
//   demand never holds itself up), or the guards when they ask more; the split then sizes every
//   checkpoint for it at the least cost. What is held is the demand, not the counts: a burst's
//   split (1 H100) stays through a lull instead of flipping to the lull's cheapest keep-warm
//   replica (1 spot L40S) that the next burst would meet. The guards are not held: they answer a
//   measured latency with a step, and ask nothing once it is back within target (as for one
//   workload, rules/latency-guard.ts). Scale to zero (rule 4) reads the demand now, so it still
//   acts after scaleToZeroAfterMinutes idle within the delay.
//
// Worked example (the forecast flat at 80,000 tokens/s, confident): served 61,000 tokens/s now;
// variants H100 (54 s) and L40S (480 s): checkpoints 0 s 80,000 (the mean peak within 780 s),
// 54 s 80,000, 480 s 80,000 (each the forecast's quantile at that moment).

import { ceilSafe } from "../hpa.ts";
import { highestStanding } from "../rules/held.ts";
import { guardReason, guardsOf } from "../rules/llm-reactive.ts";
import { peakOver, predictive, SCALE_IN_COOLDOWN_SECONDS } from "../rules/predictive.ts";
import type { TokenDemand } from "../llm-sizing.ts";
import type { Draft, StepContext } from "../step.ts";
import { tokens as thousands } from "../thousands.ts";
import type { Reason } from "../types.ts";
import type { VariantState } from "./build.ts";
import type { Checkpoint } from "./problem.ts";

export interface VariantDemand {
  /** The demand now, as rule 1 in tokens reads it. */
  readonly tokens: TokenDemand;
  /** Tokens/s the guards (TTFT, ITL, other intensive triggers) ask for, when more than runs. */
  readonly guard: number | undefined;
  /** Tokens/s the split sizes for now: the demand now, or the delay's held demand, and the guards. */
  readonly base: number;
  /** Tokens/s the replicas ready now must keep serving. */
  readonly keep: number;
  /**
   * With a scale-down delay: the demand now (tokens/s, without the guards), the highest demand
   * asked within the delay (at least `asked`; the split sizes for it or the guards, the higher),
   * and whether it binds: held above both the demand now and the guards.
   */
  readonly delay: { readonly asked: number; readonly held: number; readonly binds: boolean } | undefined;
  /** Keep at 0 s, then each variant start-up's demand. */
  readonly checkpoints: readonly Checkpoint[];
  /** A forecast raised some checkpoint above the demand now. */
  readonly planned: boolean;
  readonly confidence: number | undefined;
  /** The forecast's mean peak over the longest start-up + scale-ahead, when it may act (scale to zero weighs it). */
  readonly forecastPeak: number | undefined;
  readonly reasons: readonly Reason[];
}

/**
 * The guards in tokens/s: a count of ready replicas at the ready fleet's capacity a replica. The
 * count is the highest of the intensive triggers' (the HPA's ratio) and the TTFT and ITL guards'
 * (one workload's, llm-reactive.ts, with that capacity a replica); undefined with none ready or
 * none asking more than runs.
 */
function guardOf(
  draft: Draft,
  ctx: StepContext,
  states: readonly VariantState[],
  tokens: TokenDemand,
  reasons: Reason[],
): number | undefined {
  const ready = ctx.obs.readyReplicas ?? states.reduce((s, v) => s + v.ready, 0);
  if (!(ready > 0)) return undefined;
  const per = states.reduce((s, v) => s + v.ready * v.capacity.tokensPerSecond, 0) / ready;
  if (!(per > 0)) return undefined;
  let count = draft.reactive ?? 0;
  const basis = { ...tokens, capacity: { tokensPerSecond: per }, replicas: ceilSafe(tokens.demand / per) };
  for (const { guard } of guardsOf(ctx.svc, basis, ready)) {
    reasons.push({
      rule: "reactive",
      message: `variants: ${guardReason(basis, guard).message}; sizing for ${guard.replicas} x ${thousands(per)} = ${thousands(guard.replicas * per)} tokens/s (the ready fleet's capacity a replica)`,
    });
    count = Math.max(count, guard.replicas);
  }
  return count > ready ? count * per : undefined;
}

/** The planner at start-up `seconds`, priced by the cheapest variant of that start-up. */
function planAt(
  ctx: StepContext,
  states: readonly VariantState[],
  seconds: number,
): ReturnType<typeof predictive> {
  const cheapest = states
    .filter((s) => s.config.podStartupSeconds === seconds)
    .reduce((a, b) => (b.price.blended < a.price.blended ? b : a));
  const svc = {
    ...ctx.svc,
    podStartupSeconds: seconds,
    capacityPerReplica: Math.max(cheapest.capacity.tokensPerSecond, 1e-9),
  };
  return predictive(ctx.config.predictiveScaling, svc, ctx.obs.forecast, ctx.now, {
    signals: ctx.obs.signals,
    replicaHourlyPrice: cheapest.price.blended,
  });
}

/** The demand at each checkpoint (see the header). */
export function variantDemand(
  draft: Draft,
  ctx: StepContext,
  states: readonly VariantState[],
  tokens: TokenDemand,
): VariantDemand {
  const reasons: Reason[] = [];
  const guard = guardOf(draft, ctx, states, tokens, reasons);
  const delay = delayOf(ctx, tokens.demand, guard ?? 0, reasons);
  const base = Math.max(delay?.held ?? tokens.demand, guard ?? 0);
  const startups = [...new Set(states.map((s) => s.config.podStartupSeconds))].sort((a, b) => a - b);
  const seen = new Set<string>();
  let planned = false;
  let confidence: number | undefined;
  let forecastPeak: number | undefined;
  let trusted = false;
  const at = new Map<number, number>();
  for (const s of startups) {
    const p = planAt(ctx, states, s);
    for (const r of p.reasons) {
      if (seen.has(r.message)) continue;
      seen.add(r.message);
      reasons.push(r);
    }
    confidence = p.confidence ?? confidence;
    trusted = p.confident && ctx.config.predictiveScaling.enableProactiveScaling;
    forecastPeak = trusted ? p.peakMean : undefined;
    const load = p.applied && p.plannedLoad !== undefined ? p.plannedLoad : 0;
    if (load > base) planned = true;
    at.set(s, Math.max(base, load));
  }
  const keep = keepAt(ctx, base, trusted, startups, reasons);
  const checkpoints: Checkpoint[] = [{ atSeconds: 0, demand: Math.max(keep, at.get(0) ?? 0) }];
  for (const s of startups) if (s > 0) checkpoints.push({ atSeconds: s, demand: at.get(s) ?? base });
  return { tokens, guard, base, keep, delay, checkpoints, planned, confidence, forecastPeak, reasons };
}

/** The scale-down delay's demand: the highest demand asked within the last D seconds (see the header). */
function delayOf(ctx: StepContext, asked: number, guard: number, reasons: Reason[]): VariantDemand["delay"] {
  const seconds = ctx.svc.scaleDownDelaySeconds;
  if (!(seconds > 0)) return undefined;
  const standing = highestStanding(ctx.history?.answers ?? [], ctx.now, seconds, (a) => a.demand ?? 0);
  if (!(standing > asked)) return { asked, held: asked, binds: false };
  const binds = standing > guard;
  if (binds)
    reasons.push({
      rule: "hold",
      message: `variants: scale-down delay: sizing for ${thousands(standing)} tokens/s, the highest demand asked within the last ${seconds} s (${thousands(asked)} asked now)`,
    });
  return { asked, held: standing, binds };
}

/** What the ready replicas must keep serving: the base, and a trusted forecast's mean peak within the longest start-up + cooldown. */
function keepAt(
  ctx: StepContext,
  base: number,
  trusted: boolean,
  startups: readonly number[],
  reasons: Reason[],
): number {
  const f = ctx.obs.forecast;
  if (!trusted || f === undefined) return base;
  const window = (startups[startups.length - 1] ?? 0) + SCALE_IN_COOLDOWN_SECONDS;
  const peak = peakOver(f, f.mean, ctx.now, ctx.now + window * 1000);
  if (!(peak > base)) return base;
  reasons.push({
    rule: "predictive",
    message: `variants: keep what serves ${thousands(peak)} tokens/s ready: the mean forecast peaks there within the longest start-up + cooldown (${window}s)`,
  });
  return peak;
}
