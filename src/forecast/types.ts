// Forecasting contracts. Pure: no I/O, no clock, deterministic.

/** A model's point forecasts, for the future and, for calibration, from past origins. */
export interface PointFit {
  /** Point forecasts for steps 1..H after the last sample. */
  readonly forecast: Float64Array;
  /**
   * The point forecast this model would have made at past origin `o` (the last sample it saw has
   * index o) for step h in 1..H. NaN when it could not.
   */
  backcast(o: number, h: number): number;
  /** How much of the model could be used: e.g. "weekly", "daily", "level". */
  readonly mode: string;
  /** The first origin index from which backcast() is meaningful. */
  readonly firstOrigin: number;
  /**
   * The same model without its short-term correction, when it has one: calibrate() makes the bands
   * cover its errors too (the correction reads the last minutes and cannot see a change that starts
   * after them).
   */
  readonly withoutCorrection?: PointFit;
}

export interface SeriesInput {
  /** Samples at a fixed step; NaN is a gap (missing), not a zero. */
  readonly values: Float64Array;
  readonly stepSeconds: number;
  /** Epoch ms of values[0]. */
  readonly start: number;
}

export interface Model {
  readonly name: string;
  fit(input: SeriesInput, horizon: number): PointFit;
}

export interface Pattern {
  readonly present: boolean;
  /** Share of variance explained, 0..1. */
  readonly strength: number;
  readonly periodHours: number;
}

export interface Patterns {
  readonly daily: Pattern;
  readonly weekly: Pattern;
}

export interface Forecast {
  readonly model: string;
  readonly mode: string;
  /** Epoch ms of the first forecast step (one step after the last sample). */
  readonly start: number;
  readonly stepSeconds: number;
  readonly mean: Float64Array;
  /** Per-step quantile of the predictive distribution. */
  quantile(p: number): Float64Array;
  /**
   * Per step h, the share of recent out-of-sample origins whose actual at h exceeded both that
   * origin's quantile p and its last observed value: how often planning for the quantile would
   * have fallen short where sizing for the current load would have too, estimated as
   * (misses + 1) / (cases + 1) so that none in n cases does not read as never. NaN when unmeasured.
   */
  missBeyondLast(p: number): Float64Array;
  /** 0..1, from the model's recent out-of-sample error of the mean over the horizon. */
  readonly confidence: number;
  /** That recent error (WAPE of the horizon mean) behind the confidence. */
  readonly recentWape: number;
  readonly patterns: Patterns;
}
