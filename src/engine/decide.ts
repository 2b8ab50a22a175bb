// decide(): the whole decision for every service, as a pure function of config, observations,
// the previous state and the time. The observations are sanitised here, at the edge; then each
// service's draft passes through the rules' steps in one fixed order (SERVICE_STEPS), and the
// cross-service steps (CLAIM_STEPS) trim the claims of all services. Each step leaves its reasons.

import { enabledServices, type Config, type ServiceConfig } from "../config/schema.ts";
import { hourlyCost, replicaPrice } from "./cost.ts";
import { llmDecision } from "./llm-sizing.ts";
import { own } from "./own.ts";
import {
  applyBudget,
  applyGpuQuotas,
  gpuUse,
  gpusByType,
  totalCost,
  totalPaid,
  type Claim,
} from "./rules/budget.ts";
import { businessHoursState, businessHoursStep, type BusinessHoursState } from "./rules/business-hours.ts";
import { clampStep } from "./rules/clamp.ts";
import { heldPods, nextHistory } from "./rules/held.ts";
import { llmPlanStep } from "./rules/llm-plan.ts";
import { latencyGuardStep } from "./rules/latency-guard.ts";
import { llmReactiveStep } from "./rules/llm-reactive.ts";
import { predictiveStep } from "./rules/predictive-step.ts";
import { reactiveStep } from "./rules/reactive.ts";
import { scaleDownDelayStep } from "./rules/scale-down-delay.ts";
import { scaleToZeroStep } from "./rules/scale-to-zero.ts";
import { variantDemandStep, variantSplitStep } from "./rules/variant-split.ts";
import { bindingConstraints, candidates, relax, same, type SplitConstraint } from "./split/binding.ts";
import { solveUnderCaps, underCaps, withSplit } from "./split/claim.ts";
import { variantsDecision, type VariantDraft } from "./split/explain.ts";
import {
  bounded,
  invalidDraft,
  seedDraft,
  type ClaimStep,
  type Draft,
  type ServiceStep,
  type StepContext,
} from "./step.ts";
import type {
  Answer,
  AnswerHistory,
  Decisions,
  EngineState,
  ForecastView,
  Observations,
  Reason,
  Rule,
  ServiceDecision,
  ServiceObservations,
  VariantObservations,
  Writable,
} from "./types.ts";

const NO_OBS: ServiceObservations = { signals: {} };

/** A replica count as the rules may use it: finite and non-negative, else unknown. */
function usableCount(n: number | undefined): number | undefined {
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Every value finite and non-negative. An indexed loop: over the 1,000 forecasts of 2 x 30 steps in
 * bench/decide.bench.ts, `every` took 0.4 ms and allocated a boxed number per fractional value; this
 * loop takes 0.05 ms and allocates nothing.
 */
function finiteNonNegative(xs: readonly number[]): boolean {
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (!(Number.isFinite(x) && (x as number) >= 0)) return false;
  }
  return true;
}

/** A forecast the rules may act on: finite times and step, confidence in [0, 1], no negative or non-finite load. */
function usableForecast(f: ForecastView): boolean {
  return (
    Number.isFinite(f.generatedAt) &&
    Number.isFinite(f.start) &&
    Number.isFinite(f.stepSeconds) &&
    f.stepSeconds > 0 &&
    f.confidence >= 0 &&
    f.confidence <= 1 &&
    Array.isArray(f.mean) &&
    Array.isArray(f.upper) &&
    finiteNonNegative(f.mean) &&
    finiteNonNegative(f.upper)
  );
}

/**
 * One service's observations, looked up as an own property (a service named "constructor" without
 * observations must not read Object.prototype.constructor), with unusable counts treated as unknown
 * and an unusable forecast dropped (with a reason).
 */
function observationsOf(all: Observations, name: string, reasons: Reason[]): ServiceObservations {
  const o = own(all, name);
  if (o === undefined || o === null || typeof o !== "object") return NO_OBS;
  const signals = o.signals !== null && typeof o.signals === "object" ? o.signals : {};
  const ready = usableCount(o.readyReplicas);
  const current = usableCount(o.currentReplicas);
  let forecast = o.forecast;
  if (forecast !== undefined && !usableForecast(forecast)) {
    reasons.push({ rule: "predictive", message: "forecast with unusable values ignored" });
    forecast = undefined;
  }
  const out: Writable<ServiceObservations> = { signals };
  if (ready !== undefined) out.readyReplicas = ready;
  if (current !== undefined) out.currentReplicas = current;
  if (o.idleSeconds !== undefined) out.idleSeconds = o.idleSeconds;
  if (forecast !== undefined) out.forecast = forecast;
  if (o.variants !== undefined && o.variants !== null && typeof o.variants === "object")
    out.variants = variantObservations(o.variants);
  return out;
}

