// From what the sources last said to what the engine sees: the observations of one service at a
// moment. The service builds its inputs from the poller's readings and the history reads; the
// simulator from its modelled Prometheus and cluster. Pure: time is a value, nothing is read here.
//
// Idle time, worked: history read at 10:00 says the last busy minute began 09:40; a live reading at
// 10:01 was busy, none since. At 10:02 the service has been idle 60 s (since the live reading). At
// 10:04, after a history read at 10:04 (>= 10:01 + LIVE_BUSY_CATCH_UP_MS) whose last busy minute is
// 10:01, history alone decides: idle 180 s, as on every replica that reads the same store.

import type { ServiceConfig } from "../config/schema.ts";
import type { ForecastView, Reading, ServiceObservations } from "../engine/types.ts";

/**
 * How long a live busy reading counts as activity on its own: until a history read made this long
 * after it, which has the minute in the store (scrape and rule lag included). From then on both
 * replicas of the scaler read the same history and agree.
 */
export const LIVE_BUSY_CATCH_UP_MS = 3 * 60_000;

/** What the signal sources last said about one service. */
export interface SourceReadings {
  /** The last reading of each trigger, by trigger name (undefined: none yet). */
  readonly triggers: Readonly<Record<string, Reading | undefined>>;
  /** Ready replicas. */
  readonly ready?: Reading;
  /** Pods that exist, ready or not (when the source knows them; else the ready count stands in). */
  readonly current?: Reading;
  /**
   * A service with variants: each variant's ready and existing pods, read with `ready` (which is
   * their sum) and as old as it.
   */
  readonly variants?: Readonly<Record<string, VariantReplicas>>;
}

/** One variant's pods: ready, and existing (the ready count when the source knows no more). */
export interface VariantReplicas {
  readonly ready: number;
  readonly current: number;
}

/** When the service was last busy, from the history and from live readings. */
export interface Activity {
  /** Since when history is known (idle time cannot be longer than this). */
  readonly historyFrom?: number;
  /** Last history step above activationLoad. */
  readonly lastBusyAt?: number;
  /** When the history behind lastBusyAt was read (its `now`). */
  readonly historyReadAt?: number;
  /** Last live load reading above activationLoad. */
  readonly lastLiveBusyAt?: number;
  /**
   * The first live load reading: without history (no historyQuery, or none read yet), idle time is
   * what was observed since then, so a replica restarted while the service is idle counts it from
   * its start instead of never knowing it.
   */
  readonly liveFrom?: number;
}

/** Everything the pipeline needs of one service at one moment. */
export interface ServiceInputs {
  readonly service: ServiceConfig;
  readonly readings: SourceReadings;
  readonly activity: Activity;
  readonly forecast?: ForecastView;
}

/** What the caller may want to act on (log, forget) after observing a service. */
export interface ObservationNotes {
  /** The replica count is older than maxStalenessSeconds and was left out. */
  readonly replicasExpired: boolean;
  /** A history read has caught up with the live busy reading: it no longer counts on its own. */
  readonly liveBusyCaughtUp: boolean;
}

/** True once a history read made LIVE_BUSY_CATCH_UP_MS after the live busy reading has it. */
export function liveBusyCaughtUp(a: Activity): boolean {
  return (
    a.lastLiveBusyAt !== undefined &&
    a.historyReadAt !== undefined &&
    a.historyReadAt >= a.lastLiveBusyAt + LIVE_BUSY_CATCH_UP_MS
  );
}

/** Last activity: the history's last busy step, or a later live busy reading not yet in it. */
function lastActivity(a: Activity): number | undefined {
  const h = a.lastBusyAt;
  const l = liveBusyCaughtUp(a) ? undefined : a.lastLiveBusyAt;
  return h === undefined ? l : l === undefined ? h : Math.max(h, l);
}

/** Busy now if the live load is above activation; otherwise idle since the last activity. */
function idleSeconds(
  service: ServiceConfig,
  signals: Readonly<Record<string, Reading | undefined>>,
  activity: Activity,
  now: number,
): number | undefined {
  const load = service.loadTrigger !== undefined ? signals[service.loadTrigger]?.value : undefined;
  if (load !== undefined && load > service.activationLoad) return 0;
  const since = lastActivity(activity) ?? activity.historyFrom ?? activity.liveFrom;
  return since === undefined ? undefined : Math.max(0, (now - since) / 1000);
}

function variantObservations(
  variants: Readonly<Record<string, VariantReplicas>>,
): NonNullable<ServiceObservations["variants"]> {
  const out: Record<string, { readyReplicas: number; currentReplicas: number }> = {};
  for (const [name, v] of Object.entries(variants))
    out[name] = { readyReplicas: v.ready, currentReplicas: v.current };
  return out;
}

/** The observations of one service at `now`; replica counts older than maxStalenessSeconds are dropped. */
export function observeService(
  inputs: ServiceInputs,
  now: number,
  maxStalenessSeconds: number,
): { observations: ServiceObservations; notes: ObservationNotes } {
  const { service, readings, activity } = inputs;
  const ready = readings.ready;
  const replicasExpired = ready !== undefined && (now - ready.observedAt) / 1000 > maxStalenessSeconds;
  const signals: Record<string, Reading | undefined> = {};
  for (const t of service.triggers) {
    const r = readings.triggers[t.name];
    // An intensive reading (per pod) means nothing without the pod count: it is as old as both.
    signals[t.name] =
      r && t.kind === "intensive" && ready
        ? { value: r.value, observedAt: Math.min(r.observedAt, ready.observedAt) }
        : r;
  }
  const idle = idleSeconds(service, signals, activity, now);
  const fresh = ready !== undefined && !replicasExpired ? ready : undefined;
  const observations: ServiceObservations = {
    signals,
    ...(fresh ? { readyReplicas: fresh.value, currentReplicas: readings.current?.value ?? fresh.value } : {}),
    ...(fresh && readings.variants ? { variants: variantObservations(readings.variants) } : {}),
    ...(idle !== undefined ? { idleSeconds: idle } : {}),
    ...(inputs.forecast ? { forecast: inputs.forecast } : {}),
  };
  return { observations, notes: { replicasExpired, liveBusyCaughtUp: liveBusyCaughtUp(activity) } };
}
