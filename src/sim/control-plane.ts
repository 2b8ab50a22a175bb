// The control plane between a signal and the pod count: Prometheus scrapes and rate(), KEDA's
// polling, activation and cooldown, and the HPA's 15 s sync with its tolerance and behavior.
// Worked numbers for each piece are in test/unit/sim/control-plane.test.ts.

import { hpaAverageValue } from "../engine/hpa.ts";
import type { Cluster } from "./cluster.ts";

export interface ControlPlaneParams {
  readonly scrapeSeconds: number;
  readonly rateWindowSeconds: number;
  readonly pollingSeconds: number;
  readonly hpaSyncSeconds: number;
  readonly cooldownSeconds: number;
  readonly tolerance: number;
  /** HPA behavior (set explicitly, as the chart does): the defaults of autoscaling/v2. */
  readonly scaleUpStabilizationSeconds: number;
  readonly scaleDownStabilizationSeconds: number;
  /** Scale-up policies per 15 s: +100% or +4 pods, whichever allows more. */
  readonly scaleUpPercent: number;
  readonly scaleUpPods: number;
  /** Scale-down policy per 15 s: -100%. */
  readonly scaleDownPercent: number;
}

/**
 * The HPA tolerance depends on the cluster. Kubernetes < 1.35 applies the controller-wide 0.1: with one
 * metric of target 1 whose value is our desired count, 16 desired at 15 current is a ratio of 1.067,
 * inside 1 +/- 0.1, so the HPA keeps 15 (any +/-1 change above 10 replicas is swallowed). Kubernetes
 * >= 1.35 reads behavior.scaleUp/scaleDown.tolerance per HPA; at 0 every change of the count is applied.
 */
export const HPA_TOLERANCE_BEFORE_1_35 = 0.1;
export const HPA_TOLERANCE_PER_HPA_ZERO = 0;

export const DEFAULT_CONTROL_PLANE: ControlPlaneParams = {
  scrapeSeconds: 15,
  rateWindowSeconds: 60,
  pollingSeconds: 30,
  hpaSyncSeconds: 15,
  cooldownSeconds: 300,
  tolerance: HPA_TOLERANCE_BEFORE_1_35,
  scaleUpStabilizationSeconds: 0,
  scaleDownStabilizationSeconds: 300,
  scaleUpPercent: 100,
  scaleUpPods: 4,
  scaleDownPercent: 100,
};

/** The control plane with another HPA tolerance (0..1). */
export function withHpaTolerance(
  tolerance: number,
  base: ControlPlaneParams = DEFAULT_CONTROL_PLANE,
): ControlPlaneParams {
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 1)
    throw new RangeError(`HPA tolerance: must be between 0 and 1, got ${String(tolerance)}`);
  return { ...base, tolerance };
}

/**
 * The control plane a config's chart sets up: KEDA's cooldownPeriod and the HPA's scale-down
 * stabilization window from its `keda` block (the chart renders both from the same values, and
 * the engine's held pods count them: src/engine/rules/held.ts), at HPA tolerance `tolerance`.
 */
export function controlPlaneOf(
  keda: { readonly cooldownPeriod: number; readonly scaleDownStabilizationWindowSeconds: number },
  tolerance: number,
): ControlPlaneParams {
  return {
    ...withHpaTolerance(tolerance),
    cooldownSeconds: keda.cooldownPeriod,
    scaleDownStabilizationSeconds: keda.scaleDownStabilizationWindowSeconds,
  };
}

/** One line for tables and reports: the tolerance and the clusters it stands for. */
export function describeHpaTolerance(tolerance: number): string {
  if (tolerance === HPA_TOLERANCE_BEFORE_1_35)
    return "HPA tolerance 0.1 (the controller default: Kubernetes < 1.35)";
  if (tolerance === HPA_TOLERANCE_PER_HPA_ZERO)
    return "HPA tolerance 0 (Kubernetes >= 1.35 with behavior.scaleUp/scaleDown.tolerance 0)";
  return `HPA tolerance ${tolerance}`;
}

/**
 * Prometheus scraping a counter of arrivals every scrapeSeconds; rate() over the window uses the
 * samples inside it (no extrapolation). With a 15 s scrape and a 1 m window it sees about 4 samples,
 * so it reports the mean over the last 45 s, up to 15 s old: it lags the truth.
 */
export class RatePipeline {
  private readonly times: number[] = [];
  private readonly values: number[] = [];
  /** Last computed rate and the second it was computed; undefined until two samples exist. */
  rate: number | undefined;
  rateAt = -1;

