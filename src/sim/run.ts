// One simulated run: a policy on a workload at one headroom, second by second, measured after the
// warm-up: the policy sets the replica count, the cluster starts pods, and the ready ones serve the
// arrivals through a fluid first-in first-out queue (fluid-queue.ts).

import type { Config, ServiceConfig } from "../config/schema.ts";
import { replicaPrice } from "../engine/cost.ts";
import { Cluster } from "./cluster.ts";
import { controlPlaneOf, HPA_TOLERANCE_BEFORE_1_35, type ControlPlaneParams } from "./control-plane.ts";
import { FluidQueue, type LatencySettings } from "./fluid-queue.ts";
import { runForecastJobs } from "./parallel-forecasts.ts";
import { controllerFor, type Controller, type PolicyName, type SimContext } from "./policies.ts";
import { traceForecastJob, type ForecastTimeline } from "./trace-forecasts.ts";
import type { Workload } from "./workload.ts";

export interface SimSettings extends LatencySettings {
  readonly config: Config;
  readonly service: ServiceConfig;
  /** Real requests/s one ready replica serves. */
  readonly capacity: number;
  readonly warmupSeconds: number;
  readonly forecastEverySeconds: number;
  readonly controlPlane: ControlPlaneParams;
}

export interface RunResult {
  readonly policy: PolicyName;
  readonly headroom: number;
  readonly costDollars: number;
  readonly replicaHours: number;
  readonly sloViolationMinutesPct: number;
  readonly lateRequestsPct: number;
  readonly p95LatencySeconds: number;
  readonly p99LatencySeconds: number;
  readonly coldStarts: number;
  readonly scaleEvents: number;
  /** Measured seconds with the replica count at the service's maxReplicas. */
  readonly secondsAtMax: number;
  /** Measured seconds in which the budget or a GPU quota trimmed the policy's count (ours only). */
  readonly secondsTrimmed: number;
  /** Per measured minute: ready replicas, replicas paying, and the policy's desired count. */
  readonly series?: {
    readonly ready: Float32Array;
    readonly alive: Float32Array;
    readonly desired: Float32Array;
  };
}

export function defaultSettings(config: Config, service: ServiceConfig, capacity?: number): SimSettings {
  return {
    config,
    service,
    capacity: capacity ?? service.capacityPerReplica ?? 1,
    serviceTimeSeconds: 1,
    sloSeconds: 5,
    lateShareForViolation: 0.05,
    warmupSeconds: 7 * 86400,
    forecastEverySeconds: 300,
    controlPlane: controlPlaneOf(config.keda, HPA_TOLERANCE_BEFORE_1_35),
  };
}

/**
 * Forecasts already made, by the trace's minute history and the rest of the job: a second
 * comparison on the same workload (the demo's "without scale to zero") refits nothing.
 */
const made = new WeakMap<Float64Array, Map<string, ForecastTimeline>>();

/**
 * Forecasts of the load from the trace's past only, every forecastEverySeconds (trace-forecasts.ts),
 * on every core; shared by every run on the trace, and by every comparison on the same workload.
 */
export function precomputeForecasts(
  w: Workload,
  s: SimSettings,
  onProgress?: (done: number, total: number) => void,
): ForecastTimeline {
  const job = traceForecastJob(w, w.rate.length, s.config.predictiveScaling, s.service.predictive, {
    everySeconds: s.forecastEverySeconds,
    warmupSeconds: s.warmupSeconds,
  });
  if (!job) return [];
  const key = JSON.stringify([job.start, job.lookbackMinutes, job.settings, job.seconds]);
  const known = made.get(w.minuteRate) ?? new Map<string, ForecastTimeline>();
  made.set(w.minuteRate, known);
  const hit = known.get(key);
  if (hit) {
    onProgress?.(hit.length, hit.length);
    return hit;
  }
  const timeline = runForecastJobs([job], onProgress)[0] ?? [];
  known.set(key, timeline);
  return timeline;
}

