// Rule 2 as a step: the planner in predictive.ts sizes the forecast's floor; the step raises the
// draft to it when the forecast may act (enabled, confident, not forecast-only), records what the
// forecast asks for either way, and passes on the forecast peak that pre-warm and scale to zero weigh.

import { replicaPrice } from "../cost.ts";
import type { Draft, StepContext } from "../step.ts";
import { predictive } from "./predictive.ts";

export function predictiveStep(draft: Draft, ctx: StepContext): Draft {
  const { config, svc, obs, now } = ctx;
  const p = predictive(config.predictiveScaling, svc, obs.forecast, now, {
    currentReplicas: obs.currentReplicas ?? obs.readyReplicas,
    signals: obs.signals,
    replicaHourlyPrice: replicaPrice(svc, config.cost).blended,
  });
  const trusted = p.confident && config.predictiveScaling.enableProactiveScaling;
  const asked = p.replicas;
  const raises = p.applied && asked !== undefined && asked > draft.desired;
  return {
    ...draft,
    desired: raises ? asked : draft.desired,
    by: raises ? "predictive" : draft.by,
    reasons: p.reasons.length === 0 ? draft.reasons : draft.reasons.concat(p.reasons),
    predictive: asked,
    confidence: p.confidence,
    forecastPeak: trusted ? p.peakMean : undefined,
  };
}
