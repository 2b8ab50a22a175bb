// One run of the token-level simulator: per-request arrivals through a fleet of vLLM-like replicas
// (fleet.ts, replica.ts) whose pod count a controller sets through the same modelled control plane
// as the request simulator (Cluster, KEDA, the HPA). The control plane acts once a second, as in
// run.ts; between seconds every replica runs event by event (engine steps, routed arrivals).
//
// Each second t: the controller reads the live metrics (live-metrics.ts) and may change the pod
// count; pods become ready; the fleet follows the pods (new engines, drains); the second's arrivals
// are routed in time order; every replica runs to t + 1. After the last arrival the run goes on (the
// controller still acting) until nothing is in flight or tailSeconds have passed.
// Measured: requests arriving from measureFromSeconds on; cost over the trace from then to its end.

import type { ReplicaPrice } from "../../engine/cost.ts";
import type { PerformanceProfile } from "../../llm/profile.ts";
import { Cluster } from "../cluster.ts";
import { firstArrivalAt, spanSeconds, type ArrivalOrigin, type LlmArrivals } from "./arrivals.ts";
import { Fleet } from "./fleet.ts";
import { ABORTED, REJECTED, RequestLedger } from "./ledger.ts";
import type { LiveMetrics } from "./live-metrics.ts";
import { requestQuality, validateSlo, type LlmSlo, type RequestQuality } from "./outcome.ts";
import type { RouterKind } from "./router.ts";
import { minuteSeries, type LlmSeries } from "./series.ts";

/** What drives the pod count: called once a second, before pods advance and requests are routed. */
export interface LlmController {
  step(t: number, live: LiveMetrics, cluster: Cluster): void;
  /** The replica count the policy asks for now (for the report). */
  desired(): number;
  /** Whether the budget or a GPU quota trimmed the policy's last decision (policies that know them). */
  trimmed?(): boolean;
}

export interface LlmSimSettings {
  readonly profile: PerformanceProfile;
  /** Price of one replica (engine/cost.ts replicaPrice: on demand and the spot share). */
  readonly price: ReplicaPrice;
  readonly slo: LlmSlo;
  readonly router: RouterKind;
  /** Seconds before a pod's model starts loading (a node to provision); 0 when a node is free. */
  readonly nodeProvisioningSeconds: number;
  /** How long a removed replica may finish its requests (Kubernetes terminationGracePeriodSeconds). */
  readonly drainSeconds: number;
  /** Requests arriving from this second on are measured; cost counts from it. */
  readonly measureFromSeconds: number;
  /** The service's maxReplicas (time at the cap is reported). */
  readonly maxReplicas: number;
  /** How long after the last arrival requests in flight may still finish. */
  readonly tailSeconds: number;
  /**
   * The longest run of identical decode steps timed as one (span-times.ts); 1 times every step
   * with the profile (to check the aggregation). Default 256.
   */
  readonly maxSpanSteps?: number;
}

export function defaultLlmSettings(
  profile: PerformanceProfile,
  price: ReplicaPrice,
  slo: LlmSlo,
  maxReplicas: number,
): LlmSimSettings {
  return {
    profile,
    price,
    slo,
    router: "least-outstanding-tokens",
    nodeProvisioningSeconds: 0,
    drainSeconds: 30,
    measureFromSeconds: 0,
    maxReplicas,
    tailSeconds: 3600,
  };
}

/** Pod start-up in whole seconds: model load plus node provisioning, rounded up (readiness is checked per second). */
export function startupSeconds(s: LlmSimSettings): number {
  return Math.ceil(s.profile.loadSeconds + s.nodeProvisioningSeconds);
}

export interface LlmRunResult extends RequestQuality {
  readonly policy: string;
  /** The policy's setting in this run (headroom, or a queue threshold). */
  readonly knob: number;
  readonly arrivals: ArrivalOrigin;
  readonly measuredSeconds: number;
  readonly rejected: number;
  readonly aborted: number;
  readonly preemptions: number;
  readonly goodputRequestsPerSecond: number;
  /** Output tokens per second of the SLO-meeting requests. */
  readonly goodputTokensPerSecond: number;
  /** SLO-meeting output tokens per GPU-second (tokens/s/GPU). */
  readonly sloThroughputPerGpu: number;
  readonly costDollars: number;
  readonly onDemandDollars: number;
  readonly spotDollars: number;
  readonly replicaHours: number;
  readonly gpuHours: number;
  /** The most pods the cluster held in the measured window. */
  readonly peakReplicas: number;
  readonly coldStarts: number;
  readonly scaleEvents: number;
  readonly secondsAtMax: number;
  readonly secondsTrimmed: number;
  /** Per request (by arrival index) and the fleet's histograms. */
  readonly ledger: RequestLedger;
  readonly series?: LlmSeries;
}

export interface RunLabel {
  readonly policy: string;
  readonly knob: number;
  readonly keepSeries?: boolean;
}

/** Rejects settings the run cannot mean, naming the field and the value. */
export function validateLlmSettings(s: LlmSimSettings): void {
  validateSlo(s.slo);
  const fields: [string, number, number][] = [
    ["nodeProvisioningSeconds", s.nodeProvisioningSeconds, 0],
    ["drainSeconds", s.drainSeconds, 0],
    ["measureFromSeconds", s.measureFromSeconds, 0],
    ["tailSeconds", s.tailSeconds, 0],
    ["maxReplicas", s.maxReplicas, 1],
    ["profile.loadSeconds", s.profile.loadSeconds, 0],
    ["profile.gpusPerReplica", s.profile.gpusPerReplica, 1],
  ];
  for (const [name, v, min] of fields)
    if (!Number.isFinite(v) || v < min) throw new RangeError(`${name}: must be a number >= ${min}, got ${v}`);
}

