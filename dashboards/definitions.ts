// The three dashboards, as code. `npm run dashboards` writes them into the chart.

import type { DashboardSpec, PanelSpec } from "./grafana.ts";

// Our series carry `scaled_service`, never a label Prometheus Operator sets on targets (service, pod,
// namespace, job, instance, endpoint, container). Every scaler replica exports the same gauges, so
// panels take max (or group) by the identifying labels: a sum would count each replica once more.
// Every query selects one release by the target labels of its scaler (R): the release's namespace
// and its job (the scaler's Service name), so two releases in one Prometheus never merge.
const R = 'namespace="$namespace", job="$job"';
const S = `${R}, scaled_service=~"$service"`;
// Other exporters' series of the release that ships the dashboard, by the constants the chart
// renders: KEDA's per ScaledObject (in the workloads' namespaces, which KEDA's ServiceMonitor stores
// as exported_namespace) and dcgm-exporter's per workload pod.
const KEDA =
  'scaler="ml-autoscaling", exported_namespace=~"$workload_namespaces", scaledObject=~"$scaled_objects"';
const GPU_PODS = 'exported_namespace=~"$workload_namespaces", exported_pod=~"$workload_pods"';
// vLLM's own series, scraped from the workload pods by their PodMonitor or ServiceMonitor (the
// operator's target labels namespace and pod), by the names vLLM V1 exports
// (test/fixtures/vllm/README.md).
const VLLM_PODS = 'namespace=~"$workload_namespaces", pod=~"$workload_pods"';

/**
 * A latency of vLLM (its histogram at p99 over the release's vLLM pods; the histograms are tried in
 * order, for the names of older vLLM releases) against each llm service's SLO and the profile's
 * prediction.
 */
/** One vLLM latency histogram's p99 per namespace: the first of `histograms` that exists (older names after). */
interface VllmQuantile {
  readonly histograms: readonly string[];
  readonly legend: string;
}

function llmLatencyPanel(
  what: "TTFT" | "ITL",
  measured: readonly VllmQuantile[],
  description: string,
  signal: "ttft" | "itl",
): PanelSpec {
  const predicted = signal === "ttft" ? "mlas_llm_predicted_ttft_seconds" : "mlas_llm_predicted_itl_seconds";
  const p99 = (m: VllmQuantile): string =>
    `histogram_quantile(0.99, sum by (namespace, le) (${m.histograms.map((h) => `rate(${h}_bucket{${VLLM_PODS}}[5m])`).join(" or ")}))`;
  return {
    title: `LLM ${what} against the SLO`,
    description: `${description}, the SLO's target, and what the profile predicts at the desired replicas for the current token demand.`,
    type: "timeseries",
    unit: "s",
    targets: [
      ...measured.map((m) => ({ expr: p99(m), legend: `{{namespace}} ${m.legend}` })),
      {
        expr: `max by (scaled_service) (mlas_llm_slo_target_seconds{signal="${signal}", ${S}})`,
        legend: "{{scaled_service}} SLO",
      },
      {
        expr: `max by (scaled_service) (${predicted}{${S}})`,
        legend: "{{scaled_service}} predicted at desired replicas",
      },
    ],
  };
}

