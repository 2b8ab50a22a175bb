// Prometheus metrics on our own registry, prefix mlas_. Gauges are computed when scraped from the
// loop's latest snapshot, not updated from timers, and so are the counters of failed reads (counts
// the loop keeps); the other counters and the histograms record events.

import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { replicaPrice } from "../engine/cost.ts";
import type { LlmDecision } from "../engine/llm-sizing.ts";
import type { Config } from "../config/schema.ts";
import type { VariantDecision } from "../engine/split/explain.ts";
import type { Decisions } from "../engine/types.ts";
import type { ScalerLoop } from "./loop.ts";
import type { LoopSnapshot } from "./snapshot.ts";

export interface ScalerMetrics {
  readonly registry: Registry;
  readonly grpcRequests: Counter<"method" | "code">;
  readonly grpcDuration: Histogram<"method">;
  readonly decisionDuration: Histogram;
  readonly httpConnectionsClosed: Counter;
}

type GaugeOf = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) => void;

/**
 * An llm service's token arithmetic, from its latest decision (src/engine/llm-sizing.ts): the
 * demand, one replica's capacity from its profile, and what the model predicts at the desired
 * count, against the SLO's targets.
 */
type LlmSet = (g: Gauge, service: string, d: LlmDecision) => void;

function llmEach(decisions: () => Decisions | undefined, set: LlmSet): (g: Gauge) => void {
  return (g) => {
    for (const s of decisions()?.services ?? []) if (s.llm) set(g, s.service, s.llm);
  };
}

function finiteSet(g: Gauge, labels: Record<string, string>, v: number | null): void {
  if (v !== null && Number.isFinite(v)) g.set(labels, v);
}

/** Each variant of each service with variants, from the latest decision. */
function variantEach(
  decisions: () => Decisions | undefined,
  set: (g: Gauge, labels: Record<string, string>, v: VariantDecision) => void,
): (g: Gauge) => void {
  return (g) => {
    for (const s of decisions()?.services ?? [])
      for (const v of s.variants?.variants ?? [])
        set(g, { scaled_service: s.service, variant: v.variant, gpu_type: v.gpuType }, v);
  };
}

/**
 * A service with variants (src/engine/split): each variant's replicas, its hourly cost by capacity
 * type, its routing weight, its spot replicas and the preemptions they are expected to see (the
 * variant's preemptionsPerHour: a planning rate, not an observed count), and whether its spot
 * capacity is unavailable.
 */
function variantGauges(gauge: GaugeOf, decisions: () => Decisions | undefined, config: Config): void {
  const labels = ["scaled_service", "variant", "gpu_type"];
  const replicas: [string, string, (v: VariantDecision) => number][] = [
    ["mlas_variant_desired_replicas", "Replicas the split asks of the variant.", (v) => v.desiredReplicas],
    ["mlas_variant_ready_replicas", "Ready replicas of the variant the split saw.", (v) => v.readyReplicas],
    [
      "mlas_variant_spot_replicas",
      "Of the variant's desired replicas, those on spot.",
      (v) => v.spotReplicas,
    ],
    [
      "mlas_variant_hedge_replicas",
      "Spot replicas kept beyond the demand for the preemptions expected within the variant's start-up.",
      (v) => v.hedgeReplicas,
    ],
    [
      "mlas_variant_routing_weight",
      "Share of the service's demand to route to the variant once its desired replicas serve (capacity-proportional).",
      (v) => v.routingWeight,
    ],
    [
      "mlas_variant_spot_unavailable",
      "1 while the variant's spot capacity counts as unavailable (configured, or its pods wait Pending).",
      (v) => (v.spotUnavailable !== null ? 1 : 0),
    ],
  ];
  for (const [name, help, of] of replicas)
    gauge(
      name,
      help,
      labels,
      variantEach(decisions, (g, l, v) => finiteSet(g, l, of(v))),
    );
  gauge(
    "mlas_variant_hourly_cost_dollars",
    "Hourly cost of the variant's desired replicas by capacity type.",
    [...labels, "capacity_type"],
    variantEach(decisions, (g, l, v) => {
      finiteSet(g, { ...l, capacity_type: "on_demand" }, v.hourlyCost.onDemand);
      finiteSet(g, { ...l, capacity_type: "spot" }, v.hourlyCost.spot);
    }),
  );
  const rates = new Map(
    config.services.flatMap((s) =>
      (s.variants ?? []).map((v) => [`${s.name}/${v.name}`, v.preemptionsPerHour]),
    ),
  );
  gauge(
    "mlas_variant_expected_preemptions_per_hour",
    "Preemptions per hour the variant's spot replicas are expected to see: spot replicas x its preemptionsPerHour (the configured rate, not an observed count).",
    labels,
    variantEach(decisions, (g, l, v) =>
      finiteSet(g, l, v.spotReplicas * (rates.get(`${l.scaled_service}/${v.variant}`) ?? 0)),
    ),
  );
}

