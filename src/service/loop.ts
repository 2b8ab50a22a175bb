// The background loop: refreshes signals, keeps forecasts fresh, runs the engine, and keeps the
// latest decisions in memory for KEDA's calls, which never wait on I/O.
//
// What must survive a restart is rebuilt from the metrics store, not remembered: idle time comes
// from the load signal's history (a range query), and so do forecasts. Two replicas that see the
// same store and clock therefore give the same answers.

import { setTimeout as sleep } from "node:timers/promises";
import { enabledServices, type Config, type ServiceConfig, type TriggerConfig } from "../config/schema.ts";
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
import { readHistory, type ForecastState, type HistoryTask } from "./history.ts";
import type { Logger } from "./log.ts";

/** The longest a forecast cycle's services are spread over. */
export const FORECAST_SPREAD_MAX_MS = 30_000;

export interface SignalState {
  reading?: Reading;
  lastError?: string;
  lastErrorAt?: number;
  errors: number;
}

export interface ServiceRuntime {
  readonly service: ServiceConfig;
  readonly signals: Map<string, SignalState>;
  ready?: Reading;
  /** Pods that exist, ready or not (from the Kubernetes API; kube-state-metrics gives ready only). */
  current?: Reading;
  readyError?: string;
  /** Last minute the load signal's history was above activationLoad (from the metrics store). */
  lastBusyAt?: number;
  /** Since when history is known (idle time cannot be longer than this). */
  historyFrom?: number;
  forecast?: ForecastState;
  forecastError?: string;
}

/** Pods that exist for the workload: the API's count when it is the source, else the ready ones. */
export function currentReplicas(rt: ServiceRuntime): number | undefined {
  return rt.current?.value ?? rt.ready?.value;
}

export class ScalerLoop {
  readonly config: Config;
  readonly runtimes: ReadonlyMap<string, ServiceRuntime>;
  private state: EngineState = EMPTY_STATE;
  private latest: Decisions | undefined;
  private readonly sources: Sources;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly abort = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Completed forecast cycles: the first runs flat out, later ones are spread out. */
  private forecastCycles = 0;
  private readonly cycleListeners = new Set<(d: Decisions, seconds: number) => void>();
  private readonly pool: ForecastPool | undefined;

  /** With a pool, history reads and fits run on its worker thread; without, inline. */
  constructor(
    config: Config,
    sources: Sources,
    log: Logger,
    clock: () => number = Date.now,
    pool?: ForecastPool,
  ) {
    this.config = config;
    this.pool = pool;
    this.sources = sources;
    this.log = log;
    this.clock = clock;
    const m = new Map<string, ServiceRuntime>();
    for (const s of enabledServices(config))
      m.set(s.name, { service: s, signals: new Map(s.triggers.map((t) => [t.name, { errors: 0 }])) });
    this.runtimes = m;
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

  /** Called after each engine run with its decisions and its duration in seconds. */
  onCycle(l: (d: Decisions, seconds: number) => void): () => void {
    this.cycleListeners.add(l);
    return () => this.cycleListeners.delete(l);
  }

  private async readTrigger(rt: ServiceRuntime, t: TriggerConfig, now: () => number): Promise<void> {
    const st = rt.signals.get(t.name);
    const src = this.sources.byType[t.source];
    if (!st) return;
    if (!src) {
      st.lastError = `no ${t.source} source configured`;
      return;
    }
    try {
      const value = await src.read(t, this.abort.signal);
      st.reading = { value, observedAt: now() };
      if (st.lastError !== undefined)
        this.log.info("signal recovered", { service: rt.service.name, trigger: t.name });
      delete st.lastError;
    } catch (e) {
      st.errors++;
      const msg = (e as Error).message;
      if (st.lastError !== msg)
        this.log.warn("signal read failed", { service: rt.service.name, trigger: t.name, error: msg });
      st.lastError = msg;
      st.lastErrorAt = now();
    }
  }

  private async readReady(rt: ServiceRuntime, now: () => number): Promise<void> {
    const { kubernetes, prometheus } = this.sources;
    try {
      if (kubernetes) {
        const r = await kubernetes.replicas(rt.service.workload, this.abort.signal);
        rt.ready = { value: r.ready, observedAt: now() };
        rt.current = { value: r.current, observedAt: now() };
      } else if (prometheus) {
        const v = await prometheus.instant(rt.service.readyReplicasQuery, {
          empty: "error",
          signal: this.abort.signal,
        });
        rt.ready = { value: Math.round(v), observedAt: now() };
      } else return;
      delete rt.readyError;
    } catch (e) {
      rt.readyError = (e as Error).message;
    }
  }

  /** Reads every signal of the given services (all by default), then decides. */
  async refresh(only?: readonly string[]): Promise<Decisions> {
    const rts = [...this.runtimes.values()].filter(
      (r) => only === undefined || only.includes(r.service.name),
    );
    await Promise.all(
      rts.flatMap((rt) => [
        ...rt.service.triggers.map((t) => this.readTrigger(rt, t, this.clock)),
        this.readReady(rt, this.clock),
      ]),
    );
    return this.decideNow();
  }

  /**
   * Refits forecasts (and idle time) from each load signal's history in the metrics store. With
   * `spreadMs`, the services start evenly over that time instead of all at once, so that the fits
   * (and the reads) do not take a core at a stretch.
   */
  async refreshForecasts(spreadMs = 0): Promise<void> {
    const promCfg = this.config.sources.prometheus;
    const p = this.config.predictiveScaling;
    if (!promCfg) return;
    const rts = [...this.runtimes.values()];
    await Promise.all(
      rts.map(async (rt, i) => {
        if (spreadMs > 0 && i > 0) {
          try {
            await sleep((i * spreadMs) / rts.length, undefined, { signal: this.abort.signal });
          } catch {
            return; // stopped
          }
        }
        const now = this.clock();
        const t = rt.service.triggers.find((x) => x.name === rt.service.loadTrigger);
        if (!t?.historyQuery) return;
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
          const r = this.pool ? await this.pool.run(task) : await readHistory(task, this.abort.signal);
          rt.historyFrom = r.historyFrom;
          if (r.lastBusyAt !== undefined) rt.lastBusyAt = r.lastBusyAt;
          else delete rt.lastBusyAt;
          if (r.forecast) rt.forecast = r.forecast;
          delete rt.forecastError;
        } catch (e) {
          rt.forecastError = (e as Error).message;
          this.log.warn("history read failed", { service: rt.service.name, error: rt.forecastError });
        }
      }),
    );
    this.forecastCycles++;
  }

