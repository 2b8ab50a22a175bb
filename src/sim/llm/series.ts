// Per measured minute of a run, for the report's charts of TTFT and ITL against the SLO over time:
// the replicas (ready, paid, asked for), the requests that arrived in the minute, the share of them
// that met the SLO, and the 99th percentile of their TTFT and mean inter-token latency (a request
// never served counts as infinitely late).

import type { LlmArrivals } from "./arrivals.ts";
import type { RequestLedger } from "./ledger.ts";
import { meanInterTokenSeconds, meetsSlo, type LlmSlo } from "./outcome.ts";

export interface LlmSeries {
  readonly ready: Float32Array;
  readonly paying: Float32Array;
  readonly desired: Float32Array;
  readonly arrivals: Float32Array;
  /** Percent of the minute's arrivals that met the SLO (100 in a minute without arrivals). */
  readonly sloMetPct: Float32Array;
  readonly ttftP99Seconds: Float32Array;
  readonly itlP99Seconds: Float32Array;
}

export function minuteSeries(
  a: LlmArrivals,
  ledger: RequestLedger,
  slo: LlmSlo,
  from: number,
  replicas: Pick<LlmSeries, "ready" | "paying" | "desired">,
): LlmSeries {
  const minutes = replicas.ready.length;
  const arrivals = new Float32Array(minutes);
  const sloMetPct = new Float32Array(minutes).fill(100);
  const ttftP99 = new Float32Array(minutes);
  const itlP99 = new Float32Array(minutes);
  let scratchTtft = new Float64Array(1024);
  let scratchItl = new Float64Array(1024);
  let i = firstFrom(a.times, from);
  for (let m = 0; m < minutes; m++) {
    const end = from + (m + 1) * 60;
    const lo = i;
    while (i < a.times.length && (a.times[i] ?? 0) < end) i++;
    const n = i - lo;
    arrivals[m] = n;
    if (n === 0) continue;
    if (n > scratchTtft.length) {
      scratchTtft = new Float64Array(n * 2);
      scratchItl = new Float64Array(n * 2);
    }
    let met = 0;
    for (let k = 0; k < n; k++) {
      const f = ledger.ttft[lo + k] ?? Number.NaN;
      const e = ledger.e2e[lo + k] ?? Number.NaN;
      const o = a.outputTokens[lo + k] ?? 1;
      if (meetsSlo(f, e, o, slo)) met++;
      scratchTtft[k] = Number.isNaN(f) ? Infinity : f;
      const itl = meanInterTokenSeconds(f, e, o);
      scratchItl[k] = Number.isNaN(itl) ? Infinity : itl;
    }
    sloMetPct[m] = (100 * met) / n;
    ttftP99[m] = p99(scratchTtft.subarray(0, n));
    itlP99[m] = p99(scratchItl.subarray(0, n));
  }
  return { ...replicas, arrivals, sloMetPct, ttftP99Seconds: ttftP99, itlP99Seconds: itlP99 };
}

function firstFrom(times: Float64Array, s: number): number {
  let i = 0;
  while (i < times.length && (times[i] ?? 0) < s) i++;
  return i;
}

/** Nearest-rank 99th percentile; sorts `v` in place. */
function p99(v: Float64Array): number {
  v.sort();
  return v[Math.max(0, Math.ceil(0.99 * v.length) - 1)] ?? Number.NaN;
}
