// The policies the token-level simulator compares, each a controller (simulate.ts LlmController)
// built from one context and one setting of its knob, swept for a cost-vs-SLO frontier:
//  - reactive-requests: KEDA on the ingress request rate (today's default), target per replica =
//    measured capacity (requests/s) x headroom;
//  - reactive-waiting: KEDA on sum(vllm:num_requests_waiting), the vLLM production stack's recipe
//    (threshold per replica, AverageValue), with its keep-alive trigger on the incoming request rate
//    so that a service at zero wakes; knob: the threshold;
//  - static: peak provisioning in tokens: the busiest minute's prompt + output tokens/s over the
//    measured capacity (tokens/s) x headroom, ready from the start;
//  - oracle: perfect foresight in tokens: each second needs its minute's tokens/s over capacity x
//    headroom replicas; pods are created exactly start-up seconds before they are needed and kept
//    through gaps shorter than the start-up (policies.ts oracleSchedule);
//  - ours-requests: our decision cycle as it runs today (pipeline/tick.ts through OursOnSim) on the
//    request rate, with the forecasts made from the trace's past;
//  - dynamo-planner: NVIDIA Dynamo's SLA planner (throughput-based scaling, constant load
//    predictor) adapted to aggregated replicas, sized from the same profile (dynamo-planner.ts).
// More policies (ours in tokens) register by adding an LlmPolicy to LLM_POLICIES.

import type { Config, ServiceConfig } from "../../config/schema.ts";
import type { ForecastView } from "../../engine/types.ts";
import { KedaHpa, RatePipeline, type ControlPlaneParams } from "../control-plane.ts";
import { controllerFor, oracleSchedule, type Controller } from "../policies.ts";
import { perSecondRate, requestWorkload, type LlmArrivals } from "./arrivals.ts";
import type { ReplicaCapacity } from "./capacity.ts";
import { DynamoPlanner } from "./dynamo-planner.ts";
import { DynamoProfile } from "./dynamo-profile.ts";
import { GaugePipeline } from "./gauge-pipeline.ts";
import { startupSeconds, type LlmController, type LlmSimSettings } from "./simulate.ts";

/** What a policy's controller is built from for one run. */
export interface LlmPolicyContext {
  readonly arrivals: LlmArrivals;
  readonly settings: LlmSimSettings;
  /** The service: minReplicas, maxReplicas and, for ours, its triggers and rules. */
  readonly service: ServiceConfig;
  readonly config: Config;
  readonly controlPlane: ControlPlaneParams;
  /** One replica's capacity within the SLO on this workload's mix (capacity.ts). */
  readonly capacity: ReplicaCapacity;
  /** Forecasts of the request rate by the second they were made (for ours-requests). */
  readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
}

export interface LlmPolicy {
  readonly name: string;
  /** What the knob is, for tables ("headroom", "waiting per replica"). */
  readonly knob: string;
  /** The knob values of a sweep, and the one of a single run. */
  readonly sweep: readonly number[];
  readonly single: number;
  make(ctx: LlmPolicyContext, knob: number): LlmController;
}

/** Headrooms swept (target utilisation of the measured capacity), as the request simulator sweeps. */
export const HEADROOMS: readonly number[] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3];
/** Waiting-request thresholds swept; the production stack's example uses 5. */
export const WAITING_THRESHOLDS: readonly number[] = [0.5, 1, 2, 3, 5, 8, 13, 20, 40];

/** A request-simulator controller driven by the ingress request counter. */
export function fromRequestController(c: Controller): LlmController {
  return {
    step: (t, live, cluster) => c.step(t, live.arrivals, cluster),
    desired: () => c.desired(),
    trimmed: () => c.trimmed?.() === true,
  };
}

const reactiveRequests: LlmPolicy = {
  name: "reactive-requests",
  knob: "headroom",
  sweep: HEADROOMS,
  single: 0.8,
  make(ctx, headroom) {
    const pipe = new RatePipeline(ctx.controlPlane);
    const target = ctx.capacity.requestsPerSecond * headroom;
    let size = 0;
    const keda = new KedaHpa(ctx.controlPlane, ctx.service.minReplicas, ctx.service.maxReplicas, {
      push: false,
      active: () => (pipe.rate ?? 0) > 0,
      metric: () => (pipe.rate === undefined ? undefined : { value: pipe.rate, target }),
    });
    return {
      step(t, live, cluster) {
        pipe.step(t, live.arrivals);
        keda.step(t, cluster);
        size = cluster.size;
      },
      desired: () => size,
    };
  },
};

/**
 * The production stack's ScaledObject: a Prometheus trigger on vllm:num_requests_waiting with
 * threshold T (summed over pods here: KEDA's Prometheus scaler refuses a query returning several
 * series) and a keep-alive trigger, sum(rate(vllm:num_incoming_requests_total[1m]) > bool 0) with
 * threshold 1, counted at the router. The HPA takes the larger of the two: ceil(waiting / T), and 1
 * while requests arrive; both are one metric here, max(waiting / T, keep-alive), target 1.
 */
