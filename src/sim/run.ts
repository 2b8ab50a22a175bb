// One simulated run: a policy on a workload at one headroom, second by second, measured after the
// warm-up. Requests are a fluid served first-in first-out; latency = service time + queueing delay.

import type { Config, ServiceConfig } from "../config/schema.ts";
import { replicaPrice } from "../engine/cost.ts";
import { Cluster } from "./cluster.ts";
import { DEFAULT_CONTROL_PLANE, type ControlPlaneParams } from "./control-plane.ts";
import { runForecastJobs } from "./parallel-forecasts.ts";
import { controllerFor, type PolicyName, type SimContext } from "./policies.ts";
import { traceForecastJob, type ForecastTimeline } from "./trace-forecasts.ts";
import type { Workload } from "./workload.ts";

export interface SimSettings {
  readonly config: Config;
  readonly service: ServiceConfig;
  /** Real requests/s one ready replica serves. */
  readonly capacity: number;
  readonly serviceTimeSeconds: number;
  readonly sloSeconds: number;
  /** A minute violates the SLO when more than this share of its requests is late (p95 > SLO). */
  readonly lateShareForViolation: number;
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
    controlPlane: DEFAULT_CONTROL_PLANE,
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

const HIST_STEP = 0.1;
const HIST_BINS = 36_000; // 0 .. 3600 s

function histQuantile(hist: Float64Array, total: number, q: number): number {
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i] ?? 0;
    if (acc >= q * total) return (i + 1) * HIST_STEP;
  }
  return hist.length * HIST_STEP;
}

export interface Quality {
  readonly sloViolationMinutesPct: number;
  readonly lateRequestsPct: number;
  readonly p95LatencySeconds: number;
  readonly p99LatencySeconds: number;
}

/**
 * Latency of a FIFO fluid queue from cumulative arrivals A and departures D (A[t] = arrivals before
 * second t): the middle of second t's arrivals leaves when departures catch up with them. Measured
 * from second `from` on.
 */
export function measureQuality(
  rate: Float32Array,
  A: Float64Array,
  D: Float64Array,
  from: number,
  s: Pick<SimSettings, "serviceTimeSeconds" | "sloSeconds" | "lateShareForViolation">,
): Quality {
  const T = rate.length;
  const hist = new Float64Array(HIST_BINS + 1);
  let total = 0;
  let late = 0;
  let violating = 0;
  let activeMinutes = 0;
  let minuteArr = 0;
  let minuteLate = 0;
  let j = from;
  for (let t = from; t < T; t++) {
    const a = rate[t] ?? 0;
    if (a > 0) {
      const target = (A[t] ?? 0) + a / 2;
      while (j < T && (D[j + 1] ?? 0) < target - 1e-9) j++;
      const delay = j >= T ? T - t : Math.max(0, j + 1 - (t + 0.5));
      const latency = s.serviceTimeSeconds + delay;
      total += a;
      minuteArr += a;
      const bin = Math.min(HIST_BINS, Math.floor(latency / HIST_STEP));
      hist[bin] = (hist[bin] ?? 0) + a;
      if (latency > s.sloSeconds) {
        late += a;
        minuteLate += a;
      }
    }
    if ((t - from) % 60 === 59) {
      if (minuteArr > 0) {
        activeMinutes++;
        if (minuteLate / minuteArr > s.lateShareForViolation) violating++;
      }
      minuteArr = 0;
      minuteLate = 0;
    }
  }
  return {
    sloViolationMinutesPct: activeMinutes > 0 ? (100 * violating) / activeMinutes : 0,
    lateRequestsPct: total > 0 ? (100 * late) / total : 0,
    p95LatencySeconds: histQuantile(hist, total, 0.95),
    p99LatencySeconds: histQuantile(hist, total, 0.99),
  };
}

export function simulatePoint(
  w: Workload,
  s: SimSettings,
  policy: PolicyName,
  headroom: number,
  forecasts: SimContext["forecasts"],
  keepSeries = false,
): RunResult {
  const T = w.rate.length;
  const ctx: SimContext = {
    start: w.start,
    rate: w.rate,
    capacity: s.capacity,
    headroom,
    service: s.service,
    config: s.config,
    controlPlane: s.controlPlane,
    forecasts,
  };
  const controller = controllerFor(policy, ctx);
  const cluster = new Cluster(s.service.podStartupSeconds);
  const price = replicaPrice(s.service, s.config.cost);
  const from = Math.min(s.warmupSeconds, T - 60);
  const A = new Float64Array(T + 1);
  const D = new Float64Array(T + 1);
  let q = 0;
  let aliveSeconds = 0;
  let secondsAtMax = 0;
  let secondsTrimmed = 0;
  let eventsAtWarmup = 0;
  let coldAtWarmup = 0;
  const minutes = Math.floor((T - from) / 60);
  const series = keepSeries
    ? {
        ready: new Float32Array(minutes),
        alive: new Float32Array(minutes),
        desired: new Float32Array(minutes),
      }
    : undefined;
  for (let t = 0; t < T; t++) {
    if (t === from) {
      eventsAtWarmup = cluster.scaleEvents;
      coldAtWarmup = cluster.coldStarts;
    }
    controller.step(t, A[t] ?? 0, cluster);
    const ready = cluster.advance(t);
    const a = w.rate[t] ?? 0;
    q += a;
    const served = Math.min(q, ready * s.capacity);
    q -= served;
    A[t + 1] = (A[t] ?? 0) + a;
    D[t + 1] = (D[t] ?? 0) + served;
    if (t >= from) {
      aliveSeconds += cluster.size;
      if (cluster.size >= s.service.maxReplicas) secondsAtMax++;
      if (controller.trimmed?.() === true) secondsTrimmed++;
      if (series && (t - from) % 60 === 0) {
        const m = (t - from) / 60;
        if (m < minutes) {
          series.ready[m] = ready;
          series.alive[m] = cluster.size;
          series.desired[m] = controller.desired();
        }
      }
    }
  }
  const quality = measureQuality(w.rate, A, D, from, s);
  const replicaHours = aliveSeconds / 3600;
  return {
    policy,
    headroom,
    costDollars: replicaHours * price.blended,
    replicaHours,
    ...quality,
    coldStarts: cluster.coldStarts - coldAtWarmup,
    scaleEvents: cluster.scaleEvents - eventsAtWarmup,
    secondsAtMax,
    secondsTrimmed,
    ...(series ? { series } : {}),
  };
}
