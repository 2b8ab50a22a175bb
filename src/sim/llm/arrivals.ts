// Per-request arrivals for the token-level simulator: when each request reaches the gateway and how
// many prompt and output tokens it carries, as flat typed arrays. From a real trace
// (`timestamp,input_tokens,output_tokens`) or constructed (constructed-trace.ts); the origin travels
// with the arrivals so every result can say whether its arrivals were real.

import type { Series, Trace } from "../../traces/parse.ts";
import { rng } from "../workload.ts";

export type ArrivalOrigin = "real" | "constructed";

export interface LlmArrivals {
  readonly name: string;
  /** Epoch ms of second 0. */
  readonly start: number;
  /** Seconds after `start`, non-decreasing. */
  readonly times: Float64Array;
  readonly inputTokens: Int32Array;
  readonly outputTokens: Int32Array;
  readonly origin: ArrivalOrigin;
  /** Where the arrivals come from, in words (the file; for a constructed trace its recipe and seed). */
  readonly provenance: string;
}

/** The largest token count of one request the simulator takes (far above any model's context). */
export const MAX_REQUEST_TOKENS = 100_000_000;

/** Whole seconds the arrivals span: the second of the last arrival, plus one. */
export function spanSeconds(a: LlmArrivals): number {
  const n = a.times.length;
  return n === 0 ? 0 : Math.floor(a.times[n - 1] ?? 0) + 1;
}

/**
 * A request trace's rows as arrivals, from the minute of its first request. Token counts must be
 * whole and at least 1 (vLLM runs no empty prompt and generates at least one token); the error
 * names the line.
 */
export function arrivalsFromTrace(trace: Trace): LlmArrivals {
  const r = trace.requests;
  if (!r)
    throw new Error(
      `${trace.name}: is a rate trace (timestamp,<count>); the token-level simulator needs one row per request (timestamp,input_tokens,output_tokens)`,
    );
  const n = r.times.length;
  const start = trace.series.start;
  const times = new Float64Array(n);
  const inputTokens = new Int32Array(n);
  const outputTokens = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    times[i] = ((r.times[i] ?? 0) - start) / 1000;
    inputTokens[i] = tokenCount(r.inputTokens[i] ?? 0, `${trace.name}:${i + 2}: input_tokens`);
    outputTokens[i] = tokenCount(r.outputTokens[i] ?? 0, `${trace.name}:${i + 2}: output_tokens`);
  }
  return {
    name: trace.name,
    start,
    times,
    inputTokens,
    outputTokens,
    origin: "real",
    provenance: `${trace.name} (real arrivals and token counts, ${n} requests)`,
  };
}

function tokenCount(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 1 || v > MAX_REQUEST_TOKENS)
    throw new RangeError(`${what} must be a whole number from 1 to ${MAX_REQUEST_TOKENS}, got ${v}`);
  return v;
}

/**
 * Per-request arrivals from a rate trace (`timestamp,<count>` per interval), for an llm service
 * replayed on request counts alone: the counts x `factor`, in whole requests (the fraction carried
 * to the next interval), spread evenly over each interval, every request `promptTokens` +
 * `outputTokens` long (the llm block's expected lengths). Constructed arrivals: neither the
 * instants nor the lengths are recorded. Example: 90 requests in a minute at factor 1: one every
 * 2/3 s, the first at 1/3 s; 0.5 and 0.7 at factor 1: none in the first interval, one in the second.
 */
export function arrivalsFromCounts(
  name: string,
  series: Series,
  factor: number,
  lengths: { readonly promptTokens: number; readonly outputTokens: number },
): LlmArrivals {
  const counts = new Int32Array(series.values.length);
  let carry = 0;
  let n = 0;
  series.values.forEach((v, i) => {
    const want = (Number.isNaN(v) ? 0 : v) * factor + carry;
    counts[i] = Math.floor(want + 1e-9);
    carry = want - (counts[i] ?? 0);
    n += counts[i] ?? 0;
  });
  const times = new Float64Array(n);
  let k = 0;
  counts.forEach((c, i) => {
    for (let j = 0; j < c; j++) times[k++] = (i + (j + 0.5) / c) * series.stepSeconds;
  });
  const prompt = tokenCount(lengths.promptTokens, `${name}: the expected prompt length`);
  const output = tokenCount(lengths.outputTokens, `${name}: the expected output length`);
  return {
    name,
    start: series.start,
    times,
    inputTokens: new Int32Array(n).fill(prompt),
    outputTokens: new Int32Array(n).fill(output),
    origin: "constructed",
    provenance: `constructed from the request counts of ${name}${factor !== 1 ? ` x ${Number(factor.toPrecision(4))}` : ""}, spread evenly over each ${series.stepSeconds} s interval, every request ${prompt} + ${output} tokens (the llm block's expected lengths): ${n} requests`,
  };
}