/** What an llm service must serve and what one replica sustains, from its profile. */
function llmLoadGauges(gauge: GaugeOf, decisions: () => Decisions | undefined): void {
  gauge(
    "mlas_llm_demand_tokens_per_second",
    "Tokens/s an llm service must serve: max(served prompt + generated tokens/s, ingress requests/s x mean tokens per request).",
    ["scaled_service"],
    llmEach(decisions, (g, n, d) => g.set({ scaled_service: n }, d.demandTokensPerSecond)),
  );
  gauge(
    "mlas_llm_replica_capacity_tokens_per_second",
    "Prompt + output tokens/s one replica sustains within the SLO and KV headroom, from its profile at the mean request lengths.",
    ["scaled_service"],
    llmEach(decisions, (g, n, d) => g.set({ scaled_service: n }, d.capacityPerReplica.tokensPerSecond)),
  );
  gauge(
    "mlas_llm_replica_capacity_requests_per_second",
    "Requests/s one replica sustains within the SLO and KV headroom, from its profile at the mean request lengths.",
    ["scaled_service"],
    llmEach(decisions, (g, n, d) => g.set({ scaled_service: n }, d.capacityPerReplica.requestsPerSecond)),
  );
  gauge(
    "mlas_llm_mean_request_tokens",
    "Mean tokens per request the sizing uses (measured by vLLM, else the configured expectation), by part (prompt, output).",
    ["scaled_service", "part"],
    llmEach(decisions, (g, n, d) => {
      g.set({ scaled_service: n, part: "prompt" }, d.meanPromptTokens);
      g.set({ scaled_service: n, part: "output" }, d.meanOutputTokens);
    }),
  );
}

/** What the profile predicts at the desired replicas for the current demand, and the SLO's targets. */
function llmPredictionGauges(gauge: GaugeOf, decisions: () => Decisions | undefined): void {
  gauge(
    "mlas_llm_predicted_ttft_seconds",
    "TTFT at the SLO's percentile the profile predicts at the desired replicas for the current demand.",
    ["scaled_service"],
    llmEach(decisions, (g, n, d) => finiteSet(g, { scaled_service: n }, d.predicted?.ttftSeconds ?? null)),
  );
  gauge(
    "mlas_llm_predicted_itl_seconds",
    "Inter-token latency at the SLO's percentile the profile predicts at the desired replicas for the current demand.",
    ["scaled_service"],
    llmEach(decisions, (g, n, d) => finiteSet(g, { scaled_service: n }, d.predicted?.itlSeconds ?? null)),
  );
  gauge(
    "mlas_llm_predicted_kv_cache_usage",
    "Share of each replica's KV cache the profile predicts at the desired replicas for the current demand.",
    ["scaled_service"],
    llmEach(decisions, (g, n, d) => finiteSet(g, { scaled_service: n }, d.predicted?.kvCacheUse ?? null)),
  );
  gauge(
    "mlas_llm_slo_target_seconds",
    "The SLO's targets at its percentile, by signal (ttft, itl).",
    ["scaled_service", "signal"],
    llmEach(decisions, (g, n, d) => {
      g.set({ scaled_service: n, signal: "ttft" }, d.slo.ttftSeconds);
      g.set({ scaled_service: n, signal: "itl" }, d.slo.itlSeconds);
    }),
  );
}

