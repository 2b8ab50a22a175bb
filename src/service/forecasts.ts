// The forecast scheduler: refits each service's forecast and idle time from its load signal's
// history in the metrics store. The first cycle runs flat out (there are no forecasts until it
// ends); later ones start their services evenly over part of the interval, so that the fits (and
// the reads) do not take a core at a stretch. Time comes from an injected scheduler.

import { errorText } from "../config/redact.ts";
import type { Config } from "../config/schema.ts";
import { inlineHistory, type HistoryReader, type HistoryTask } from "./history.ts";
import type { Logger } from "./log.ts";
import type { ServiceRuntime } from "./poller.ts";
import type { Scheduler } from "./scheduler.ts";

/** The longest a forecast cycle's services are spread over. */
export const FORECAST_SPREAD_MAX_MS = 30_000;

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

  /** How long the next cycle spreads its services over, for cycles every `intervalMs`. */
  spreadFor(intervalMs: number): number {
    return this.cycles > 0 ? Math.min(intervalMs / 2, FORECAST_SPREAD_MAX_MS) : 0;
  }

  /**
   * Refits forecasts (and idle time) from each load signal's history. With `spreadMs`, the
   * services start evenly over that time instead of all at once.
   */
  async refresh(spreadMs = 0): Promise<void> {
    if (!this.config.sources.prometheus) return;
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
        await this.refreshOne(rt);
      }),
    );
    this.cycles++;
  }

  private async refreshOne(rt: ServiceRuntime): Promise<void> {
    const promCfg = this.config.sources.prometheus;
    const p = this.config.predictiveScaling;
    const t = rt.service.triggers.find((x) => x.name === rt.service.loadTrigger);
    if (!promCfg || !t?.historyQuery) return;
    const now = this.scheduler.now();
    const task: HistoryTask = {
      prometheus: promCfg,
      query: t.historyQuery,
      now,
      lookbackHours: p.lookbackHours,
      horizonSteps: p.forecastMinutes,
      quantile: p.quantile,
      activationLoad: rt.service.activationLoad,
      predict: p.enabled && rt.service.predictive,
    };
    try {
      const r = await this.history.run(task, this.stopped);
      rt.historyFrom = r.historyFrom;
      rt.historyReadAt = now;
      if (r.lastBusyAt !== undefined) rt.lastBusyAt = r.lastBusyAt;
      else delete rt.lastBusyAt;
      if (r.forecast) rt.forecast = r.forecast;
      delete rt.forecastError;
    } catch (e) {
      rt.forecastError = errorText(e);
      this.log.warn("history read failed", { service: rt.service.name, error: rt.forecastError });
    }
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
