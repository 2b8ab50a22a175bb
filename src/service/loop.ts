// The background loop: refreshes signals, keeps forecasts fresh, runs the engine, and keeps the
// latest decisions in memory for KEDA's calls, which never wait on I/O.
//
// What must survive a restart is rebuilt from the metrics store, not remembered: idle time comes
// from the load signal's history (a range query), and so do forecasts. Two replicas that see the
// same store and clock therefore give the same answers.

import { enabledServices, type Config } from "../config/schema.ts";
import { decide, nextState } from "../engine/decide.ts";
import {
  EMPTY_STATE,
  type Decisions,
  type EngineState,
  type Reading,
  type ServiceDecision,
  type ServiceObservations,
} from "../engine/types.ts";
import type { Sources } from "../signals/registry.ts";
import type { ForecastPool } from "./forecast-pool.ts";
import { ForecastScheduler } from "./forecasts.ts";
import type { Logger } from "./log.ts";
import { newRuntime, SignalPoller, type ServiceRuntime } from "./poller.ts";
import { realScheduler, type Scheduler } from "./scheduler.ts";
import { takeSnapshot, type LoopSnapshot } from "./snapshot.ts";

export { FORECAST_SPREAD_MAX_MS } from "./forecasts.ts";

export { currentReplicas, type ServiceRuntime, type SignalState } from "./poller.ts";

/** Reads that land within this window share one decision. */
export const DECIDE_COALESCE_MS = 100;

/**
 * How long a live busy reading counts as activity on its own: until a history read made this long
 * after it, which has the minute in the store (scrape and rule lag included). From then on both
 * replicas of the scaler read the same history and agree.
 */
export const LIVE_BUSY_CATCH_UP_MS = 3 * 60_000;

export class ScalerLoop {
  readonly config: Config;
  readonly runtimes: ReadonlyMap<string, ServiceRuntime>;
  private state: EngineState = EMPTY_STATE;
  private latest: Decisions | undefined;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly scheduler: Scheduler;
  private readonly poller: SignalPoller;
  private readonly abort = new AbortController();
  private readonly timers = new Set<unknown>();
  private readonly forecasts: ForecastScheduler;
  private decisionPending = false;
  private published: LoopSnapshot;
  private started = false;
  private readonly cycleListeners = new Set<(s: LoopSnapshot, seconds: number) => void>();

  /** With a pool, history reads and fits run on its worker thread; without, inline. */
  constructor(
    config: Config,
    sources: Sources,
    log: Logger,
    clock: () => number = Date.now,
    pool?: ForecastPool,
    scheduler: Scheduler = realScheduler(clock),
  ) {
    this.config = config;
    this.log = log;
    this.clock = clock;
    this.scheduler = scheduler;
    const m = new Map<string, ServiceRuntime>();
    for (const s of enabledServices(config)) m.set(s.name, newRuntime(s));
    this.runtimes = m;
    this.published = this.takeSnapshot();
    this.forecasts = new ForecastScheduler(config, log, scheduler, m, this.abort.signal, pool);
    this.poller = new SignalPoller(config, sources, log, scheduler, m, () => {
      this.decideSoon();
    });
  }

  /** The latest published view of every service (replaced, never changed, after each decision). */
  snapshot(): LoopSnapshot {
    return this.published;
  }

  decisions(): Decisions | undefined {
    return this.latest;
  }

  decision(service: string): ServiceDecision | undefined {
    return this.state.previous[service];
  }

  /** Ready once every service has a first decision (valid or not). */
  ready(): boolean {
    return [...this.runtimes.keys()].every((n) => this.state.previous[n] !== undefined);
  }

  /** Called after each engine run with the snapshot it published and its duration in seconds. */
  onCycle(l: (s: LoopSnapshot, seconds: number) => void): () => void {
    this.cycleListeners.add(l);
    return () => this.cycleListeners.delete(l);
  }