export const overview: DashboardSpec = {
  uid: "mlas-overview",
  title: "ML Autoscaling Overview",
  description: "Replicas desired vs ready, why, and the signals behind them.",
  tags: ["ml-autoscaling", "keda"],
  panels: [
    {
      title: "Desired vs ready replicas",
      description: "What the engine decided and what is ready (kube-state-metrics).",
      type: "timeseries",
      targets: [
        {
          expr: `max by (scaled_service) (mlas_desired_replicas{${S}})`,
          legend: "{{scaled_service}} desired",
        },
        { expr: `max by (scaled_service) (mlas_ready_replicas{${S}})`, legend: "{{scaled_service}} ready" },
        { expr: `max by (scaled_service) (mlas_max_replicas{${S}})`, legend: "{{scaled_service}} max" },
      ],
    },
    {
      title: "Decision reasons over time",
      description:
        "The rule that set each service's replica count (reactive, predictive, business-hours, budget, ...).",
      type: "state-timeline",
      targets: [
        {
          expr: `group by (scaled_service, reason) (mlas_desired_replicas{${S}})`,
          legend: "{{scaled_service}}: {{reason}}",
        },
      ],
    },
    {
      title: "Signals vs targets",
      description: "Each trigger's live value and its per-replica target.",
      type: "timeseries",
      targets: [
        {
          expr: `max by (scaled_service, trigger) (mlas_signal_value{${S}})`,
          legend: "{{scaled_service}}/{{trigger}}",
        },
        {
          expr: `max by (scaled_service, trigger) (mlas_signal_target{${S}})`,
          legend: "{{scaled_service}}/{{trigger}} target",
        },
      ],
    },
    {
      title: "Scale events per hour",
      description:
        "How often each service's desired replica count changed in the last hour (a change of the decision's reason alone is no scale event).",
      type: "timeseries",
      targets: [
        {
          // The count, not one series per reason: changes() of a series misses every change that
          // also changes the reason label (the old series ends, a new one starts). The subquery
          // steps at Prometheus's evaluation interval, about the scrape interval.
          expr: `changes((max by (scaled_service) (mlas_desired_replicas{${S}}))[1h:])`,
          legend: "{{scaled_service}}",
        },
      ],
    },
    {
      title: "GPU utilisation",
      description:
        "dcgm-exporter, per pod of the release's workloads. With its Kubernetes pod mapping the exporter labels each GPU with the pod using it; Prometheus Operator renames that label exported_pod (the target's own pod label names the exporter pod).",
      type: "timeseries",
      unit: "percent",
      targets: [
        {
          expr: `avg by (exported_namespace, exported_pod) (DCGM_FI_DEV_GPU_UTIL{${GPU_PODS}})`,
          legend: "{{exported_namespace}}/{{exported_pod}}",
        },
      ],
    },
    {
      title: "Latency p95",
      description: "Latency triggers' live values (seconds).",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: `max by (scaled_service, trigger) (mlas_signal_value{trigger=~"latency.*", ${S}})`,
          legend: "{{scaled_service}}",
        },
      ],
    },
    {
      title: "KEDA calls to the scaler",
      description:
        "gRPC calls by method and status, summed over scaler replicas (each call reaches one replica); anything but OK means KEDA may fall back. KEDA's own count of failed calls to the scaler, per ScaledObject.",
      type: "timeseries",
      unit: "reqps",
      targets: [
        {
          expr: `sum by (method, code) (rate(mlas_grpc_requests_total{${R}}[5m]))`,
          legend: "{{method}} {{code}}",
        },
        {
          expr: `sum by (scaledObject) (rate(keda_scaler_detail_errors_total{${KEDA}}[5m]))`,
          legend: "KEDA errors {{scaledObject}}",
        },
      ],
    },
    {
      title: "Signal age",
      description:
        "Age of each trigger's last good reading; past maxStalenessSeconds the service falls back.",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: `max by (scaled_service, trigger) (mlas_signal_age_seconds{${S}})`,
          legend: "{{scaled_service}}/{{trigger}}",
        },
        { expr: `max(mlas_signal_max_staleness_seconds{${R}})`, legend: "max staleness" },
      ],
    },
  ],
};

