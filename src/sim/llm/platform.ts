// The platform replay in tokens: several LLM services, each with its variants (variant-fleets.ts)
// and its own per-request arrivals, on one time axis under one controller (the service's decision
// cycle for every service at once, so the budget and the GPU quotas act across them). Second by
// second, as simulate.ts runs one workload: the controller reads each service's live metrics and
// sets each variant's pods; pods become ready; spot pods may be preempted; the second's arrivals
// are routed; every replica runs to t + 1. After the last arrival the run goes on until nothing is
// in flight or tailSeconds have passed.
//
// Spot preemption: each pod of a variant with spotShare s > 0 is preempted at `rate x s` per
// pod-hour (rate: the stated preemptions per spot replica-hour of its GPU type), Poisson, drawn
// each second from a generator seeded per service and variant: with n pods, one of them (uniformly)
// is preempted in a second with probability 1 - exp(-n rate s / 3600) (at most one a second per
// variant). Or recorded events (spot-trace.ts): at each, one spot pod of its GPU type, drawn among
// all of them. Measured: requests arriving from measureFromSeconds on; cost over the same seconds
// up to the end of the arrivals.

import { rng } from "../workload.ts";
import type { LlmArrivals } from "./arrivals.ts";
import { firstArrivalAt, spanSeconds } from "./arrivals.ts";
import { REJECTED, RequestLedger } from "./ledger.ts";
import { meetsSlo, requestQuality, validateSlo, type LlmSlo, type RequestQuality } from "./outcome.ts";
import { VariantFleets, type VariantSim } from "./variant-fleets.ts";

export interface PlatformService {
  readonly name: string;
  /** Arrivals on the platform's time axis (second 0 is the run's). */
  readonly arrivals: LlmArrivals;
  readonly variants: readonly VariantSim[];
  readonly slo: LlmSlo;
}

export interface PlatformSettings {
  /** Requests arriving from this second on are measured; cost counts from it. */
  readonly measureFromSeconds: number;
  /** The measured window ends here (arrivals after it are not replayed). */
  readonly endSeconds: number;
  readonly drainSeconds: number;
  readonly tailSeconds: number;
  /** The hourly budget the paid rate is checked against (none: not checked). */
  readonly maxHourlyCost?: number;
  /** GPUs per type the pods alive and draining are checked against (absent: none). */
  readonly gpuQuotas?: Readonly<Record<string, number>>;
}

/** Preemptions per spot replica-hour by GPU type (absent: none), and the seed of the draws. */
export interface PreemptionSpec {
  readonly perHour: Readonly<Record<string, number>>;
  readonly seed: number;
  /**
   * Recorded events by GPU type (spot-trace.ts): seconds of the run, ascending, at each of which
   * one spot pod of that type, anywhere on the platform, is preempted (uniformly among them, by
   * the seed); a type given here takes no Poisson events.
   */
  readonly events?: Readonly<Record<string, readonly number[]>>;
}

/** What sets the pods: once a second, before pods advance and requests are routed. */
export interface PlatformController {
  step(t: number, services: readonly VariantFleets[]): void;
  /** Tokens/s one ready replica of the variant serves (the router's weight per replica). */
  weight(service: number, variant: string): number;
  /** USD per hour of the replicas the controller asks for now (the budget's view), if it knows. */
  decidedHourly?(): number;
}

export interface VariantResult {
  readonly variant: string;
  readonly gpuType: string;
  readonly spotShare: number;
  readonly replicaHours: number;
  readonly gpuHours: number;
  readonly onDemandDollars: number;
  readonly spotDollars: number;
  readonly preemptions: number;
  readonly peakPods: number;
  /** Measured requests last routed to this variant, and how many of them met the SLO. */
  readonly requests: number;
  readonly sloMet: number;
}

export interface ServiceResult extends RequestQuality {
  readonly service: string;
  readonly variants: readonly VariantResult[];
  readonly dollars: number;
  readonly gpuHours: number;
  readonly preemptions: number;
  /** Measured requests a preemption took off their replica, and how many of them met the SLO. */
  readonly hitByPreemption: number;
  readonly hitMetSlo: number;
  readonly rejected: number;
}