  /** Reads every signal of the given services (all by default), then decides. */
  async refresh(only?: readonly string[]): Promise<Decisions> {
    await this.poller.readAll(only);
    return this.decideNow();
  }

  /** Refits forecasts and idle time from the metrics store (see ForecastScheduler.refresh). */
  refreshForecasts(spreadMs = 0): Promise<void> {
    return this.forecasts.refresh(spreadMs);
  }

  /** Last activity: the history's last busy minute, or a later live busy reading not yet in it. */
  private lastActivity(rt: ServiceRuntime): number | undefined {
    const live = rt.lastLiveBusyAt;
    if (
      live !== undefined &&
      rt.historyReadAt !== undefined &&
      rt.historyReadAt >= live + LIVE_BUSY_CATCH_UP_MS
    )
      delete rt.lastLiveBusyAt; // the store has caught up: history alone decides, as on every replica
    const h = rt.lastBusyAt;
    const l = rt.lastLiveBusyAt;
    return h === undefined ? l : l === undefined ? h : Math.max(h, l);
  }

  /**
   * The replica count while it is fresh enough to use; past maxStalenessSeconds it is dropped (with
   * a log line once), and intensive triggers, scaled by it, age with it.
   */
  private freshReplicas(rt: ServiceRuntime, now: number): { ready?: Reading; current?: Reading } {
    if (!rt.ready) return {};
    const age = (now - rt.ready.observedAt) / 1000;
    const expired = age > this.config.sources.maxStalenessSeconds;
    if (expired !== (rt.readyExpired ?? false)) {
      if (expired)
        this.log.warn("replica count older than maxStalenessSeconds: no longer used", {
          service: rt.service.name,
          ageSeconds: Math.round(age),
          error: rt.readyError ?? null,
        });
      else this.log.info("replica count fresh again", { service: rt.service.name });
      rt.readyExpired = expired;
    }
    if (expired) return {};
    return { ready: rt.ready, ...(rt.current ? { current: rt.current } : {}) };
  }

  observations(now: number): Record<string, ServiceObservations> {
    const out: Record<string, ServiceObservations> = {};
    for (const [name, rt] of this.runtimes) {
      const { ready, current } = this.freshReplicas(rt, now);
      const signals: Record<string, Reading | undefined> = {};
      for (const t of rt.service.triggers) {
        const r = rt.signals.get(t.name)?.reading;
        // An intensive reading (per pod) means nothing without the pod count: it is as old as both.
        signals[t.name] =
          r && t.kind === "intensive" && rt.ready
            ? { value: r.value, observedAt: Math.min(r.observedAt, rt.ready.observedAt) }
            : r;
      }
      // Busy now if the live load is above activation; otherwise idle since the last activity.
      const load = rt.service.loadTrigger !== undefined ? signals[rt.service.loadTrigger]?.value : undefined;
      const busyNow = load !== undefined && load > rt.service.activationLoad;
      const last = this.lastActivity(rt);
      const idle = busyNow
        ? 0
        : last !== undefined
          ? (now - last) / 1000
          : rt.historyFrom !== undefined
            ? (now - rt.historyFrom) / 1000
            : undefined;
      out[name] = {
        signals,
        ...(ready ? { readyReplicas: ready.value, currentReplicas: current?.value ?? ready.value } : {}),
        ...(idle !== undefined ? { idleSeconds: Math.max(0, idle) } : {}),
        ...(rt.forecast ? { forecast: rt.forecast.view } : {}),
      };
    }
    return out;
  }

  private takeSnapshot(): LoopSnapshot {
    return takeSnapshot(
      this.runtimes,
      (n) => this.state.previous[n],
      this.latest,
      this.config.predictiveScaling.quantile,
    );
  }

