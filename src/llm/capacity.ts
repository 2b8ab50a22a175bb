// The token capacity of one LLM replica: how many requests per second (and so tokens per second)
// one replica sustains with its predicted TTFT and ITL within the SLO at its percentile and its KV
// cache within capacity, from the replica's performance profile and the workload's shape (the mean
// prompt and output lengths and, when measured, their distributions as classes of requests). Pure
// arithmetic on a PerformanceProfile: no I/O, no clock.
//
// The model of one replica at a steady request rate λ (vLLM V1: continuous batching, chunked
// prefill under a token budget B = maxBatchedTokens, one token per decoding sequence per step):
//
// - mean step s (a fixed point, found from the one-sequence decode step upwards): decoding
//   sequences n = λ x O x s (Little's law, O the mean output); a prompt of class i (P_i tokens,
//   share w_i of requests) is prefilled in chunks of c_i = min(P_i, B - n) tokens, each chunk in a
//   step with the n decodes (time s_i), the other steps decoding only (time s_d). The share of steps
//   holding a chunk of class i is φ_i = λ w_i P_i s / c_i, φ = Σ φ_i, and g(s) = Σ φ_i s_i +
//   (1 - φ) s_d. Past φ = 1 every step prefills f = λ P s prompt tokens beside the decodes (several
//   short prompts in one step; P the mean prompt), and g(s) is that step. The replica cannot keep
//   up (unstable) when n exceeds maxSeqs, f + n exceeds B, or no steady step exists.
// - ITL, as the SLO judges it: a request's mean inter-token latency (its TPOT, vLLM's
//   vllm:request_time_per_output_token_seconds), at the percentile q over requests. A request of
//   O_j output tokens has m = O_j - 1 gaps, each a decode step s_d plus, when the step also
//   prefills, the mixed step's fixed cost o (paid once a step, however many prompts it holds: the
//   step at zero prefill tokens, extrapolated from 1 and 16, less s_d) and the prompts' extra time;
//   the prefill its gaps hold is that of the requests arriving while it decodes. One of class i
//   adds X_i = its prefill steps' time - as many decode steps and fixed costs; with every step
//   prefilling (φ past 1), its prompt's share of the steps' time past s_d + o, (P_i / P)
//   (s - s_d - o) / (λ s), the same mean as just below. Its gaps last longer than m t when the
//   prefill arriving within m t seconds takes more than m (t - s_d): with j arrivals, when
//   min(m, j x chunks) o + Σ X > m (t - s_d), the count j Poisson(λ m t) summed exactly (one
//   arrival exactly, the sum of two or more as a normal), a normal for the whole sum past 64
//   arrivals on average. No gap outlasts one step, the longest a step with the whole budget in
//   prefill (s_B), so no request misses a t at or past it. ITL at q is the least t with Σ_j w_j x
//   that share <= 1 - q. A prefill step among few gaps weighs in full (a 10-token answer beside
//   one 7,000-token prompt), among many it is diluted.
// - TTFT at q: class i's first token comes after a residual step (the mean prefill step, the
//   margin), its own prefill steps, the queueing for the prefill budget and the profile's
//   per-request overhead (`requestOverheadSeconds`, latency the serving path adds outside the
//   steps). The queue is M/G/1 on prompt tokens served at μ = (B - n) / s_B tokens/s (s_B: a step
//   with the whole budget in prefill beside the n decodes), utilisation ρ = λ P / μ, a class's
//   service P_i / μ exponential within the class (vLLM's is closer to deterministic per token: the
//   margin): E[S²] = 2 Σ w_i (P_i / μ)², mean wait W = λ E[S²] / (2 (1 - ρ)), and the wait exceeds
//   x with probability ρ exp(-x ρ / W) (one class: the M/M/1 queue's ρ exp(-(1 - ρ) x μ / P)). TTFT
//   at q is the least t at which the classes' shares past t sum to at most 1 - q.
// - KV cache: the running sequences hold n x (P + O / 2) tokens (the prompt and, on average, half
//   the output), kept within (1 - headroom) of kvCacheTokens.
//
// Capacity: the largest λ at which the replica is stable, ITL and TTFT at q are within their
// targets and the KV cache within its headroom (bisection).
//
// Worked example, a linear test profile (step = 10 ms + 0.02 ms per prompt token + 0.1 ms per
// decoding sequence, B = 2,048, maxSeqs 256, 100,000 KV tokens), every request P = 1,000, O = 100,
// λ = 10/s: g(s) = 0.010 + λ s (0.1 ms x 100 + 0.02 ms x 1,000) = 0.010 + 0.3 s, so s = 0.010 /
// 0.7 = 14.29 ms; n = 10 x 100 x 0.01429 = 14.29; φ = 0.143; s_d = 10 + 1.43 = 11.43 ms, s_p =
// 11.43 + 20 = 31.43 ms, X = 20 ms. ITL p99 = 16.88 ms: within 99 x 16.88 ms = 1.671 s come
// Poisson(16.71) arrivals, and more than 99 x (16.88 - 11.43) / 20 = 27 of them with probability
// 0.72% (under 1%, and over it just below). s_B = 11.43 + 0.02 x 2,033.7 = 52.10 ms, μ =
// 2,033.7 / 0.05210 = 39,033 tokens/s, ρ = 10,000 / 39,033 = 0.256, P / μ = 25.6 ms, wait p99 =
// 25.6 ms x ln(25.6) / 0.744 = 111.7 ms, TTFT p99 = 31.4 + 31.4 + 111.7 = 174.6 ms; KV 14.29 x
// 1,050 = 15,000 tokens (15%). With ITL p99 <= 35 ms the capacity is 21.40 req/s = 23,537 tokens/s
// (TTFT p99 there 359 ms, KV 62.7%).