/** Each variant's counts, those the rules may use (finite, non-negative), looked up as own properties. */
function variantObservations(
  all: NonNullable<ServiceObservations["variants"]>,
): NonNullable<ServiceObservations["variants"]> {
  const out: Record<string, VariantObservations> = {};
  for (const name of Object.keys(all)) {
    const v = own(all, name);
    if (v === undefined || v === null || typeof v !== "object") continue;
    const ready = usableCount(v.readyReplicas);
    const current = usableCount(v.currentReplicas);
    out[name] = {
      ...(ready !== undefined ? { readyReplicas: ready } : {}),
      ...(current !== undefined ? { currentReplicas: current } : {}),
    };
  }
  return out;
}

/**
 * Rules 1-5 for one service, in this order; each step adds its reasons. The llm steps size an llm
 * service in tokens (rules 1 and 2 in tokens) and pass every other service through unchanged.
 */
export const SERVICE_STEPS: readonly ServiceStep[] = [
  reactiveStep,
  llmReactiveStep,
  predictiveStep,
  llmPlanStep,
  variantDemandStep,
  businessHoursStep,
  scaleToZeroStep,
  scaleDownDelayStep,
  latencyGuardStep,
  clampStep,
  variantSplitStep,
];

/** Rule 6 across services, in this order, over every service's claim. */
export const CLAIM_STEPS: readonly ClaimStep[] = [applyGpuQuotas, applyBudget];

/** Runs the steps in order; a draft that turns invalid ends the list. */
export function runSteps(steps: readonly ServiceStep[], seed: Draft, ctx: StepContext): Draft {
  let draft = seed;
  for (const step of steps) {
    draft = step(draft, ctx);
    if (!draft.valid) break;
  }
  return draft;
}

/** The draft with its count bounded; the same draft when the steps left it within bounds. */
function boundedDraft(draft: Draft, svc: ServiceConfig): Draft {
  const desired = bounded(draft.desired, svc);
  return Object.is(desired, draft.desired) ? draft : { ...draft, desired };
}

/**
 * Runs the claim steps in order. Each returns one claim per service in the order given, so the i-th
 * claim stays the i-th service's; a step that breaks this is a bug, and decide() throws.
 */
export function runClaimSteps(
  steps: readonly ClaimStep[],
  config: Config,
  claims: readonly Claim[],
): readonly Claim[] {
  let out = claims;
  for (const step of steps) {
    out = step(config, out);
    if (out.length !== claims.length) {
      throw new Error(`claim step ${step.name} returned ${out.length} claims for ${claims.length} services`);
    }
  }
  return out;
}

/** One service decided by the steps, and its claim on the shared budget and quotas. */
interface Decided {
  readonly ctx: StepContext;
  readonly draft: Draft;
  readonly claim: Claim;
}

/** Rules 1-5 for one service; the count is a whole number within [min, max] whatever the observations. */
function decideService(
  config: Config,
  svc: ServiceConfig,
  observations: Observations,
  state: EngineState,
  businessHours: BusinessHoursState,
  now: number,
): Decided {
  const checks: Reason[] = [];
  const obs = observationsOf(observations, svc.name, checks);
  const history = own(state.answers, svc.name);
  const previous = own(state.previous, svc.name);
  const ctx: StepContext = { config, svc, obs, businessHours, previous, history, now };
  const stepped = runSteps(SERVICE_STEPS, seedDraft(ctx, checks), ctx);
  const draft = Number.isNaN(stepped.desired)
    ? invalidDraft(stepped, ctx, "the rules gave no number (NaN): holding the current count")
    : boundedDraft(stepped, svc);
  const claim: Claim = {
    svc,
    desired: draft.desired,
    trimmable: draft.valid,
    price: replicaPrice(svc, config.cost),
    reasons: draft.reasons,
    ...(draft.valid && draft.variants !== undefined ? { variants: draft.variants } : {}),
    held: heldPods(config, svc.variants?.map((v) => v.name) ?? [], history, obs, now),
  };
  return { ctx, draft, claim };
}