export interface PlatformResult {
  readonly policy: string;
  readonly measuredSeconds: number;
  readonly services: readonly ServiceResult[];
  readonly dollars: number;
  readonly gpuHours: number;
  readonly requests: number;
  readonly sloMet: number;
  readonly attainmentPct: number;
  readonly preemptions: number;
  /** The most USD per hour paid in a second (pods alive and draining, at their blended price). */
  readonly peakHourlyPaid: number;
  /** The most USD per hour the controller asked for (0 when it does not say). */
  readonly peakHourlyDecided: number;
  /** Seconds whose paid rate exceeded maxHourlyCost. */
  readonly secondsOverBudget: number;
  /**
   * Per GPU type with a quota: the most GPUs the pods alive and draining took in a second, and the
   * seconds they took more than the quota.
   */
  readonly gpuQuotas: Readonly<Record<string, Readonly<QuotaUse>>>;
}

/** One GPU type's use of its quota over the measured seconds. */
interface QuotaUse {
  peakGpus: number;
  secondsOver: number;
}

/** One replica's USD per hour at its spot share. */
export const blendedPerHour = (v: VariantSim): number =>
  v.onDemandPerHour * (1 - v.spotShare + v.spotShare * v.spotFactor);

interface VariantMeter {
  payingSeconds: number;
  preemptions: number;
  peakPods: number;
  readonly random: () => number;
}

/** Per service and variant a seed: a service's draws do not depend on the other services. */
const seedOf = (seed: number, s: number, k: number): number => (seed * 1_000_003 + s * 1009 + k * 31) >>> 0;

class PlatformRun {
  readonly fleets: VariantFleets[];
  readonly ledgers: RequestLedger[];
  readonly meters: VariantMeter[][];
  peakHourlyPaid = 0;
  secondsOverBudget = 0;
  readonly quotaUse = Object.create(null) as Record<string, QuotaUse>;
  private readonly services: readonly PlatformService[];
  private readonly settings: PlatformSettings;
  private readonly preemption: PreemptionSpec | undefined;
  private readonly eventIndex = new Map<string, number>();
  private readonly eventRandom: () => number;

  constructor(
    services: readonly PlatformService[],
    settings: PlatformSettings,
    controller: () => PlatformController,
    preemption: PreemptionSpec | undefined,
  ) {
    this.services = services;
    this.settings = settings;
    this.preemption = preemption;
    this.eventRandom = rng(seedOf(preemption?.seed ?? 0, services.length, 0) ^ 0x5eed);
    this.ledgers = services.map((s) => new RequestLedger(s.arrivals.times.length));
    this.fleets = services.map(
      (s, i) =>
        new VariantFleets(
          s.variants,
          s.arrivals,
          this.ledgers[i] as RequestLedger,
          (v) => controller().weight(i, v),
          settings.drainSeconds,
        ),
    );
    this.meters = services.map((s, i) =>
      s.variants.map((_, k) => ({
        payingSeconds: 0,
        preemptions: 0,
        peakPods: 0,
        random: rng(seedOf(preemption?.seed ?? 0, i, k)),
      })),
    );
  }

  /** Spot preemptions at second t. */
  preempt(t: number): void {
    const p = this.preemption;
    if (p === undefined) return;
    this.replayEvents(t, p);
    this.fleets.forEach((f, i) =>
      f.pods.forEach((pods, k) => {
        if (p.events?.[pods.variant.gpuType] !== undefined) return;
        const rate = (p.perHour[pods.variant.gpuType] ?? 0) * pods.variant.spotShare;
        const n = pods.cluster.size;
        if (!(rate > 0) || n === 0) return;
        const m = this.meters[i]?.[k] as VariantMeter;
        if (m.random() >= 1 - Math.exp((-n * rate) / 3600)) return;
        f.preempt(k, Math.min(n - 1, Math.floor(m.random() * n)), t);
        if (t >= this.settings.measureFromSeconds && t < this.settings.endSeconds) m.preemptions++;
      }),
    );
  }

  /** The recorded events falling in second t, each preempting one spot pod of its GPU type. */
  private replayEvents(t: number, p: PreemptionSpec): void {
    for (const [type, times] of Object.entries(p.events ?? {})) {
      let next = this.eventIndex.get(type) ?? 0;
      while (next < times.length && (times[next] ?? Infinity) < t + 1) {
        if ((times[next] ?? -1) >= t) this.preemptOneOf(type, t);
        next++;
      }
      this.eventIndex.set(type, next);
    }
  }

