// The forecast scheduler: refits each service's forecast and idle time from its load signal's
// history in the metrics store. The first cycle runs flat out (there are no forecasts until it
// ends); later ones start their services evenly over part of the interval, so that the fits (and
// the reads) do not take a core at a stretch. Time comes from an injected scheduler.
//
// Replicas and restarts agree because a cycle's result is a function of the store and of its
// origin, not of when it ran: origins lie on a grid every predictiveScaling.refreshSeconds from the
// epoch, a cycle reads each history up to its origin once the store has settled (FORECAST_SETTLE
// of the interval later), and its results take effect at the same moment on every replica
// (FORECAST_APPLY of the interval after the origin), or when they are ready if that is later.
//
// Worked, at the default 60 s: the origin 10:00:00 is read from 10:00:10 on, spread over 20 s, and
// every replica switches to its forecasts at 10:00:48. A replica restarted at 10:00:30 first fits
// the origin in effect then (09:59:00, its forecasts in effect from 09:59:48) and uses them as soon
// as they are ready, then fits 10:00:00 at once, in effect at 10:00:48 or when ready.

import { errorText } from "../config/redact.ts";
import type { Config } from "../config/schema.ts";
import { inlineHistory, type HistoryReader, type HistoryTask } from "./history.ts";
import type { Logger } from "./log.ts";
import type { ServiceRuntime } from "./poller.ts";
import type { Scheduler } from "./scheduler.ts";

/** The longest a forecast cycle's services are spread over. */
export const FORECAST_SPREAD_MAX_MS = 30_000;

/** A cycle reads the store this share of the interval after its origin (late samples land). */
export const FORECAST_SETTLE = 1 / 6;

/**
 * A cycle's results take effect this share of the interval after its origin, on every replica.
 * Its reads start by FORECAST_SETTLE + a third of the interval (the spread), half of it: the fits
 * have the rest (18 s at the default 60 s).
 */
export const FORECAST_APPLY = 0.8;

/** One forecast cycle: history up to `origin`, in effect from `applyAt` (or when ready). */
export interface ForecastCycle {
  readonly origin: number;
  readonly applyAt: number;
}

export class ForecastScheduler {
  private readonly config: Config;
  private readonly log: Logger;
  private readonly scheduler: Scheduler;
  private readonly runtimes: ReadonlyMap<string, ServiceRuntime>;
  private readonly stopped: AbortSignal;
  /** Reads and summarises the histories (the forecast pool's thread, or inline). */
  private readonly history: HistoryReader;
  /** Completed cycles: the first runs flat out, later ones are spread out. */
  private cycles = 0;

  constructor(
    config: Config,
    log: Logger,
    scheduler: Scheduler,
    runtimes: ReadonlyMap<string, ServiceRuntime>,
    stopped: AbortSignal,
    history: HistoryReader = inlineHistory,
  ) {
    this.config = config;
    this.log = log;
    this.scheduler = scheduler;
    this.runtimes = runtimes;
    this.stopped = stopped;
    this.history = history;
  }

  private get intervalMs(): number {
    return this.config.predictiveScaling.refreshSeconds * 1000;
  }

  /** How long the next cycle spreads its services over, for cycles every `intervalMs`. */
  spreadFor(intervalMs: number): number {
    return this.cycles > 0 ? Math.min(intervalMs / 3, FORECAST_SPREAD_MAX_MS) : 0;
  }

  private cycleAt(origin: number): ForecastCycle {
    return { origin, applyAt: origin + FORECAST_APPLY * this.intervalMs };
  }

  /** The cycle whose results are in effect at `now` on a replica that has run all along. */
  inEffect(now: number): ForecastCycle {
    const every = this.intervalMs;
    return this.cycleAt(Math.floor((now - FORECAST_APPLY * every) / every) * every);
  }

  /**
   * The cycle after `last` and when to start it: the next origin, read once the store has settled;
   * when that is already past its apply time (a cycle overran), the latest settled origin instead.
   */
  next(last: ForecastCycle, now: number): { cycle: ForecastCycle; startInMs: number } {
    const every = this.intervalMs;
    let origin = last.origin + every;
    if (now > origin + FORECAST_APPLY * every)
      origin = Math.floor((now - FORECAST_SETTLE * every) / every) * every;
    return {
      cycle: this.cycleAt(origin),
      startInMs: Math.max(0, origin + FORECAST_SETTLE * every - now),
    };
  }

  /**
   * Refits forecasts (and idle time) from each load signal's history. With `spreadMs`, the
   * services start evenly over that time instead of all at once. Without a `cycle`, history is
   * read up to now and used at once (tests, benchmarks).
   */
  async refresh(spreadMs = 0, cycle?: ForecastCycle): Promise<void> {
    if (!this.config.sources.prometheus) return;
    const now = this.scheduler.now();
    const c = cycle ?? { origin: now, applyAt: now };
    const rts = [...this.runtimes.values()];
    await Promise.all(
      rts.map(async (rt, i) => {
        if (spreadMs > 0 && i > 0) {
          try {
            await this.sleep((i * spreadMs) / rts.length);
          } catch {
            return; // stopped
          }
        }
        await this.refreshOne(rt, c);
      }),
    );
    this.cycles++;
  }

  private async refreshOne(rt: ServiceRuntime, cycle: ForecastCycle): Promise<void> {
    const promCfg = this.config.sources.prometheus;
    const p = this.config.predictiveScaling;
    const t = rt.service.triggers.find((x) => x.name === rt.service.loadTrigger);
    if (!promCfg || !t?.historyQuery) return;
    const task: HistoryTask = {
      prometheus: promCfg,
      query: t.historyQuery,
      now: cycle.origin,
      lookbackHours: p.lookbackHours,
      horizonSteps: p.forecastMinutes,
      quantile: p.quantile,
      activationLoad: rt.service.activationLoad,
      predict: p.enabled && rt.service.predictive,
    };
    let apply: () => void;
    try {
      const r = await this.history.run(task, this.stopped);
      apply = () => {
        if (r.historyFrom !== undefined) rt.historyFrom = r.historyFrom;
        else delete rt.historyFrom;
        rt.historyReadAt = cycle.origin;
        if (r.lastBusyAt !== undefined) rt.lastBusyAt = r.lastBusyAt;
        else delete rt.lastBusyAt;
        if (r.forecast) rt.forecast = r.forecast;
        delete rt.forecastError;
      };
    } catch (e) {
      const error = errorText(e);
      this.log.warn("history read failed", { service: rt.service.name, error });
      apply = () => {
        rt.forecastError = error;
      };
    }
    const wait = cycle.applyAt - this.scheduler.now();
    if (wait > 0) {
      try {
        await this.sleep(wait);
      } catch {
        return; // stopped
      }
    }
    apply();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopped.aborted) {
        reject(new Error("stopped"));
        return;
      }
      const onStop = (): void => {
        this.scheduler.cancel(h);
        reject(new Error("stopped"));
      };
      const h = this.scheduler.after(ms, () => {
        this.stopped.removeEventListener("abort", onStop);
        resolve();
      });
      this.stopped.addEventListener("abort", onStop, { once: true });
    });
  }
}
