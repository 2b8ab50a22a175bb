// A split as the decision carries it (the API's `variants`, /metrics) and as the reasons say it:
// per variant its replicas (kept and held), capacity, price, spot/on-demand split and routing
// weight; for the service the demand at each checkpoint, the outcome and the binding constraints.

import type { CapacityBound } from "../../llm/capacity.ts";
import { hourlyCost } from "../cost.ts";
import { fmt } from "../rules/reactive.ts";
import { tokens } from "../thousands.ts";
import type { Reason } from "../types.ts";
import type { SplitConstraint } from "./binding.ts";
import type { VariantState } from "./build.ts";
import type { VariantDemand } from "./demand.ts";
import type { CheckpointResult, SplitOutcome, SplitProblem, SplitResult } from "./problem.ts";

/** What a service with variants carries from its steps to the cross-service steps and the decision. */
export interface VariantDraft {
  readonly states: readonly VariantState[];
  readonly demand: VariantDemand;
  readonly problem: SplitProblem;
  readonly result: SplitResult;
}

export interface VariantDecision {
  readonly variant: string;
  readonly workload: { readonly kind: string; readonly name: string; readonly namespace: string };
  readonly profile: string;
  readonly gpuType: string;
  readonly desiredReplicas: number;
  /** Of them, the replicas kept once every new one serves, and the ready ones held until then. */
  readonly keptReplicas: number;
  readonly heldReplicas: number;
  readonly readyReplicas: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly startupSeconds: number;
  readonly capacityPerReplica: {
    readonly tokensPerSecond: number;
    readonly requestsPerSecond: number;
    readonly boundBy: CapacityBound;
  };
  /** Tokens/s the desired replicas serve once ready. */
  readonly capacityTokensPerSecond: number;
  /** One replica's USD per hour: on demand, on spot, and blended by the spot share in force. */
  readonly hourlyPrice: { readonly onDemand: number; readonly spot: number; readonly blended: number };
  /** The spot share in force (0 while a mixed variant's spot capacity is unavailable). */
  readonly spotShare: number;
  readonly spotReplicas: number;
  readonly onDemandReplicas: number;
  /** Spot replicas kept beyond the demand for preemptions within start-up. */
  readonly hedgeReplicas: number;
  readonly spotUnavailable: "configured" | "pending" | null;
  readonly hourlyCost: { readonly onDemand: number; readonly spot: number };
  /** Share of the demand to route to this variant once the desired replicas serve (capacity-proportional). */
  readonly routingWeight: number;
  /** The same across the replicas ready now. */
  readonly routingWeightNow: number;
}

export interface VariantsDecision {
  readonly demandTokensPerSecond: number;
  /** Tokens/s the TTFT and ITL guards (and any other intensive trigger) ask, when more than runs. */
  readonly guardTokensPerSecond?: number;
  readonly meanPromptTokens: number;
  readonly meanOutputTokens: number;
  readonly checkpoints: readonly CheckpointResult[];
  readonly outcome: SplitOutcome;
  /** The constraints that bind the split (relaxing each changes it), in words. */
  readonly binding: readonly string[];
  readonly bindingConstraints: readonly SplitConstraint[];
  readonly hourlyCost: number;
  /** false: the search stopped at its node limit; the split is the best found. */
  readonly proven: boolean;
  readonly variants: readonly VariantDecision[];
  /**
   * With a scale-down delay (scaleDownDelaySeconds): the demand asked now (tokens/s, without the
   * latency guards), and the highest asked within the delay, which the split sized for (or the
   * guards, when they asked more).
   */
  readonly scaleDownDelay?: { readonly askedTokensPerSecond: number; readonly heldTokensPerSecond: number };
}

export const usd = (x: number): string => `$${x.toFixed(2)}`;

const share = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/** The words for a binding constraint, with the numbers of its problem. */
export function constraintText(c: SplitConstraint, p: SplitProblem, states: readonly VariantState[]): string {
  const v = "variant" in c ? p.variants.find((x) => x.name === c.variant) : undefined;
  switch (c.kind) {
    case "variant-max":
      return `${c.variant} maxReplicas ${v?.max ?? "?"}`;
    case "variant-min":
      return `${c.variant} minReplicas ${v?.min ?? "?"}`;
    case "spot-unavailable": {
      const why = states.find((s) => s.config.name === c.variant)?.spotUnavailable;
      return `spot capacity for ${c.variant} unavailable (${why === "configured" ? "spotAvailable: false" : "its pods wait Pending past spotPendingSeconds"}): it stays at its ${v?.ready ?? 0} ready`;
    }
    case "gpu-cap":
      return `GPU quota ${c.gpuType} (${fmt(p.gpuCaps[c.gpuType] ?? 0)} GPUs left to this service)`;
    case "budget":
      return `budget (${usd(p.budget ?? 0)}/h left to this service)`;
    case "max-total":
      return `maxReplicas ${p.maxTotal} (all variants together)`;
    case "min-total":
      return `a floor of ${p.minTotal} replicas`;
    case "start-up":
      return `start-up (new replicas serve only after it: ${p.variants.map((x) => `${x.name} ${x.startupSeconds}s`).join(", ")})`;
    case "hedge":
      return `spot hedge (q${p.hedgeQuantile} of the preemptions within start-up)`;
  }
}

