// What happened to every request of a run, and the fleet's cumulative counters and histograms as
// vLLM exports them. Per request: time to first token and end-to-end latency from its arrival at
// the gateway (NaN while it has none: never served, rejected, or aborted); its mean inter-token
// latency follows from them: (e2e - ttft) / (output tokens - 1).

import {
  E2E_BUCKETS,
  ITL_BUCKETS,
  LatencyHistogram,
  lengthBuckets,
  TPOT_BUCKETS,
  TTFT_BUCKETS,
} from "./histogram.ts";

export const FINISHED = 1;
export const REJECTED = 2;
export const ABORTED = 3;

export class RequestLedger {
  readonly ttft: Float32Array;
  readonly e2e: Float32Array;
  /** Times each request was preempted (saturates at 255). */
  readonly preemptions: Uint8Array;
  /** Per request: 0 in flight or not arrived, FINISHED, REJECTED or ABORTED. */
  readonly status: Uint8Array;
  /** vllm:time_to_first_token_seconds, vllm:inter_token_latency_seconds, vllm:e2e_request_latency_seconds. */
  readonly ttftHistogram = new LatencyHistogram(TTFT_BUCKETS);
  readonly itlHistogram = new LatencyHistogram(ITL_BUCKETS);
  readonly e2eHistogram = new LatencyHistogram(E2E_BUCKETS);
  /** vllm:request_time_per_output_token_seconds: a finished request's mean inter-token latency. */
  readonly tpotHistogram = new LatencyHistogram(TPOT_BUCKETS);
  /** vllm:request_prompt_tokens and vllm:request_generation_tokens: finished requests' lengths. */
  readonly promptLengths: LatencyHistogram;
  readonly outputLengths: LatencyHistogram;
  /** vllm:prompt_tokens_total: a request's prompt, counted when its first token is out. */
  promptTokens = 0;
  /** vllm:generation_tokens_total. */
  generationTokens = 0;
  /** vllm:num_preemptions_total. */
  preemptionsTotal = 0;
  /** vllm:request_generation_tokens_sum: the output tokens of finished requests. */
  finishedOutputTokens = 0;
  /** vllm:request_prompt_tokens_sum: the prompt tokens of finished requests. */
  finishedPromptTokens = 0;
  finished = 0;
  /** Requests longer than one replica's KV cache (vLLM refuses a prompt + max_tokens over max_model_len). */
  rejected = 0;
  /** Requests still on a replica when its drain time ran out. */
  aborted = 0;

  /** `maxModelLen` bounds the length histograms, as vLLM's max_model_len does. */
  constructor(requests: number, maxModelLen = 131_072) {
    this.promptLengths = new LatencyHistogram(lengthBuckets(maxModelLen));
    this.outputLengths = new LatencyHistogram(lengthBuckets(maxModelLen));
    this.ttft = new Float32Array(requests).fill(Number.NaN);
    this.e2e = new Float32Array(requests).fill(Number.NaN);
    this.preemptions = new Uint8Array(requests);
    this.status = new Uint8Array(requests);
  }

  firstToken(req: number, arrival: number, t: number, promptTokens: number): void {
    const v = t - arrival;
    this.ttft[req] = v;
    this.ttftHistogram.observe(v);
    this.promptTokens += promptTokens;
  }

  finish(req: number, arrival: number, t: number, promptTokens: number, outputTokens: number): void {
    const v = t - arrival;
    this.finishedPromptTokens += promptTokens;
    this.finishedOutputTokens += outputTokens;
    this.e2e[req] = v;
    this.e2eHistogram.observe(v);
    const first = this.ttft[req] ?? Number.NaN;
    this.tpotHistogram.observe(outputTokens > 1 && first <= v ? (v - first) / (outputTokens - 1) : 0);
    this.promptLengths.observe(promptTokens);
    this.outputLengths.observe(outputTokens);
    this.status[req] = FINISHED;
    this.finished++;
  }

  reject(req: number): void {
    this.status[req] = REJECTED;
    this.rejected++;
  }

  abort(req: number): void {
    this.status[req] = ABORTED;
    this.aborted++;
  }

  preempted(req: number): void {
    this.preemptionsTotal++;
    const p = this.preemptions[req] ?? 0;
    if (p < 255) this.preemptions[req] = p + 1;
  }
}
