// Cumulative histograms with the bucket bounds vLLM exports, so a controller reads the simulated
// fleet's latency distributions as Prometheus would scrape them from vLLM's /metrics.
// Bounds as in vLLM's v1 metrics logger (vllm/v1/metrics/loggers.py):
//  - vllm:time_to_first_token_seconds: 22 bounds from 1 ms to 2560 s;
//  - vllm:inter_token_latency_seconds: 19 bounds from 10 ms to 80 s (one observation per
//    generated token after a request's first, per engine step);
//  - vllm:e2e_request_latency_seconds: 21 bounds from 0.3 s to 7680 s;
//  - vllm:request_time_per_output_token_seconds: a finished request's mean inter-token latency
//    (decode time / (output tokens - 1), 0 for a one-token answer), the bounds of the ITL histogram;
//  - vllm:request_prompt_tokens, vllm:request_generation_tokens: a finished request's lengths,
//    1-2-5 bounds up to max_model_len (`build_1_2_5_buckets`): 1, 2, 5, 10, 20, 50, ...

export const TTFT_BUCKETS: readonly number[] = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0,
  80.0, 160.0, 640.0, 2560.0,
];
export const ITL_BUCKETS: readonly number[] = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
];
export const E2E_BUCKETS: readonly number[] = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0,
  960.0, 1920.0, 7680.0,
];

export const TPOT_BUCKETS: readonly number[] = ITL_BUCKETS;

/** vLLM's request-length bounds: 1, 2, 5 times the powers of 10 up to maxModelLen. Example: 100 -> 1, 2, 5, 10, 20, 50, 100. */
export function lengthBuckets(maxModelLen: number): number[] {
  const out: number[] = [];
  for (let scale = 1; scale <= maxModelLen; scale *= 10)
    for (const m of [1, 2, 5]) if (m * scale <= maxModelLen) out.push(m * scale);
  return out;
}

/** A histogram as Prometheus exposes it: per-bucket counts (not yet cumulative), sum and count. */
export class LatencyHistogram {
  readonly bounds: Float64Array;
  /** counts[i]: observations in (bounds[i-1], bounds[i]]; the last slot is (last bound, +Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = Float64Array.from(bounds);
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** The bucket holding `v` (Prometheus `le`: v <= bound). */
  bucketOf(v: number): number {
    const b = this.bounds;
    // Most observations fall in the bucket of the one before.
    const last = this.lastBucket;
    if (v <= (b[last] ?? Infinity) && (last === 0 || v > (b[last - 1] ?? -Infinity))) return last;
    this.lastBucket = this.search(v);
    return this.lastBucket;
  }

  private lastBucket = 0;

  private search(v: number): number {
    const b = this.bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (v <= (b[mid] ?? Infinity)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** `weight` observations of the value `v`. */
  observe(v: number, weight = 1): void {
    const i = this.bucketOf(v);
    this.counts[i] = (this.counts[i] ?? 0) + weight;
    this.sum += v * weight;
    this.count += weight;
  }

  /** Cumulative count of observations <= bounds[i] (Prometheus `_bucket{le=...}`); i = bounds.length is +Inf. */
  cumulative(i: number): number {
    let acc = 0;
    for (let k = 0; k <= i && k < this.counts.length; k++) acc += this.counts[k] ?? 0;
    return acc;
  }

  /**
   * The q-quantile as PromQL's histogram_quantile() estimates it: linear inside the bucket that
   * holds the rank. Example: counts 10 in (0, 0.01] and 10 in (0.01, 0.025]: q 0.75 is rank 15,
   * halfway through the second bucket: 0.01 + 0.5 * 0.015 = 0.0175. NaN without observations.
   */
  quantile(q: number): number {
    if (this.count <= 0) return Number.NaN;
    const rank = q * this.count;
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const c = this.counts[i] ?? 0;
      if (acc + c >= rank && c > 0) {
        if (i >= this.bounds.length) return this.bounds[this.bounds.length - 1] ?? Number.NaN;
        const lower = i === 0 ? 0 : (this.bounds[i - 1] ?? 0);
        const upper = this.bounds[i] ?? lower;
        return lower + ((upper - lower) * (rank - acc)) / c;
      }
      acc += c;
    }
    return this.bounds[this.bounds.length - 1] ?? Number.NaN;
  }
}