export const predictive: DashboardSpec = {
  uid: "mlas-predictive",
  title: "ML Predictive Scaling",
  description: "Forecasts against what happened, how confident they are, and what they did.",
  tags: ["ml-autoscaling", "forecast"],
  panels: [
    {
      title: "Forecast vs actual load",
      description:
        "Peak point forecast and upper quantile over the scale-ahead window, against the live load.",
      type: "timeseries",
      targets: [
        { expr: `max by (scaled_service) (mlas_load_value{${S}})`, legend: "{{scaled_service}} actual" },
        {
          expr: `max by (scaled_service) (mlas_forecast_value{quantity="mean", ${S}})`,
          legend: "{{scaled_service}} forecast",
        },
        {
          expr: `max by (scaled_service) (mlas_forecast_value{quantity="upper", ${S}})`,
          legend: "{{scaled_service}} upper",
        },
      ],
    },
    {
      title: "Forecast confidence",
      description: "Against confidenceThreshold: below it the service scales reactively only.",
      type: "timeseries",
      unit: "percentunit",
      targets: [
        { expr: `max by (scaled_service) (mlas_forecast_confidence{${S}})`, legend: "{{scaled_service}}" },
        { expr: `max(mlas_forecast_confidence_threshold{${R}})`, legend: "threshold" },
      ],
    },
    {
      title: "Forecast error (expected WAPE of the horizon mean)",
      description: "From the forecaster's own recent out-of-sample errors.",
      type: "timeseries",
      unit: "percentunit",
      targets: [
        { expr: `max by (scaled_service) (mlas_forecast_error_wape{${S}})`, legend: "{{scaled_service}}" },
      ],
    },
    {
      title: "Detected patterns",
      description: "Strength of the daily and weekly cycles in each load signal (0..1).",
      type: "timeseries",
      targets: [
        {
          expr: `max by (scaled_service, pattern) (mlas_pattern_strength{${S}})`,
          legend: "{{scaled_service}} {{pattern}}",
        },
      ],
    },
    {
      title: "Proactive scale-ups",
      description:
        "Replicas the forecast asks for vs the reactive rule; time spent with the predictive floor in force.",
      type: "timeseries",
      targets: [
        {
          expr: `max by (scaled_service) (mlas_predictive_replicas{${S}})`,
          legend: "{{scaled_service}} predictive",
        },
        {
          expr: `max by (scaled_service) (mlas_reactive_replicas{${S}})`,
          legend: "{{scaled_service}} reactive",
        },
        {
          expr: `group by (scaled_service) (mlas_desired_replicas{reason="predictive", ${S}})`,
          legend: "{{scaled_service}} floor in force",
        },
      ],
    },
    {
      title: "LLM token load and its forecast",
      description:
        "Prompt + generated tokens/s vLLM served, each llm service's token demand (max of served and arrivals x mean request tokens), the forecast of its token load over the scale-ahead window, and what its ready replicas sustain within the SLO.",
      type: "timeseries",
      targets: [
        {
          expr: `sum by (namespace) (rate(vllm:prompt_tokens_total{${VLLM_PODS}}[1m])) + sum by (namespace) (rate(vllm:generation_tokens_total{${VLLM_PODS}}[1m]))`,
          legend: "{{namespace}} vLLM served tokens/s",
        },
        {
          expr: `max by (scaled_service) (mlas_llm_demand_tokens_per_second{${S}})`,
          legend: "{{scaled_service}} demand",
        },
        {
          expr: `max by (scaled_service) (mlas_forecast_value{quantity="upper", ${S}}) and on (scaled_service) max by (scaled_service) (mlas_llm_demand_tokens_per_second{${S}})`,
          legend: "{{scaled_service}} forecast upper",
        },
        {
          expr: `max by (scaled_service) (mlas_llm_replica_capacity_tokens_per_second{${S}}) * on (scaled_service) max by (scaled_service) (mlas_ready_replicas{${S}})`,
          legend: "{{scaled_service}} ready capacity",
        },
      ],
    },
    llmLatencyPanel(
      "TTFT",
      [{ histograms: ["vllm:time_to_first_token_seconds"], legend: "vLLM p99" }],
      "Time to first token p99 as vLLM measures it (vllm:time_to_first_token_seconds, over 5 minutes)",
      "ttft",
    ),
    llmLatencyPanel(
      "ITL",
      [
        {
          histograms: ["vllm:request_time_per_output_token_seconds"],
          legend: "vLLM p99 of a request's mean",
        },
        {
          histograms: ["vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds"],
          legend: "vLLM p99 of single gaps",
        },
      ],
      "Inter-token latency p99 as vLLM measures it over 5 minutes: of a request's mean (vllm:request_time_per_output_token_seconds), what the SLO judges and the scaler reads, and of single gaps (vllm:inter_token_latency_seconds, or vllm:time_per_output_token_seconds before vLLM 0.11), where a prefill step counts in full in every gap it lengthens",
      "itl",
    ),
    {
      title: "Business hours",
      description: "1 inside business hours.",
      type: "stat",
      width: 6,
      targets: [{ expr: `max(mlas_business_window_open{${R}})`, legend: "open" }],
    },
    {
      title: "Forecast age",
      description: "Seconds since each forecast was refitted.",
      type: "stat",
      width: 6,
      unit: "s",
      targets: [
        { expr: `max by (scaled_service) (mlas_forecast_age_seconds{${S}})`, legend: "{{scaled_service}}" },
      ],
    },
  ],
};

