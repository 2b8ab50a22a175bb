// The policies compared on the same trace and cluster model:
//  - ours: the service's decision cycle (pipeline/tick.ts) behind KEDA's external-push trigger (ours.ts);
//  - reactive: KEDA with the same load trigger and target, no forecast;
//  - static: provisioned for the peak, always on;
//  - oracle: perfect foresight; pods are created exactly start-up seconds before they are needed and
//    kept through idle gaps shorter than the start-up (re-creating them would cost more).

import type { Config, ServiceConfig } from "../config/schema.ts";
import type { ForecastView } from "../engine/types.ts";
import type { Cluster } from "./cluster.ts";
import { KedaHpa, RatePipeline, type ControlPlaneParams } from "./control-plane.ts";
import { OursOnSim } from "./ours.ts";

export type PolicyName = "ours" | "reactive" | "static" | "oracle";
export const POLICIES: readonly PolicyName[] = ["ours", "reactive", "static", "oracle"];

export interface SimContext {
  /** Epoch ms of second 0. */
  readonly start: number;
  readonly rate: Float32Array;
  /** Real per-replica capacity (requests/s). */
  readonly capacity: number;
  /** Target utilisation: scaling aims at capacity * headroom per replica. */
  readonly headroom: number;
  readonly service: ServiceConfig;
  readonly config: Config;
  readonly controlPlane: ControlPlaneParams;
  /** Forecasts by the second they were generated (ascending), shared by every run on a trace. */
  readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
}

export interface Controller {
  /** Called once per second before the cluster serves; may change the replica count. */
  step(t: number, counter: number, cluster: Cluster): void;
  /** The replica count the policy asks for now (for the report). */
  desired(): number;
  /** Whether the budget or a GPU quota trimmed the policy's last decision (policies that know them). */
  trimmed?(): boolean;
}

/** The service as the engine sees it in a run: the load trigger aimed at capacity * headroom. */
export function simServiceConfig(ctx: SimContext): { config: Config; service: ServiceConfig } {
  const s = ctx.service;
  const load = s.triggers.find((t) => t.name === s.loadTrigger) ?? s.triggers[0];
  if (!load) throw new Error(`service ${s.name} has no trigger to simulate`);
  const target = ctx.capacity * ctx.headroom;
  const service: ServiceConfig = {
    ...s,
    triggers: [{ ...load, target }],
    loadTrigger: load.name,
    capacityPerReplica: target,
  };
  return { service, config: { ...ctx.config, services: [service] } };
}

function oursController(ctx: SimContext): Controller {
  const { config, service } = simServiceConfig(ctx);
  const ours = new OursOnSim(
    config,
    [{ service, controlPlane: ctx.controlPlane, forecasts: ctx.forecasts }],
    ctx.start,
  );
  let cluster: Cluster | undefined;
  return {
    step(t, counter, c) {
      cluster = c;
      ours.step(t, [counter], [c]);
    },
    desired: () => ours.decision(0)?.desiredReplicas ?? cluster?.size ?? 0,
    trimmed: () => {
      const reason = ours.decision(0)?.reason;
      return reason === "budget" || reason === "gpu-quota";
    },
  };
}

function reactiveController(ctx: SimContext): Controller {
  const { service } = simServiceConfig(ctx);
  const pipe = new RatePipeline(ctx.controlPlane);
  const target = ctx.capacity * ctx.headroom;
  let size = 0;
  const keda = new KedaHpa(ctx.controlPlane, service.minReplicas, service.maxReplicas, {
    push: false,
    // KEDA's prometheus trigger: activationThreshold 0, so any traffic is activity.
    active: () => (pipe.rate ?? 0) > 0,
    metric: () => (pipe.rate === undefined ? undefined : { value: pipe.rate, target }),
  });
  return {
    step(t, counter, cluster) {
      pipe.step(t, counter);
      keda.step(t, cluster);
      size = cluster.size;
    },
    desired: () => size,
  };
}