  observations(now: number): Record<string, ServiceObservations> {
    const out: Record<string, ServiceObservations> = {};
    for (const [name, rt] of this.runtimes) {
      const signals: Record<string, Reading | undefined> = {};
      for (const [t, st] of rt.signals) signals[t] = st.reading;
      // Busy now if the live load is above activation; otherwise idle since the history last was.
      const load = rt.service.loadTrigger !== undefined ? signals[rt.service.loadTrigger]?.value : undefined;
      const busyNow = load !== undefined && load > rt.service.activationLoad;
      const idle = busyNow
        ? 0
        : rt.lastBusyAt !== undefined
          ? (now - rt.lastBusyAt) / 1000
          : rt.historyFrom !== undefined
            ? (now - rt.historyFrom) / 1000
            : undefined;
      out[name] = {
        signals,
        ...(rt.ready
          ? { readyReplicas: rt.ready.value, currentReplicas: currentReplicas(rt) ?? rt.ready.value }
          : {}),
        ...(idle !== undefined ? { idleSeconds: Math.max(0, idle) } : {}),
        ...(rt.forecast ? { forecast: rt.forecast.view } : {}),
      };
    }
    return out;
  }

  decideNow(): Decisions {
    const now = this.clock();
    const t0 = performance.now();
    const d = decide(this.config, this.observations(now), this.state, now);
    const seconds = (performance.now() - t0) / 1000;
    this.state = nextState(d);
    this.latest = d;
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
    for (const l of this.cycleListeners) l(d, seconds);
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
        await Promise.all(ext.map((t) => this.readTrigger(rt, t, this.clock)));
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

  /** Timers waiting to start a cycle (one per cycle kind while running; for tests and diagnostics). */
  get scheduledTimers(): number {
    return this.timers.size;
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
            const t = setTimeout(() => {
              this.timers.delete(t);
              tick();
            }, ms);
            this.timers.add(t);
          });
      };
      tick();
    };
    every(this.config.sources.refreshSeconds * 1000, () => this.refresh());
    const forecastMs = this.config.predictiveScaling.refreshSeconds * 1000;
    every(forecastMs, async () => {
      // Until the first cycle is done there are no forecasts: it runs flat out. Later ones start
      // their services evenly over half the interval (at most FORECAST_SPREAD_MAX_MS).
      await this.refreshForecasts(
        this.forecastCycles > 0 ? Math.min(forecastMs / 2, FORECAST_SPREAD_MAX_MS) : 0,
      );
      this.decideNow();
    });
    every(wakeEveryMs, () => this.wakeCheck());
  }

  stop(): void {
    this.abort.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