import type { PerformanceProfile, StepBatch } from "./profile.ts";

/** Service-level objectives of an LLM service: TTFT and ITL targets at one percentile. */
export interface LlmSlo {
  readonly ttftSeconds: number;
  /** Target for a request's mean inter-token latency (its TPOT). */
  readonly itlSeconds: number;
  /** The percentile of requests both targets hold at, e.g. 0.99. */
  readonly percentile: number;
}

/** One class of a length distribution: its length and the share of requests in it. */
export interface LengthClass {
  readonly tokens: number;
  readonly share: number;
}

/**
 * The workload's shape: mean prompt and output tokens per request and, when known, their
 * distributions (classes whose shares sum to 1 and whose mean is the mean given); absent, every
 * request has the mean length.
 */
export interface WorkloadShape {
  readonly promptTokens: number;
  readonly outputTokens: number;
  readonly prompts?: readonly LengthClass[];
  readonly outputs?: readonly LengthClass[];
}

/** What the model predicts for one replica at a request rate. */
export interface ReplicaPrediction {
  /** Requests per second the replica receives. */
  readonly requestRate: number;
  /** false: the replica cannot keep up at this rate (`why` says which limit), latencies are Infinity. */
  readonly stable: boolean;
  readonly why?: string;
  /** Mean engine step, seconds. */
  readonly stepSeconds: number;
  /** Sequences decoding at once. */
  readonly decodeSeqs: number;
  /** Share of steps that hold prefill work (1 when every step does). */
  readonly prefillShare: number;
  /** TTFT at the percentile, over requests. */
  readonly ttftSeconds: number;
  /** A request's mean inter-token latency at the percentile, over requests. */
  readonly itlSeconds: number;
  /** Share of the KV cache the running sequences hold. */
  readonly kvCacheUse: number;
}

/** Which limit sets a replica's capacity. */
export type CapacityBound = "ttft" | "itl" | "kv-cache" | "throughput";

export interface ReplicaCapacity {
  /** Requests per second one replica sustains within the SLO (0 when none). */
  readonly requestsPerSecond: number;
  /** The same in prompt + output tokens per second. */
  readonly tokensPerSecond: number;
  readonly boundBy: CapacityBound;
  /** The model at that rate. */
  readonly atCapacity: ReplicaPrediction;
  /**
   * Targets no load meets (a single request alone misses them): the capacity is then the largest
   * stable rate within the other limits.
   */
  readonly unattainable: readonly ("ttft" | "itl")[];
}

