// A PerformanceProfile backed by step-time tables (the format of profiles/README.md): one engine
// step's time composed the way aiconfigurator's `mixed_step_latency` composes it, from four parts.
//
//   step = linear(tokens) + prefill attention + decode attention
//
// - linear: every non-attention op (GEMMs, MoE experts, norms, all-reduce) over the step's tokens:
//   `mixedLinear(prefillTokens + decodeSeqs)` when the step holds prefill work, else
//   `decodeLinear(decodeSeqs)` (a decode-only step runs the generation kernels);
// - prefill attention: a chunk of c tokens per sequence after p cached ones is charged c / (c + 2p)
//   of `prefillAttention(prefillSeqs, c + 2p)`, the attention of whole prompts of c + 2p tokens:
//   the chunk's own attention work (c * p + c^2 / 2 FLOPs) with the kernel's fixed cost spread over
//   the prompt, as aiconfigurator charges a chunk 1 / (number of chunks) of its prompt's attention;
// - decode attention: `decodeAttention(decodeSeqs, decodeContextTokens / decodeSeqs)`, reading the
//   KV cache of every decoding sequence at their mean context.
//
// Worked example, qwen3-8b/h100_sxm/vllm/tp1: 512 prompt tokens of one new request with 32
// sequences decoding at context 1,152 take mixedLinear(544) 11.96 ms + prefillAttention(1, 512)
// 2.22 ms + decodeAttention(32, 1152) 2.35 ms = 16.53 ms.
//
// A file's optional `overhead.perRequestMs` is no part of any step: it is carried as
// `requestOverheadSeconds`, the latency the serving path adds to each request (profile.ts).

import { Table1, Table2 } from "./interpolate.ts";
import type { PerformanceProfile, SchedulerLimits, StepBatch } from "./profile.ts";

/** The four tables of a profile file's `stepTime`, as parsed (times in milliseconds). */
export interface StepTimeTables {
  readonly decodeLinear: { readonly decodeSeqs: readonly number[]; readonly ms: readonly number[] };
  readonly mixedLinear: { readonly batchedTokens: readonly number[]; readonly ms: readonly number[] };
  readonly prefillAttention: {
    readonly prefillSeqs: readonly number[];
    readonly promptTokens: readonly number[];
    readonly ms: readonly (readonly number[])[];
  };
  readonly decodeAttention: {
    readonly decodeSeqs: readonly number[];
    readonly contextTokens: readonly number[];
    readonly ms: readonly (readonly number[])[];
  };
}

export interface ProfileIdentity {
  readonly id: string;
  readonly model: string;
  readonly gpuType: string;
  readonly engine: string;
  readonly tensorParallel: number;
  readonly gpusPerReplica: number;
  readonly kvCacheTokens: number;
  readonly loadSeconds: number;
  readonly maxModelLen: number;
  readonly limits: SchedulerLimits;
  /** The file's `overhead.perRequestMs` in seconds; absent: 0. */
  readonly requestOverheadSeconds?: number;
}

const BATCH_FIELDS = [
  "prefillTokens",
  "prefillSeqs",
  "prefillContextTokens",
  "decodeSeqs",
  "decodeContextTokens",
] as const;

const countOk = (v: number): boolean => v >= 0 && v < Infinity;

/** Which count is negative, infinite or NaN (checked field by field only when one is). */
function badCount(b: StepBatch): string | undefined {
  if (
    countOk(b.prefillTokens) &&
    countOk(b.prefillSeqs) &&
    countOk(b.prefillContextTokens) &&
    countOk(b.decodeSeqs) &&
    countOk(b.decodeContextTokens)
  )
    return undefined;
  const name = BATCH_FIELDS.find((f) => !countOk(b[f]));
  return name === undefined ? undefined : `${name} must be finite and >= 0, got ${b[name]}`;
}

/** Why a batch cannot be timed; a bug in the caller, never a data problem. */
export function batchProblem(b: StepBatch): string | undefined {
  const bad = badCount(b);
  if (bad !== undefined) return bad;
  if (b.prefillTokens > 0 && (b.prefillSeqs < 1 || b.prefillSeqs > b.prefillTokens)) {
    return `prefillSeqs must be between 1 and prefillTokens (${b.prefillTokens}), got ${b.prefillSeqs}`;
  }
  if (b.prefillTokens === 0 && (b.prefillSeqs > 0 || b.prefillContextTokens > 0)) {
    return "prefillSeqs and prefillContextTokens must be 0 when prefillTokens is 0";
  }
  if (b.decodeSeqs === 0 && b.decodeContextTokens > 0) {
    return `decodeContextTokens must be 0 when decodeSeqs is 0, got ${b.decodeContextTokens}`;
  }
  if (b.prefillTokens === 0 && b.decodeSeqs === 0)
    return "an empty step (no prefill, no decode) takes no time";
  return undefined;
}

export class TabulatedProfile implements PerformanceProfile, ProfileIdentity {
  readonly id: string;
  readonly model: string;
  readonly gpuType: string;
  readonly engine: string;
  readonly tensorParallel: number;
  readonly gpusPerReplica: number;
  readonly kvCacheTokens: number;
  readonly loadSeconds: number;
  readonly maxModelLen: number;
  readonly limits: SchedulerLimits;
  readonly requestOverheadSeconds: number;
  private readonly decodeLinear: Table1;
  private readonly mixedLinear: Table1;
  private readonly prefillAttention: Table2;
  private readonly decodeAttention: Table2;

  constructor(identity: ProfileIdentity, tables: StepTimeTables) {
    this.id = identity.id;
    this.model = identity.model;
    this.gpuType = identity.gpuType;
    this.engine = identity.engine;
    this.tensorParallel = identity.tensorParallel;
    this.gpusPerReplica = identity.gpusPerReplica;
    this.kvCacheTokens = identity.kvCacheTokens;
    this.loadSeconds = identity.loadSeconds;
    this.maxModelLen = identity.maxModelLen;
    this.limits = identity.limits;
    this.requestOverheadSeconds = identity.requestOverheadSeconds ?? 0;
    const { decodeLinear, mixedLinear, prefillAttention, decodeAttention } = tables;
    this.decodeLinear = new Table1(decodeLinear.decodeSeqs, decodeLinear.ms);
    this.mixedLinear = new Table1(mixedLinear.batchedTokens, mixedLinear.ms);
    this.prefillAttention = new Table2(
      prefillAttention.prefillSeqs,
      prefillAttention.promptTokens,
      prefillAttention.ms,
    );
    this.decodeAttention = new Table2(
      decodeAttention.decodeSeqs,
      decodeAttention.contextTokens,
      decodeAttention.ms,
    );
  }

  /** Milliseconds one engine step takes; throws a RangeError on a batch that is not a step. */
  stepMs(b: StepBatch): number {
    const problem = batchProblem(b);
    if (problem !== undefined) throw new RangeError(`${this.id}: ${problem}`);
    const n = b.decodeSeqs;
    let attention = n > 0 ? this.decodeAttention.value(n, b.decodeContextTokens / n) : 0;
    if (b.prefillTokens === 0) return this.decodeLinear.value(n) + attention;
    const chunk = b.prefillTokens / b.prefillSeqs;
    const prompt = chunk + (2 * b.prefillContextTokens) / b.prefillSeqs;
    attention += (this.prefillAttention.value(b.prefillSeqs, prompt) * chunk) / prompt;
    return this.mixedLinear.value(b.prefillTokens + n) + attention;
  }

  stepSeconds(b: StepBatch): number {
    return this.stepMs(b) / 1000;
  }
}
