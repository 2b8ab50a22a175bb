// How a run of the token-level simulator is judged, over the requests that arrive in the measured
// window:
//  - a request meets the SLO when its time to first token is within the TTFT target and its mean
//    inter-token latency (e2e - ttft) / (output tokens - 1), the TPOT vLLM's benchmark reports and
//    what Dynamo's per-request SLA checks, is within the ITL target (a one-token answer has no
//    inter-token latency and is judged on TTFT alone); a request never served, rejected or aborted
//    misses it;
//  - SLO attainment: the share of requests that meet it;
//  - goodput: SLO-meeting requests per second, and their output tokens per second;
//  - SLO-meeting throughput per GPU (Dynamo's goodput per GPU): the output tokens of SLO-meeting
//    requests per GPU-second paid (replica-seconds x GPUs per replica), in tokens/s/GPU.
// Latency quantiles count a request without a first token (or never finished) as infinitely late.

import type { RequestLedger } from "./ledger.ts";

export interface LlmSlo {
  readonly ttftSeconds: number;
  /** Target for a request's mean inter-token latency (TPOT). */
  readonly itlSeconds: number;
}

export function validateSlo(slo: LlmSlo): LlmSlo {
  for (const [k, v] of Object.entries(slo))
    if (!Number.isFinite(v) || v <= 0) throw new RangeError(`slo.${k}: must be a positive number, got ${v}`);
  return slo;
}

/** A request's mean inter-token latency; 0 for a one-token answer, NaN if it did not finish. */
export function meanInterTokenSeconds(ttft: number, e2e: number, outputTokens: number): number {
  return outputTokens > 1 ? (e2e - ttft) / (outputTokens - 1) : Number.isNaN(e2e) ? Number.NaN : 0;
}

export function meetsSlo(ttft: number, e2e: number, outputTokens: number, slo: LlmSlo): boolean {
  if (!(ttft <= slo.ttftSeconds) || Number.isNaN(e2e)) return false;
  return meanInterTokenSeconds(ttft, e2e, outputTokens) <= slo.itlSeconds;
}

export interface RequestQuality {
  readonly requests: number;
  readonly sloMet: number;
  readonly attainmentPct: number;
  /** Requests in the window that never finished (rejected, aborted, or still in flight at the end). */
  readonly unfinished: number;
  readonly ttftP50Seconds: number;
  readonly ttftP99Seconds: number;
  /** Quantiles of the requests' mean inter-token latency. */
  readonly itlP50Seconds: number;
  readonly itlP99Seconds: number;
  readonly e2eP99Seconds: number;
  /** Output tokens of the SLO-meeting requests. */
  readonly sloMetOutputTokens: number;
}

/** The quality of requests [from, to) of the arrivals (by index). */
export function requestQuality(
  ledger: RequestLedger,
  outputTokens: Int32Array,
  from: number,
  to: number,
  slo: LlmSlo,
): RequestQuality {
  const ttft = new LogQuantiles();
  const itl = new LogQuantiles();
  const e2e = new LogQuantiles();
  let met = 0;
  let metTokens = 0;
  let unfinished = 0;
  for (let i = from; i < to; i++) {
    const f = ledger.ttft[i] ?? Number.NaN;
    const e = ledger.e2e[i] ?? Number.NaN;
    const o = outputTokens[i] ?? 1;
    if (Number.isNaN(e)) unfinished++;
    ttft.add(Number.isNaN(f) ? Infinity : f);
    e2e.add(Number.isNaN(e) ? Infinity : e);
    const m = meanInterTokenSeconds(f, e, o);
    itl.add(Number.isNaN(m) ? Infinity : m);
    if (meetsSlo(f, e, o, slo)) {
      met++;
      metTokens += o;
    }
  }
  const n = to - from;
  return {
    requests: n,
    sloMet: met,
    attainmentPct: n > 0 ? (100 * met) / n : 100,
    unfinished,
    ttftP50Seconds: ttft.quantile(0.5),
    ttftP99Seconds: ttft.quantile(0.99),
    itlP50Seconds: itl.quantile(0.5),
    itlP99Seconds: itl.quantile(0.99),
    e2eP99Seconds: e2e.quantile(0.99),
    sloMetOutputTokens: metTokens,
  };
}

/**
 * Quantiles from a log-spaced histogram: 400 bins per decade from 10 us to 100,000 s (a value is
 * reported as its bin's geometric middle, within 0.3%), below it a zero bin, above it +Infinity.
 */
export class LogQuantiles {
  private static readonly PER_DECADE = 400;
  private static readonly MIN_LOG = -5;
  private static readonly BINS = 10 * LogQuantiles.PER_DECADE;
  private readonly counts = new Float64Array(LogQuantiles.BINS + 2);
  private total = 0;

  add(v: number): void {
    let i: number;
    if (!(v > 0)) i = 0;
    else if (v === Infinity) i = LogQuantiles.BINS + 1;
    else {
      const k = Math.floor((Math.log10(v) - LogQuantiles.MIN_LOG) * LogQuantiles.PER_DECADE);
      i = Math.min(LogQuantiles.BINS, Math.max(0, k) + 1);
    }
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.total++;
  }

  /** The q-quantile (nearest rank); NaN when empty, Infinity when it falls on never-finished requests. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i] ?? 0;
      if (acc >= rank) {
        if (i === 0) return 0;
        if (i === LogQuantiles.BINS + 1) return Infinity;
        return 10 ** (LogQuantiles.MIN_LOG + (i - 0.5) / LogQuantiles.PER_DECADE);
      }
    }
    return Infinity;
  }
}