/** The fixed point stops when a step changes by less than this share. */
const RELATIVE_TOLERANCE = 1e-10;
const MAX_ITERATIONS = 500;
/** The rate "no load" is evaluated at (requests per second). */
const IDLE_RATE = 1e-9;
/** A mean step this much longer just above capacity than at it is a jump, not a slope (see boundOf). */
const STEP_JUMP = 1.05;
/** Up to this mean count of arrivals within a request's decode, their number is summed exactly (Poisson), above it a normal. */
const EXACT_ARRIVALS = 64;
/** Bisection steps of a quantile. */
const QUANTILE_STEPS = 60;
/** A quantile's bisection stops within this share of it (a microsecond in a second). */
const QUANTILE_TOLERANCE = 1e-6;
/** Past its mean, a Poisson count whose probability falls below this ends the sum (the rest adds less than it). */
const NEGLIGIBLE = 1e-18;
/** The capacity's bisection stops within this share of the rate. */
const CAPACITY_TOLERANCE = 1e-6;

const classesOf = (mix: readonly LengthClass[] | undefined, mean: number): readonly LengthClass[] =>
  mix !== undefined && mix.length > 0 ? mix : [{ tokens: mean, share: 1 }];

function decodeBatch(n: number, context: number): StepBatch {
  return {
    prefillTokens: 0,
    prefillSeqs: 0,
    prefillContextTokens: 0,
    decodeSeqs: n,
    decodeContextTokens: n * context,
  };
}

/**
 * A step prefilling `tokens` prompt tokens beside `n` decodes: whole prompts when `tokens` reaches
 * a prompt's length, else a chunk after, on average, half of the rest of its prompt.
 */
function mixedBatch(tokens: number, promptTokens: number, n: number, context: number): StepBatch {
  const seqs = Math.max(1, tokens / promptTokens);
  const chunk = tokens / seqs;
  return {
    prefillTokens: tokens,
    prefillSeqs: seqs,
    prefillContextTokens: chunk < promptTokens ? (seqs * (promptTokens - chunk)) / 2 : 0,
    decodeSeqs: n,
    decodeContextTokens: n * context,
  };
}

/** The prefill steps of one prompt class at a mean step. */
interface PrefillClass {
  readonly share: number;
  /** Steps its prompt is prefilled in: whole chunks, then the rest. */
  readonly chunks: number;
  /** Share of all steps holding one of this class's chunks. */
  readonly phi: number;
  /** A step holding a whole chunk, seconds. */
  readonly step: number;
  /** All its prefill steps together, seconds. */
  readonly prefillSeconds: number;
}

/** One evaluation of the step map at mean step s. */
interface StepState {
  readonly next: number;
  readonly n: number;
  readonly phi: number;
  readonly classes: readonly PrefillClass[];
  readonly decodeStep: number;
  /** Every step prefills (φ past 1). */
  readonly saturated: boolean;
}

function stepMap(p: PerformanceProfile, shape: WorkloadShape, rate: number, s: number): StepState | string {
  const { promptTokens: P, outputTokens: O } = shape;
  const { maxBatchedTokens: B, maxSeqs } = p.limits;
  const context = P + O / 2;
  const n = rate * O * s;
  if (n > maxSeqs) return `decoding sequences ${n.toFixed(0)} above maxSeqs ${maxSeqs}`;
  const room = B - n;
  if (room < 1) return `the ${B}-token budget is full of decodes`;
  const decodeStep = p.stepSeconds(decodeBatch(n, context));
  const classes: PrefillClass[] = [];
  let phi = 0;
  let busy = 0;
  for (const c of classesOf(shape.prompts, P)) {
    const chunk = Math.min(c.tokens, room);
    const step = p.stepSeconds(mixedBatch(chunk, c.tokens, n, context));
    const whole = Math.floor(c.tokens / chunk);
    const rest = c.tokens - whole * chunk;
    const last = rest >= 1 ? p.stepSeconds(mixedBatch(rest, c.tokens, n, context)) : 0;
    const share = (rate * c.share * c.tokens * s) / chunk;
    const chunks = whole + (rest >= 1 ? 1 : 0);
    classes.push({ share: c.share, chunks, phi: share, step, prefillSeconds: whole * step + last });
    phi += share;
    busy += share * step;
  }
  if (phi <= 1) {
    const next = busy + (1 - phi) * decodeStep;
    return { next, n, phi, classes, decodeStep, saturated: false };
  }
  const perStep = rate * P * s;
  if (perStep + n > B)
    return `prefill needs ${perStep.toFixed(0)} + ${n.toFixed(0)} tokens a step, above ${B}`;
  const next = p.stepSeconds(mixedBatch(perStep, P, n, context));
  return { next, n, phi: 1, classes, decodeStep, saturated: true };
}