/** What a run measures after its warm-up: replica-seconds, time at the cap or trimmed, the series. */
class RunMeter {
  aliveSeconds = 0;
  secondsAtMax = 0;
  secondsTrimmed = 0;
  coldStartsBefore = 0;
  scaleEventsBefore = 0;
  readonly series?: {
    readonly ready: Float32Array;
    readonly alive: Float32Array;
    readonly desired: Float32Array;
  };
  private readonly maxReplicas: number;
  private readonly minutes: number;

  constructor(maxReplicas: number, minutes: number, keepSeries: boolean) {
    this.maxReplicas = maxReplicas;
    this.minutes = minutes;
    if (keepSeries)
      this.series = {
        ready: new Float32Array(minutes),
        alive: new Float32Array(minutes),
        desired: new Float32Array(minutes),
      };
  }

  /** The warm-up ends: cold starts and scale events count from here. */
  begin(cluster: Cluster): void {
    this.coldStartsBefore = cluster.coldStarts;
    this.scaleEventsBefore = cluster.scaleEvents;
  }

  /** One measured second, `elapsed` seconds after the warm-up. */
  second(elapsed: number, ready: number, cluster: Cluster, controller: Controller): void {
    this.aliveSeconds += cluster.size;
    if (cluster.size >= this.maxReplicas) this.secondsAtMax++;
    if (controller.trimmed?.() === true) this.secondsTrimmed++;
    if (this.series && elapsed % 60 === 0 && elapsed / 60 < this.minutes) {
      const m = elapsed / 60;
      this.series.ready[m] = ready;
      this.series.alive[m] = cluster.size;
      this.series.desired[m] = controller.desired();
    }
  }
}

/** What a policy's controller is built from for a run of `w` at `headroom`. */
export function simContext(
  w: Workload,
  settings: SimSettings,
  headroom: number,
  forecasts: SimContext["forecasts"],
): SimContext {
  return {
    start: w.start,
    rate: w.rate,
    capacity: settings.capacity,
    headroom,
    service: settings.service,
    config: settings.config,
    controlPlane: settings.controlPlane,
    forecasts,
  };
}

export function simulatePoint(
  w: Workload,
  settings: SimSettings,
  policy: PolicyName,
  headroom: number,
  forecasts: SimContext["forecasts"],
  keepSeries = false,
): RunResult {
  const controller = controllerFor(policy, simContext(w, settings, headroom, forecasts));
  return simulateWith(w, settings, policy, headroom, controller, keepSeries);
}

/** A run of `w` under `controller` (reported as `policy` at `headroom`). */
export function simulateWith(
  w: Workload,
  settings: SimSettings,
  policy: PolicyName,
  headroom: number,
  controller: Controller,
  keepSeries = false,
): RunResult {
  const seconds = w.rate.length;
  const cluster = new Cluster(settings.service.podStartupSeconds);
  const queue = new FluidQueue(seconds);
  const from = Math.min(settings.warmupSeconds, seconds - 60);
  const meter = new RunMeter(settings.service.maxReplicas, Math.floor((seconds - from) / 60), keepSeries);
  for (let t = 0; t < seconds; t++) {
    if (t === from) meter.begin(cluster);
    controller.step(t, queue.arrived[t] ?? 0, cluster);
    const ready = cluster.advance(t);
    queue.step(t, w.rate[t] ?? 0, ready * settings.capacity);
    if (t >= from) meter.second(t - from, ready, cluster, controller);
  }
  const replicaHours = meter.aliveSeconds / 3600;
  return {
    policy,
    headroom,
    costDollars: replicaHours * replicaPrice(settings.service, settings.config.cost).blended,
    replicaHours,
    ...queue.quality(w.rate, from, settings),
    coldStarts: cluster.coldStarts - meter.coldStartsBefore,
    scaleEvents: cluster.scaleEvents - meter.scaleEventsBefore,
    secondsAtMax: meter.secondsAtMax,
    secondsTrimmed: meter.secondsTrimmed,
    ...(meter.series ? { series: meter.series } : {}),
  };
}