  /** One spot pod of GPU type `type`, drawn among all of them (weighted by each variant's spot share). */
  private preemptOneOf(type: string, t: number): void {
    const pool: { i: number; k: number; n: number; w: number }[] = [];
    let total = 0;
    this.fleets.forEach((f, i) =>
      f.pods.forEach((pods, k) => {
        const n = pods.cluster.size;
        const w = n * pods.variant.spotShare;
        if (pods.variant.gpuType !== type || !(w > 0)) return;
        pool.push({ i, k, n, w });
        total += w;
      }),
    );
    let x = this.eventRandom() * total;
    const hit = pool.find((c) => (x -= c.w) < 0) ?? pool[pool.length - 1];
    if (hit === undefined) return;
    (this.fleets[hit.i] as VariantFleets).preempt(
      hit.k,
      Math.min(hit.n - 1, Math.floor(this.eventRandom() * hit.n)),
      t,
    );
    const m = this.meters[hit.i]?.[hit.k] as VariantMeter;
    if (t >= this.settings.measureFromSeconds && t < this.settings.endSeconds) m.preemptions++;
  }

  /** The second t is paid: the pods alive at its start and those draining; they take their GPUs. */
  pay(): void {
    let hourly = 0;
    const quotas = this.settings.gpuQuotas;
    // GPUs by type, counted only when a quota is checked (this runs every simulated second).
    const gpus = quotas !== undefined ? new Map<string, number>() : undefined;
    this.fleets.forEach((f, i) =>
      f.pods.forEach((pods, k) => {
        const m = this.meters[i]?.[k] as VariantMeter;
        const n = f.paying(k);
        m.payingSeconds += n;
        m.peakPods = Math.max(m.peakPods, pods.cluster.size);
        hourly += n * blendedPerHour(pods.variant);
        const type = pods.variant.gpuType;
        gpus?.set(type, (gpus.get(type) ?? 0) + n * pods.variant.profile.gpusPerReplica);
      }),
    );
    this.peakHourlyPaid = Math.max(this.peakHourlyPaid, hourly);
    const budget = this.settings.maxHourlyCost;
    if (budget !== undefined && hourly > budget + 1e-9) this.secondsOverBudget++;
    for (const [type, quota] of Object.entries(quotas ?? {})) {
      const taken = gpus?.get(type) ?? 0;
      const use = (this.quotaUse[type] ??= { peakGpus: 0, secondsOver: 0 });
      use.peakGpus = Math.max(use.peakGpus, taken);
      if (taken > quota) use.secondsOver++;
    }
  }

  serviceResult(i: number, end: number): ServiceResult {
    const s = this.services[i] as PlatformService;
    const ledger = this.ledgers[i] as RequestLedger;
    const fleets = this.fleets[i] as VariantFleets;
    const a = s.arrivals;
    const first = firstArrivalAt(a.times, this.settings.measureFromSeconds);
    const last = firstArrivalAt(a.times, end);
    const quality = requestQuality(ledger, a.outputTokens, first, last, s.slo);
    let hit = 0;
    let hitMet = 0;
    let rejected = 0;
    for (let r = first; r < last; r++) {
      if (ledger.status[r] === REJECTED) rejected++;
      if ((fleets.hitByPreemption[r] ?? 0) === 0) continue;
      hit++;
      if (meetsSlo(ledger.ttft[r] ?? NaN, ledger.e2e[r] ?? NaN, a.outputTokens[r] ?? 1, s.slo)) hitMet++;
    }
    const served = s.variants.map(() => ({ requests: 0, sloMet: 0 }));
    for (let r = first; r < last; r++) {
      const v = served[fleets.servedBy[r] ?? 255];
      if (v === undefined) continue;
      v.requests++;
      if (meetsSlo(ledger.ttft[r] ?? NaN, ledger.e2e[r] ?? NaN, a.outputTokens[r] ?? 1, s.slo)) v.sloMet++;
    }
    const variants = s.variants.map((v, k) => ({
      ...variantResult(v, this.meters[i]?.[k] as VariantMeter),
      ...(served[k] as { requests: number; sloMet: number }),
    }));
    return {
      service: s.name,
      ...quality,
      variants,
      dollars: variants.reduce((x, v) => x + v.onDemandDollars + v.spotDollars, 0),
      gpuHours: variants.reduce((x, v) => x + v.gpuHours, 0),
      preemptions: variants.reduce((x, v) => x + v.preemptions, 0),
      hitByPreemption: hit,
      hitMetSlo: hitMet,
      rejected,
    };
  }
}