function unstable(rate: number, why: string): ReplicaPrediction {
  return {
    requestRate: rate,
    stable: false,
    why,
    stepSeconds: Infinity,
    decodeSeqs: Infinity,
    prefillShare: 1,
    ttftSeconds: Infinity,
    itlSeconds: Infinity,
    kvCacheUse: Infinity,
  };
}

/** g(s) - s at one mean step, or why the step map breaks a limit there. */
type Probe =
  | { readonly s: number; readonly h: number; readonly state: StepState }
  | { readonly s: number; readonly why: string };

function probe(p: PerformanceProfile, shape: WorkloadShape, rate: number, s: number): Probe {
  const state = stepMap(p, shape, rate, s);
  return typeof state === "string" ? { s, why: state } : { s, h: state.next - s, state };
}

/** Each climbing step raises the mean step by at least this share (see meanStep). */
const MIN_CLIMB = 0.05;

/**
 * The least fixed point of the step map, or why there is none. g(s) - s is positive at the
 * one-sequence decode step (a lower bound of every step). The plain iteration s <- g(s) climbs to
 * the least fixed point but creeps near capacity (250 steps at 24 req/s on the Qwen3-8B H100
 * profile), so the climb takes s + max(g(s) - s, 5% of s) until g(s) - s turns negative or a limit
 * breaks, then false position (Illinois) finds the root in the last step, bisecting where one end
 * breaks a limit. A dip of g(s) - s below zero narrower than 5% (a rate within a hair of tipping
 * over) can be stepped over: the replica then counts as unstable, the conservative side.
 */
function meanStep(p: PerformanceProfile, shape: WorkloadShape, rate: number): StepState | string {
  const context = shape.promptTokens + shape.outputTokens / 2;
  let lo = probe(p, shape, rate, p.stepSeconds(decodeBatch(Math.min(1, p.limits.maxSeqs), context)));
  if ("why" in lo) return lo.why;
  if (lo.h <= RELATIVE_TOLERANCE * lo.s) return lo.state;
  let hi: Probe = lo;
  for (let i = 0; i < MAX_ITERATIONS && "h" in hi && hi.h > 0; i++) {
    lo = hi;
    hi = probe(p, shape, rate, hi.s + Math.max(hi.h, MIN_CLIMB * hi.s));
  }
  if ("h" in hi && hi.h > 0) return `no steady step time within ${MAX_ITERATIONS} steps`;
  return falsePosition(p, shape, rate, lo, hi);
}

/**
 * The root of g(s) - s between `below` (positive) and `above` (negative, or breaking a limit):
 * false position, halving the value kept at an end that survives twice in a row (Illinois), and
 * bisection while the upper end breaks a limit.
 */
function falsePosition(
  p: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  below: Probe & { readonly h: number },
  above: Probe,
): StepState | string {
  let lo = below;
  let hi = above;
  let hLo = lo.h;
  let hHi = "h" in hi ? hi.h : Number.NaN;
  let last = 0;
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    if (hi.s - lo.s <= RELATIVE_TOLERANCE * hi.s) return "why" in hi ? hi.why : hi.state;
    const mid = "h" in hi ? (lo.s * hHi - hi.s * hLo) / (hHi - hLo) : (lo.s + hi.s) / 2;
    const m = probe(p, shape, rate, mid);
    if ("h" in m && Math.abs(m.h) <= RELATIVE_TOLERANCE * m.s) return m.state;
    if ("h" in m && m.h > 0) {
      lo = m;
      hLo = m.h;
      if (last === 1) hHi /= 2;
      last = 1;
    } else {
      hi = m;
      hHi = "h" in m ? m.h : Number.NaN;
      if (last === -1) hLo /= 2;
      last = -1;
    }
  }
  return `no steady step time within ${MAX_ITERATIONS} iterations`;
}