const reactiveWaiting: LlmPolicy = {
  name: "reactive-waiting",
  knob: "waiting per replica",
  sweep: WAITING_THRESHOLDS,
  single: 5,
  make(ctx, threshold) {
    const waiting = new GaugePipeline(ctx.controlPlane);
    const incoming = new RatePipeline(ctx.controlPlane);
    let size = 0;
    const keepAlive = (): number => ((incoming.rate ?? 0) > 0 ? 1 : 0);
    const keda = new KedaHpa(ctx.controlPlane, ctx.service.minReplicas, ctx.service.maxReplicas, {
      push: false,
      active: () => (waiting.value ?? 0) > 0 || keepAlive() > 0,
      metric: () =>
        waiting.value === undefined
          ? undefined
          : { value: Math.max(waiting.value / threshold, keepAlive()), target: 1 },
    });
    return {
      step(t, live, cluster) {
        waiting.step(t, live.waiting());
        incoming.step(t, live.arrivals);
        keda.step(t, cluster);
        size = cluster.size;
      },
      desired: () => size,
    };
  },
};

/** Per second, the replicas the minute's tokens need at capacity x headroom. */
function tokensPerReplica(ctx: LlmPolicyContext, headroom: number): number {
  return ctx.capacity.tokensPerSecond * headroom;
}

const staticPeak: LlmPolicy = {
  name: "static",
  knob: "headroom",
  sweep: HEADROOMS,
  single: 0.8,
  make(ctx, headroom) {
    let peak = 0;
    for (const v of perSecondRate(ctx.arrivals, true)) if (v > peak) peak = v;
    const n = Math.min(
      Math.max(Math.ceil(peak / tokensPerReplica(ctx, headroom) - 1e-9), ctx.service.minReplicas, 1),
      Math.max(ctx.service.maxReplicas, 1),
    );
    return {
      step(t, _live, cluster) {
        if (t === 0) cluster.setReplicas(n, t, true);
      },
      desired: () => n,
    };
  },
};

/**
 * A replica-count schedule as a controller: second t has `replicas[t]` pods (the last entry holds
 * after the schedule ends). Pods alive at t = 0 are ready then (created start-up seconds before
 * the trace began); later ones start when the schedule adds them.
 */
export function scheduleController(replicas: Int32Array): LlmController {
  let n = 0;
  return {
    step(t, _live, cluster) {
      n = replicas[Math.min(t, replicas.length - 1)] ?? 0;
      if (n !== cluster.size) cluster.setReplicas(n, t, t === 0);
    },
    desired: () => n,
  };
}

const oracle: LlmPolicy = {
  name: "oracle",
  knob: "headroom",
  sweep: HEADROOMS,
  single: 0.8,
  make(ctx, headroom) {
    return scheduleController(
      oracleSchedule(
        perSecondRate(ctx.arrivals, true),
        tokensPerReplica(ctx, headroom),
        startupSeconds(ctx.settings),
        ctx.service.minReplicas,
        ctx.service.maxReplicas,
      ),
    );
  },
};

const oursRequests: LlmPolicy = {
  name: "ours-requests",
  knob: "headroom",
  sweep: HEADROOMS,
  single: 0.8,
  make(ctx, headroom) {
    const w = requestWorkload(ctx.arrivals);
    return fromRequestController(
      controllerFor("ours", {
        start: w.start,
        rate: w.rate,
        capacity: ctx.capacity.requestsPerSecond,
        headroom,
        service: ctx.service,
        config: ctx.config,
        controlPlane: ctx.controlPlane,
        forecasts: ctx.forecasts,
      }),
    );
  },
};

/**
 * Headrooms swept for the Dynamo-style planner: far lower than the others', since it sizes for a
 * 180-second interval's mean load one interval late, and a minute's burst within it needs several
 * times that (on the constructed BurstGPT days it reaches 99% attainment only near 0.1).
 */
export const DYNAMO_HEADROOMS: readonly number[] = [0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0];

/** NVIDIA Dynamo's SLA planner adapted to aggregated replicas (dynamo-planner.ts); knob: headroom. */
const dynamoPlanner: LlmPolicy = {
  name: "dynamo-planner",
  knob: "headroom",
  sweep: DYNAMO_HEADROOMS,
  single: 1,
  make(ctx, headroom) {
    return new DynamoPlanner({
      profile: new DynamoProfile(ctx.settings.profile),
      itlTargetSeconds: ctx.settings.slo.itlSeconds,
      headroom,
      minReplicas: ctx.service.minReplicas,
      maxReplicas: ctx.service.maxReplicas,
    });
  },
};

/**
 * Every policy the comparison knows, in the order tables list them. A new policy (ours in tokens)
 * is one more LlmPolicy here: a name, its knob and sweep, and make(ctx, knob) returning its controller.
 */
export const LLM_POLICIES: readonly LlmPolicy[] = [
  oursRequests,
  dynamoPlanner,
  reactiveWaiting,
  reactiveRequests,
  staticPeak,
  oracle,
];

export function llmPolicy(name: string): LlmPolicy {
  const p = LLM_POLICIES.find((x) => x.name === name);
  if (!p)
    throw new RangeError(
      `policy: must be one of ${LLM_POLICIES.map((x) => x.name).join(", ")}, got ${JSON.stringify(name)}`,
    );
  return p;
}
