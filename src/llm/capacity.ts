// The token capacity of one LLM replica: how many requests per second (and so tokens per second)
// one replica sustains with its predicted TTFT and ITL within the SLO at its percentile and its KV
// cache within capacity, from the replica's performance profile and the workload's shape (the mean
// prompt and output lengths). Pure arithmetic on a PerformanceProfile: no I/O, no clock.
//
// The model of one replica at a steady request rate λ (vLLM V1: continuous batching, chunked
// prefill under a token budget B = maxBatchedTokens, one token per decoding sequence per step):
//
// - mean step s (a fixed point, found from the one-sequence decode step upwards): decoding
//   sequences n = λ x O x s (Little's law: a request decodes for O steps of mean s); prompt tokens
//   are prefilled in chunks of c = min(P, B - n) tokens (a whole prompt when it fits beside the
//   decodes), each chunk in a step with the n decodes (time s_p), the other steps decoding only
//   (time s_d). The share of steps holding a chunk is φ = λ P s / c and g(s) = φ s_p + (1 - φ) s_d.
//   Past φ = 1 every step prefills f = λ P s prompt tokens beside the decodes (several short
//   prompts in one step), and g(s) is that step. The replica cannot keep up (unstable) when n
//   exceeds maxSeqs, f + n exceeds B, or no steady step exists.
// - ITL at the percentile q: each step gives every decoding sequence one token, so ITL's quantile
//   is the steps' quantile: s_p when more than 1 - q of the steps hold prefill, else s_d (every
//   step past φ = 1).
// - TTFT at q = residual + ceil(P / c) x s_p + queueing + overhead: a new request waits out the step
//   running when it arrives (counted as a prefill step, the longest), then its own chunks;
//   queueing for the prefill budget is an M/M/1 queue on prompt tokens served at
//   μ = (B - n) / s_B tokens/s (s_B: a step with the whole budget in prefill beside the n
//   decodes), utilisation ρ = λ P / μ, whose wait exceeds t with probability
//   ρ exp(-(1 - ρ) t / S) for a prompt's service time S = P / μ: the wait at q is
//   S ln(ρ / (1 - q)) / (1 - ρ) when ρ > 1 - q, else 0. vLLM's service is closer to deterministic
//   per token (M/D/1 waits about half as long): the exponential tail is the margin, and so is
//   counting the residual as a prefill step. Plus the profile's per-request overhead
//   (`requestOverheadSeconds`, latency the serving path adds outside the steps), once.
// - KV cache: the running sequences hold n x (P + O / 2) tokens (the prompt and, on average, half
//   the output), kept within (1 - headroom) of kvCacheTokens.
//
// Capacity: the largest λ at which the replica is stable, ITL and TTFT at q are within their
// targets and the KV cache within its headroom (bisection: each of these only grows with λ).
//
// Worked example, a linear test profile (step = 10 ms + 0.02 ms per prompt token + 0.1 ms per
// decoding sequence, B = 2,048, maxSeqs 256, 100,000 KV tokens), P = 1,000, O = 100, λ = 10/s:
// g(s) = 0.010 + λ s (0.1 ms x 100 + 0.02 ms x 1,000) = 0.010 + 0.3 s, so s = 0.010 / 0.7 =
// 14.29 ms; n = 10 x 100 x 0.01429 = 14.29; φ = 0.143; s_d = 10 + 1.43 = 11.43 ms, s_p = 11.43 +
// 20 = 31.43 ms, and ITL p99 = s_p = 31.4 ms (φ > 1%). s_B = 11.43 + 0.02 x 2,033.7 = 52.10 ms,
// μ = 2,033.7 / 0.05210 = 39,033 tokens/s, ρ = 10,000 / 39,033 = 0.256, S = 25.6 ms, wait p99 =
// 25.6 ms x ln(25.6) / 0.744 = 111.7 ms, TTFT p99 = 31.4 + 31.4 + 111.7 = 174.6 ms; KV 14.29 x
// 1,050 = 15,000 tokens (15%). With ITL p99 <= 35 ms the capacity is where s_p = 30 ms + 10 ms x
// λ s reaches 35 ms: λ s = 0.5, 0.010 λ / (1 - 0.03 λ) = 0.5, λ = 20/s = 22,000 tokens/s
// (TTFT p99 there 315 ms, KV 52.5%).

import type { PerformanceProfile, StepBatch } from "./profile.ts";

/** Service-level objectives of an LLM service: TTFT and ITL targets at one percentile. */
export interface LlmSlo {
  readonly ttftSeconds: number;
  readonly itlSeconds: number;
  /** The percentile both targets hold at, e.g. 0.99. */
  readonly percentile: number;
}