/** The prefill queue: M/G/1 on prompt tokens, its wait's tail P(W > x) = ρ exp(-x / θ). */
interface PrefillQueue {
  readonly rho: number;
  /** The mean wait of a request that waits, seconds. */
  readonly theta: number;
  /** s_B: a step with the whole budget in prefill beside the decodes, seconds. */
  readonly fullStep: number;
}

/**
 * The queue for the prefill budget: prompt tokens served at μ = (B - n) / s_B tokens/s, ρ = λ P / μ;
 * a request's service P_i / μ, exponential within its class (the margin), so E[S²] = 2 Σ w_i (P_i /
 * μ)², the mean wait λ E[S²] / (2 (1 - ρ)) and θ = that / ρ (one class: the M/M/1 queue's P / μ /
 * (1 - ρ)).
 */
function prefillQueue(
  p: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  st: StepState,
): PrefillQueue | string {
  const room = p.limits.maxBatchedTokens - st.n;
  const context = shape.promptTokens + shape.outputTokens / 2;
  const fullStep = p.stepSeconds(mixedBatch(room, shape.promptTokens, st.n, context));
  const mu = room / fullStep;
  const rho = (rate * shape.promptTokens) / mu;
  if (rho >= 1) return `prefill needs ${(rho * 100).toFixed(0)}% of the prefill budget`;
  let second = 0;
  for (const c of classesOf(shape.prompts, shape.promptTokens)) second += 2 * c.share * (c.tokens / mu) ** 2;
  const meanWait = (rate * second) / (2 * (1 - rho));
  return { rho, theta: rho > 0 ? meanWait / rho : 0, fullStep };
}

/** Everything the latencies follow from at one rate, or why the replica cannot keep up. */
interface Assessment {
  readonly st: StepState;
  readonly queue: PrefillQueue;
  /** Seconds from arrival to first token of each prompt class, before queueing. */
  readonly ttftBase: readonly { readonly share: number; readonly seconds: number }[];
}

function assess(p: PerformanceProfile, shape: WorkloadShape, rate: number): Assessment | string {
  const st = meanStep(p, shape, rate);
  if (typeof st === "string") return st;
  const queue = prefillQueue(p, shape, rate, st);
  if (typeof queue === "string") return queue;
  const floor = st.saturated ? st.next : 0;
  let residual = 0;
  for (const c of st.classes) residual += (c.phi / st.phi) * Math.max(c.step, floor);
  const overhead = p.requestOverheadSeconds ?? 0;
  const ttftBase = st.classes.map((c) => ({
    share: c.share,
    seconds: residual + Math.max(c.prefillSeconds, c.chunks * floor) + overhead,
  }));
  return { st, queue, ttftBase };
}

/** Share of requests whose TTFT exceeds t: Σ w_i P(W > t - base_i). */
function ttftMiss(a: Assessment, t: number): number {
  const { rho, theta } = a.queue;
  let miss = 0;
  for (const c of a.ttftBase) {
    const x = t - c.seconds;
    miss += c.share * (x < 0 ? 1 : theta > 0 ? rho * Math.exp(-x / theta) : 0);
  }
  return miss;
}

/** The prefill tokens of the second step the mixed step's fixed cost is extrapolated from. */
const OVERHEAD_PROBE = 16;

/** Past this many standard deviations the normal's tail (below 6e-17) counts as 0. */
const NORMAL_TAIL_ZERO = 8.3;

/** Φ(-z), the standard normal's upper tail (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
function normalTail(z: number): number {
  if (z > NORMAL_TAIL_ZERO) return 0;
  if (z < -NORMAL_TAIL_ZERO) return 1;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

/**
 * The prefill the arrivals during a request's decode put into its gaps, in two parts: a step that
 * prefills pays the profile's fixed cost of a mixed step (`overhead`: the mixed step's time at zero
 * prefill tokens, extrapolated from 1 and OVERHEAD_PROBE tokens, less the decode step) once,
 * however many prompts it holds, and each arrival's prompt tokens cost their time (`values`: its
 * class's extra over that, with the class's share of arrivals).
 */
interface Extras {
  readonly values: readonly { readonly p: number; readonly extra: number }[];
  readonly mean: number;
  /** E[X²]. */
  readonly second: number;
  /** The fixed cost of a step that prefills, seconds. */
  readonly overhead: number;
  /** Mean steps one arrival's prefill takes (its chunks). */
  readonly chunks: number;
}