export function simulateLlm(
  arrivals: LlmArrivals,
  settings: LlmSimSettings,
  controller: LlmController,
  label: RunLabel,
): LlmRunResult {
  validateLlmSettings(settings);
  const seconds = spanSeconds(arrivals);
  const from = Math.min(Math.max(0, Math.floor(settings.measureFromSeconds)), Math.max(0, seconds - 1));
  const ledger = new RequestLedger(
    arrivals.times.length,
    settings.profile.maxModelLen ?? settings.profile.kvCacheTokens,
  );
  const cluster = new Cluster(startupSeconds(settings));
  const fleet = new Fleet(
    settings.profile,
    arrivals,
    ledger,
    settings.router,
    settings.drainSeconds,
    settings.maxSpanSteps,
  );
  const meter = new Meter(settings.maxReplicas, from, seconds, label.keepSeries === true);
  const times = arrivals.times;
  let next = 0;
  for (let t = 0; t < seconds + settings.tailSeconds; t++) {
    if (t === from) meter.begin(cluster);
    controller.step(t, fleet, cluster);
    cluster.advance(t);
    fleet.sync(cluster, t);
    // Paid for this second: the pods alive at its start (cost from creation to termination, per second).
    if (t >= from && t < seconds) meter.second(t, fleet, cluster, controller);
    while (next < times.length && (times[next] ?? 0) < t + 1) {
      fleet.arrive(next, times[next] ?? t);
      next++;
    }
    fleet.advanceAll(t + 1);
    if (t >= seconds && fleet.idle()) break;
  }
  return result(arrivals, settings, label, { ledger, meter, cluster, from, seconds });
}

/** What a run paid and how its pod count moved, second by second over the measured window. */
class Meter {
  payingSeconds = 0;
  peakReplicas = 0;
  secondsAtMax = 0;
  secondsTrimmed = 0;
  coldStartsBefore = 0;
  scaleEventsBefore = 0;
  readonly ready?: Float32Array;
  readonly paying?: Float32Array;
  readonly desired?: Float32Array;
  private readonly maxReplicas: number;
  private readonly from: number;

  constructor(maxReplicas: number, from: number, to: number, keepSeries: boolean) {
    this.maxReplicas = maxReplicas;
    this.from = from;
    if (keepSeries) {
      const minutes = Math.ceil((to - from) / 60);
      this.ready = new Float32Array(minutes);
      this.paying = new Float32Array(minutes);
      this.desired = new Float32Array(minutes);
    }
  }

  begin(cluster: Cluster): void {
    this.coldStartsBefore = cluster.coldStarts;
    this.scaleEventsBefore = cluster.scaleEvents;
  }

  second(t: number, fleet: Fleet, cluster: Cluster, controller: LlmController): void {
    this.payingSeconds += fleet.paying;
    if (cluster.size > this.peakReplicas) this.peakReplicas = cluster.size;
    if (cluster.size >= this.maxReplicas) this.secondsAtMax++;
    if (controller.trimmed?.() === true) this.secondsTrimmed++;
    const elapsed = t - this.from;
    if (this.ready && elapsed % 60 === 0) {
      const m = elapsed / 60;
      this.ready[m] = fleet.ready;
      (this.paying as Float32Array)[m] = fleet.paying;
      (this.desired as Float32Array)[m] = controller.desired();
    }
  }
}

interface RunState {
  readonly ledger: RequestLedger;
  readonly meter: Meter;
  readonly cluster: Cluster;
  readonly from: number;
  readonly seconds: number;
}

function result(a: LlmArrivals, s: LlmSimSettings, label: RunLabel, run: RunState): LlmRunResult {
  const { ledger, meter, cluster, from, seconds } = run;
  const first = firstArrivalAt(a.times, from);
  const quality = requestQuality(ledger, a.outputTokens, first, a.times.length, s.slo);
  const measured = seconds - from;
  const replicaHours = meter.payingSeconds / 3600;
  const gpuSeconds = meter.payingSeconds * s.profile.gpusPerReplica;
  const spotHours = replicaHours * s.price.spotShare;
  const onDemandDollars = (replicaHours - spotHours) * s.price.onDemand;
  const spotDollars = spotHours * s.price.onDemand * s.price.spotFactor;
  let rejected = 0;
  let aborted = 0;
  for (let i = first; i < a.times.length; i++) {
    const st = ledger.status[i];
    if (st === REJECTED) rejected++;
    else if (st === ABORTED) aborted++;
  }
  return {
    policy: label.policy,
    knob: label.knob,
    arrivals: a.origin,
    measuredSeconds: measured,
    ...quality,
    rejected,
    aborted,
    preemptions: ledger.preemptionsTotal,
    goodputRequestsPerSecond: measured > 0 ? quality.sloMet / measured : 0,
    goodputTokensPerSecond: measured > 0 ? quality.sloMetOutputTokens / measured : 0,
    sloThroughputPerGpu: gpuSeconds > 0 ? quality.sloMetOutputTokens / gpuSeconds : 0,
    costDollars: onDemandDollars + spotDollars,
    onDemandDollars,
    spotDollars,
    replicaHours,
    gpuHours: gpuSeconds / 3600,
    peakReplicas: meter.peakReplicas,
    coldStarts: cluster.coldStarts - meter.coldStartsBefore,
    scaleEvents: cluster.scaleEvents - meter.scaleEventsBefore,
    secondsAtMax: meter.secondsAtMax,
    secondsTrimmed: meter.secondsTrimmed,
    ledger,
    ...(meter.ready
      ? {
          series: minuteSeries(a, ledger, s.slo, from, {
            ready: meter.ready,
            paying: meter.paying as Float32Array,
            desired: meter.desired as Float32Array,
          }),
        }
      : {}),
  };
}