function sameDecision(a: ServiceDecision | undefined, desired: number, valid: boolean, by: Rule): boolean {
  return a !== undefined && a.desiredReplicas === desired && a.valid === valid && a.reason === by;
}

/**
 * The decision for one service: its draft after the cross-service trims of its claim, and for an
 * llm service its token arithmetic with the model's prediction at the final count.
 */
function decisionOf(
  config: Config,
  decided: Decided,
  claims: readonly Claim[],
  i: number,
  asked?: readonly Claim[],
): ServiceDecision {
  const claim = claims[i] ?? decided.claim;
  const d = counts(decided, claim);
  const split = claim.variants;
  if (split !== undefined) {
    const binding =
      asked === undefined
        ? bindingConstraints(
            underCaps(config, claims, i, decided.claim.variants?.problem ?? split.problem),
            split.result,
            (p) => solveUnderCaps(p, claim.svc.minReplicas).result,
          )
        : bindingAcross(config, asked, i, split.result.counts);
    const variants = variantsDecision(split, binding);
    const message =
      variants.binding.length > 0
        ? `variants: binding: ${variants.binding.join("; ")}`
        : "variants: nothing binds: the least-cost split";
    const hourlyCost = variants.variants.reduce(
      (s, v) => ({ onDemand: s.onDemand + v.hourlyCost.onDemand, spot: s.spot + v.hourlyCost.spot }),
      { onDemand: 0, spot: 0 },
    );
    const rule = claim.cappedBy ?? "reactive";
    return { ...d, reasons: [...d.reasons, { rule, message }], hourlyCost, variants };
  }
  const sizing = decided.draft.llm;
  const beforeDelay = decided.draft.asked;
  const withAsked = beforeDelay === undefined ? d : { ...d, askedBeforeDelay: beforeDelay };
  return sizing === undefined ? withAsked : { ...withAsked, llm: llmDecision(sizing, d.desiredReplicas) };
}

/**
 * The decision's counts. The usual case, every count known, is one literal: a conditional spread
 * per optional count costs more than the rest of this function. Both literals keep one key order
 * (the API's JSON follows it).
 */
function counts({ ctx, draft }: Decided, claim: Claim): ServiceDecision {
  const desiredReplicas = claim.desired;
  const valid = draft.valid;
  // A split a cap changed is the cap's, whatever its total (a spill keeps the count).
  const reason: Rule =
    claim.cappedBy !== undefined && (desiredReplicas < draft.desired || claim.variants !== undefined)
      ? claim.cappedBy
      : draft.by;
  const service = claim.svc.name;
  const active = desiredReplicas > 0;
  const reasons = claim.reasons;
  const businessHours = ctx.businessHours.open;
  const cost = hourlyCost(desiredReplicas, claim.price);
  const changed = !sameDecision(ctx.previous, desiredReplicas, valid, reason);
  const { reactive, predictive, confidence } = draft;
  if (reactive !== undefined && predictive !== undefined && confidence !== undefined) {
    return {
      service,
      valid,
      desiredReplicas,
      active,
      reason,
      reasons,
      reactiveReplicas: reactive,
      predictiveReplicas: predictive,
      forecastConfidence: confidence,
      businessHours,
      hourlyCost: cost,
      changed,
    };
  }
  return {
    service,
    valid,
    desiredReplicas,
    active,
    reason,
    reasons,
    ...(reactive !== undefined ? { reactiveReplicas: reactive } : {}),
    ...(predictive !== undefined ? { predictiveReplicas: predictive } : {}),
    ...(confidence !== undefined ? { forecastConfidence: confidence } : {}),
    businessHours,
    hourlyCost: cost,
    changed,
  };
}