/** Each variant's decision. */
function variantDecisions(d: VariantDraft): VariantDecision[] {
  const { states, problem, result } = d;
  const capacityAt = (i: number, n: number): number => n * (problem.variants[i]?.capacity ?? 0);
  const total = result.counts.reduce((s, n, i) => s + capacityAt(i, n), 0);
  const readyTotal = states.reduce((s, v, i) => s + capacityAt(i, v.ready), 0);
  return states.map((s, i) => {
    const n = result.counts[i] ?? 0;
    const price = s.price;
    const cost = hourlyCost(n, price);
    return {
      variant: s.config.name,
      workload: s.config.workload,
      profile: s.config.profile.id,
      gpuType: s.config.resources.gpuType,
      desiredReplicas: n,
      keptReplicas: result.kept[i] ?? 0,
      heldReplicas: result.held[i] ?? 0,
      readyReplicas: s.ready,
      minReplicas: s.config.minReplicas,
      maxReplicas: s.config.maxReplicas,
      startupSeconds: s.config.podStartupSeconds,
      capacityPerReplica: {
        tokensPerSecond: s.capacity.tokensPerSecond,
        requestsPerSecond: s.capacity.requestsPerSecond,
        boundBy: s.capacity.boundBy,
      },
      capacityTokensPerSecond: capacityAt(i, n),
      hourlyPrice: {
        onDemand: price.onDemand,
        spot: price.onDemand * price.spotFactor,
        blended: price.blended,
      },
      spotShare: price.spotShare,
      spotReplicas: n * price.spotShare,
      onDemandReplicas: n - n * price.spotShare,
      hedgeReplicas: result.hedge[i]?.covered ?? 0,
      spotUnavailable: s.spotUnavailable ?? null,
      hourlyCost: cost,
      routingWeight: share(capacityAt(i, n), total),
      routingWeightNow: share(capacityAt(i, s.ready), readyTotal),
    };
  });
}

/** The decision's `variants`, with the binding constraints worked out (binding.ts). */
export function variantsDecision(d: VariantDraft, binding: readonly SplitConstraint[]): VariantsDecision {
  return {
    demandTokensPerSecond: d.demand.tokens.demand,
    ...(d.demand.guard !== undefined ? { guardTokensPerSecond: d.demand.guard } : {}),
    meanPromptTokens: d.demand.tokens.shape.promptTokens,
    meanOutputTokens: d.demand.tokens.shape.outputTokens,
    checkpoints: d.result.checkpoints,
    outcome: d.result.outcome,
    binding: binding.map((c) => constraintText(c, d.problem, d.states)),
    bindingConstraints: binding,
    hourlyCost: d.result.cost,
    proven: d.result.proven,
    variants: variantDecisions(d),
    ...(d.demand.delay !== undefined
      ? {
          scaleDownDelay: {
            askedTokensPerSecond: d.demand.delay.asked,
            heldTokensPerSecond: d.demand.delay.held,
          },
        }
      : {}),
  };
}

function demandText(d: VariantDemand): string {
  const t = d.tokens;
  const parts = [
    ...(t.servedTokens !== undefined ? [`served ${tokens(t.servedTokens)}`] : []),
    ...(t.arrivals !== undefined
      ? [
          `arrivals ${fmt(t.arrivals)} req/s x (${tokens(t.shape.promptTokens)} + ${tokens(t.shape.outputTokens)}) tokens`,
        ]
      : []),
    ...(d.guard !== undefined ? [`latency guards ${tokens(d.guard)}`] : []),
  ];
  const later = d.checkpoints
    .filter((c) => c.atSeconds > 0)
    .map((c) => `at +${c.atSeconds}s ${tokens(c.demand)}`)
    .join(", ");
  return `demand now ${tokens(t.demand)} tokens/s (${parts.join("; ")}); keep ${tokens(d.checkpoints[0]?.demand ?? 0)} ready${later !== "" ? `; ${later}` : ""}`;
}

/** "l40s 5 (4 kept + 1 held; 10,000 tokens/s a replica at $2.34/h, loads in 480s, 2 ready)". */
function countsText(d: VariantDraft): string {
  return d.states
    .map((s, i) => {
      const n = d.result.counts[i] ?? 0;
      const held = d.result.held[i] ?? 0;
      const how = held > 0 ? `${n - held} kept + ${held} held; ` : "";
      const spot = s.price.spotShare > 0 ? `, ${Math.round(s.price.spotShare * 100)}% spot` : "";
      return `${s.config.name} ${n} (${how}${tokens(s.capacity.tokensPerSecond)} tokens/s a replica at ${usd(s.price.blended)}/h${spot}, loads in ${s.config.podStartupSeconds}s, ${s.ready} ready)`;
    })
    .join(", ");
}

function hedgeText(d: VariantDraft): string {
  const covered = d.states
    .map((s, i) => ({ name: s.config.name, n: d.result.hedge[i]?.covered ?? 0 }))
    .filter((x) => x.n > 0);
  if (covered.length === 0)
    return d.result.outcome === "hedge-dropped" ? "; spot hedge dropped (the caps leave no room)" : "";
  return `; spot hedge q${d.problem.hedgeQuantile}: ${covered.map((x) => `${x.n} ${x.name}`).join(", ")} replica(s) may vanish within start-up`;
}

/** The split's reason: the demand, each variant's count and why, the cost and the routing weights. */
export function splitReasons(d: VariantDraft): Reason[] {
  const weights = variantDecisions(d)
    .map((v) => `${v.variant} ${Math.round(v.routingWeight * 100)}%`)
    .join(", ");
  return [
    { rule: "reactive", message: `variants: ${demandText(d.demand)}` },
    {
      rule: "reactive",
      message: `variants split (${d.result.outcome}, ${usd(d.result.cost)}/h): ${countsText(d)}; routing ${weights}${hedgeText(d)}${d.result.proven ? "" : "; the search stopped at its node limit: the best split found"}`,
    },
  ];
}
