// The performance model of one LLM serving configuration: a (model, GPU type, serving engine,
// tensor parallelism) tuple. The token-level simulator times each engine step with it, and the
// planner sizes replicas in tokens from it. Pure data and arithmetic: no I/O.

/** What one engine step runs: chunked prefill and decode sequences batched together (vLLM V1). */
export interface StepBatch {
  /** Prompt tokens prefilled in this step (the sum of every scheduled prefill chunk). */
  readonly prefillTokens: number;
  /** Sequences with a prefill chunk in this step. */
  readonly prefillSeqs: number;
  /** Tokens already in the KV cache ahead of this step's prefill chunks, summed over them. */
  readonly prefillContextTokens: number;
  /** Sequences generating one token each in this step. */
  readonly decodeSeqs: number;
  /** Context length (prompt + generated so far) summed over the decoding sequences. */
  readonly decodeContextTokens: number;
}

/** The engine's scheduler limits that bound a step, as the serving engine is configured. */
export interface SchedulerLimits {
  /** vLLM `max_num_batched_tokens`: prefill + decode tokens one step may schedule. */
  readonly maxBatchedTokens: number;
  /** vLLM `max_num_seqs`: sequences running at once. */
  readonly maxSeqs: number;
}

export interface PerformanceProfile {
  /** A stable name, e.g. "qwen3-8b/h100_sxm/vllm/tp1". */
  readonly id: string;
  readonly model: string;
  readonly gpuType: string;
  readonly engine: string;
  readonly tensorParallel: number;
  /** GPUs one replica holds (tensor parallelism x pipeline parallelism). */
  readonly gpusPerReplica: number;
  /** KV-cache capacity of one replica, in tokens. */
  readonly kvCacheTokens: number;
  /** Seconds from container start until the engine serves (weights loaded, graphs captured). */
  readonly loadSeconds: number;
  readonly limits: SchedulerLimits;
  /** vLLM `max_model_len`: the longest prompt + output one request may have (absent: not stated). */
  readonly maxModelLen?: number;
  /**
   * Seconds the serving path adds to every request outside the engine's steps (absent: none): a
   * request's first token, and so every later one and its end, reaches the client this long after
   * the step that produced it. Once per request, whatever its number of prefill chunks; no step
   * takes longer for it, so it costs latency, not engine time. The shipped profiles carry
   * aiconfigurator's vLLM dispatch overhead here (28.8 ms for Qwen3-8B: profiles/README.md).
   */
  readonly requestOverheadSeconds?: number;
  /** Seconds one engine step takes for the given batch. Finite and positive for any valid batch. */
  stepSeconds(batch: StepBatch): number;
}
