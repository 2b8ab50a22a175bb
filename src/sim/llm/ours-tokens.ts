// Ours in tokens, in the token-level simulator: the service's decision cycle (pipeline/tick.ts, the
// code the service loop runs) for an llm service, behind KEDA's external-push trigger and the HPA
// (control-plane.ts), as sim/ours.ts runs it for request-based services. Its inputs, per refresh
// (sources.refreshSeconds):
//  - the llm block's signals (tokens, mean prompt and output tokens, TTFT and ITL at the SLO's
//    percentile) and the ingress's request rate, as Prometheus would answer their queries from the
//    simulated fleet's vLLM metrics (vllm-prometheus.ts), observed at the last scrape;
//  - ready and existing pods from the modelled cluster (never stale);
//  - activity: a live token reading above activationLoad marks the service busy; history is known
//    from the trace's start (idle time is not read back from the history, as in sim/ours.ts);
//  - the forecast of the token load made last from the trace's past (token-forecasts.ts).
// The service the engine sees keeps the triggers the simulator models (the llm block's and the
// arrival trigger); the others (a GPU utilisation or KV-cache trigger) are left out.

import type { Config, ServiceConfig, TriggerConfig } from "../../config/schema.ts";
import type { EngineState, ForecastView, Reading, ServiceDecision } from "../../engine/types.ts";
import { EMPTY_STATE } from "../../engine/types.ts";
import type { PerformanceProfile } from "../../llm/profile.ts";
import type { Activity, ServiceInputs } from "../../pipeline/observe.ts";
import { tick } from "../../pipeline/tick.ts";
import type { Cluster } from "../cluster.ts";
import { KedaHpa, type ControlPlaneParams } from "../control-plane.ts";
import type { LiveMetrics } from "./live-metrics.ts";
import type { LlmController } from "./simulate.ts";
import { VllmPrometheus, type TokenReadings } from "./vllm-prometheus.ts";

/**
 * The profile the engine plans with at headroom u: every step `1 / u` times as long (u < 1 plans
 * for a slower GPU than the profile's, so for more replicas; 1 is the profile as it is). The
 * simulated replicas keep the real profile.
 */
export function plannedProfile(p: PerformanceProfile, u: number): PerformanceProfile {
  if (!(u > 0) || !Number.isFinite(u)) throw new RangeError(`headroom: must be a positive number, got ${u}`);
  if (u === 1) return p;
  return { ...p, id: `${p.id} (steps / ${u})`, stepSeconds: (b) => p.stepSeconds(b) / u };
}

/** The triggers the token simulator answers: the llm block's signals and the arrival trigger. */
export function modelledTriggers(service: ServiceConfig): TriggerConfig[] {
  return service.triggers.filter((t) => t.llm !== undefined);
}

/**
 * The llm service as the engine sees it in a run at headroom u: the modelled triggers only, and
 * the profile it plans with (plannedProfile). Throws for a service without an llm block.
 */
export function tokenServiceConfig(service: ServiceConfig, headroom: number): ServiceConfig {
  const llm = service.llm;
  if (llm === undefined)
    throw new RangeError(`service ${service.name}: ours in tokens needs an llm block (a profile and an SLO)`);
  return {
    ...service,
    triggers: modelledTriggers(service),
    llm: headroom === 1 ? llm : { ...llm, profile: plannedProfile(llm.profile, headroom) },
  };
}

/** The pipeline's inputs for an llm service from its token readings, pods, activity and forecast. */
export function tokenServiceInputs(
  service: ServiceConfig,
  readings: TokenReadings,
  observedAt: number,
  pods: { readonly ready: Reading; readonly current: Reading },
  activity: Activity,
  forecast: ForecastView | undefined,
): ServiceInputs {
  const triggers: Record<string, Reading | undefined> = {};
  for (const t of service.triggers) {
    // A variant's spot-pending count has no place in a one-workload replay (variants are refused).
    if (t.llm === undefined || t.llm === "spotPending") continue;
    const v = readings[t.llm];
    triggers[t.name] = v === undefined ? undefined : { value: v, observedAt };
  }
  return {
    service,
    readings: { triggers, ready: pods.ready, current: pods.current },
    activity,
    ...(forecast ? { forecast } : {}),
  };
}

