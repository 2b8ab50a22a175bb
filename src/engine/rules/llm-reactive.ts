// Rule 1 in tokens, for an llm service: one more reactive count beside the triggers' (the maximum
// wins, as between triggers). The token demand now (served tokens/s, or the ingress's arrivals
// times the tokens a request brings, whichever is larger) over one replica's capacity in tokens/s
// from the profile at the measured request lengths (llm-sizing.ts). The measured TTFT and ITL (the
// service's `ttft` and `itl` triggers) are guards beside it: above its target beyond the HPA
// tolerance, a latency corrects one replica's capacity by target / measured and asks for
// ceil(demand / the corrected capacity), in a step of at most one replica beyond the ready ones
// (10% of them from 20 up), never below the token count (latencyGuard in llm-sizing.ts); within
// it, nothing. The guards' count is the reactive count (the API's reactiveReplicas), but it joins
// the decision only after the scale-down delay (latency-guard.ts): the delay holds what the load
// asked, not a guard's corrective step.
//
// Its reason shows the arithmetic (the example of llm-sizing.ts): "tokens: demand 63,800 tokens/s
// (served 61,000; arrivals 50 req/s x (1,020 + 256) tokens, measured) / 30,203 tokens/s per
// replica (qwen3-8b/h100_sxm/vllm/tp1: 23.67 req/s within TTFT p99 <= 2 s, ITL p99 <= 50 ms,
// KV <= 90%, bound by throughput (the step time runs away above it)) = 3; at 3: TTFT p99 225 ms,
// ITL p99 18.5 ms, KV 21%".

import { extensiveReplicas } from "../hpa.ts";
import {
  latencyGuard,
  predictAt,
  sizeInTokens,
  type GuardBasis,
  type LatencyGuard,
  type LlmSizing,
} from "../llm-sizing.ts";
import type { ServiceConfig } from "../../config/schema.ts";
import { lazyReason, type Draft, type StepContext } from "../step.ts";
import { tokens } from "../thousands.ts";
import type { Reason } from "../types.ts";
import { fmt } from "./reactive.ts";

export const seconds = (x: number): string =>
  !Number.isFinite(x) ? "unbounded" : x >= 1 ? `${fmt(x)} s` : `${Number((x * 1000).toPrecision(3))} ms`;