/**
 * Per second, the mean over its minute of what arrives per second: requests, or tokens (prompt +
 * output) with `tokens`. Example: 120 requests of 1,000 tokens in minute 3: seconds 180-239 hold
 * 2 requests/s, or 2,000 tokens/s.
 */
export function perSecondRate(a: LlmArrivals, tokens: boolean): Float32Array {
  const seconds = spanSeconds(a);
  const minutes = Math.ceil(seconds / 60);
  const perMinute = new Float64Array(minutes);
  for (let i = 0; i < a.times.length; i++) {
    const m = Math.floor((a.times[i] ?? 0) / 60);
    perMinute[m] = (perMinute[m] ?? 0) + (tokens ? (a.inputTokens[i] ?? 0) + (a.outputTokens[i] ?? 0) : 1);
  }
  const rate = new Float32Array(minutes * 60);
  for (let m = 0; m < minutes; m++) rate.fill((perMinute[m] ?? 0) / 60, m * 60, m * 60 + 60);
  return rate;
}

/**
 * The arrivals at `factor` times the rate, for a trace that needs more (or fewer) replicas than it
 * recorded: each request arrives floor(factor) or floor(factor) + 1 times (the fraction by one
 * draw of a seeded stream per request), with its own lengths, its copies spread evenly over the
 * gap to the next request, so the trace's shape (its minutes, its bursts) is kept at the new rate.
 * Example: factor 2.5, requests at 0 s and 1 s: the first arrives at 0 and 0.5 s, and at 0.333 s
 * too when its draw is below 0.5 (then 0, 0.333, 0.667 s).
 */
export function scaleArrivals(a: LlmArrivals, factor: number, seed: number): LlmArrivals {
  if (!(factor > 0) || !Number.isFinite(factor))
    throw new RangeError(`scale: must be a positive number, got ${factor}`);
  const r = rng(seed);
  const whole = Math.floor(factor);
  const copies = new Int32Array(a.times.length);
  let n = 0;
  for (let i = 0; i < copies.length; i++) {
    copies[i] = whole + (r() < factor - whole ? 1 : 0);
    n += copies[i] ?? 0;
  }
  const times = new Float64Array(n);
  const inputTokens = new Int32Array(n);
  const outputTokens = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < copies.length; i++) {
    const c = copies[i] ?? 0;
    const t = a.times[i] ?? 0;
    const gap = (a.times[i + 1] ?? t) - t;
    for (let j = 0; j < c; j++, k++) {
      times[k] = t + (gap * j) / c;
      inputTokens[k] = a.inputTokens[i] ?? 1;
      outputTokens[k] = a.outputTokens[i] ?? 1;
    }
  }
  return {
    ...a,
    name: `${a.name} x ${Number(factor.toPrecision(4))}`,
    times,
    inputTokens,
    outputTokens,
    provenance: `${a.provenance}, each request repeated ${factor.toPrecision(4)} times on average (copies spread over the gap to the next request, seed ${seed}): ${n} requests`,
  };
}

/** Per minute of the trace, the prompt + output tokens/s arriving. */
export function tokensPerMinute(a: LlmArrivals): Float64Array {
  const out = new Float64Array(Math.ceil(spanSeconds(a) / 60));
  for (let i = 0; i < a.times.length; i++) {
    const m = Math.floor((a.times[i] ?? 0) / 60);
    out[m] = (out[m] ?? 0) + ((a.inputTokens[i] ?? 0) + (a.outputTokens[i] ?? 0)) / 60;
  }
  return out;
}

/** The busiest minute's prompt + output tokens per second. */
export function peakMinuteTokens(a: LlmArrivals): number {
  let peak = 0;
  for (const v of tokensPerMinute(a)) if (v > peak) peak = v;
  return peak;
}

/** The first index of `times` (ascending seconds) at or after second `s`: a binary search. */
export function firstArrivalAt(times: Float64Array, s: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? 0) < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