/**
 * Per prompt class: below saturation its chunks x (its chunk's step - the decode step - the
 * overhead); every step prefilling, its share of the steps' prefill time past the overhead by its
 * prompt tokens, (P_i / P) (s - s_d - o) / (λ s) (a step holds λ s arrivals' prompts). At φ = 1 the
 * two agree in mean: s = s_d + λ s E[X] below it.
 */
function extrasOf(p: PerformanceProfile, shape: WorkloadShape, rate: number, st: StepState): Extras {
  const context = shape.promptTokens + shape.outputTokens / 2;
  const one = p.stepSeconds(mixedBatch(1, 1, st.n, context));
  const slope =
    (p.stepSeconds(mixedBatch(OVERHEAD_PROBE, OVERHEAD_PROBE, st.n, context)) - one) / (OVERHEAD_PROBE - 1);
  const overhead = Math.max(0, one - slope - st.decodeStep);
  const perToken = Math.max(0, st.next - st.decodeStep - overhead) / (rate * shape.promptTokens * st.next);
  const prompts = classesOf(shape.prompts, shape.promptTokens);
  const values = st.classes.map((c, i) => ({
    p: c.share,
    extra: Math.max(
      0,
      st.saturated
        ? (prompts[i]?.tokens ?? 0) * perToken
        : c.prefillSeconds - c.chunks * (st.decodeStep + overhead),
    ),
  }));
  let mean = 0;
  let second = 0;
  let chunks = 0;
  for (const [i, v] of values.entries()) {
    mean += v.p * v.extra;
    second += v.p * v.extra * v.extra;
    chunks += v.p * (st.classes[i]?.chunks ?? 1);
  }
  return { values, mean, second, overhead, chunks };
}

/** P(the extras of j arrivals sum above x): exact for j <= 1, a normal above. */
function sumAbove(e: Extras, j: number, x: number): number {
  if (x < 0) return 1;
  if (j === 0) return 0;
  if (j === 1) return e.values.reduce((acc, v) => acc + (v.extra > x ? v.p : 0), 0);
  const sd = Math.sqrt(j * Math.max(0, e.second - e.mean * e.mean));
  return sd > 0 ? normalTail((x - j * e.mean) / sd) : j * e.mean > x ? 1 : 0;
}

/**
 * P(the prefill arriving within τ seconds takes more than x seconds of a request's m gaps):
 * arrivals are Poisson, λτ of them on average; j of them prefill in min(m, j x chunks) of its gaps,
 * each paying the overhead, and add their classes' extras. The count is summed exactly up to a
 * mean of EXACT_ARRIVALS (12 standard deviations past it), above it the extras' sum is a normal of
 * mean λτ E[X] and variance λτ E[X²].
 */
function extraAbove(e: Extras, m: number, arrivals: number, x: number): number {
  if (x < 0) return 1;
  const overheads = (j: number): number => Math.min(m, j * e.chunks) * e.overhead;
  if (arrivals > EXACT_ARRIVALS) {
    const sd = Math.sqrt(arrivals * e.second);
    const room = x - overheads(arrivals);
    return sd > 0 ? normalTail((room - arrivals * e.mean) / sd) : arrivals * e.mean > room ? 1 : 0;
  }
  const last = Math.ceil(arrivals + 12 * Math.sqrt(arrivals) + 12);
  let pmf = Math.exp(-arrivals);
  let miss = 0;
  for (let j = 0; j <= last; j++) {
    if (j > 0) pmf *= arrivals / j;
    if (j > arrivals && pmf < NEGLIGIBLE) break;
    miss += pmf * sumAbove(e, j, x - overheads(j));
  }
  return miss;
}

/**
 * Share of requests whose mean inter-token latency exceeds t. A request of O output tokens has
 * m = O - 1 gaps, each a decode step s_d plus, when the step also prefills, the overhead and the
 * prefill's extra time; the prefill its gaps hold is that of the requests arriving while it
 * decodes. Its mean exceeds t when its m gaps last longer than m t, which they do when the prefill
 * arriving within m t seconds takes more than m (t - s_d): the share of its class missing t is
 * P(overheads and extras of Poisson(λ m t) arrivals > m (t - s_d)), below saturation and with
 * every step prefilling alike (extrasOf). No gap outlasts one step, the longest a step with the
 * whole budget in prefill (s_B, or a class's chunk step if longer): no request misses a t past it.
 * A one-token answer has no gap (0).
 */
