// The platform view: several services, each replaying its own trace, scaled together under one
// config (shared hourly budget, GPU quotas, priorities, spot share). For ours, one decision cycle per
// refresh sees every service (ours.ts), so the budget and the quotas trim across services exactly as
// in the service; reactive KEDA scales each service on its own and knows no budget. Reported per service
// and in total: cost, SLO, and what the budget and quotas trimmed and when.

import type { Config, ServiceConfig } from "../config/schema.ts";
import { replicaPrice } from "../engine/cost.ts";
import type { ForecastView, Reason, ServiceDecision } from "../engine/types.ts";
import { Cluster } from "./cluster.ts";
import { HourlyCostRecorder, peakOf, secondsOverBudgetOf, type HourlyCostSeries } from "./hourly-cost.ts";
import { OursOnSim } from "./ours.ts";
import { controllerFor, simServiceConfig, type Controller, type SimContext } from "./policies.ts";
import { runForecastJobs } from "./parallel-forecasts.ts";
import { FluidQueue, type Quality } from "./fluid-queue.ts";
import type { SimSettings } from "./run.ts";
import { traceForecastJob, type ForecastTimeline, type TraceForecastJob } from "./trace-forecasts.ts";
import type { Workload } from "./workload.ts";

export type PlatformPolicy = "ours" | "reactive";

export interface PlatformMember {
  readonly service: ServiceConfig;
  /** The service's trace, on the platform's clock (second 0 = the platform's start). */
  readonly workload: Workload;
  /** Real requests/s one ready replica serves. */
  readonly capacity: number;
}

/** A stretch of time in which the budget or a GPU quota removed replicas from a service. */
export interface TrimWindow {
  readonly rule: "budget" | "gpu-quota";
  /** Epoch ms. */
  readonly from: number;
  readonly to: number;
  /** The most replicas removed at once inside the window. */
  readonly maxRemoved: number;
}

export interface PlatformServiceResult extends Quality {
  readonly service: string;
  readonly trace: string;
  readonly priority: number;
  readonly costDollars: number;
  readonly replicaHours: number;
  readonly secondsTrimmed: number;
  readonly trims: readonly TrimWindow[];
  /** Measured seconds at maxReplicas: the cap, not the policy, bounded the service then. */
  readonly secondsAtMax: number;
}

export interface PlatformResult {
  readonly policy: PlatformPolicy;
  readonly headroom: number;
  readonly days: number;
  readonly services: readonly PlatformServiceResult[];
  readonly totalCostDollars: number;
  readonly maxHourlyCost?: number;
  /** Highest total hourly cost of the replicas alive at any measured second. */
  readonly peakHourlyCost: number;
  /** Measured seconds with the alive replicas costing more than maxHourlyCost per hour. */
  readonly secondsOverBudget: number;
  /** The total and per-service cost rate per measured minute; its peak and seconds over budget are the above. */
  readonly hourlyCost: HourlyCostSeries;
}

export interface PlatformOptions {
  readonly policy: PlatformPolicy;
  readonly headroom: number;
  /** Shared settings; `service` and `capacity` are taken from each member. */
  readonly settings: SimSettings;
  readonly onProgress?: (what: string, done: number, total: number) => void;
}

