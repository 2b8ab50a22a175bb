// What Prometheus answers, in the token-level simulator, for the queries an llm service's triggers
// run (config/llm.ts llmQueries) and for its ingress's arrival rate: the fleet's live metrics
// (live-metrics.ts) scraped every scrapeSeconds, and each query computed over the scrapes inside its
// window as the request simulator's RatePipeline computes rate() (the samples inside the window, no
// extrapolation; undefined until two samples exist):
//   tokens            (prompt + generated tokens) increase / time, over 1 minute;
//   meanPromptTokens  increase of vllm:request_prompt_tokens_sum / increase of its _count, over
//   meanOutputTokens  5 minutes (and of vllm:request_generation_tokens); the finished requests';
//   promptTokensP10 ... outputTokensP98
//                     histogram_quantile(q) of the length histograms' increases over 5 minutes;
//   ttft              histogram_quantile(percentile) of the buckets' increases over 2 minutes;
//   itl               the same of vllm:request_time_per_output_token_seconds (a request's mean
//                     inter-token latency), or, where it answers nothing, of the single gaps'
//                     vllm:inter_token_latency_seconds (the query's `or`);
//   requests          the ingress counter's increase / time, over 1 minute.
// A ratio or a quantile of nothing (no request finished, no token out in the window) is NaN, which
// the queries' `> 0` drops: the empty answer reads as 0, "not measured", as in the service.
//
// Example, 15 s scrapes: 600 prompt and 1,200 generated tokens counted at t = 0 and 3,600 + 6,000
// at t = 45: tokens = (9,600 - 1,800) / 45 = 173.3 tokens/s at t = 45 (4 samples in the minute).

import {
  LENGTH_QUANTILES,
  OUTPUT_LENGTH_SIGNALS,
  PROMPT_LENGTH_SIGNALS,
  type LengthSignal,
} from "../../config/llm.ts";
import type { LiveMetrics } from "./live-metrics.ts";

/** The windows of the llm block's queries (config/llm.ts llmQueries) and of the arrival rate, seconds. */
export const SIGNAL_WINDOWS = { tokens: 60, lengths: 300, latency: 120, requests: 60 } as const;

/** One scrape of the fleet. */
interface Scrape {
  readonly t: number;
  readonly arrivals: number;
  readonly tokens: number;
  readonly finished: number;
  readonly finishedPrompt: number;
  readonly finishedOutput: number;
  /** Per-bucket counts (not cumulative), the +Inf bucket last. */
  readonly ttft: Float64Array;
  readonly itl: Float64Array;
  readonly tpot: Float64Array;
  readonly prompts: Float64Array;
  readonly outputs: Float64Array;
}

/** The token signals as the service would read them at the last scrape; undefined: no answer yet. */
export interface TokenReadings extends Readonly<Record<LengthSignal, number | undefined>> {
  /** The second of the scrape the readings come from. */
  readonly at: number;
  readonly tokens: number | undefined;
  readonly meanPromptTokens: number | undefined;
  readonly meanOutputTokens: number | undefined;
  readonly ttft: number | undefined;
  readonly itl: number | undefined;
  readonly requests: number | undefined;
}

/**
 * PromQL's histogram_quantile over the increase between two scrapes of per-bucket counts: linear
 * inside the bucket holding the rank, the last finite bound when the rank falls in +Inf; NaN when
 * nothing was observed. Example: increases 10 in (0, 0.01] and 10 in (0.01, 0.025]: q 0.75 is rank
 * 15, halfway through the second bucket, 0.0175.
 */
export function quantileOfIncrease(
  bounds: Float64Array,
  first: Float64Array,
  last: Float64Array,
  q: number,
): number {
  let total = 0;
  for (let i = 0; i < last.length; i++) total += (last[i] ?? 0) - (first[i] ?? 0);
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let acc = 0;
  for (let i = 0; i < last.length; i++) {
    const c = (last[i] ?? 0) - (first[i] ?? 0);
    if (c > 0 && acc + c >= rank) {
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? Number.NaN;
      const lower = i === 0 ? 0 : (bounds[i - 1] ?? 0);
      const upper = bounds[i] ?? lower;
      return lower + ((upper - lower) * (rank - acc)) / c;
    }
    acc += c;
  }
  return bounds[bounds.length - 1] ?? Number.NaN;
}

/** NaN (a query's `> 0` drops it) reads as 0: the empty answer. */
const orZero = (x: number): number => (Number.isNaN(x) || !(x > 0) ? 0 : x);

export class VllmPrometheus {
  private readonly scrapes: Scrape[] = [];
  private readonly scrapeSeconds: number;
  private readonly percentile: number;
  private ttftBounds: Float64Array | undefined;
  private itlBounds: Float64Array | undefined;
  private tpotBounds: Float64Array | undefined;
  private promptBounds: Float64Array | undefined;
  private outputBounds: Float64Array | undefined;

