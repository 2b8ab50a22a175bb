// The split of an llm service's demand across its variants, as a problem: what the solver
// (solve.ts) takes and gives. Pure data: the engine builds it from the config, the observations and
// the forecast (demand.ts), the cross-service steps narrow its caps (rules/budget.ts).

/** One variant as the split sees it. */
export interface SplitVariant {
  readonly name: string;
  /** Prompt + output tokens/s one replica sustains within the SLO at the request shape (0: none). */
  readonly capacity: number;
  /** Expected USD per replica-hour: on-demand and spot blended by the spot share. */
  readonly price: number;
  /** Seconds from a new replica's creation until it serves. */
  readonly startupSeconds: number;
  /** Replicas serving now. */
  readonly ready: number;
  readonly min: number;
  readonly max: number;
  /** Spot capacity is unavailable: the variant cannot grow, it runs at most its ready replicas. */
  readonly spotUnavailable: boolean;
  readonly gpuType: string | undefined;
  readonly gpusPerReplica: number;
  /** Share of the variant's replicas on spot, and their preemptions per spot replica-hour. */
  readonly spotShare: number;
  readonly preemptionsPerHour: number;
}

/** The demand (tokens/s) the fleet must serve `atSeconds` from now. */
export interface Checkpoint {
  readonly atSeconds: number;
  readonly demand: number;
}

export interface SplitProblem {
  readonly variants: readonly SplitVariant[];
  /**
   * Seconds a split's dollars are weighed over: the replicas it keeps cost for all of them, the
   * replicas it holds only until the new ones serve (the last checkpoint). See solve.ts.
   */
  readonly horizonSeconds: number;
  /**
   * Demand at moments from now. A variant serves with the replicas it keeps of those ready now,
   * and with its new ones from its start-up on: at 0 only what runs now counts. The last
   * checkpoint is the latest start-up, when every replica asked for now serves; the spot hedge
   * applies there.
   */
  readonly checkpoints: readonly Checkpoint[];
  /** The quantile of preemptions within start-up the fleet absorbs (hedge.ts); 0: no hedge. */
  readonly hedgeQuantile: number;
  /** USD per hour the service may spend; undefined: no budget. */
  readonly budget: number | undefined;
  /** GPUs per GPU type the service may hold (a quota's room); a type without an entry is unbounded. */
  readonly gpuCaps: Readonly<Record<string, number>>;
  /** Bounds on the replicas of all variants together. */
  readonly minTotal: number;
  readonly maxTotal: number;
}

/**
 * How the split came out, in order of what it gives up: `met` serves what can be served at every
 * checkpoint (before the last, a demand no ready replica and no start-up can serve in time is
 * beyond any split: its checkpoint shows it) with the spot hedge; `hedge-dropped` the same without
 * the hedge (the caps leave no room for it); `short` serves as much of the demand as the caps allow
 * (the shortfall summed over the checkpoints is the least possible), or the variants' bounds leave
 * the demand unserved once every replica asked for serves; `minimums`: the variants' minimums
 * alone exceed a cap; they run, the caps they overrun are raised to what they use, and the split
 * serves what it can within those (as `short`).
 */
export type SplitOutcome = "met" | "hedge-dropped" | "short" | "minimums";

export interface CheckpointResult extends Checkpoint {
  /** The demand the split sized for: the demand, or the most the variants can serve by then. */
  readonly target: number;
  /** Tokens/s the split's replicas serve then. */
  readonly capacity: number;
}

export interface SplitResult {
  /** Replicas to run now per variant, in the problem's order: kept + held. */
  readonly counts: readonly number[];
  /** Of them, the replicas the fleet keeps once every new replica serves. */
  readonly kept: readonly number[];
  /** Of them, ready replicas held only until the new ones serve (then given up). */
  readonly held: readonly number[];
  /** USD per hour of those replicas. */
  readonly cost: number;
  readonly outcome: SplitOutcome;
  readonly checkpoints: readonly CheckpointResult[];
  /** Per variant: spot replicas and those the hedge covers (0 without a hedge). */
  readonly hedge: readonly { readonly spot: number; readonly covered: number }[];
  /** false: the search stopped at its node limit; the split is the best found, not proven the least. */
  readonly proven: boolean;
  /** Search nodes visited (the cost of the solve). */
  readonly nodes: number;
}