function variantResult(v: VariantSim, m: VariantMeter): Omit<VariantResult, "requests" | "sloMet"> {
  const replicaHours = m.payingSeconds / 3600;
  const spotHours = replicaHours * v.spotShare;
  return {
    variant: v.name,
    gpuType: v.gpuType,
    spotShare: v.spotShare,
    replicaHours,
    gpuHours: replicaHours * v.profile.gpusPerReplica,
    onDemandDollars: (replicaHours - spotHours) * v.onDemandPerHour,
    spotDollars: spotHours * v.onDemandPerHour * v.spotFactor,
    preemptions: m.preemptions,
    peakPods: m.peakPods,
  };
}

export function validatePlatformSettings(s: PlatformSettings, services: readonly PlatformService[]): void {
  for (const [name, v] of [
    ["measureFromSeconds", s.measureFromSeconds],
    ["endSeconds", s.endSeconds],
    ["drainSeconds", s.drainSeconds],
    ["tailSeconds", s.tailSeconds],
  ] as const)
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name}: must be a number >= 0, got ${v}`);
  if (s.endSeconds <= s.measureFromSeconds)
    throw new RangeError(
      `endSeconds: must be after measureFromSeconds (${s.measureFromSeconds}), got ${s.endSeconds}`,
    );
  if (services.length === 0) throw new RangeError("services: the platform replay needs at least one");
  for (const svc of services) validateSlo(svc.slo);
}

/** Replays the services under the controller; `makeController` gets the fleets it controls. */
export function simulatePlatform(
  services: readonly PlatformService[],
  settings: PlatformSettings,
  makeController: (fleets: readonly VariantFleets[]) => PlatformController,
  policy: string,
  preemption?: PreemptionSpec,
): PlatformResult {
  validatePlatformSettings(settings, services);
  // The fleets route by the controller's weights; the controller is made for the fleets.
  const made: { controller?: PlatformController } = {};
  const run = new PlatformRun(services, settings, () => made.controller as PlatformController, preemption);
  const controller = makeController(run.fleets);
  made.controller = controller;
  const next = services.map(() => 0);
  const end = Math.min(settings.endSeconds, Math.max(...services.map((s) => spanSeconds(s.arrivals))));
  let peakDecided = 0;
  for (let t = 0; t < end + settings.tailSeconds; t++) {
    controller.step(t, run.fleets);
    if (t >= settings.measureFromSeconds && t < end)
      peakDecided = Math.max(peakDecided, controller.decidedHourly?.() ?? 0);
    for (const f of run.fleets) for (const p of f.pods) p.cluster.advance(t);
    for (const f of run.fleets) f.sync(t);
    if (t >= settings.measureFromSeconds && t < end) run.pay();
    run.preempt(t);
    services.forEach((s, i) => {
      const times = s.arrivals.times;
      const f = run.fleets[i] as VariantFleets;
      let j = next[i] ?? 0;
      while (j < times.length && (times[j] ?? 0) < Math.min(t + 1, end)) {
        f.arrive(j, times[j] ?? t);
        j++;
      }
      next[i] = j;
    });
    for (const f of run.fleets) f.advanceAll(t + 1);
    if (t >= end && run.fleets.every((f) => f.idle())) break;
  }
  return { ...platformResult(policy, run, services, settings, end), peakHourlyDecided: peakDecided };
}

function platformResult(
  policy: string,
  run: PlatformRun,
  services: readonly PlatformService[],
  settings: PlatformSettings,
  end: number,
): Omit<PlatformResult, "peakHourlyDecided"> {
  const results = services.map((_, i) => run.serviceResult(i, end));
  const requests = results.reduce((x, r) => x + r.requests, 0);
  const sloMet = results.reduce((x, r) => x + r.sloMet, 0);
  return {
    policy,
    measuredSeconds: end - settings.measureFromSeconds,
    services: results,
    dollars: results.reduce((x, r) => x + r.dollars, 0),
    gpuHours: results.reduce((x, r) => x + r.gpuHours, 0),
    requests,
    sloMet,
    attainmentPct: requests > 0 ? (100 * sloMet) / requests : 100,
    preemptions: results.reduce((x, r) => x + r.preemptions, 0),
    peakHourlyPaid: run.peakHourlyPaid,
    secondsOverBudget: run.secondsOverBudget,
    gpuQuotas: run.quotaUse,
  };
}
