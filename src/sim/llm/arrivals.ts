// Per-request arrivals for the token-level simulator: when each request reaches the gateway and how
// many prompt and output tokens it carries, as flat typed arrays. From a real trace
// (`timestamp,input_tokens,output_tokens`) or constructed (constructed-trace.ts); the origin travels
// with the arrivals so every result can say whether its arrivals were real.

import type { Trace } from "../../traces/parse.ts";
import { minuteMeans, type Workload } from "../workload.ts";

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

/** The arrivals as the request simulator's workload (requests/s per second), for request-based policies. */
export function requestWorkload(a: LlmArrivals): Workload {
  const rate = perSecondRate(a, false);
  return { name: a.name, start: a.start, rate, minuteRate: minuteMeans(rate) };
}