  /**
   * A decision soon after a read lands: reads landing within DECIDE_COALESCE_MS share one, so that
   * many services' reads cost a few engine runs a second, not one each.
   */
  private decideSoon(): void {
    // Without start() (tests, benchmarks), refresh() decides itself. The first decision waits for
    // every read's first outcome, as readiness means "decided on data".
    if (!this.started || this.decisionPending || this.abort.signal.aborted || !this.poller.settledOnce)
      return;
    this.decisionPending = true;
    const h = this.scheduler.after(DECIDE_COALESCE_MS, () => {
      this.timers.delete(h);
      this.decisionPending = false;
      if (!this.abort.signal.aborted) this.decideNow();
    });
    this.timers.add(h);
  }

  decideNow(): Decisions {
    const now = this.clock();
    const t0 = performance.now();
    const d = decide(this.config, this.observations(now), this.state, now);
    const seconds = (performance.now() - t0) / 1000;
    this.state = nextState(d);
    this.latest = d;
    this.published = this.takeSnapshot();
    for (const s of d.services) {
      if (!s.changed) continue;
      this.log.info("decision", {
        service: s.service,
        desiredReplicas: s.desiredReplicas,
        active: s.active,
        valid: s.valid,
        reason: s.reason,
        reasons: s.reasons.map((r) => `${r.rule}: ${r.message}`),
      });
    }
    for (const l of this.cycleListeners) l(this.published, seconds);
    return d;
  }

  /**
   * For services at zero: a quick read of their extensive triggers, so that StreamIsActive can push
   * `true` within about a second of the first queued message instead of at the next refresh.
   */
  async wakeCheck(): Promise<void> {
    const sleeping = [...this.runtimes.values()].filter(
      (rt) => this.state.previous[rt.service.name]?.active === false,
    );
    if (sleeping.length === 0) return;
    const woke: string[] = [];
    await Promise.all(
      sleeping.map(async (rt) => {
        const ext = rt.service.triggers.filter((t) => t.kind === "extensive");
        await this.poller.readTriggers(rt, ext);
        const demand = ext.some(
          (t) =>
            (rt.signals.get(t.name)?.reading?.value ?? 0) >
            (t.name === rt.service.loadTrigger ? rt.service.activationLoad : 0),
        );
        if (demand) woke.push(rt.service.name);
      }),
    );
    if (woke.length > 0) this.decideNow();
  }

  /** Timers waiting to start a cycle or a read (one each while running; for tests and diagnostics). */
  get scheduledTimers(): number {
    return this.timers.size + this.poller.scheduledTimers;
  }

  /** Starts the timers; each cycle waits for the previous one to finish. */
  start(wakeEveryMs = 500): void {
    const every = (ms: number, fn: () => Promise<unknown>): void => {
      const tick = (): void => {
        fn()
          .catch((e: unknown) => {
            this.log.error("loop cycle failed", { error: (e as Error).message });
          })
          .finally(() => {
            if (this.abort.signal.aborted) return;
            const t = this.scheduler.after(ms, () => {
              this.timers.delete(t);
              tick();
            });
            this.timers.add(t);
          });
      };
      tick();
    };
    // Reads run on their own timers and each landing read brings a decision; this cycle decides
    // even when no read lands, so that a hung source's signals age out on time.
    this.started = true;
    this.poller.start();
    const refreshMs = this.config.sources.refreshSeconds * 1000;
    every(refreshMs, () => Promise.resolve(this.poller.settledOnce ? this.decideNow() : undefined));
    const forecastMs = this.config.predictiveScaling.refreshSeconds * 1000;
    every(forecastMs, async () => {
      // Until the first cycle is done there are no forecasts: it runs flat out. Later ones start
      // their services evenly over half the interval (at most FORECAST_SPREAD_MAX_MS).
      await this.forecasts.refresh(this.forecasts.spreadFor(forecastMs));
      this.decideNow();
    });
    every(wakeEveryMs, () => this.wakeCheck());
  }

  stop(): void {
    this.abort.abort();
    this.poller.stop();
    for (const t of this.timers) this.scheduler.cancel(t);
    this.timers.clear();
  }
}
