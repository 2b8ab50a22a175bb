// What a controller can read from the simulated service each second, named after the metric it
// stands for. vLLM's own metrics (vllm/v1/metrics/loggers.py) exist only on running pods, summed
// here over the replicas that export them (ready ones and those draining); the ingress's request
// counter exists at zero replicas too, so a service at zero can wake on it.
// Counters are cumulative over the run, as sum(rate(...)) over pods sees them: a pod that goes away
// takes no count back (a draining pod's tokens count until it is gone). Gauges are the values at
// the moment of reading, exact within spans of decode steps; a controller models
// Prometheus' scrape and KEDA's polling itself (control-plane.ts, gauge-pipeline.ts).

import type { LatencyHistogram } from "./histogram.ts";

export const METRIC_NAMES = {
  arrivals: "ingress requests counter (e.g. nginx_ingress_controller_requests)",
  promptTokens: "vllm:prompt_tokens_total",
  generationTokens: "vllm:generation_tokens_total",
  preemptions: "vllm:num_preemptions_total",
  finishedOutputTokens: "vllm:request_generation_tokens (the histogram's sum)",
  finishedPromptTokens: "vllm:request_prompt_tokens (the histogram's sum)",
  running: "vllm:num_requests_running",
  waiting: "vllm:num_requests_waiting",
  kvCacheUsage: "vllm:kv_cache_usage_perc",
  ttft: "vllm:time_to_first_token_seconds",
  itl: "vllm:inter_token_latency_seconds",
  e2e: "vllm:e2e_request_latency_seconds",
  tpot: "vllm:request_time_per_output_token_seconds",
  promptLengths: "vllm:request_prompt_tokens",
  outputLengths: "vllm:request_generation_tokens",
} as const;

export interface LiveMetrics {
  /** Requests that reached the gateway so far (the ingress counter). */
  readonly arrivals: number;
  /** Requests held at the gateway because no replica is ready (the ingress/router's queue). */
  readonly gatewayQueue: number;
  /** Replicas exporting vLLM metrics: ready ones and those draining. */
  readonly exporters: number;
  readonly promptTokens: number;
  readonly generationTokens: number;
  readonly preemptions: number;
  /** Output tokens of the requests finished so far (the sum of vllm:request_generation_tokens). */
  readonly finishedOutputTokens: number;
  /** Prompt tokens of the requests finished so far (the sum of vllm:request_prompt_tokens). */
  readonly finishedPromptTokens: number;
  /** sum(vllm:num_requests_running). */
  running(): number;
  /** sum(vllm:num_requests_waiting). */
  waiting(): number;
  /** avg(vllm:kv_cache_usage_perc), 0-1; 0 without exporters. */
  kvCacheUsageMean(): number;
  /** max(vllm:kv_cache_usage_perc), 0-1. */
  kvCacheUsageMax(): number;
  readonly ttft: LatencyHistogram;
  readonly itl: LatencyHistogram;
  readonly e2e: LatencyHistogram;
  /** A finished request's mean inter-token latency (vLLM's per-request TPOT). */
  readonly tpot: LatencyHistogram;
  /** Finished requests' prompt and output lengths. */
  readonly promptLengths: LatencyHistogram;
  readonly outputLengths: LatencyHistogram;
}
