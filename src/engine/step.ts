// The step interface the rules share. A per-service rule is a function (draft, context) -> draft:
// it reads the service's config, observations and the time from the context, and returns the draft
// with its number and its reasons added. decide() runs the steps from one ordered list; a draft that
// turns invalid ends the list. The cross-service rules (GPU quota, budget) are steps over every
// service's claim: (config, claims) -> claims.

import type { Config, ServiceConfig } from "../config/schema.ts";
import type { LlmSizing } from "./llm-sizing.ts";
import type { VariantDraft } from "./split/explain.ts";
import type { Claim } from "./rules/budget.ts";
import type { AnswerHistory, Reason, Rule, ServiceDecision, ServiceObservations } from "./types.ts";

/**
 * What one service's steps have decided so far. Every field is always present (undefined until a
 * step sets it), so every draft has one shape.
 */
export interface Draft {
  /** false: the service gets no decision this tick (KEDA's fallback applies). */
  readonly valid: boolean;
  readonly desired: number;
  /** The rule that set `desired`. */
  readonly by: Rule;
  /** Every reason so far, in step order. */
  readonly reasons: readonly Reason[];
  /** The reactive count (max over triggers), once the reactive step found one. */
  readonly reactive: number | undefined;
  /** The load trigger's current reading, when the reactive step read it. */
  readonly load: number | undefined;
  /** The reactive count per trigger that could be evaluated. */
  readonly perTrigger: ReadonlyMap<string, number> | undefined;
  /** What the forecast asks for, computed even when it is not acted upon. */
  readonly predictive: number | undefined;
  readonly confidence: number | undefined;
  /**
   * Highest point forecast over start-up + scale-ahead when the forecast may act (confident,
   * proactive scaling on): pre-warm and scale to zero weigh it.
   */
  readonly forecastPeak: number | undefined;
  /** A business-hours floor above zero applies: the service must not scale to zero. */
  readonly keepWarm: boolean;
  /** An llm service's size in tokens, once the token rule worked it out. */
  readonly llm: LlmSizing | undefined;
  /** A service with variants: its split (desired is its total). */
  readonly variants: VariantDraft | undefined;
  /** A service with a scale-down delay: the count the rules asked before it (rules/scale-down-delay.ts). */
  readonly asked: number | undefined;
  /**
   * An llm service whose measured TTFT or ITL asks more than its load does: the latency guards'
   * count (rules/llm-reactive.ts), applied after the scale-down delay (rules/latency-guard.ts).
   */
  readonly guard: number | undefined;
}

/** What every step may read: one service, its sanitised observations, the time as a value. */
export interface StepContext {
  readonly config: Config;
  readonly svc: ServiceConfig;
  /** Counts that are finite and non-negative or absent; a forecast the rules may act on or none. */
  readonly obs: ServiceObservations;
  /**
   * Business hours at `now`: open, or closed but opening within preScaleMinutes (the same for every
   * service, so computed once per decision).
   */
  readonly businessHours: { readonly open: boolean; readonly preScale: boolean };
  /** This service's previous decision, if any. */
  readonly previous: ServiceDecision | undefined;
  /** This service's past answers (rules/held.ts), for its scale-down delay. */
  readonly history: AnswerHistory | undefined;
  readonly now: number;
}

export type ServiceStep = (draft: Draft, ctx: StepContext) => Draft;

/**
 * A cross-service step over every service's claim: returns one claim per service, in the order
 * given; a claim it trims or adds a reason to is a new claim, the others are returned as they are.
 * It never changes the claims it is given.
 */
export type ClaimStep = (config: Config, claims: readonly Claim[]) => readonly Claim[];

/** The draft before any step: it holds what runs now (current, else ready, else minReplicas). */
export function seedDraft(ctx: StepContext, reasons: readonly Reason[]): Draft {
  const { obs, svc } = ctx;
  return {
    valid: true,
    desired: obs.currentReplicas ?? obs.readyReplicas ?? svc.minReplicas,
    by: "hold",
    reasons,
    reactive: undefined,
    load: undefined,
    perTrigger: undefined,
    predictive: undefined,
    confidence: undefined,
    forecastPeak: undefined,
    keepWarm: false,
    llm: undefined,
    variants: undefined,
    asked: undefined,
    guard: undefined,
  };
}

/** `draft` raised to `n` by `rule` when `n` is higher; otherwise unchanged. */
export function raise(draft: Draft, n: number, rule: Rule): Draft {
  return n > draft.desired ? { ...draft, desired: n, by: rule } : draft;
}

/**
 * A reason whose text is formatted when first read (then kept): the token rules' texts show the
 * model's prediction at a count, an ITL quantile searched by bisection, and a replay reads the
 * decisions' counts, not their texts. Read, it is an ordinary reason (JSON, the API, the logs).
 */
export function lazyReason(rule: Rule, message: () => string): Reason {
  let text: string | undefined;
  return {
    rule,
    get message(): string {
      text ??= message();
      return text;
    },
  };
}

/** `draft` with `reasons` added after its own. */
export function withReasons(draft: Draft, ...reasons: readonly Reason[]): Draft {
  return reasons.length === 0 ? draft : { ...draft, reasons: [...draft.reasons, ...reasons] };
}

/**
 * Every count that leaves the engine is a whole number within [min, max]: an infinite count (an
 * overflowing ratio) is capped, a fractional one rounded up. NaN has no safe meaning and is handled
 * by the caller as an invalid decision.
 */
export function bounded(n: number, svc: ServiceConfig): number {
  return Math.min(Math.max(Math.ceil(n), svc.minReplicas), svc.maxReplicas);
}

/**
 * No decision for the service: it holds the current count (bounded) and says why; the draft keeps
 * its reasons and drops every number the steps computed.
 */
export function invalidDraft(draft: Draft, ctx: StepContext, message: string): Draft {
  return {
    ...seedDraft(ctx, [...draft.reasons, { rule: "invalid", message }]),
    valid: false,
    desired: bounded(ctx.obs.currentReplicas ?? ctx.svc.minReplicas, ctx.svc),
    by: "invalid",
  };
}
