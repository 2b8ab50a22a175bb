// A multi-day per-request trace constructed from two shared traces, built at run time and never
// stored: the volume comes from BurstGPT's tokens per minute over a week (prompt + response tokens
// of Azure OpenAI usage at a university), the request lengths from the Azure LLM inference traces
// of 2023 (one hour each of real prompt and output lengths). Its arrival times are constructed; the
// results made from it say so (origin "constructed").
//
// Recipe, per minute m of the volume series, with v(m) its token count (a gap counts as 0):
//  1. target = v(m) x scale tokens;
//  2. draw requests uniformly, with replacement, from the length pool (every row of the given Azure
//     traces); a request is kept while the minute's tokens so far plus half of its own stay within
//     the target (so a minute's total lands within half a request of it), and the first that does
//     not fit ends the minute;
//  3. the kept requests arrive at uniformly random instants within the minute (a Poisson process
//     given its count), sorted.
// One mulberry32 stream (workload.ts rng) seeded with `seed` drives every draw, so a seed gives the
// same trace on every machine.

import type { RequestTrace, Series } from "../../traces/parse.ts";
import { rng } from "../workload.ts";
import type { LlmArrivals } from "./arrivals.ts";

export interface LengthPool {
  readonly name: string;
  readonly requests: RequestTrace;
}

export interface ConstructOptions {
  /** Multiplies the volume series' tokens. */
  readonly scale: number;
  readonly seed: number;
}

/** The default seed of the constructed trace. */
export const CONSTRUCTED_SEED = 20231116;

export function constructTrace(
  volume: { readonly name: string; readonly series: Series },
  pools: readonly LengthPool[],
  opt: ConstructOptions,
): LlmArrivals {
  if (!(opt.scale > 0) || !Number.isFinite(opt.scale))
    throw new RangeError(`scale: must be a positive number, got ${opt.scale}`);
  if (volume.series.stepSeconds !== 60)
    throw new RangeError(
      `${volume.name}: the volume series must be per minute, got ${volume.series.stepSeconds} s`,
    );
  const lengths = poolLengths(pools);
  const r = rng(opt.seed);
  const out = new RequestColumns();
  const values = volume.series.values;
  for (let m = 0; m < values.length; m++) {
    const v = values[m] ?? Number.NaN;
    const target = Number.isNaN(v) ? 0 : v * opt.scale;
    const first = out.length;
    let tokens = 0;
    for (;;) {
      const k = Math.min(lengths.count - 1, Math.floor(r() * lengths.count));
      const size = (lengths.input[k] ?? 0) + (lengths.output[k] ?? 0);
      if (tokens + size / 2 > target) break;
      tokens += size;
      out.push(m * 60 + r() * 60, lengths.input[k] ?? 1, lengths.output[k] ?? 1);
    }
    // Arrival instants in time order; the lengths were drawn independently of them.
    out.times.subarray(first, out.length).sort();
  }
  const { times, input, output } = out.trimmed();
  const poolText = pools.map((p) => `${p.name} (${p.requests.times.length})`).join(" + ");
  return {
    name: `constructed from ${volume.name} x ${opt.scale.toPrecision(4)}`,
    start: volume.series.start,
    times,
    inputTokens: input,
    outputTokens: output,
    origin: "constructed",
    provenance:
      `constructed: volume ${volume.name} (tokens per minute) x ${opt.scale.toPrecision(6)}, ` +
      `request lengths drawn uniformly with replacement from ${poolText}, ` +
      `arrivals uniform within each minute, seed ${opt.seed}; ${times.length} requests`,
  };
}

/** The pools' rows as one table of lengths; lengths must be whole and at least 1. */
function poolLengths(pools: readonly LengthPool[]): {
  count: number;
  input: Int32Array;
  output: Int32Array;
} {
  const count = pools.reduce((n, p) => n + p.requests.times.length, 0);
  if (count === 0) throw new RangeError("the length pool is empty: give at least one request trace");
  const input = new Int32Array(count);
  const output = new Int32Array(count);
  let k = 0;
  for (const p of pools) {
    const rq = p.requests;
    for (let i = 0; i < rq.times.length; i++, k++) {
      const a = rq.inputTokens[i] ?? 0;
      const b = rq.outputTokens[i] ?? 0;
      if (!Number.isInteger(a) || a < 1 || !Number.isInteger(b) || b < 1)
        throw new RangeError(
          `${p.name}:${i + 2}: input_tokens and output_tokens must be whole numbers >= 1, got ${a} and ${b}`,
        );
      input[k] = a;
      output[k] = b;
    }
  }
  return { count, input, output };
}

/**
 * The scale at which the volume's busiest minute needs `peakReplicas` replicas of
 * `tokensPerSecondPerReplica` (prompt + output tokens). Example: a busiest minute of 32,406 tokens
 * and 20,000 tokens/s per replica: 20 replicas at the peak is 20 x 20,000 x 60 / 32,406 = 740.6.
 */
export function scaleForPeak(
  series: Series,
  tokensPerSecondPerReplica: number,
  peakReplicas: number,
): number {
  let peak = 0;
  for (const v of series.values) if (v > peak) peak = v;
  if (!(peak > 0)) throw new RangeError("the volume series has no tokens");
  return (peakReplicas * tokensPerSecondPerReplica * series.stepSeconds) / peak;
}

/** Growable columns of arrivals. */
class RequestColumns {
  times = new Float64Array(1024);
  input = new Int32Array(1024);
  output = new Int32Array(1024);
  length = 0;

  push(t: number, input: number, output: number): void {
    if (this.length === this.times.length) this.grow();
    this.times[this.length] = t;
    this.input[this.length] = input;
    this.output[this.length] = output;
    this.length++;
  }

  trimmed(): { times: Float64Array; input: Int32Array; output: Int32Array } {
    return {
      times: this.times.slice(0, this.length),
      input: this.input.slice(0, this.length),
      output: this.output.slice(0, this.length),
    };
  }

  private grow(): void {
    const size = this.times.length * 2;
    const times = new Float64Array(size);
    times.set(this.times);
    const input = new Int32Array(size);
    input.set(this.input);
    const output = new Int32Array(size);
    output.set(this.output);
    this.times = times;
    this.input = input;
    this.output = output;
  }
}