/** The workload's shape: mean prompt and output tokens per request. */
export interface WorkloadShape {
  readonly promptTokens: number;
  readonly outputTokens: number;
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
  readonly ttftSeconds: number;
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

/** One evaluation of the step map at mean step s. */
interface StepState {
  readonly next: number;
  readonly n: number;
  readonly chunk: number;
  readonly chunks: number;
  readonly phi: number;
  readonly prefillStep: number;
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
  const chunk = Math.min(P, room);
  const chunks = Math.ceil(P / chunk);
  const decodeStep = p.stepSeconds(decodeBatch(n, context));
  const prefillStep = p.stepSeconds(mixedBatch(chunk, P, n, context));
  const phi = (rate * P * s) / chunk;
  if (phi <= 1) {
    const next = phi * prefillStep + (1 - phi) * decodeStep;
    return { next, n, chunk, chunks, phi, prefillStep, decodeStep, saturated: false };
  }
  const perStep = rate * P * s;
  if (perStep + n > B)
    return `prefill needs ${perStep.toFixed(0)} + ${n.toFixed(0)} tokens a step, above ${B}`;
  const next = p.stepSeconds(mixedBatch(perStep, P, n, context));
  return { next, n, chunk, chunks, phi: 1, prefillStep, decodeStep, saturated: true };
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

/** Queueing wait for the prefill budget at percentile q (M/M/1 on prompt tokens). */
function prefillWait(
  p: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  st: StepState,
  q: number,
): number | string {
  const room = p.limits.maxBatchedTokens - st.n;
  const context = shape.promptTokens + shape.outputTokens / 2;
  const fullStep = p.stepSeconds(mixedBatch(room, shape.promptTokens, st.n, context));
  const tokensPerSecond = room / fullStep;
  const rho = (rate * shape.promptTokens) / tokensPerSecond;
  if (rho >= 1) return `prefill needs ${(rho * 100).toFixed(0)}% of the prefill budget`;
  if (rho <= 1 - q) return 0;
  const service = shape.promptTokens / tokensPerSecond;
  return (service * Math.log(rho / (1 - q))) / (1 - rho);
}

/** TTFT, ITL and KV use of one replica receiving `rate` requests per second of `shape`. */
export function predictReplica(
  p: PerformanceProfile,
  shape: WorkloadShape,
  rate: number,
  percentile: number,
): ReplicaPrediction {
  const st = meanStep(p, shape, rate);
  if (typeof st === "string") return unstable(rate, st);
  const wait = prefillWait(p, shape, rate, st, percentile);
  if (typeof wait === "string") return unstable(rate, wait);
  const mean = st.next;
  const withPrefill = Math.max(st.prefillStep, st.saturated ? mean : 0);
  const itl = st.saturated ? mean : st.phi > 1 - percentile ? st.prefillStep : st.decodeStep;
  const ttft = withPrefill + st.chunks * withPrefill + wait + (p.requestOverheadSeconds ?? 0);
  const kv = (st.n * (shape.promptTokens + shape.outputTokens / 2)) / p.kvCacheTokens;
  return {
    requestRate: rate,
    stable: true,
    stepSeconds: mean,
    decodeSeqs: st.n,
    prefillShare: st.phi,
    ttftSeconds: ttft,
    itlSeconds: itl,
    kvCacheUse: kv,
  };
}

/** The first limit a prediction breaks, in the order they are reported; undefined within all. */
function broken(
  pr: ReplicaPrediction,
  slo: LlmSlo,
  kvLimit: number,
  ignore: readonly string[],
): CapacityBound | undefined {
  if (!pr.stable) return "throughput";
  if (pr.kvCacheUse > kvLimit) return "kv-cache";
  if (!ignore.includes("itl") && pr.itlSeconds > slo.itlSeconds) return "itl";
  if (!ignore.includes("ttft") && pr.ttftSeconds > slo.ttftSeconds) return "ttft";
  return undefined;
}

/**
 * The most requests per second one replica takes with TTFT and ITL at `slo.percentile` within
 * target and the KV cache within (1 - kvHeadroom) of its capacity (see the header).
 */
export function replicaCapacity(
  p: PerformanceProfile,
  slo: LlmSlo,
  shape: WorkloadShape,
  kvHeadroom: number,
): ReplicaCapacity {
  const kvLimit = 1 - kvHeadroom;
  const q = slo.percentile;
  const idle = predictReplica(p, shape, IDLE_RATE, q);
  const unattainable: ("ttft" | "itl")[] = [];
  if (idle.itlSeconds > slo.itlSeconds) unattainable.push("itl");
  if (idle.ttftSeconds > slo.ttftSeconds) unattainable.push("ttft");
  const ok = (rate: number): boolean =>
    broken(predictReplica(p, shape, rate, q), slo, kvLimit, unattainable) === undefined;
  if (!ok(IDLE_RATE)) {
    return {
      requestsPerSecond: 0,
      tokensPerSecond: 0,
      boundBy: "throughput",
      atCapacity: idle,
      unattainable,
    };
  }
  // Double from one request per decode of one sequence until a limit breaks, then bisect.
  let lo = IDLE_RATE;
  let hi = 1 / (shape.outputTokens * Math.max(idle.stepSeconds, 1e-6));
  while (ok(hi) && hi < 1e9) {
    lo = hi;
    hi *= 2;
  }
  for (let i = 0; i < 100 && hi - lo > 1e-9 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  const atCapacity = predictReplica(p, shape, lo, q);
  const above = predictReplica(p, shape, hi, q);
  return {
    requestsPerSecond: lo,
    tokensPerSecond: lo * (shape.promptTokens + shape.outputTokens),
    boundBy: boundOf(atCapacity, above, slo, kvLimit, unattainable),
    atCapacity,
    unattainable,
  };
}

/**
 * The limit that breaks just above capacity. Where the mean step jumps there (the replica tips from
 * keeping up to a backlog: the least steady step disappears), the bound is the throughput, not
 * the limit the jump happens to land past. ITL may jump on its own without the step doing so:
 * once more than 1 - q of the steps hold prefill, its quantile is the prefill step's.
 */
function boundOf(
  at: ReplicaPrediction,
  above: ReplicaPrediction,
  slo: LlmSlo,
  kvLimit: number,
  ignore: readonly string[],
): CapacityBound {
  const b = broken(above, slo, kvLimit, ignore);
  const jumped = !(above.stepSeconds <= STEP_JUMP * at.stepSeconds);
  return b === undefined || jumped ? "throughput" : b;
}
