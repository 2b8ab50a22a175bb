// Rules 1 and 2 for a service with variants, as two steps around the per-service rules:
//
// - variantDemandStep (after the token steps, which pass such a service by): the demand in tokens
//   at each checkpoint (split/demand.ts, with the scale-down delay's hold) split across the
//   variants at the least cost (split/solve.ts); the draft's count is the split's total,
//   `reactive` the total the demand now (or the delay's) alone would ask, `predictive` the total
//   with the forecast. The reasons give the arithmetic.
// - variantSplitStep (after the clamp): business hours, scale to zero and the clamp set the total
//   (a floor, zero, the service's bounds); when it differs from the split's, the split is solved
//   again with that total as its bound (a floor of 2 with no demand: the cheapest 2 replicas).
//
// Services without variants pass through both unchanged.

import { extensiveReplicas } from "../hpa.ts";
import { tokenDemand, type TokenDemand } from "../llm-sizing.ts";
import { variantStates, problemOf, type VariantState } from "../split/build.ts";
import { variantDemand } from "../split/demand.ts";
import { splitReasons, type VariantDraft } from "../split/explain.ts";
import type { SplitProblem } from "../split/problem.ts";
import { solveSplit } from "../split/solve.ts";
import type { Draft, StepContext } from "../step.ts";
import type { Reason } from "../types.ts";

export const totalOf = (counts: readonly number[]): number => counts.reduce((s, n) => s + n, 0);

/** No demand reading yet: each variant holds what it runs (within its bounds). */
function holding(
  draft: Draft,
  ctx: StepContext,
  states: readonly VariantState[],
  tokens: TokenDemand,
): Draft {
  const held: SplitProblem = {
    ...problemOf(ctx.config, ctx.svc, states, [{ atSeconds: 0, demand: 0 }]),
    minTotal: 0,
    maxTotal: Infinity,
  };
  const pinned: SplitProblem = {
    ...held,
    variants: held.variants.map((v, i) => {
      const n = Math.min(Math.max(states[i]?.current ?? 0, v.min), v.max);
      return { ...v, min: n, max: n };
    }),
  };
  const result = solveSplit(pinned);
  const demand = variantDemand(draft, ctx, states, tokens);
  const variants: VariantDraft = { states, demand, problem: held, result };
  const total = totalOf(result.counts);
  const reason: Reason = {
    rule: "hold",
    message: `tokens: no token or arrival reading yet: each variant holds what it runs (${total})`,
  };
  return { ...draft, desired: total, by: "hold", variants, reasons: [...draft.reasons, reason] };
}

/** The count the arrival trigger asks on its own (an arrival above zero holds a replica, as for one workload). */
function perTrigger(
  draft: Draft,
  ctx: StepContext,
  tokens: TokenDemand,
  states: readonly VariantState[],
): Draft["perTrigger"] {
  const out = new Map(draft.perTrigger);
  const best = Math.max(0, ...states.map((s) => s.capacity.tokensPerSecond));
  for (const t of ctx.svc.triggers)
    if (t.llm === "requests" && tokens.arrivals !== undefined && best > 0)
      out.set(
        t.name,
        extensiveReplicas(tokens.arrivals * (tokens.shape.promptTokens + tokens.shape.outputTokens), best),
      );
  return out;
}

export function variantDemandStep(draft: Draft, ctx: StepContext): Draft {
  const svc = ctx.svc;
  const tokens = svc.variants !== undefined ? tokenDemand(svc, ctx.obs) : undefined;
  if (tokens === undefined) return draft;
  const states = variantStates(ctx.config, svc, ctx.obs, tokens.shape);
  if (tokens.servedTokens === undefined && tokens.arrivals === undefined)
    return holding(draft, ctx, states, tokens);
  const demand = variantDemand(draft, ctx, states, tokens);
  const problem = problemOf(ctx.config, svc, states, demand.checkpoints);
  const result = solveSplit(problem);
  const total = totalOf(result.counts);
  const held = demand.delay?.binds === true;
  // What the demand now (or the delay's) alone asks, every checkpoint at it: the reactive split.
  const reactive = demand.planned
    ? solveSplit({ ...problem, checkpoints: problem.checkpoints.map((c) => ({ ...c, demand: demand.base })) })
        .counts
    : result.counts;
  const nowOnly = totalOf(reactive);
  const planChanged = reactive.some((n, i) => n !== result.counts[i]);
  const variants: VariantDraft = { states, demand, problem, result };
  return {
    ...draft,
    desired: total,
    by: planChanged ? "predictive" : held ? "hold" : "reactive",
    reactive: nowOnly,
    predictive: demand.confidence !== undefined ? total : undefined,
    confidence: demand.confidence,
    forecastPeak: demand.forecastPeak,
    load: tokens.demand,
    perTrigger: perTrigger(draft, ctx, tokens, states),
    variants,
    reasons: [...draft.reasons, ...demand.reasons, ...splitReasons(variants)],
  };
}

/** The split again with the total the later steps set, when it differs from the split's own. */
export function variantSplitStep(draft: Draft): Draft {
  const v = draft.variants;
  if (v === undefined) return draft;
  const total = totalOf(v.result.counts);
  if (draft.desired === total) return draft;
  const bound = draft.desired > total ? { minTotal: draft.desired } : { maxTotal: draft.desired };
  const problem: SplitProblem = { ...v.problem, ...bound };
  const result = solveSplit(problem);
  const again: VariantDraft = { ...v, problem, result };
  const split = v.states.map((s, i) => `${s.config.name} ${result.counts[i] ?? 0}`).join(", ");
  const reason: Reason = {
    rule: draft.by,
    message: `variants: ${draft.by} sets ${draft.desired} replicas (the split asked ${total}): split again within it: ${split}`,
  };
  return { ...draft, desired: totalOf(result.counts), variants: again, reasons: [...draft.reasons, reason] };
}