const percent = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(0)}%` : "unbounded");

/** "qwen3-8b/... : 23.5 req/s within TTFT p99 <= 2 s, ITL p99 <= 50 ms, KV <= 90%, bound by ..." */
export function capacityText(s: LlmSizing): string {
  const { llm, capacity: c } = s;
  const q = `p${Number((llm.slo.percentile * 100).toFixed(1))}`;
  const bound: Record<string, string> = {
    ttft: "TTFT",
    itl: "ITL",
    "kv-cache": "the KV cache",
    throughput: "throughput (the step time runs away above it)",
  };
  const dropped =
    c.unattainable.length > 0
      ? `; ${c.unattainable.join(" and ")} target missed by one request alone, not sized for`
      : "";
  return `${tokens(c.tokensPerSecond)} tokens/s per replica (${llm.profile.id}: ${fmt(c.requestsPerSecond)} req/s within TTFT ${q} <= ${seconds(llm.slo.ttftSeconds)}, ITL ${q} <= ${seconds(llm.slo.itlSeconds)}, KV <= ${percent(1 - llm.kvCacheHeadroom)}, bound by ${bound[c.boundBy] ?? c.boundBy}${dropped})`;
}

/** "at 3: TTFT p99 0.31 s, ITL p99 39 ms, KV 64%" for `load` tokens/s over `replicas`. */
export function predictionText(s: LlmSizing, load: number, replicas: number): string {
  if (replicas <= 0) return "at 0: nothing serves";
  const pr = predictAt(s, load, replicas);
  const q = `p${Number((s.llm.slo.percentile * 100).toFixed(1))}`;
  if (!pr.stable) return `at ${replicas}: a replica cannot keep up (${pr.why ?? "unstable"})`;
  return `at ${replicas}: TTFT ${q} ${seconds(pr.ttftSeconds)}, ITL ${q} ${seconds(pr.itlSeconds)}, KV ${percent(pr.kvCacheUse)}`;
}

function demandText(s: LlmSizing): string {
  const lengths = `(${tokens(s.shape.promptTokens)} + ${tokens(s.shape.outputTokens)}) tokens`;
  const how =
    s.measured.prompt && s.measured.output
      ? "measured"
      : s.measured.prompt || s.measured.output
        ? `${s.measured.prompt ? "prompt" : "output"} measured, the other expected`
        : "expected: vLLM measured none";
  const parts = [
    ...(s.servedTokens !== undefined ? [`served ${tokens(s.servedTokens)}`] : []),
    ...(s.arrivals !== undefined
      ? [`arrivals ${fmt(s.arrivals)} req/s x ${lengths}`]
      : [`${lengths} a request`]),
  ];
  const spread =
    s.distribution === "measured"
      ? ", with their distribution"
      : s.distribution === "not measured"
        ? ""
        : `; their distribution ${s.distribution}: every request at the mean`;
  return `demand ${tokens(s.demand)} tokens/s (${parts.join("; ")}, ${how}${spread})`;
}

/**
 * "itl: measured p99 80.7 ms > 50 ms: 30,069 tokens/s per replica x 50 ms / 80.7 ms = 18,630;
 * demand 153,849 tokens/s / 18,630 = 9; a step at most: max(6 in tokens, 7 ready + 1) = 8 (...)"
 */
export function guardReason(s: GuardBasis, g: LatencyGuard): Reason {
  const q = `p${Number((s.llm.slo.percentile * 100).toFixed(1))}`;
  const bounded =
    g.corrected > g.stepLimit
      ? `; a step at most: max(${s.replicas} in tokens, ${g.ready} ready + ${g.step}) = ${g.replicas} (the latency judges the replicas ready over its window)`
      : "";
  return {
    rule: "reactive",
    message: `${g.signal}: measured ${q} ${seconds(g.measured)} > ${seconds(g.target)}: ${tokens(s.capacity.tokensPerSecond)} tokens/s per replica x ${seconds(g.target)} / ${seconds(g.measured)} = ${tokens(g.correctedTokensPerSecond)}; demand ${tokens(s.demand)} tokens/s / ${tokens(g.correctedTokensPerSecond)} = ${g.corrected}${bounded}`,
  };
}

/** The latency guards that act, one per `ttft` / `itl` trigger, with `ready` replicas serving. */
export function guardsOf(
  svc: ServiceConfig,
  s: GuardBasis,
  ready: number | undefined,
): { readonly name: string; readonly guard: LatencyGuard }[] {
  const out: { readonly name: string; readonly guard: LatencyGuard }[] = [];
  for (const t of svc.triggers) {
    if (t.llm !== "ttft" && t.llm !== "itl") continue;
    const measured = t.llm === "ttft" ? s.measuredTtft : s.measuredItl;
    const g = latencyGuard(s, t.llm, measured, t.target, ready);
    if (g !== undefined) out.push({ name: t.name, guard: g });
  }
  return out;
}

function reasonOf(s: LlmSizing): Reason {
  return lazyReason(
    "reactive",
    () =>
      `tokens: ${demandText(s)} / ${capacityText(s)} = ${s.replicas}; ${predictionText(s, s.demand, s.replicas)}`,
  );
}

/**
 * Rule 1 in tokens as a step: the token count joins the triggers' reactive counts (the maximum);
 * the token demand is the service's load (scale to zero weighs it), and each token signal its own
 * count (an arrival above zero holds a replica).
 */
export function llmReactiveStep(draft: Draft, ctx: StepContext): Draft {
  if (ctx.svc.variants !== undefined) return draft; // sized by its variants (variant-split.ts)
  const s = sizeInTokens(ctx.svc, ctx.obs);
  if (s === undefined) return draft;
  if (s.servedTokens === undefined && s.arrivals === undefined) {
    return {
      ...draft,
      llm: s,
      reasons: [
        ...draft.reasons,
        { rule: "hold", message: `tokens: no token or arrival reading yet: holding ${draft.desired}` },
      ],
    };
  }
  const perTrigger = new Map(draft.perTrigger);
  const per = s.capacity.tokensPerSecond;
  for (const t of ctx.svc.triggers) {
    if (t.llm === "tokens" && s.servedTokens !== undefined && per > 0)
      perTrigger.set(t.name, extensiveReplicas(s.servedTokens, per));
    if (t.llm === "requests" && s.arrivals !== undefined && per > 0)
      perTrigger.set(
        t.name,
        extensiveReplicas(s.arrivals * (s.shape.promptTokens + s.shape.outputTokens), per),
      );
  }
  const guards = guardsOf(ctx.svc, s, ctx.obs.readyReplicas);
  for (const { name, guard } of guards) perTrigger.set(name, guard.replicas);
  const others = draft.reactive;
  const asked = Math.max(others ?? 0, s.replicas);
  const guarded = Math.max(0, ...guards.map((g) => g.guard.replicas));
  return {
    ...draft,
    desired: asked,
    by: "reactive",
    reactive: Math.max(asked, guarded),
    guard: guarded > asked ? guarded : undefined,
    load: s.demand,
    perTrigger,
    llm: s,
    reasons: [...draft.reasons, reasonOf(s), ...guards.map((g) => guardReason(s, g.guard))],
  };
}
