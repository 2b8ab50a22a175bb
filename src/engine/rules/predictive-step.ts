// Rule 2 as a step: the planner in predictive.ts sizes the forecast's floor; the step raises the
// draft to it when the forecast may act (enabled, confident, not forecast-only), records what the
// forecast asks for either way, and passes on the forecast peak that pre-warm and scale to zero weigh.

import { raise, type Draft, type StepContext } from "../step.ts";
import { predictive } from "./predictive.ts";

export function predictiveStep(draft: Draft, ctx: StepContext): Draft {
  const { config, svc, obs, now } = ctx;
  const p = predictive(config.predictiveScaling, svc, obs.forecast, now, {
    currentReplicas: obs.currentReplicas ?? obs.readyReplicas,
    signals: obs.signals,
  });
  const trusted = p.confident && config.predictiveScaling.enableProactiveScaling;
  const next: Draft = {
    ...draft,
    reasons: [...draft.reasons, ...p.reasons],
    predictive: p.replicas,
    confidence: p.confidence,
    forecastPeak: trusted ? p.peakMean : undefined,
  };
  return p.applied && p.replicas !== undefined ? raise(next, p.replicas, "predictive") : next;
}