export function createMetrics(loop: ScalerLoop, clock: () => number = Date.now): ScalerMetrics {
  const registry = new Registry();
  const services = (): ReturnType<ScalerLoop["decisions"]> => loop.snapshot().decisions;
  const runtimes = (): LoopSnapshot["services"] => loop.snapshot().services;
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        collect(this);
      },
    });
  };

  gauge(
    "mlas_desired_replicas",
    "Replicas the engine decided, labelled by the rule that set the number.",
    ["scaled_service", "reason"],
    (g) => {
      for (const s of services()?.services ?? [])
        g.set({ scaled_service: s.service, reason: s.reason }, s.desiredReplicas);
    },
  );
  gauge(
    "mlas_decision_valid",
    "1 when the service's decision is valid; 0 means its scaler calls fail and KEDA's fallback applies.",
    ["scaled_service"],
    (g) => {
      for (const s of services()?.services ?? []) g.set({ scaled_service: s.service }, s.valid ? 1 : 0);
    },
  );
  gauge("mlas_active", "1 when the service should run (desired > 0).", ["scaled_service"], (g) => {
    for (const s of services()?.services ?? []) g.set({ scaled_service: s.service }, s.active ? 1 : 0);
  });
  gauge("mlas_reactive_replicas", "Replicas the reactive rule alone asks for.", ["scaled_service"], (g) => {
    for (const s of services()?.services ?? [])
      if (s.reactiveReplicas !== undefined) g.set({ scaled_service: s.service }, s.reactiveReplicas);
  });
  gauge(
    "mlas_predictive_replicas",
    "Replicas the forecast asks for (exported even when not acted upon).",
    ["scaled_service"],
    (g) => {
      for (const s of services()?.services ?? [])
        if (s.predictiveReplicas !== undefined) g.set({ scaled_service: s.service }, s.predictiveReplicas);
    },
  );
  gauge(
    "mlas_ready_replicas",
    "Ready replicas as observed (kube-state-metrics).",
    ["scaled_service"],
    (g) => {
      for (const [name, rt] of runtimes()) if (rt.ready) g.set({ scaled_service: name }, rt.ready.value);
    },
  );
  gauge("mlas_max_replicas", "Configured maxReplicas.", ["scaled_service"], (g) => {
    for (const [name, rt] of runtimes()) g.set({ scaled_service: name }, rt.service.maxReplicas);
  });
  gauge("mlas_min_replicas", "Configured minReplicas.", ["scaled_service"], (g) => {
    for (const [name, rt] of runtimes()) g.set({ scaled_service: name }, rt.service.minReplicas);
  });
  gauge(
    "mlas_signal_value",
    "Latest reading of each trigger's signal.",
    ["scaled_service", "trigger"],
    (g) => {
      for (const [name, rt] of runtimes())
        for (const [t, st] of rt.signals)
          if (st.reading) g.set({ scaled_service: name, trigger: t }, st.reading.value);
    },
  );
  gauge(
    "mlas_load_value",
    "Latest reading of each service's load signal (the one that is forecast).",
    ["scaled_service"],
    (g) => {
      for (const [name, rt] of runtimes()) {
        const t = rt.service.loadTrigger;
        const r = t !== undefined ? rt.signals.get(t)?.reading : undefined;
        if (r) g.set({ scaled_service: name }, r.value);
      }
    },
  );
  gauge("mlas_signal_target", "Each trigger's per-replica target.", ["scaled_service", "trigger"], (g) => {
    for (const [name, rt] of runtimes())
      for (const t of rt.service.triggers) g.set({ scaled_service: name, trigger: t.name }, t.target);
  });
  gauge(
    "mlas_signal_age_seconds",
    "Age of each trigger's latest good reading (staleness).",
    ["scaled_service", "trigger", "source"],
    (g) => {
      const now = clock();
      for (const [name, rt] of runtimes()) {
        for (const t of rt.service.triggers) {
          const r = rt.signals.get(t.name)?.reading;
          if (r)
            g.set(
              { scaled_service: name, trigger: t.name, source: t.source },
              Math.max(0, (now - r.observedAt) / 1000),
            );
        }
      }
    },
  );
  gauge("mlas_signal_max_staleness_seconds", "Age beyond which a reading is no longer used.", [], (g) => {
    g.set(loop.config.sources.maxStalenessSeconds);
  });
  new Counter({
    name: "mlas_signal_errors_total",
    help: "Failed reads per trigger since start.",
    labelNames: ["scaled_service", "trigger", "source"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, rt] of runtimes())
        for (const t of rt.service.triggers)
          this.inc(
            { scaled_service: name, trigger: t.name, source: t.source },
            rt.signals.get(t.name)?.errors ?? 0,
          );
    },
  });
  gauge(
    "mlas_replicas_age_seconds",
    "Age of each service's replica count; past mlas_signal_max_staleness_seconds it is no longer used.",
    ["scaled_service"],
    (g) => {
      const now = clock();
      for (const [name, rt] of runtimes())
        if (rt.ready) g.set({ scaled_service: name }, Math.max(0, (now - rt.ready.observedAt) / 1000));
    },
  );
  new Counter({
    name: "mlas_replicas_errors_total",
    help: "Failed reads of each service's replica count since start.",
    labelNames: ["scaled_service"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [name, rt] of runtimes()) this.inc({ scaled_service: name }, rt.readyErrors);
    },
  });
  gauge(
    "mlas_forecast_value",
    "Forecast of the load signal over the scale-ahead window: peak point forecast and peak upper quantile.",
    ["scaled_service", "quantity"],
    (g) => {
      const now = clock();
      const p = loop.config.predictiveScaling;
      for (const [name, rt] of runtimes()) {
        const v = rt.forecast?.view;
        if (!v) continue;
        const end = now + (p.scaleAheadMinutes * 60 + rt.service.podStartupSeconds) * 1000;
        let mean = 0;
        let upper = 0;
        v.mean.forEach((m, i) => {
          const t = v.start + i * v.stepSeconds * 1000;
          if (t + v.stepSeconds * 1000 > now && t <= end) {
            mean = Math.max(mean, m);
            upper = Math.max(upper, v.upper[i] ?? 0);
          }
        });
        g.set({ scaled_service: name, quantity: "mean" }, mean);
        g.set({ scaled_service: name, quantity: "upper" }, upper);
      }
    },
  );
  gauge(
    "mlas_forecast_next_value",
    "Point forecast of the load signal one step ahead (compare with mlas_signal_value).",
    ["scaled_service"],
    (g) => {
      for (const [name, rt] of runtimes()) {
        const m = rt.forecast?.view.mean[0];
        if (m !== undefined) g.set({ scaled_service: name }, m);
      }
    },
  );
  gauge(
    "mlas_forecast_confidence",
    "Forecast confidence (1 - expected relative error of the mean over the horizon).",
    ["scaled_service"],
    (g) => {
      for (const [name, rt] of runtimes())
        if (rt.forecast) g.set({ scaled_service: name }, rt.forecast.confidence);
    },
  );
  gauge("mlas_forecast_confidence_threshold", "confidenceThreshold from config.", [], (g) => {
    g.set(loop.config.predictiveScaling.confidenceThreshold);
  });
  gauge(
    "mlas_forecast_error_wape",
    "The forecaster's expected WAPE of the horizon mean, from its recent out-of-sample errors.",
    ["scaled_service"],
    (g) => {
      for (const [name, rt] of runtimes()) {
        const w = rt.forecast?.recentWape;
        if (w !== undefined && Number.isFinite(w)) g.set({ scaled_service: name }, w);
      }
    },
  );
  gauge("mlas_forecast_age_seconds", "Age of the current forecast.", ["scaled_service"], (g) => {
    const now = clock();
    for (const [name, rt] of runtimes())
      if (rt.forecast) g.set({ scaled_service: name }, (now - rt.forecast.generatedAt) / 1000);
  });
  gauge(
    "mlas_pattern_strength",
    "Detected seasonal pattern strength (0..1) by pattern (daily, weekly).",
    ["scaled_service", "pattern"],
    (g) => {
      for (const [name, rt] of runtimes()) {
        const p = rt.forecast?.patterns;
        if (!p) continue;
        g.set({ scaled_service: name, pattern: "daily" }, p.daily.strength);
        g.set({ scaled_service: name, pattern: "weekly" }, p.weekly.strength);
      }
    },
  );
  gauge("mlas_business_window_open", "1 inside business hours.", [], (g) => {
    const d = services()?.services[0];
    g.set(d?.businessHours === true ? 1 : 0);
  });
  gauge(
    "mlas_hourly_cost_dollars",
    "Hourly cost of the desired replicas by capacity type.",
    ["scaled_service", "capacity_type"],
    (g) => {
      for (const s of services()?.services ?? []) {
        g.set({ scaled_service: s.service, capacity_type: "on_demand" }, s.hourlyCost.onDemand);
        g.set({ scaled_service: s.service, capacity_type: "spot" }, s.hourlyCost.spot);
      }
    },
  );
  gauge(
    "mlas_hourly_cost_on_demand_equivalent_dollars",
    "What the desired replicas would cost all on demand (for spot savings).",
    ["scaled_service"],
    (g) => {
      for (const s of services()?.services ?? []) {
        const rt = runtimes().get(s.service);
        if (s.variants !== undefined)
          g.set(
            { scaled_service: s.service },
            s.variants.variants.reduce((sum, v) => sum + v.desiredReplicas * v.hourlyPrice.onDemand, 0),
          );
        else if (rt)
          g.set(
            { scaled_service: s.service },
            s.desiredReplicas * replicaPrice(rt.service, loop.config.cost).onDemand,
          );
      }
    },
  );
  gauge("mlas_budget_max_hourly_cost_dollars", "maxHourlyCost when the budget is enabled.", [], (g) => {
    const m = services()?.maxHourlyCost;
    if (m !== undefined) g.set(m);
  });
  gauge(
    "mlas_budget_paid_hourly_cost_dollars",
    "USD per hour of the pods the decisions leave running: each workload at the larger of its answer and the pods its HPA's scale-down window and KEDA's cooldown hold (what the budget holds).",
    [],
    (g) => {
      const d = services();
      if (d !== undefined) g.set(d.paidHourlyCost);
    },
  );
  gauge("mlas_budget_used_ratio", "Total hourly cost over maxHourlyCost.", [], (g) => {
    const d = services();
    if (d?.maxHourlyCost !== undefined) g.set(d.totalHourlyCost / d.maxHourlyCost);
  });
  gauge(
    "mlas_budget_capped",
    "1 when the budget or a GPU quota removed replicas from the service.",
    ["scaled_service", "rule"],
    (g) => {
      for (const s of services()?.services ?? []) {
        g.set(
          { scaled_service: s.service, rule: "budget" },
          s.reasons.some((r) => r.rule === "budget") ? 1 : 0,
        );
        g.set(
          { scaled_service: s.service, rule: "gpu-quota" },
          s.reasons.some((r) => r.rule === "gpu-quota") ? 1 : 0,
        );
      }
    },
  );
  gauge("mlas_gpus_used", "GPUs the desired replicas use, by GPU type.", ["gpu_type"], (g) => {
    for (const [type, u] of Object.entries(services()?.gpuUse ?? {})) g.set({ gpu_type: type }, u.used);
  });
  gauge(
    "mlas_gpus_taken",
    "GPUs the pods take whatever the scaler answers, by GPU type: each workload at the larger of its desired replicas and the pods its HPA's scale-down window and KEDA's cooldown keep. The GPU quota holds for this.",
    ["gpu_type"],
    (g) => {
      for (const [type, u] of Object.entries(services()?.gpuUse ?? {})) g.set({ gpu_type: type }, u.taken);
    },
  );
  gauge("mlas_gpu_quota", "GPU quota by type.", ["gpu_type"], (g) => {
    for (const [type, q] of Object.entries(loop.config.gpuQuotas)) g.set({ gpu_type: type }, q);
  });

  llmLoadGauges(gauge, services);
  llmPredictionGauges(gauge, services);
  variantGauges(gauge, services, loop.config);

  const decisionDuration = new Histogram({
    name: "mlas_decision_duration_seconds",
    help: "Time to run the engine for all services.",
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5],
    registers: [registry],
  });
  const grpcRequests = new Counter({
    name: "mlas_grpc_requests_total",
    help: "gRPC calls by method and status code.",
    labelNames: ["method", "code"],
    registers: [registry],
  });
  const grpcDuration = new Histogram({
    name: "mlas_grpc_request_duration_seconds",
    help: "gRPC call latency by method.",
    labelNames: ["method"],
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1],
    registers: [registry],
  });
  const httpConnectionsClosed = new Counter({
    name: "mlas_http_connections_closed_total",
    help: "HTTP connections let go (no longer read, closed 1 s later) to make room at server.httpMaxConnections: the one waiting on its client the longest.",
    registers: [registry],
  });
  return { registry, grpcRequests, grpcDuration, decisionDuration, httpConnectionsClosed };
}
