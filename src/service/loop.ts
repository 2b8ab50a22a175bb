// The background loop: refreshes signals, keeps forecasts fresh, runs the engine, and keeps the
// latest decisions in memory for KEDA's calls, which never wait on I/O.
//
// What must survive a restart is rebuilt from the metrics store, not remembered: idle time comes
// from the load signal's history (a range query), and so do forecasts, made for origins on a clock
// grid and put in effect at the same moment on every replica (forecasts.ts). Two replicas that see
// the same store and clock therefore give the same answers; what live reads and decision moments
// can still make differ, and for how long, is in the README.

import { enabledServices, type Config } from "../config/schema.ts";
import {
  EMPTY_STATE,
  type Decisions,
  type EngineState,
  type ServiceDecision,
  type ServiceObservations,
} from "../engine/types.ts";
import type { ObservationNotes, ServiceInputs } from "../pipeline/observe.ts";
import { observeAll, tick } from "../pipeline/tick.ts";
import type { Sources } from "../signals/registry.ts";
import { ForecastScheduler, type ForecastCycle } from "./forecasts.ts";
import type { HistoryReader } from "./history.ts";
import type { Logger } from "./log.ts";
import { newRuntime, SignalPoller, type ServiceRuntime } from "./poller.ts";
import { realScheduler, type Scheduler } from "./scheduler.ts";
import { takeSnapshot, type LoopSnapshot } from "./snapshot.ts";

export { FORECAST_SPREAD_MAX_MS } from "./forecasts.ts";

export { currentReplicas, type ServiceRuntime, type SignalState } from "./poller.ts";

export { LIVE_BUSY_CATCH_UP_MS } from "../pipeline/observe.ts";

/** Reads that land within this window share one decision. */
export const DECIDE_COALESCE_MS = 100;

/** What the pipeline sees of a service: the poller's last readings and the history reads' activity. */
function inputsOf(rt: ServiceRuntime): ServiceInputs {
  const triggers = Object.fromEntries(
    rt.service.triggers.map((t) => [t.name, rt.signals.get(t.name)?.reading]),
  );
  return {
    service: rt.service,
    readings: {
      triggers,
      ...(rt.ready ? { ready: rt.ready } : {}),
      ...(rt.current ? { current: rt.current } : {}),
      ...(rt.variantReplicas ? { variants: rt.variantReplicas } : {}),
    },
    activity: rt,
    ...(rt.forecast ? { forecast: rt.forecast.view } : {}),
  };
}

export class ScalerLoop {
  readonly config: Config;
  private readonly runtimes: ReadonlyMap<string, ServiceRuntime>;
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
  /** The first forecast cycle has ended, or waited out its interval (start() only). */
  private firstForecasts = false;
  private published: LoopSnapshot;
  private started = false;
  private readonly cycleListeners = new Set<(s: LoopSnapshot, seconds: number) => void>();

  /**
   * `history` reads and summarises each load signal's history: the forecast pool (reads and fits on
   * its worker thread), by default inline; tests inject one of their own.
   */
  constructor(
    config: Config,
    sources: Sources,
    log: Logger,
    clock: () => number = Date.now,
    history?: HistoryReader,
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
    this.forecasts = new ForecastScheduler(config, log, scheduler, m, this.abort.signal, history);
    this.poller = new SignalPoller(config, sources, log, scheduler, m, () => {
      this.decideSoon();
    });
  }

  /** The latest published view of every service (replaced, never changed, after each decision). */
  snapshot(): LoopSnapshot {
    return this.published;
  }

  /** The enabled services' names, in config order. */
  serviceNames(): string[] {
    return [...this.runtimes.keys()];
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

  /**
   * Acts on what observing found: a live busy reading the history has caught up with is forgotten
   * (history alone decides, as on every replica); a replica count crossing maxStalenessSeconds is
   * logged once each way (past it, it is no longer used, and intensive triggers age with it).
   */
  private noteObserved(notes: Readonly<Record<string, ObservationNotes>>, now: number): void {
    for (const [name, rt] of this.runtimes) {
      const n = notes[name];
      if (!n) continue;
      if (n.liveBusyCaughtUp) delete rt.lastLiveBusyAt;
      if (n.replicasExpired === (rt.readyExpired ?? false)) continue;
      if (n.replicasExpired)
        this.log.warn("replica count older than maxStalenessSeconds: no longer used", {
          service: name,
          ageSeconds: Math.round((now - (rt.ready?.observedAt ?? now)) / 1000),
          error: rt.readyError ?? null,
        });
      else this.log.info("replica count fresh again", { service: name });
      rt.readyExpired = n.replicasExpired;
    }
  }

  private inputs(): ServiceInputs[] {
    return [...this.runtimes.values()].map(inputsOf);
  }

  observations(now: number): Record<string, ServiceObservations> {
    const o = observeAll(this.inputs(), now, this.config.sources.maxStalenessSeconds);
    this.noteObserved(o.notes, now);
    return { ...o.observations };
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
    if (
      !this.started ||
      this.decisionPending ||
      this.abort.signal.aborted ||
      !this.poller.settledOnce ||
      !this.firstForecasts
    )
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
    const cycle = tick(this.config, this.inputs(), this.state, now);
    const seconds = (performance.now() - t0) / 1000;
    this.noteObserved(cycle.notes, now);
    const d = cycle.decisions;
    this.state = cycle.state;
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
    every(refreshMs, () =>
      Promise.resolve(this.poller.settledOnce && this.firstForecasts ? this.decideNow() : undefined),
    );
    this.startForecastCycles();
    every(wakeEveryMs, () => this.wakeCheck());
  }

  /**
   * Forecast cycles on the origins' grid (see forecasts.ts). The first fits the cycle in effect
   * now, flat out; later ones start their services evenly over a third of the interval (at most
   * FORECAST_SPREAD_MAX_MS). The first decision waits for the first cycle, at most one interval,
   * so that a restarted replica does not answer KEDA without the forecasts the others use.
   */
  private startForecastCycles(): void {
    const intervalMs = this.config.predictiveScaling.refreshSeconds * 1000;
    const wait = this.scheduler.after(intervalMs, () => {
      this.timers.delete(wait);
      this.forecastsSettled();
    });
    this.timers.add(wait);
    const run = (cycle: ForecastCycle, first: boolean): void => {
      this.forecasts
        .refresh(first ? 0 : this.forecasts.spreadFor(intervalMs), cycle)
        .catch((e: unknown) => {
          this.log.error("forecast cycle failed", { error: (e as Error).message });
        })
        .finally(() => {
          if (this.abort.signal.aborted) return;
          if (first) {
            this.scheduler.cancel(wait);
            this.timers.delete(wait);
            this.forecastsSettled();
          } else if (this.poller.settledOnce && this.firstForecasts) this.decideNow();
          const { cycle: next, startInMs } = this.forecasts.next(cycle, this.scheduler.now());
          const t = this.scheduler.after(startInMs, () => {
            this.timers.delete(t);
            run(next, false);
          });
          this.timers.add(t);
        });
    };
    run(this.forecasts.inEffect(this.scheduler.now()), true);
  }

  /** The first forecast cycle has ended (or its wait has): decisions may start. */
  private forecastsSettled(): void {
    if (this.firstForecasts) return;
    this.firstForecasts = true;
    this.decideSoon();
  }

  stop(): void {
    this.abort.abort();
    this.poller.stop();
    for (const t of this.timers) this.scheduler.cancel(t);
    this.timers.clear();
  }
}
