// Ours in the simulator: the service's decision cycle (pipeline/tick.ts, the same code the service
// loop runs) fed by the modelled world instead of Prometheus and Kubernetes, behind KEDA's
// external-push trigger. One engine run per refresh sees every simulated service, so the budget and
// the quotas trim across services exactly as in the service.
//
// Where the inputs come from, per service:
//  - its load trigger's reading: the modelled Prometheus rate() (RatePipeline), read every refresh;
//  - ready and existing pods: the modelled cluster, read every refresh (never stale);
//  - activity: a live reading above activationLoad marks the service busy; history is known from the
//    trace's start (the simulator does not read idle time back from the history, the service does);
//  - the forecast: the latest one made from the trace's past (precomputeForecasts in run.ts).

import type { Config, ServiceConfig } from "../config/schema.ts";
import type { EngineState, ForecastView, ServiceDecision } from "../engine/types.ts";
import { EMPTY_STATE } from "../engine/types.ts";
import type { ServiceInputs } from "../pipeline/observe.ts";
import { tick } from "../pipeline/tick.ts";
import type { Cluster } from "./cluster.ts";
import { KedaHpa, RatePipeline, type ControlPlaneParams } from "./control-plane.ts";

/** One simulated service as ours drives it. */
export interface OursLane {
  /** The service as the engine sees it in the run (simServiceConfig). */
  readonly service: ServiceConfig;
  readonly controlPlane: ControlPlaneParams;
  /** Forecasts by the second they were generated (ascending). */
  readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
}

/** The modelled signal sources of one service: its readings and activity at second t. */
class SimSignals {
  readonly pipe: RatePipeline;
  private readonly lane: OursLane;
  private readonly start: number;
  private lastLiveBusyAt: number | undefined;
  private forecastIndex = -1;

  constructor(lane: OursLane, start: number) {
    this.lane = lane;
    this.start = start;
    this.pipe = new RatePipeline(lane.controlPlane);
  }

  /** The pipeline's inputs at second t, as the service's poller and history reads would give them. */
  inputs(t: number, cluster: Cluster): ServiceInputs {
    const { service, forecasts } = this.lane;
    const now = this.start + t * 1000;
    while ((forecasts[this.forecastIndex + 1]?.t ?? Infinity) <= t) this.forecastIndex++;
    const rate = this.pipe.rate;
    if (rate !== undefined && rate > service.activationLoad) this.lastLiveBusyAt = now;
    const forecast = forecasts[this.forecastIndex]?.view;
    return {
      service,
      readings: {
        triggers: {
          [service.loadTrigger ?? ""]:
            rate === undefined
              ? undefined
              : { value: rate, observedAt: this.start + this.pipe.rateAt * 1000 },
        },
        ready: { value: cluster.ready, observedAt: now },
        current: { value: cluster.size, observedAt: now },
      },
      activity: {
        historyFrom: this.start,
        ...(this.lastLiveBusyAt !== undefined ? { lastLiveBusyAt: this.lastLiveBusyAt } : {}),
      },
      ...(forecast ? { forecast } : {}),
    };
  }
}

/** Ours for every lane at once; `config.services` are the lanes' services, in lane order. */
export class OursOnSim {
  private readonly config: Config;
  private readonly start: number;
  private readonly signals: readonly SimSignals[];
  private readonly kedas: readonly KedaHpa[];
  private state: EngineState = EMPTY_STATE;
  private decisions: readonly ServiceDecision[] = [];

  constructor(config: Config, lanes: readonly OursLane[], start: number) {
    this.config = { ...config, services: lanes.map((l) => l.service) };
    this.start = start;
    this.signals = lanes.map((l) => new SimSignals(l, start));
    this.kedas = lanes.map(
      (l, i) =>
        new KedaHpa(l.controlPlane, l.service.minReplicas, l.service.maxReplicas, {
          push: true,
          active: () => this.decisions[i]?.active ?? false,
          metric: () => {
            const d = this.decisions[i];
            return d?.valid ? { value: d.desiredReplicas, target: 1 } : undefined;
          },
        }),
    );
  }

  /**
   * Second t: each lane's Prometheus sees its arrival counter (`counters[i]`), every refresh the
   * decision cycle runs, then KEDA and the HPA act on each lane's cluster.
   */
  step(t: number, counters: readonly number[], clusters: readonly Cluster[]): void {
    this.signals.forEach((s, i) => {
      s.pipe.step(t, counters[i] ?? 0);
    });
    if (t % this.config.sources.refreshSeconds === 0) {
      const inputs = this.signals.map((s, i) => s.inputs(t, clusters[i] as Cluster));
      const cycle = tick(this.config, inputs, this.state, this.start + t * 1000);
      this.state = cycle.state;
      this.decisions = cycle.decisions.services;
    }
    this.kedas.forEach((k, i) => {
      k.step(t, clusters[i] as Cluster);
    });
  }

  /** Lane i's last decision (undefined before the first refresh). */
  decision(i: number): ServiceDecision | undefined {
    return this.decisions[i];
  }
}
