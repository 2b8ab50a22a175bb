// Rule 2 as a step: the planner in predictive.ts sizes the forecast's floor; the step raises the
// draft to it when the forecast may act (enabled, confident, not forecast-only), records what the
// forecast asks for either way, and passes on the forecast peak that pre-warm and scale to zero weigh.
// An llm service is planned in tokens instead (llm-plan.ts), with the same planner.

import type { ServiceConfig } from "../../config/schema.ts";
import { replicaPrice } from "../cost.ts";
import type { Draft, StepContext } from "../step.ts";
import type { Reason } from "../types.ts";
import { predictive, type PredictiveResult } from "./predictive.ts";

/** The planner for `svc` (the service, or an llm service with its capacity in tokens). */
export function plan(ctx: StepContext, svc: ServiceConfig): PredictiveResult {
  const { config, obs, now } = ctx;
  return predictive(config.predictiveScaling, svc, obs.forecast, now, {
    currentReplicas: obs.currentReplicas ?? obs.readyReplicas,
    signals: obs.signals,
    replicaHourlyPrice: replicaPrice(svc, config.cost).blended,
  });
}

/** The draft with the plan's floor applied when the forecast may act, and its reasons after its own. */
export function applyPlan(
  draft: Draft,
  ctx: StepContext,
  p: PredictiveResult,
  extra: readonly Reason[] = [],
): Draft {
  const trusted = p.confident && ctx.config.predictiveScaling.enableProactiveScaling;
  const asked = p.replicas;
  const raises = p.applied && asked !== undefined && asked > draft.desired;
  const reasons = extra.length === 0 ? p.reasons : [...p.reasons, ...extra];
  return {
    ...draft,
    desired: raises ? asked : draft.desired,
    by: raises ? "predictive" : draft.by,
    reasons: reasons.length === 0 ? draft.reasons : draft.reasons.concat(reasons),
    predictive: asked,
    confidence: p.confidence,
    forecastPeak: trusted ? p.peakMean : undefined,
  };
}

export function predictiveStep(draft: Draft, ctx: StepContext): Draft {
  if (ctx.svc.llm !== undefined) return draft;
  return applyPlan(draft, ctx, plan(ctx, ctx.svc));
}