/** Replicas removed by the budget or a quota, from the trim reasons ("budget ...: 6 -> 4 (priority 40)"). */
export function removedBy(
  reasons: readonly Reason[],
): { rule: "budget" | "gpu-quota"; removed: number } | undefined {
  let removed = 0;
  let rule: "budget" | "gpu-quota" | undefined;
  for (const r of reasons) {
    if (r.rule !== "budget" && r.rule !== "gpu-quota") continue;
    const m = /: (\d+) -> (\d+) \(priority/.exec(r.message);
    if (!m) continue;
    removed += Number(m[1]) - Number(m[2]);
    rule ??= r.rule;
  }
  return rule === undefined ? undefined : { rule, removed };
}

interface Lane {
  readonly member: PlatformMember;
  readonly settings: SimSettings;
  readonly cluster: Cluster;
  readonly queue: FluidQueue;
  readonly price: number;
  aliveSeconds: number;
  secondsTrimmed: number;
  secondsAtMax: number;
  readonly trims: TrimWindow[];
}

/** Ours for every service at once: one decision cycle per refresh over all of them. */
function platformOurs(
  config: Config,
  lanes: readonly Lane[],
  headroom: number,
  forecasts: readonly (readonly { t: number; view: ForecastView }[])[],
  start: number,
): { step(t: number): void; decision(i: number): ServiceDecision | undefined } {
  const ours = new OursOnSim(
    config,
    lanes.map((l, i) => {
      const ctx = contextFor(l, headroom, config, forecasts[i] ?? [], start);
      return {
        service: simServiceConfig(ctx).service,
        controlPlane: ctx.controlPlane,
        forecasts: ctx.forecasts,
      };
    }),
    start,
  );
  const clusters = lanes.map((l) => l.cluster);
  return {
    step(t) {
      ours.step(
        t,
        lanes.map((l) => l.queue.arrived[t] ?? 0),
        clusters,
      );
    },
    decision: (i) => ours.decision(i),
  };
}

function contextFor(
  l: Lane,
  headroom: number,
  config: Config,
  forecasts: SimContext["forecasts"],
  start: number,
): SimContext {
  return {
    start,
    rate: l.member.workload.rate,
    capacity: l.member.capacity,
    headroom,
    service: l.member.service,
    config,
    controlPlane: l.settings.controlPlane,
    forecasts,
  };
}

function noteTrim(l: Lane, d: ServiceDecision | undefined, now: number, stepMs: number): void {
  const trim = d ? removedBy(d.reasons) : undefined;
  if (!trim || trim.removed <= 0) return;
  l.secondsTrimmed++;
  const last = l.trims[l.trims.length - 1];
  if (last && last.rule === trim.rule && now - last.to <= stepMs) {
    l.trims[l.trims.length - 1] = {
      ...last,
      to: now + 1000,
      maxRemoved: Math.max(last.maxRemoved, trim.removed),
    };
  } else l.trims.push({ rule: trim.rule, from: now, to: now + 1000, maxRemoved: trim.removed });
}

/** Equal minute histories over the first `seconds` of the replay: one set of forecasts serves both. */
function sameHistory(a: TraceForecastJob, b: TraceForecastJob, seconds: number): boolean {
  if (a.start !== b.start || a.lookbackMinutes !== b.lookbackMinutes || a.seconds.length !== b.seconds.length)
    return false;
  if (a.settings.horizonSteps !== b.settings.horizonSteps || a.settings.quantile !== b.settings.quantile)
    return false;
  for (let m = 0; m < Math.ceil(seconds / 60); m++)
    if (!Object.is(a.minuteRate[m], b.minuteRate[m])) return false;
  return a.seconds.every((t, i) => t === b.seconds[i]);
}

/** Each lane's forecasts over the replay's first T seconds, all fitted at once on every core. */
function laneForecasts(lanes: readonly Lane[], T: number, opt: PlatformOptions): ForecastTimeline[] {
  const jobs = lanes.map((l) =>
    traceForecastJob(l.member.workload, T, l.settings.config.predictiveScaling, l.member.service.predictive, {
      everySeconds: l.settings.forecastEverySeconds,
      warmupSeconds: l.settings.warmupSeconds,
    }),
  );
  // A lane replaying the same history as an earlier one shares its forecasts.
  const unique: TraceForecastJob[] = [];
  const slot = jobs.map((j) => {
    if (!j) return -1;
    const k = unique.findIndex((u) => sameHistory(u, j, T));
    if (k >= 0) return k;
    unique.push(j);
    return unique.length - 1;
  });
  const made = runForecastJobs(unique, (d, n) => opt.onProgress?.("forecasts", d, n));
  return slot.map((k) => (k >= 0 ? (made[k] ?? []) : []));
}

function laneOf(member: PlatformMember, settings: SimSettings, config: Config, seconds: number): Lane {
  return {
    member,
    settings: { ...settings, service: member.service, capacity: member.capacity },
    cluster: new Cluster(member.service.podStartupSeconds),
    queue: new FluidQueue(seconds),
    price: replicaPrice(member.service, config.cost).blended,
    aliveSeconds: 0,
    secondsTrimmed: 0,
    secondsAtMax: 0,
    trims: [],
  };
}

/** Second t of a lane: pods become ready, and the ready ones serve its arrivals. */
function serveSecond(l: Lane, t: number): void {
  const ready = l.cluster.advance(t);
  l.queue.step(t, l.member.workload.rate[t] ?? 0, ready * l.member.capacity);
}

/** A measured second of a lane: its replicas paid for and at the cap; returns how many are alive. */
function measureSecond(l: Lane): number {
  l.aliveSeconds += l.cluster.size;
  if (l.cluster.size >= l.member.service.maxReplicas) l.secondsAtMax++;
  return l.cluster.size;
}

function laneResult(l: Lane, seconds: number, from: number, refreshSeconds: number): PlatformServiceResult {
  return {
    service: l.member.service.name,
    trace: l.member.workload.name,
    priority: l.member.service.priority,
    costDollars: (l.aliveSeconds / 3600) * l.price,
    replicaHours: l.aliveSeconds / 3600,
    ...l.queue.quality(l.member.workload.rate.subarray(0, seconds), from, l.settings),
    // Trims are noted once per refresh; a trim holds until the next refresh.
    secondsTrimmed: l.secondsTrimmed * refreshSeconds,
    trims: l.trims,
    secondsAtMax: l.secondsAtMax,
  };
}

/** Replays every member's trace at once under `config`; measured after the settings' warm-up. */
export function simulatePlatform(
  config: Config,
  members: readonly PlatformMember[],
  opt: PlatformOptions,
): PlatformResult {
  const first = members[0];
  if (!first) throw new Error("a platform replay needs at least one service");
  const T = Math.min(...members.map((m) => m.workload.rate.length));
  const start = first.workload.start;
  const from = Math.min(opt.settings.warmupSeconds, T - 60);
  const lanes: Lane[] = members.map((member) => laneOf(member, opt.settings, config, T));
  const forecasts = opt.policy === "ours" ? laneForecasts(lanes, T, opt) : [];
  const ours =
    opt.policy === "ours" ? platformOurs(config, lanes, opt.headroom, forecasts, start) : undefined;
  const reactive: Controller[] =
    opt.policy === "reactive"
      ? lanes.map((l) => controllerFor("reactive", contextFor(l, opt.headroom, config, [], start)))
      : [];
  const max = config.cost.enabled ? config.cost.maxHourlyCost : undefined;
  const cost = new HourlyCostRecorder(
    lanes.map((l) => ({ name: l.member.service.name, price: l.price })),
    T - from,
    max,
  );
  const alive = lanes.map(() => 0);
  const refresh = config.sources.refreshSeconds;
  for (let t = 0; t < T; t++) {
    if (ours) ours.step(t);
    else lanes.forEach((l, i) => reactive[i]?.step(t, l.queue.arrived[t] ?? 0, l.cluster));
    lanes.forEach((l, i) => {
      serveSecond(l, t);
      if (t < from) return;
      alive[i] = measureSecond(l);
      if (ours && t % refresh === 0) noteTrim(l, ours.decision(i), start + t * 1000, refresh * 1000);
    });
    if (t >= from) cost.record(t - from, alive);
    if (t % 3600 === 0) opt.onProgress?.(`replay ${opt.policy}`, t, T);
  }
  const hourlyCost = cost.series(start + from * 1000);
  const services = lanes.map((l) => laneResult(l, T, from, refresh));
  return {
    policy: opt.policy,
    headroom: opt.headroom,
    days: (T - from) / 86400,
    services,
    totalCostDollars: services.reduce((s, x) => s + x.costDollars, 0),
    ...(max !== undefined ? { maxHourlyCost: max } : {}),
    peakHourlyCost: peakOf(hourlyCost),
    secondsOverBudget: secondsOverBudgetOf(hourlyCost),
    hourlyCost,
  };
}
