// The signal poller: every read (each trigger of each service, and each service's replica count)
// runs on its own schedule and under its own deadline, so a slow or hung source only ages its own
// signals. A read never overlaps itself: asking again while it runs joins the read in flight.

import { errorText } from "../config/redact.ts";
import type { Config, ServiceConfig, TriggerConfig, VariantConfig } from "../config/schema.ts";
import type { Reading } from "../engine/types.ts";
import type { Sources } from "../signals/registry.ts";
import type { ForecastState } from "../pipeline/forecast.ts";
import type { VariantReplicas } from "../pipeline/observe.ts";
import type { Logger } from "./log.ts";
import { withDeadline, type Scheduler } from "./scheduler.ts";

/** Slack on top of a source's own timeout before the poller gives up on a read. */
const DEADLINE_SLACK_MS = 500;

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
  /** A service with variants: each variant's pods, read together (`ready` and `current` their sums). */
  variantReplicas?: Readonly<Record<string, VariantReplicas>>;
  readyError?: string;
  readyErrors: number;
  /** The replica count is older than maxStalenessSeconds and no longer used (logged once). */
  readyExpired?: boolean;
  /** Last minute the load signal's history was above activationLoad (from the metrics store). */
  lastBusyAt?: number;
  /** When the last history read was made (its `now`). */
  historyReadAt?: number;
  /** Last live load reading above activationLoad, kept until a history read has caught up with it. */
  lastLiveBusyAt?: number;
  /** Since when history is known (idle time cannot be longer than this). */
  historyFrom?: number;
  /** The first live load reading (idle time without history is counted from it). */
  liveFrom?: number;
  forecast?: ForecastState;
  forecastError?: string;
}

/** Pods that exist for the workload: the API's count when it is the source, else the ready ones. */
export function currentReplicas(rt: ServiceRuntime): number | undefined {
  return rt.current?.value ?? rt.ready?.value;
}

export function newRuntime(s: ServiceConfig): ServiceRuntime {
  return { service: s, signals: new Map(s.triggers.map((t) => [t.name, { errors: 0 }])), readyErrors: 0 };
}

interface Read {
  readonly key: string;
  readonly run: (signal: AbortSignal) => Promise<void>;
  readonly deadlineMs: number;
}

export class SignalPoller {
  private readonly config: Config;
  private readonly sources: Sources;
  private readonly log: Logger;
  private readonly scheduler: Scheduler;
  private readonly runtimes: ReadonlyMap<string, ServiceRuntime>;
  private readonly abort = new AbortController();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly timers = new Map<string, unknown>();
  /** Reads that have ended at least once (with a value or an error). */
  private readonly settled = new Set<string>();
  private total = 0;
  /** Called after each read completes, successful or not. */
  private readonly onRead: () => void;

  constructor(
    config: Config,
    sources: Sources,
    log: Logger,
    scheduler: Scheduler,
    runtimes: ReadonlyMap<string, ServiceRuntime>,
    onRead: () => void,
  ) {
    this.config = config;
    this.sources = sources;
    this.log = log;
    this.scheduler = scheduler;
    this.runtimes = runtimes;
    this.onRead = onRead;
    for (const rt of runtimes.values()) this.total += this.reads(rt).length;
  }

  private timeoutMs(source: "prometheus" | "rabbitmq" | "kubernetes"): number {
    return (this.config.sources[source]?.timeoutSeconds ?? 5) * 1000 + DEADLINE_SLACK_MS;
  }

  private reads(rt: ServiceRuntime, triggers: readonly TriggerConfig[] = rt.service.triggers): Read[] {
    const name = rt.service.name;
    return [
      ...triggers.map((t) => ({
        key: `${name}\u0000${t.name}`,
        run: (signal: AbortSignal) => this.readTrigger(rt, t, signal),
        deadlineMs: this.timeoutMs(t.source),
      })),
      {
        key: `${name}\u0000`,
        run: (signal: AbortSignal) => this.readReady(rt, signal),
        deadlineMs: this.timeoutMs(this.sources.kubernetes ? "kubernetes" : "prometheus"),
      },
    ];
  }

  /** Runs a read unless it is in flight (then joins it). Never rejects. */
  private once(r: Read): Promise<void> {
    const running = this.inFlight.get(r.key);
    if (running) return running;
    const p = withDeadline(this.scheduler, r.deadlineMs, "read", this.abort.signal, r.run)
      .catch(() => undefined) // each read records its own failure
      .finally(() => {
        this.inFlight.delete(r.key);
        this.settled.add(r.key);
        if (!this.abort.signal.aborted) this.onRead();
      });
    this.inFlight.set(r.key, p);
    return p;
  }

  /** Reads every signal of the given services (all by default) and waits for them. */
  async readAll(only?: readonly string[]): Promise<void> {
    const rts = [...this.runtimes.values()].filter(
      (r) => only === undefined || only.includes(r.service.name),
    );
    await Promise.all(rts.flatMap((rt) => this.reads(rt)).map((r) => this.once(r)));
  }