function itlMiss(a: Assessment, e: Extras, shape: WorkloadShape, rate: number, t: number): number {
  if (t >= longestGap(a)) return 0;
  let miss = 0;
  for (const c of classesOf(shape.outputs, shape.outputTokens)) {
    const m = Math.max(0, Math.round(c.tokens) - 1);
    if (m === 0) continue;
    miss += c.share * extraAbove(e, m, rate * m * t, m * (t - a.st.decodeStep));
  }
  return miss;
}

/** The longest one gap can be: a step with the whole budget in prefill, or a class's chunk step. */
const longestGap = (a: Assessment): number =>
  Math.max(a.queue.fullStep, a.st.next, ...a.st.classes.map((c) => c.step));

/** The least t >= lo with miss(t) <= 1 - q (miss decreasing in t): doubling from `top`, then bisection. */
function quantile(miss: (t: number) => number, q: number, lo: number, top: number): number {
  if (miss(lo) <= 1 - q) return lo;
  let hi = Math.max(top, 1e-6);
  while (miss(hi) > 1 - q) {
    if (hi > 1e6) return Infinity;
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < QUANTILE_STEPS && hi - lo > QUANTILE_TOLERANCE * hi; i++) {
    const mid = (lo + hi) / 2;
    if (miss(mid) <= 1 - q) hi = mid;
    else lo = mid;
  }
  return hi;
}

function ttftQuantile(a: Assessment, q: number): number {
  const bases = a.ttftBase.map((c) => c.seconds);
  const { rho, theta } = a.queue;
  const tail = rho > 1 - q ? theta * Math.log(rho / (1 - q)) : 0;
  return quantile((t) => ttftMiss(a, t), q, 0, Math.max(...bases) + tail);
}

function itlQuantile(
  p: PerformanceProfile,
  a: Assessment,
  shape: WorkloadShape,
  rate: number,
  q: number,
): number {
  const e = extrasOf(p, shape, rate, a.st);
  return quantile((t) => itlMiss(a, e, shape, rate, t), q, 0, longestGap(a));
}

const kvUse = (p: PerformanceProfile, shape: WorkloadShape, n: number): number =>
  (n * (shape.promptTokens + shape.outputTokens / 2)) / p.kvCacheTokens;

/** TTFT, ITL and KV use of one replica receiving `rate` requests per second of `shape`. */
export function predictReplica(
  p: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  percentile: number,
): ReplicaPrediction {
  const a = assess(p, shape, rate);
  if (typeof a === "string") return unstable(rate, a);
  return {
    requestRate: rate,
    stable: true,
    stepSeconds: a.st.next,
    decodeSeqs: a.st.n,
    prefillShare: a.st.phi,
    ttftSeconds: ttftQuantile(a, percentile),
    itlSeconds: itlQuantile(p, a, shape, rate, percentile),
    kvCacheUse: kvUse(p, shape, a.st.n),
  };
}

/** What one replica at a rate breaks: the first limit in the order they are reported, and its mean step. */
interface Limits {
  /** undefined: within every limit. */
  readonly broken: CapacityBound | undefined;
  /** Infinity where the replica cannot keep up. */
  readonly stepSeconds: number;
}

/** The share of requests a latency target may miss at percentile q: 1 - q. */
const allowedMiss = (slo: LlmSlo): number => 1 - slo.percentile + 1e-12;

/**
 * The first limit one replica at `rate` breaks: stable, KV within its limit, then the share of
 * requests past each target within 1 - q (the same as the quantile within target, without
 * searching for the quantile).
 */