/**
 * One llm service's view at each refresh: the token readings its simulated Prometheus answers, its
 * activity (the last live reading above activationLoad) and the forecast in force at that second.
 */
export class TokenObservation {
  readonly prometheus: VllmPrometheus;
  private readonly service: ServiceConfig;
  private readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
  private readonly historyFrom: number;
  private readonly start: number;
  private lastLiveBusyAt: number | undefined;
  private forecastIndex = -1;

  constructor(
    service: ServiceConfig,
    forecasts: readonly { readonly t: number; readonly view: ForecastView }[],
    historyFrom: number,
    start: number,
    scrapeSeconds: number,
  ) {
    const llm = service.llm;
    if (llm === undefined) throw new RangeError(`service ${service.name}: has no llm block`);
    this.service = service;
    this.forecasts = forecasts;
    this.historyFrom = historyFrom;
    this.start = start;
    this.prometheus = new VllmPrometheus(scrapeSeconds, llm.slo.percentile);
  }

  /** The pipeline's inputs at second t (epoch ms `now`) with the service's pods. */
  inputs(t: number, now: number, pods: { readonly ready: number; readonly current: number }): ServiceInputs {
    const forecasts = this.forecasts;
    while ((forecasts[this.forecastIndex + 1]?.t ?? Infinity) <= t) this.forecastIndex++;
    const readings = this.prometheus.readings();
    if (readings.tokens !== undefined && readings.tokens > this.service.activationLoad)
      this.lastLiveBusyAt = now;
    const activity: Activity = {
      historyFrom: this.historyFrom,
      ...(this.lastLiveBusyAt !== undefined ? { lastLiveBusyAt: this.lastLiveBusyAt } : {}),
    };
    return tokenServiceInputs(
      this.service,
      readings,
      this.start + readings.at * 1000,
      { ready: { value: pods.ready, observedAt: now }, current: { value: pods.current, observedAt: now } },
      activity,
      forecasts[this.forecastIndex]?.view,
    );
  }
}

export interface OursTokensSetup {
  /** The config; its services are replaced by the one service the run simulates. */
  readonly config: Config;
  /** The service as the engine sees it in the run (tokenServiceConfig). */
  readonly service: ServiceConfig;
  readonly controlPlane: ControlPlaneParams;
  /** Forecasts of the token load by the run's second they were made (ascending). */
  readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
  /** Epoch ms of the run's second 0. */
  readonly start: number;
  /** Epoch ms since which the load's history is known (the trace's start). */
  readonly historyFrom: number;
}

export class OursInTokens implements LlmController {
  private readonly config: Config;
  private readonly service: ServiceConfig;
  private readonly setup: OursTokensSetup;
  private readonly observation: TokenObservation;
  private readonly keda: KedaHpa;
  private state: EngineState = EMPTY_STATE;
  private last: ServiceDecision | undefined;
  private size = 0;

  constructor(setup: OursTokensSetup) {
    this.observation = new TokenObservation(
      setup.service,
      setup.forecasts,
      setup.historyFrom,
      setup.start,
      setup.controlPlane.scrapeSeconds,
    );
    this.setup = setup;
    this.service = setup.service;
    this.config = { ...setup.config, services: [setup.service] };
    this.keda = new KedaHpa(setup.controlPlane, this.service.minReplicas, this.service.maxReplicas, {
      push: true,
      active: () => this.last?.active ?? false,
      metric: () => (this.last?.valid ? { value: this.last.desiredReplicas, target: 1 } : undefined),
    });
  }

  step(t: number, live: LiveMetrics, cluster: Cluster): void {
    this.observation.prometheus.step(t, live);
    if (t % this.config.sources.refreshSeconds === 0) {
      const now = this.setup.start + t * 1000;
      const inputs = this.observation.inputs(t, now, { ready: cluster.ready, current: cluster.size });
      const cycle = tick(this.config, [inputs], this.state, now);
      this.state = cycle.state;
      this.last = cycle.decisions.services[0];
    }
    this.keda.step(t, cluster);
    this.size = cluster.size;
  }

  desired(): number {
    return this.last?.desiredReplicas ?? this.size;
  }

  trimmed(): boolean {
    const reason = this.last?.reason;
    return reason === "budget" || reason === "gpu-quota";
  }

  /** The last decision (undefined before the first refresh). */
  decision(): ServiceDecision | undefined {
    return this.last;
  }
}
