// mlas simulate for a service sized in tokens: the token policies on one trace through the
// token-level simulator (sim/llm), compared at equal SLO attainment; the table (or JSON) and the
// HTML report (report/llm.ts), with where the arrivals come from and what the reader must know.

import { renderLlmReport } from "../report/llm.ts";
import { describeHpaTolerance } from "../sim/control-plane.ts";
import type { ForecastTimeline } from "../sim/trace-forecasts.ts";
import { compareLlm, formatLlmComparison, type LlmComparison } from "../sim/llm/compare.ts";
import { modelledTriggers } from "../sim/llm/ours-tokens.ts";
import { FORECAST_EVERY_SECONDS, SETTLE_SECONDS, tokenForecasts } from "../sim/llm/replay-window.ts";
import { SIGNAL_WINDOWS } from "../sim/llm/vllm-prometheus.ts";
import type { LlmCompareRequest } from "./load-llm.ts";
import { writeOutputFile } from "./output-file.ts";

/** How the token-level model works: the choices that change the numbers, one sentence each. */
export function llmModelNotes(req: LlmCompareRequest): string[] {
  const dropped = req.service.triggers
    .filter((t) => !modelledTriggers(req.service).includes(t))
    .map((t) => t.name);
  return [
    `Per replica, vLLM V1's scheduler on the profile ${req.settings.profile.id}: continuous batching, chunked prefill under max_num_batched_tokens, KV-cache admission by blocks and preemption; a router sends each request to the replica with the fewest outstanding tokens.`,
    `Pods start for the profile's load time (${Math.ceil(req.settings.profile.loadSeconds)} s) plus ${req.settings.nodeProvisioningSeconds} s of node provisioning; a removed pod drains for up to ${req.settings.drainSeconds} s and is paid until done; cost at the config's prices (on demand and the spot share).`,
    "A request meets the SLO when its time to first token and its mean inter-token latency are within the llm block's targets; attainment is the share of requests arriving in the measured window that meet it.",
    `One replica's capacity (static, oracle and reactive-requests are sized from it; --peak-replicas scales with it) is measured with the simulator on the trace's length mix at ${req.targetAttainmentPct}% attainment.`,
    `Each run replays from ${SETTLE_SECONDS / 60} minutes before the measured window; the warm-up before that serves as the forecasts' history only.`,
    `${describeHpaTolerance(req.controlPlane.tolerance)}; the HPA's autoscaling/v2 default behavior; KEDA polls every ${req.controlPlane.pollingSeconds} s; Prometheus scrapes every ${req.controlPlane.scrapeSeconds} s and rate() uses the samples inside its window.`,
    `ours: the service's decision cycle (pipeline/tick.ts) every sources.refreshSeconds on the llm block's signals as Prometheus answers its queries from the simulated vLLM metrics (tokens over ${SIGNAL_WINDOWS.tokens} s, mean lengths over ${SIGNAL_WINDOWS.lengths} s, TTFT and ITL quantiles over ${SIGNAL_WINDOWS.latency} s, arrivals over ${SIGNAL_WINDOWS.requests} s), behind KEDA's external push trigger; its knob, headroom u, has the engine plan with the profile's steps / u.${dropped.length > 0 ? ` Triggers not simulated: ${dropped.join(", ")}.` : ""}`,
    `ours' forecasts of the token load are refitted every ${FORECAST_EVERY_SECONDS / 60} min from the past only, on the tokens arriving per minute (the service forecasts the tokens vLLM served: the same while the replicas keep up).`,
    "reactive-waiting: KEDA on sum(vllm:num_requests_waiting) with the production stack's keep-alive trigger; reactive-requests: KEDA on the ingress request rate at the measured capacity x headroom; dynamo-planner: NVIDIA Dynamo's SLA planner (throughput mode, constant predictor, 180 s interval) sized from the same profile.",
    "static: enough replicas for the busiest minute's tokens at the measured capacity x headroom, always on; oracle: each second gets the replicas its minute's tokens need, pods created exactly start-up seconds ahead and kept through gaps shorter than the start-up.",
  ];
}

/**
 * Why ours ran without a forecast, or undefined when it had one: its result is then our reactive
 * path in tokens alone, and the reader must know it.
 */
export function reactiveOnlyWhy(req: LlmCompareRequest, forecasts: ForecastTimeline): string | undefined {
  if (!req.policies.includes("ours")) return undefined;
  const p = req.config.predictiveScaling;
  const why = !p.enabled
    ? "predictiveScaling.enabled is false"
    : !req.service.predictive
      ? `services.${req.service.name}.predictive is false`
      : forecasts.length === 0
        ? `the trace spans ${(req.trace.times.length > 0 ? (req.trace.times[req.trace.times.length - 1] ?? 0) / 60 : 0).toFixed(0)} minutes: a forecast needs an hour of history before it, so none could be fitted`
        : !p.enableProactiveScaling
          ? "predictiveScaling.enableProactiveScaling is false (forecast-only mode)"
          : undefined;
  return why === undefined
    ? undefined
    : `ours ran reactive only: ${why}; its result is our reactive path in tokens, not the forecast's plan`;
}

export function llmComparisonJson(c: LlmComparison): unknown {
  const { series: _series, ...rest } = c;
  return rest;
}

/** The comparison of an llm request: forecasts (for ours), every policy's runs, the cautions. */
export function compareLlmRequest(
  req: LlmCompareRequest,
  progress?: (what: string, done: number, total: number) => void,
  keepSeries = false,
): LlmComparison {
  const forecasts = req.policies.includes("ours")
    ? tokenForecasts(req.trace, req.window, req.config, req.service, (d, t) => progress?.("forecasts", d, t))
    : [];
  const why = reactiveOnlyWhy(req, forecasts);
  return compareLlm(
    {
      arrivals: req.window.arrivals,
      settings: req.settings,
      service: req.service,
      config: req.config,
      controlPlane: req.controlPlane,
      capacity: req.capacity,
      forecasts,
      historyFrom: req.window.historyFrom,
    },
    {
      policies: req.policies,
      ...(req.baseline !== undefined ? { baseline: req.baseline } : {}),
      sweep: req.sweep,
      targetAttainmentPct: req.targetAttainmentPct,
      keepSeries,
      cautions: [...req.notes, ...(why !== undefined ? [why] : [])],
      onProgress: (d, t) => progress?.("runs", d, t),
    },
  );
}

export function writeLlmReport(
  file: string,
  title: string,
  req: LlmCompareRequest,
  cs: readonly LlmComparison[],
): void {
  writeOutputFile(file, renderLlmReport({ title, comparisons: cs, notes: llmModelNotes(req) }));
}

/** mlas simulate for an llm service: prints the table (or JSON) and writes the report when asked. */
export function runLlmCompare(
  req: LlmCompareRequest,
  out: (s: string) => void,
  progress?: (what: string, done: number, total: number) => void,
): LlmComparison {
  const c = compareLlmRequest(req, progress, req.output.reportPath !== undefined);
  if (req.output.reportPath !== undefined)
    writeLlmReport(req.output.reportPath, `ml-autoscaling: ${c.trace} in tokens`, req, [c]);
  out(req.output.json ? JSON.stringify(llmComparisonJson(c), null, 2) : formatLlmComparison(c));
  return c;
}