  private readonly p: ControlPlaneParams;

  constructor(p: ControlPlaneParams) {
    this.p = p;
  }

  /** Call every second with the cumulative counter value. */
  step(t: number, counter: number): void {
    if (t % this.p.scrapeSeconds !== 0) return;
    this.times.push(t);
    this.values.push(counter);
    while ((this.times[0] ?? t) <= t - this.p.rateWindowSeconds) {
      this.times.shift();
      this.values.shift();
    }
    const n = this.times.length;
    if (n >= 2) {
      const dt = (this.times[n - 1] ?? 0) - (this.times[0] ?? 0);
      this.rate = Math.max(0, ((this.values[n - 1] ?? 0) - (this.values[0] ?? 0)) / dt);
      this.rateAt = t;
    }
  }
}

export interface ScalerView {
  /** The metric KEDA hands the HPA, and its target (AverageValue). Undefined: the scaler errors. */
  metric(): { value: number; target: number } | undefined;
  /** The scaler's IsActive answer. */
  active(): boolean;
  /** true for an external-push trigger: activation from zero is acted on at once. */
  readonly push: boolean;
}

/** KEDA (polling, activation, cooldown) driving an HPA (sync, tolerance, behavior). */
export class KedaHpa {
  private lastActive = -Infinity;
  private readonly recs: { t: number; rec: number }[] = [];
  private readonly hpaMin: number;
  private readonly p: ControlPlaneParams;
  private readonly minReplicas: number;
  private readonly maxReplicas: number;
  private readonly scaler: ScalerView;

  constructor(p: ControlPlaneParams, minReplicas: number, maxReplicas: number, scaler: ScalerView) {
    this.p = p;
    this.minReplicas = minReplicas;
    this.maxReplicas = maxReplicas;
    this.scaler = scaler;
    this.hpaMin = Math.max(1, minReplicas);
  }

  step(t: number, cluster: Cluster): void {
    if (cluster.size === 0 && this.scaler.push && this.scaler.active()) {
      this.lastActive = t;
      cluster.setReplicas(this.hpaMin, t);
    }
    if (t % this.p.pollingSeconds === 0) this.poll(t, cluster);
    if (t % this.p.hpaSyncSeconds === 0 && cluster.size > 0) this.sync(t, cluster);
  }

  private poll(t: number, cluster: Cluster): void {
    if (this.minReplicas > 0) {
      if (cluster.size < this.minReplicas) cluster.setReplicas(this.minReplicas, t);
      return;
    }
    if (this.scaler.active()) {
      this.lastActive = t;
      if (cluster.size === 0) cluster.setReplicas(this.hpaMin, t);
    } else if (cluster.size > 0 && t - this.lastActive >= this.p.cooldownSeconds) {
      cluster.setReplicas(0, t);
      this.recs.length = 0;
    }
  }

  /** One HPA sync: the raw recommendation, stabilised, rate-limited and clamped. */
  sync(t: number, cluster: Cluster): void {
    const m = this.scaler.metric();
    if (m === undefined) return; // the metric errors: the HPA leaves the count alone
    const current = cluster.size;
    const raw = hpaAverageValue(m.value, m.target, current, this.p.tolerance);
    this.recs.push({ t, rec: raw });
    const horizon = Math.max(this.p.scaleUpStabilizationSeconds, this.p.scaleDownStabilizationSeconds);
    while ((this.recs[0]?.t ?? t) < t - horizon) this.recs.shift();
    // As the HPA controller does: the lowest recommendation in the up window and the highest in the
    // down window bound the move from the current count.
    let up = raw;
    let down = raw;
    for (const r of this.recs) {
      if (r.t >= t - this.p.scaleUpStabilizationSeconds) up = Math.min(up, r.rec);
      if (r.t >= t - this.p.scaleDownStabilizationSeconds) down = Math.max(down, r.rec);
    }
    let desired = current;
    if (desired < up) desired = up;
    if (desired > down) desired = down;
    if (desired > current) {
      const limit = Math.max(
        current + this.p.scaleUpPods,
        Math.floor(current * (1 + this.p.scaleUpPercent / 100)),
      );
      desired = Math.min(desired, limit);
    } else if (desired < current) {
      desired = Math.max(desired, Math.ceil(current * (1 - this.p.scaleDownPercent / 100)));
    }
    desired = Math.min(Math.max(desired, this.hpaMin), this.maxReplicas);
    if (desired !== current) cluster.setReplicas(desired, t);
  }
}
