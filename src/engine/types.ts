// The engine's inputs and outputs. Times are epoch milliseconds passed in as values: the engine never
// reads a clock and performs no I/O, so the service and the simulator run the same decisions.

import type { LlmDecision } from "./llm-sizing.ts";
import type { VariantsDecision } from "./split/explain.ts";

/** One reading of one trigger's signal. */
export interface Reading {
  readonly value: number;
  /** When the value was observed (epoch ms). */
  readonly observedAt: number;
}

/** A forecast of one service's load signal, on a fixed step starting at `start`. */
export interface ForecastView {
  readonly generatedAt: number;
  readonly start: number;
  readonly stepSeconds: number;
  /** Point forecast per step (load units, e.g. requests/s). */
  readonly mean: readonly number[];
  /** Upper bound per step at the configured quantile (metrics, API). */
  readonly upper: readonly number[];
  /**
   * The forecast's quantiles per step at several levels, ascending by level; the planner takes its
   * own level from them (interpolating between neighbours). Absent: the planner uses `upper`.
   */
  readonly bands?: readonly ForecastBand[];
  /** 0..1, from the model's own recent out-of-sample error. */
  readonly confidence: number;
  readonly model: string;
}

export interface ForecastBand {
  /** Quantile level, 0..1. */
  readonly level: number;
  /** That quantile per step. */
  readonly values: readonly number[];
  /**
   * Per step, the share of recent out-of-sample origins whose actual exceeded both the band and
   * the load at the origin (null: not measured). Absent: the band's nominal miss, 1 - level.
   */
  readonly missBeyondLast?: readonly (number | null)[];
}

/** What the sources say about one variant's workload (a service with variants). */
export interface VariantObservations {
  readonly readyReplicas?: number;
  /** Pods that exist, ready or not (else the ready count stands in). */
  readonly currentReplicas?: number;
}

export interface ServiceObservations {
  /** Latest reading per trigger name; undefined when none was ever obtained. */
  readonly signals: Readonly<Record<string, Reading | undefined>>;
  readonly readyReplicas?: number;
  readonly currentReplicas?: number;
  /**
   * Seconds the load signal has been at or below the service's activation load, derived from the
   * metrics store's history (so replicas and restarts agree); undefined when unknown.
   */
  readonly idleSeconds?: number;
  readonly forecast?: ForecastView;
  /**
   * A service with variants: each variant's replicas, by variant name (the service's
   * readyReplicas and currentReplicas are their sums).
   */
  readonly variants?: Readonly<Record<string, VariantObservations | undefined>>;
}

export type Observations = Readonly<Record<string, ServiceObservations | undefined>>;

/** The rule that produced or bounded a number. Also the `reason` metric label. */
export type Rule =
  | "invalid"
  | "signal"
  | "reactive"
  | "hold"
  | "predictive"
  | "business-hours"
  | "keep-warm"
  | "scale-to-zero"
  | "min"
  | "max"
  | "gpu-quota"
  | "budget";

export interface Reason {
  readonly rule: Rule;
  readonly message: string;
}

export interface ServiceDecision {
  readonly service: string;
  /** false: the data needed is missing or too old; the scaler answers UNAVAILABLE and KEDA's fallback applies. */
  readonly valid: boolean;
  readonly desiredReplicas: number;
  readonly active: boolean;
  /** The rule that set the final number. */
  readonly reason: Rule;
  /** Every rule that had something to say, in evaluation order. */
  readonly reasons: readonly Reason[];
  readonly reactiveReplicas?: number;
  /** What the forecast asks for (computed even when it is not acted upon). */
  readonly predictiveReplicas?: number;
  readonly forecastConfidence?: number;
  readonly businessHours: boolean;
  /** Hourly cost of the desired replicas, split by capacity type. */
  readonly hourlyCost: { readonly onDemand: number; readonly spot: number };
  readonly changed: boolean;
  /** An llm service's token arithmetic, with the model's prediction at desiredReplicas. */
  readonly llm?: LlmDecision;
  /** A service with variants: the split (desiredReplicas is its total). */
  readonly variants?: VariantsDecision;
  /**
   * A service with a scale-down delay (scaleDownDelaySeconds): the count its rules asked before the
   * delay held the highest one asked within it.
   */
  readonly askedBeforeDelay?: number;
}

export interface Decisions {
  readonly at: number;
  readonly services: readonly ServiceDecision[];
  /** USD per hour of the decided replicas. */
  readonly totalHourlyCost: number;
  /**
   * USD per hour of the pods the decisions leave running: each workload at the larger of its
   * answer and the pods its HPA's scale-down window and KEDA's cooldown hold (rules/held.ts). The
   * budget holds this sum (rule 6).
   */
  readonly paidHourlyCost: number;
  readonly maxHourlyCost?: number;
  /**
   * Per GPU type: `used` is what the final desired counts hold, after the GPU quota and the budget
   * trims (what `mlas_gpus_used` reports); `taken` is what the pods take then, each workload at the
   * larger of its answer and its held pods (rules/held.ts; `mlas_gpus_taken`), which the quota
   * holds; `requested` is what the services asked for before the trims.
   */
  readonly gpuUse: Readonly<
    Record<
      string,
      { readonly used: number; readonly taken: number; readonly requested: number; readonly quota?: number }
    >
  >;
}

/** One count the scaler answered for a service: its replicas and, with variants, each variant's. */
export interface Answer {
  /** When it was decided (epoch ms); it stands until the next answer. */
  readonly at: number;
  readonly replicas: number;
  readonly variants?: Readonly<Record<string, number>>;
  /** A service with a scale-down delay: the count its rules asked before the delay (rules/scale-down-delay.ts). */
  readonly asked?: number;
  /**
   * A service with variants and a scale-down delay: the demand (tokens/s) its split was asked to
   * serve before the delay (split/demand.ts).
   */
  readonly demand?: number;
}

/** A service's past answers as far as they still hold pods (rules/held.ts). */
export interface AnswerHistory {
  /**
   * The answers standing within the HPA's scale-down window or the service's scale-down delay,
   * whichever is longer, oldest first; the last one stands now.
   */
  readonly answers: readonly Answer[];
  /**
   * Per workload ("" the service's own count, else a variant's name), when its last non-zero
   * answer stopped standing (epoch ms): KEDA's cooldown runs from then.
   */
  readonly activeUntil: Readonly<Record<string, number>>;
}

/**
 * What the engine remembers between calls: the previous decisions, to mark changes, and per
 * service the answers from which the pods that outlive a lower answer are worked out.
 */
export interface EngineState {
  readonly previous: Readonly<Record<string, ServiceDecision | undefined>>;
  readonly answers: Readonly<Record<string, AnswerHistory | undefined>>;
}

export const EMPTY_STATE: EngineState = { previous: {}, answers: {} };

/**
 * A result under construction inside the engine: optional fields are set by assignment (a
 * conditional spread per field costs more than the rules around it); it is returned as `T`.
 */
export type Writable<T> = { -readonly [K in keyof T]: T[K] };