  /** Reads the given triggers of one service now (the wake check). */
  async readTriggers(rt: ServiceRuntime, triggers: readonly TriggerConfig[]): Promise<void> {
    await Promise.all(
      this.reads(rt, triggers)
        .filter((r) => !r.key.endsWith("\u0000"))
        .map((r) => this.once(r)),
    );
  }

  /** Each read on its own timer: the next one starts refreshSeconds after the previous ended. */
  start(): void {
    const every = this.config.sources.refreshSeconds * 1000;
    for (const rt of this.runtimes.values()) {
      for (const r of this.reads(rt)) {
        const tick = (): void => {
          this.timers.delete(r.key);
          void this.once(r).then(() => {
            if (!this.abort.signal.aborted) this.timers.set(r.key, this.scheduler.after(every, tick));
          });
        };
        tick();
      }
    }
  }

  /** Every read has ended at least once since start. */
  get settledOnce(): boolean {
    return this.settled.size >= this.total;
  }

  get scheduledTimers(): number {
    return this.timers.size;
  }

  stop(): void {
    this.abort.abort();
    for (const h of this.timers.values()) this.scheduler.cancel(h);
    this.timers.clear();
  }

  private async readTrigger(rt: ServiceRuntime, t: TriggerConfig, signal: AbortSignal): Promise<void> {
    const st = rt.signals.get(t.name);
    const src = this.sources.byType[t.source];
    if (!st) return;
    if (!src) {
      st.lastError = `no ${t.source} source configured`;
      return;
    }
    try {
      const value = await src.read(t, signal);
      const at = this.scheduler.now();
      st.reading = { value, observedAt: at };
      if (t.name === rt.service.loadTrigger) {
        rt.liveFrom ??= at;
        if (value > rt.service.activationLoad) rt.lastLiveBusyAt = at;
      }
      if (st.lastError !== undefined)
        this.log.info("signal recovered", { service: rt.service.name, trigger: t.name });
      delete st.lastError;
    } catch (e) {
      st.errors++;
      const msg = errorText(e);
      if (st.lastError !== msg)
        this.log.warn("signal read failed", { service: rt.service.name, trigger: t.name, error: msg });
      st.lastError = msg;
      st.lastErrorAt = this.scheduler.now();
      throw e;
    }
  }

  /**
   * Each variant's pods, from its own workload or readyReplicasQuery, all read before any is used
   * (one failed read fails them all: a split needs every variant's count).
   */
  private async readVariants(
    variants: readonly VariantConfig[],
    signal: AbortSignal,
  ): Promise<Record<string, VariantReplicas> | undefined> {
    const { kubernetes, prometheus } = this.sources;
    if (!kubernetes && !prometheus) return undefined;
    const counts = await Promise.all(
      variants.map(async (v): Promise<[string, VariantReplicas]> => {
        if (kubernetes) {
          const r = await kubernetes.replicas(v.workload, signal);
          return [v.name, { ready: r.ready, current: r.current }];
        }
        const n = Math.round(
          await (prometheus as NonNullable<typeof prometheus>).instant(v.readyReplicasQuery, {
            empty: "error",
            signal,
          }),
        );
        return [v.name, { ready: n, current: n }];
      }),
    );
    return Object.fromEntries(counts);
  }

  private async readReady(rt: ServiceRuntime, signal: AbortSignal): Promise<void> {
    const { kubernetes, prometheus } = this.sources;
    try {
      const variants = rt.service.variants;
      if (variants !== undefined) {
        const counts = await this.readVariants(variants, signal);
        if (counts === undefined) return;
        const at = this.scheduler.now();
        const all = Object.values(counts);
        rt.variantReplicas = counts;
        rt.ready = { value: all.reduce((s, v) => s + v.ready, 0), observedAt: at };
        rt.current = { value: all.reduce((s, v) => s + v.current, 0), observedAt: at };
      } else if (kubernetes) {
        const r = await kubernetes.replicas(rt.service.workload, signal);
        const at = this.scheduler.now();
        rt.ready = { value: r.ready, observedAt: at };
        rt.current = { value: r.current, observedAt: at };
      } else if (prometheus) {
        const v = await prometheus.instant(rt.service.readyReplicasQuery, { empty: "error", signal });
        rt.ready = { value: Math.round(v), observedAt: this.scheduler.now() };
      } else return;
      if (rt.readyError !== undefined) this.log.info("replica count recovered", { service: rt.service.name });
      delete rt.readyError;
    } catch (e) {
      rt.readyErrors++;
      const msg = errorText(e);
      if (rt.readyError !== msg)
        this.log.warn("replica count read failed", { service: rt.service.name, error: msg });
      rt.readyError = msg;
      throw e;
    }
  }
}