function limitsAt(
  p: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  slo: LlmSlo,
  kvLimit: number,
  ignore: readonly string[],
): Limits {
  const a = assess(p, shape, rate);
  if (typeof a === "string") return { broken: "throughput", stepSeconds: Infinity };
  const stepSeconds = a.st.next;
  if (kvUse(p, shape, a.st.n) > kvLimit) return { broken: "kv-cache", stepSeconds };
  if (
    !ignore.includes("itl") &&
    itlMiss(a, extrasOf(p, shape, rate, a.st), shape, rate, slo.itlSeconds) > allowedMiss(slo)
  )
    return { broken: "itl", stepSeconds };
  if (!ignore.includes("ttft") && ttftMiss(a, slo.ttftSeconds) > allowedMiss(slo))
    return { broken: "ttft", stepSeconds };
  return { broken: undefined, stepSeconds };
}

/** The targets a single request alone misses (both where the replica cannot keep up with it). */
function unattainableOf(p: PerformanceProfile, shape: WorkloadShape, slo: LlmSlo): ("ttft" | "itl")[] {
  const a = assess(p, shape, IDLE_RATE);
  if (typeof a === "string") return ["itl", "ttft"];
  const out: ("ttft" | "itl")[] = [];
  if (itlMiss(a, extrasOf(p, shape, IDLE_RATE, a.st), shape, IDLE_RATE, slo.itlSeconds) > allowedMiss(slo))
    out.push("itl");
  if (ttftMiss(a, slo.ttftSeconds) > allowedMiss(slo)) out.push("ttft");
  return out;
}

/**
 * The most requests per second one replica takes with TTFT and ITL at `slo.percentile` within
 * target and the KV cache within (1 - kvHeadroom) of its capacity (see the header). The model's
 * prediction at that rate (`atCapacity`, for reports) is made when first read.
 */
export function replicaCapacity(
  p: PerformanceProfile,
  slo: LlmSlo,
  shape: WorkloadShape,
  kvHeadroom: number,
): ReplicaCapacity {
  const kvLimit = 1 - kvHeadroom;
  const unattainable = unattainableOf(p, shape, slo);
  const tryRate = (rate: number): { readonly rate: number; readonly limits: Limits } => ({
    rate,
    limits: limitsAt(p, shape, rate, slo, kvLimit, unattainable),
  });
  const idle = tryRate(IDLE_RATE);
  if (idle.limits.broken !== undefined)
    return capacityOf(p, shape, slo, IDLE_RATE, 0, "throughput", unattainable);
  // Double from one request per decode of one sequence until a limit breaks, then bisect.
  let lo = idle;
  let hi = tryRate(1 / (shape.outputTokens * Math.max(idle.limits.stepSeconds, 1e-6)));
  while (hi.limits.broken === undefined && hi.rate < 1e9) {
    lo = hi;
    hi = tryRate(hi.rate * 2);
  }
  for (let i = 0; i < 100 && hi.rate - lo.rate > CAPACITY_TOLERANCE * hi.rate; i++) {
    const mid = tryRate((lo.rate + hi.rate) / 2);
    if (mid.limits.broken === undefined) lo = mid;
    else hi = mid;
  }
  return capacityOf(p, shape, slo, lo.rate, lo.rate, boundOf(lo.limits, hi.limits), unattainable);
}

function capacityOf(
  p: PerformanceProfile,
  shape: WorkloadShape,
  slo: LlmSlo,
  predictedAt: number,
  rate: number,
  boundBy: CapacityBound,
  unattainable: readonly ("ttft" | "itl")[],
): ReplicaCapacity {
  let prediction: ReplicaPrediction | undefined;
  return {
    requestsPerSecond: rate,
    tokensPerSecond: rate * (shape.promptTokens + shape.outputTokens),
    boundBy,
    get atCapacity(): ReplicaPrediction {
      prediction ??= predictReplica(p, shape, predictedAt, slo.percentile);
      return prediction;
    },
    unattainable,
  };
}

/**
 * The limit that breaks just above capacity. Where the mean step jumps there (the replica tips from
 * keeping up to a backlog: the least steady step disappears), the bound is the throughput, not
 * the limit the jump happens to land past. ITL may jump on its own without the step doing so:
 * once more than 1 - q of the steps hold prefill, its share past the target is the prefill steps'.
 */
function boundOf(at: Limits, above: Limits): CapacityBound {
  const jumped = !(above.stepSeconds <= STEP_JUMP * at.stepSeconds);
  return above.broken === undefined || jumped ? "throughput" : above.broken;
}
