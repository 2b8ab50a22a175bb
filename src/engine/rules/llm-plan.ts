// Rule 2 in tokens, for an llm service: the planner of predictive.ts (its newsvendor quantile of
// the forecast at the ready time, its hold over start-up + cooldown) sizes the forecast of the
// token load (prompt + generated tokens/s, the service's `tokens` signal) with one replica's
// capacity in tokens/s from the profile at the measured request lengths, so that the profile
// predicts TTFT and ITL within the SLO and the KV cache within its headroom at the planned load.
// The request lengths measured now stand in for the lengths at the ready time.
//
// One series is forecast, the token load, not two (prompt and generated): the forecaster is per
// load signal, and prompt and output tokens rise and fall together with the requests; the split
// between them is the mean lengths' ratio, measured over 5 minutes, which changes far more slowly
// than the load. A series of engine-seconds (the tokens weighed through the profile) would fold
// today's profile into the history: a new profile or GPU type would make the history wrong.
//
// A second reason gives the capacity's arithmetic and what the model predicts at the planned
// count, e.g. for a forecast of 80,000 tokens/s at the ready time (the example of llm-sizing.ts):
// "plan for ready time now+54s: q95 80000 / 30203 per replica = 3" then "in tokens: 30,203
// tokens/s per replica (qwen3-8b/h100_sxm/vllm/tp1: 23.67 req/s within TTFT p99 <= 2 s, ITL p99
// <= 50 ms, KV <= 90%, bound by throughput (the step time runs away above it)); the plan's 80,000
// tokens/s at 3: TTFT p99 275 ms, ITL p99 26.8 ms, KV 38%".

import { sizeInTokens } from "../llm-sizing.ts";
import { lazyReason, type Draft, type StepContext } from "../step.ts";
import { tokens } from "../thousands.ts";
import { capacityText, predictionText } from "./llm-reactive.ts";
import { applyPlan, plan } from "./predictive-step.ts";

export function llmPlanStep(draft: Draft, ctx: StepContext): Draft {
  if (ctx.svc.variants !== undefined) return draft; // planned by its variants (variant-split.ts)
  const s = draft.llm ?? sizeInTokens(ctx.svc, ctx.obs);
  if (s === undefined) return draft;
  const per = s.capacity.tokensPerSecond;
  if (!(per > 0))
    return {
      ...draft,
      reasons: [
        ...draft.reasons,
        {
          rule: "predictive",
          message: `in tokens: ${s.llm.profile.id} sustains no load within the SLO at this shape: reactive only`,
        },
      ],
    };
  const p = plan(ctx, { ...ctx.svc, capacityPerReplica: per });
  const load = p.plannedLoad;
  const replicas = p.replicas;
  const extra =
    replicas !== undefined && load !== undefined
      ? [
          lazyReason(
            "predictive",
            () =>
              `in tokens: ${capacityText(s)}; the plan's ${tokens(load)} tokens/s ${predictionText(s, load, replicas)}`,
          ),
        ]
      : [];
  return applyPlan(draft, ctx, p, extra);
}