function staticController(ctx: SimContext): Controller {
  let peak = 0;
  for (const v of ctx.rate) if (v > peak) peak = v;
  const n = Math.min(
    Math.max(Math.ceil(peak / (ctx.capacity * ctx.headroom) - 1e-9), ctx.service.minReplicas, 1),
    Math.max(ctx.service.maxReplicas, 1),
  );
  return {
    step(t, _counter, cluster) {
      if (t === 0) cluster.setReplicas(n, t, true);
    },
    desired: () => n,
  };
}

/**
 * Replicas alive per second under perfect foresight. Slot k (the k-th replica) is needed while
 * demand needs at least k replicas; each need is preceded by start-up, and a gap shorter than the
 * start-up is bridged. Example, start-up 180 s: slot 3 needed 10:00-10:20 and 10:22-10:40 stays up
 * from 09:57 to 10:40; needed again at 11:30, it is re-created at 11:27.
 */
export function oracleSchedule(
  rate: Float32Array,
  perReplica: number,
  startup: number,
  minReplicas: number,
  maxReplicas: number,
): Int32Array {
  const T = rate.length;
  const need = (t: number): number =>
    Math.min(Math.max(Math.ceil((rate[t] ?? 0) / perReplica - 1e-9), minReplicas), maxReplicas);
  const diff = new Int32Array(T + 1);
  const add = (i: number, v: number): void => {
    diff[i] = (diff[i] ?? 0) + v;
  };
  const openSince: number[] = []; // per slot: when its current need began
  const aliveStart: (number | undefined)[] = []; // per slot: the pending alive interval
  const aliveEnd: number[] = [];
  const close = (k: number, end: number): void => {
    const a = openSince[k] ?? 0;
    const pendingEnd = aliveEnd[k];
    if (aliveStart[k] !== undefined && pendingEnd !== undefined && a - pendingEnd <= startup) {
      aliveEnd[k] = end; // bridge the gap: keeping the pod is cheaper than re-creating it
      return;
    }
    if (aliveStart[k] !== undefined && pendingEnd !== undefined) {
      add(aliveStart[k] ?? 0, 1);
      add(pendingEnd, -1);
    }
    aliveStart[k] = Math.max(0, a - startup);
    aliveEnd[k] = end;
  };
  let prev = 0;
  for (let t = 0; t <= T; t++) {
    const n = t < T ? need(t) : 0;
    if (n > prev) for (let k = prev; k < n; k++) openSince[k] = t;
    else if (n < prev) for (let k = n; k < prev; k++) close(k, t);
    prev = n;
  }
  aliveStart.forEach((st, k) => {
    if (st !== undefined) {
      add(st, 1);
      add(aliveEnd[k] ?? T, -1);
    }
  });
  const alive = new Int32Array(T);
  let cur = 0;
  for (let t = 0; t < T; t++) {
    cur += diff[t] ?? 0;
    alive[t] = cur;
  }
  return alive;
}

function oracleController(ctx: SimContext): Controller {
  const alive = oracleSchedule(
    ctx.rate,
    ctx.capacity * ctx.headroom,
    ctx.service.podStartupSeconds,
    ctx.service.minReplicas,
    ctx.service.maxReplicas,
  );
  let n = 0;
  return {
    step(t, _counter, cluster) {
      n = alive[t] ?? 0;
      // Pods alive at t = 0 were created start-up seconds before the trace began.
      if (n !== cluster.size) cluster.setReplicas(n, t, t === 0);
    },
    desired: () => n,
  };
}

export function controllerFor(policy: PolicyName, ctx: SimContext): Controller {
  switch (policy) {
    case "ours":
      return oursController(ctx);
    case "reactive":
      return reactiveController(ctx);
    case "static":
      return staticController(ctx);
    case "oracle":
      return oracleController(ctx);
  }
}