  constructor(scrapeSeconds: number, percentile: number) {
    if (!(scrapeSeconds >= 1)) throw new RangeError(`scrapeSeconds: must be >= 1, got ${scrapeSeconds}`);
    if (!(percentile > 0 && percentile < 1))
      throw new RangeError(`percentile: must be in (0, 1), got ${percentile}`);
    this.scrapeSeconds = scrapeSeconds;
    this.percentile = percentile;
  }

  /** Call every second; every scrapeSeconds a scrape of `live` is kept for the longest window. */
  step(t: number, live: LiveMetrics): void {
    if (t % this.scrapeSeconds !== 0) return;
    this.ttftBounds ??= live.ttft.bounds;
    this.itlBounds ??= live.itl.bounds;
    this.tpotBounds ??= live.tpot.bounds;
    this.promptBounds ??= live.promptLengths.bounds;
    this.outputBounds ??= live.outputLengths.bounds;
    this.scrapes.push({
      t,
      arrivals: live.arrivals,
      tokens: live.promptTokens + live.generationTokens,
      finished: live.e2e.count,
      finishedPrompt: live.finishedPromptTokens,
      finishedOutput: live.finishedOutputTokens,
      ttft: live.ttft.counts.slice(),
      itl: live.itl.counts.slice(),
      tpot: live.tpot.counts.slice(),
      prompts: live.promptLengths.counts.slice(),
      outputs: live.outputLengths.counts.slice(),
    });
    while ((this.scrapes[0]?.t ?? t) <= t - SIGNAL_WINDOWS.lengths) this.scrapes.shift();
  }

  /** The first and last scrape inside the window ending at the last scrape; undefined with fewer than two. */
  private window(seconds: number): [Scrape, Scrape] | undefined {
    const last = this.scrapes[this.scrapes.length - 1];
    if (last === undefined) return undefined;
    const first = this.scrapes.find((s) => s.t > last.t - seconds);
    return first === undefined || first === last ? undefined : [first, last];
  }

  private rate(seconds: number, of: (s: Scrape) => number): number | undefined {
    const w = this.window(seconds);
    return w ? Math.max(0, (of(w[1]) - of(w[0])) / (w[1].t - w[0].t)) : undefined;
  }

  private mean(of: (s: Scrape) => number): number | undefined {
    const w = this.window(SIGNAL_WINDOWS.lengths);
    if (!w) return undefined;
    const finished = w[1].finished - w[0].finished;
    return finished > 0 ? orZero((of(w[1]) - of(w[0])) / finished) : 0;
  }

  private quantile(
    which: "ttft" | "itl" | "tpot" | "prompts" | "outputs",
    q: number,
    seconds: number,
  ): number | undefined {
    const w = this.window(seconds);
    const bounds = {
      ttft: this.ttftBounds,
      itl: this.itlBounds,
      tpot: this.tpotBounds,
      prompts: this.promptBounds,
      outputs: this.outputBounds,
    }[which];
    if (!w || !bounds) return undefined;
    return orZero(quantileOfIncrease(bounds, w[0][which], w[1][which], q));
  }

  /** The per-request TPOT's quantile, or the single gaps' where it has none (the query's `or`). */
  private itl(): number | undefined {
    const perRequest = this.quantile("tpot", this.percentile, SIGNAL_WINDOWS.latency);
    if (perRequest === undefined || perRequest > 0) return perRequest;
    return this.quantile("itl", this.percentile, SIGNAL_WINDOWS.latency);
  }

  private lengths(
    which: "prompts" | "outputs",
    signals: readonly LengthSignal[],
  ): Record<string, number | undefined> {
    return Object.fromEntries(
      signals.map((name, i) => [
        name,
        this.quantile(which, LENGTH_QUANTILES[i]?.q ?? 0.5, SIGNAL_WINDOWS.lengths),
      ]),
    );
  }

  readings(): TokenReadings {
    return {
      at: this.scrapes[this.scrapes.length - 1]?.t ?? -1,
      tokens: this.rate(SIGNAL_WINDOWS.tokens, (s) => s.tokens),
      meanPromptTokens: this.mean((s) => s.finishedPrompt),
      meanOutputTokens: this.mean((s) => s.finishedOutput),
      ...(this.lengths("prompts", PROMPT_LENGTH_SIGNALS) as Record<LengthSignal, number | undefined>),
      ...(this.lengths("outputs", OUTPUT_LENGTH_SIGNALS) as Record<LengthSignal, number | undefined>),
      ttft: this.quantile("ttft", this.percentile, SIGNAL_WINDOWS.latency),
      itl: this.itl(),
      requests: this.rate(SIGNAL_WINDOWS.requests, (s) => s.arrivals),
    };
  }
}