export const cost: DashboardSpec = {
  uid: "mlas-cost",
  title: "ML Cost Optimization",
  description:
    "What the pods cost (paid) and what the desired replicas cost, against the budget, and what spot saves.",
  tags: ["ml-autoscaling", "cost"],
  panels: [
    {
      title: "Hourly cost paid and desired, against the budget",
      description:
        "All services of the release, USD per hour. Paid: the pods that run, each workload (each variant of a service with variants) at the larger of its desired replicas and the pods still held: the highest count its HPA was answered within the scale-down stabilization window (keda.hpaBehavior.scaleDown.stabilizationWindowSeconds), one pod until keda.cooldownPeriod has passed since its last non-zero answer, and the pods it runs now. Desired: the desired replicas alone. Paid above desired is a scale-down not yet done, paid until the pods are gone. The budget rule trims answers, lowest priority first, until paid fits within maxHourlyCost (budget); pods already held cannot be trimmed.",
      type: "timeseries",
      unit: "currencyUSD",
      targets: [
        { expr: `max(mlas_budget_paid_hourly_cost_dollars{${R}})`, legend: "paid" },
        {
          expr: `sum(max by (scaled_service, capacity_type) (mlas_hourly_cost_dollars{${R}}))`,
          legend: "desired",
        },
        { expr: `max(mlas_budget_max_hourly_cost_dollars{${R}})`, legend: "budget", line: true },
      ],
    },
    {
      title: "Hourly cost by service and capacity type",
      description: "USD per hour of the desired replicas (spot at its discounted price).",
      type: "timeseries",
      unit: "currencyUSD",
      stack: true,
      targets: [
        {
          expr: `max by (scaled_service, capacity_type) (mlas_hourly_cost_dollars{${S}})`,
          legend: "{{scaled_service}} {{capacity_type}}",
        },
      ],
    },
    {
      title: "Hourly cost by variant, against the budget",
      description:
        "USD per hour of each variant's desired replicas (a service served by several GPU-type workloads), on demand and spot, and maxHourlyCost for all services together.",
      type: "timeseries",
      unit: "currencyUSD",
      stack: true,
      targets: [
        {
          expr: `max by (scaled_service, variant, capacity_type) (mlas_variant_hourly_cost_dollars{${S}})`,
          legend: "{{scaled_service}}/{{variant}} {{capacity_type}}",
        },
        { expr: `max(mlas_budget_max_hourly_cost_dollars{${R}})`, legend: "budget", line: true },
      ],
    },
    {
      title: "Spot share by variant",
      description: "Of each variant's desired replicas, the share on spot (the hedge included).",
      type: "timeseries",
      unit: "percentunit",
      targets: [
        {
          expr: `max by (scaled_service, variant) (mlas_variant_spot_replicas{${S}}) / (max by (scaled_service, variant) (mlas_variant_desired_replicas{${S}}) > 0)`,
          legend: "{{scaled_service}}/{{variant}}",
        },
      ],
    },
    {
      title: "Spot preemptions expected, hedge and unavailability",
      description:
        "Preemptions per hour each variant's spot replicas are expected to see (its configured preemptionsPerHour x spot replicas: a planning rate, not observed), the replicas kept to absorb them, and 1 while its spot capacity counts as unavailable.",
      type: "timeseries",
      targets: [
        {
          expr: `max by (scaled_service, variant) (mlas_variant_expected_preemptions_per_hour{${S}})`,
          legend: "{{scaled_service}}/{{variant}} preemptions/h",
        },
        {
          expr: `max by (scaled_service, variant) (mlas_variant_hedge_replicas{${S}})`,
          legend: "{{scaled_service}}/{{variant}} hedge",
        },
        {
          expr: `max by (scaled_service, variant) (mlas_variant_spot_unavailable{${S}})`,
          legend: "{{scaled_service}}/{{variant}} spot unavailable",
        },
      ],
    },
    {
      title: "Budget use",
      description:
        "Hourly cost over maxHourlyCost: of the desired replicas (desired) and of the pods that run, held pods included (paid).",
      type: "stat",
      width: 6,
      unit: "percentunit",
      thresholds: [
        { value: 0.8, color: "orange" },
        { value: 1, color: "red" },
      ],
      targets: [
        { expr: `max(mlas_budget_used_ratio{${R}})`, legend: "desired" },
        {
          expr: `max(mlas_budget_paid_hourly_cost_dollars{${R}}) / max(mlas_budget_max_hourly_cost_dollars{${R}})`,
          legend: "paid",
        },
      ],
    },
    {
      title: "Budget",
      description: "maxHourlyCost (USD per hour).",
      type: "stat",
      width: 6,
      unit: "currencyUSD",
      targets: [{ expr: `max(mlas_budget_max_hourly_cost_dollars{${R}})`, legend: "max" }],
    },
    {
      title: "Spot savings per hour",
      description: "What the same replicas would cost on demand, minus what they cost.",
      type: "timeseries",
      unit: "currencyUSD",
      targets: [
        {
          expr: `sum(max by (scaled_service) (mlas_hourly_cost_on_demand_equivalent_dollars{${S}})) - sum(max by (scaled_service, capacity_type) (mlas_hourly_cost_dollars{${S}}))`,
          legend: "savings",
        },
      ],
    },
    {
      title: "Cost per 1,000 requests",
      description: "Hourly cost over the load (for request-rate load signals).",
      type: "timeseries",
      unit: "currencyUSD",
      targets: [
        {
          expr: `1000 * sum by (scaled_service) (max by (scaled_service, capacity_type) (mlas_hourly_cost_dollars{${S}})) / (3600 * max by (scaled_service) (mlas_load_value{${S}}) > 0)`,
          legend: "{{scaled_service}}",
        },
      ],
    },
    {
      title: "Replicas removed by budget or GPU quota",
      description: "1 while a cap holds a service below its demand.",
      type: "timeseries",
      targets: [
        {
          expr: `max by (scaled_service, rule) (mlas_budget_capped{${S}})`,
          legend: "{{scaled_service}} {{rule}}",
        },
      ],
    },
    {
      title: "GPUs in use vs quota",
      description:
        "GPUs by type against businessRules.gpuQuotas: those of the desired replicas (used), and those the pods take whatever is answered, each workload at the larger of its desired replicas and the pods its HPA's scale-down window and KEDA's cooldown keep (taken). The quota holds for taken.",
      type: "timeseries",
      targets: [
        { expr: `max by (gpu_type) (mlas_gpus_used{${R}})`, legend: "{{gpu_type}} used" },
        { expr: `max by (gpu_type) (mlas_gpus_taken{${R}})`, legend: "{{gpu_type}} taken" },
        { expr: `max by (gpu_type) (mlas_gpu_quota{${R}})`, legend: "{{gpu_type}} quota" },
      ],
    },
  ],
};

export const DASHBOARDS: Readonly<Record<string, DashboardSpec>> = {
  "overview.json": overview,
  "predictive.json": predictive,
  "cost.json": cost,
};
