// The latency guards of an llm service (rules/llm-reactive.ts: a measured TTFT or ITL above its
// target asks for a step of at most one replica beyond the ready ones), joined to the decision after
// the scale-down delay, so the delay holds what the load asked (tokens, the triggers, the forecast)
// and not a guard's corrective step.
//
// Why: a guard answers a measured latency quantile over its window (2 minutes) with one replica
// more; once the replicas it asked serve and the latency is back within its target, it asks nothing.
// The HPA's scale-down window (300 s) still holds its count. Held for the delay as well, one minute
// of a burst that the token model under-sized kept the fleet at the guard's count for the delay and
// the window: on the Azure conversation trace, ours answered the guard's 12 for 13 minutes and kept
// 11 pods for 18 while the load asked 4 to 9 (bench/RESULTS.md, "The scale-down delay holds the
// load's count, not the latency guards'").
//
// Scale to zero wins over the guards, as it did when they joined the reactive count: an idle
// service's latency says nothing about demand.

import { raise, type Draft } from "../step.ts";

export function latencyGuardStep(draft: Draft): Draft {
  if (draft.guard === undefined || draft.by === "scale-to-zero") return draft;
  return raise(draft, draft.guard, "reactive");
}