/** Rules 1-7 for every enabled service: the service steps for each, then the claim steps across them. */
export function decide(
  config: Config,
  observations: Observations,
  state: EngineState,
  now: number,
): Decisions {
  const bh = businessHoursState(config.businessHours, now);
  const decided = enabledServices(config).map((svc) =>
    decideService(config, svc, observations, state, bh, now),
  );
  const asked = decided.map((d) => d.claim);
  const claims = runClaimSteps(CLAIM_STEPS, config, asked);
  const use = gpuUse(config, claims, gpusByType(asked));
  const totalHourlyCost = totalCost(claims);
  const paidHourlyCost = totalPaid(claims);
  // Pods held above the answers engage the budget's and the quotas' second passes (rules/held.ts),
  // whose trims the split's own relaxations do not see: the caps are then relaxed across services.
  const heldAbove =
    paidHourlyCost > totalHourlyCost + 1e-9 || Object.values(use).some((u) => u.taken > u.used + 1e-9);
  return {
    at: now,
    services: decided.map((d, i) => decisionOf(config, d, claims, i, heldAbove ? asked : undefined)),
    totalHourlyCost,
    paidHourlyCost,
    ...(config.cost.enabled && config.cost.maxHourlyCost !== undefined
      ? { maxHourlyCost: config.cost.maxHourlyCost }
      : {}),
    gpuUse: use,
  };
}

/**
 * The constraints whose relaxation changes claim `i`'s split, each found by running the
 * cross-service steps again on the claims as asked: a variant's bounds, the floor, the start-ups
 * and the hedge relaxed in its split as asked (re-solved), each GPU quota and the budget removed
 * from the config. Used where pods held above the answers engage the steps' second passes, whose
 * trims the split's own relaxations (bindingConstraints on its problem under caps) do not see.
 */
function bindingAcross(
  config: Config,
  asked: readonly Claim[],
  i: number,
  counts: readonly number[],
): SplitConstraint[] {
  const claim = asked[i] as Claim;
  const d = claim.variants as VariantDraft;
  const changes = (c: Config, cs: readonly Claim[]): boolean =>
    !same(runClaimSteps(CLAIM_STEPS, c, cs)[i]?.variants?.result.counts ?? [], counts);
  const within = candidates(d.problem).filter((c) => {
    const relaxed = withSplit(claim, { ...d, ...solveUnderCaps(relax(d.problem, c), claim.svc.minReplicas) });
    return changes(
      config,
      asked.map((x, j) => (j === i ? relaxed : x)),
    );
  });
  const across: SplitConstraint[] = [];
  for (const gpuType of Object.keys(config.gpuQuotas)) {
    const { [gpuType]: _, ...gpuQuotas } = config.gpuQuotas;
    if (changes({ ...config, gpuQuotas }, asked)) across.push({ kind: "gpu-cap", gpuType });
  }
  if (
    config.cost.enabled &&
    config.cost.maxHourlyCost !== undefined &&
    changes({ ...config, cost: { ...config.cost, enabled: false } }, asked)
  )
    across.push({ kind: "budget" });
  return [...within.filter((c) => "variant" in c), ...across, ...within.filter((c) => !("variant" in c))];
}

/** What a decision answers KEDA: its count and each variant's (an invalid decision answers nothing). */
function answerOf(at: number, s: ServiceDecision): Answer | undefined {
  if (!s.valid) return undefined;
  if (s.variants === undefined)
    return s.askedBeforeDelay === undefined
      ? { at, replicas: s.desiredReplicas }
      : { at, replicas: s.desiredReplicas, asked: s.askedBeforeDelay };
  const variants = Object.fromEntries(s.variants.variants.map((v) => [v.variant, v.desiredReplicas]));
  const delay = s.variants.scaleDownDelay;
  return delay === undefined
    ? { at, replicas: s.desiredReplicas, variants }
    : { at, replicas: s.desiredReplicas, variants, demand: delay.askedTokensPerSecond };
}

/**
 * The state to pass to the next decide() call: these decisions, and each service's answers that
 * still stand within KEDA's cooldown, the HPA's scale-down window or the service's scale-down delay
 * (rules/held.ts).
 */
export function nextState(config: Config, d: Decisions, state: EngineState): EngineState {
  const answers: Record<string, AnswerHistory> = {};
  const delays = new Map(config.services.map((c) => [c.name, c.scaleDownDelaySeconds]));
  for (const s of d.services) {
    const past = own(state.answers, s.service);
    const answer = answerOf(d.at, s);
    const next = answer === undefined ? past : nextHistory(config, past, answer, delays.get(s.service));
    if (next !== undefined) answers[s.service] = next;
  }
  return { previous: Object.fromEntries(d.services.map((s) => [s.service, s])), answers };
}
