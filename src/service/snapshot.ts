// What the loop publishes after each decision: an immutable view per service. The HTTP API and
// /metrics project it; nothing outside the loop reads the loop's mutable state for an answer.

import type { ServiceConfig } from "../config/schema.ts";
import type { Decisions, Reading, ServiceDecision } from "../engine/types.ts";
import type { ForecastState } from "../pipeline/forecast.ts";
import { currentReplicas, type ServiceRuntime } from "./poller.ts";

export interface SignalSnapshot {
  readonly trigger: string;
  readonly source: string;
  readonly kind: string;
  readonly target: number;
  readonly reading?: Reading;
  readonly lastError?: string;
  readonly errors: number;
}

export interface ServiceSnapshot {
  readonly service: ServiceConfig;
  readonly decision?: ServiceDecision;
  readonly ready?: Reading;
  readonly current?: number;
  readonly readyError?: string;
  readonly readyErrors: number;
  /** By trigger name, in the config's order. */
  readonly signals: ReadonlyMap<string, SignalSnapshot>;
  readonly forecast?: ForecastState;
  readonly forecastError?: string;
}

export interface LoopSnapshot {
  readonly decisions?: Decisions;
  readonly services: ReadonlyMap<string, ServiceSnapshot>;
  /** Every service has a first decision (valid or not). */
  readonly ready: boolean;
  /** The predictive quantile the forecasts' upper band is at. */
  readonly quantile: number;
}

function serviceSnapshot(rt: ServiceRuntime, decision: ServiceDecision | undefined): ServiceSnapshot {
  const current = currentReplicas(rt);
  return Object.freeze({
    service: rt.service,
    ...(decision ? { decision } : {}),
    ...(rt.ready ? { ready: rt.ready } : {}),
    ...(current !== undefined ? { current } : {}),
    ...(rt.readyError !== undefined ? { readyError: rt.readyError } : {}),
    readyErrors: rt.readyErrors,
    signals: new Map(
      rt.service.triggers.map((t) => {
        const st = rt.signals.get(t.name);
        const view: SignalSnapshot = Object.freeze({
          trigger: t.name,
          source: t.source,
          kind: t.kind,
          target: t.target,
          ...(st?.reading ? { reading: st.reading } : {}),
          ...(st?.lastError !== undefined ? { lastError: st.lastError } : {}),
          errors: st?.errors ?? 0,
        });
        return [t.name, view] as const;
      }),
    ),
    ...(rt.forecast ? { forecast: rt.forecast } : {}),
    ...(rt.forecastError !== undefined ? { forecastError: rt.forecastError } : {}),
  });
}

export function takeSnapshot(
  runtimes: ReadonlyMap<string, ServiceRuntime>,
  decided: (service: string) => ServiceDecision | undefined,
  decisions: Decisions | undefined,
  quantile: number,
): LoopSnapshot {
  const services = new Map<string, ServiceSnapshot>();
  for (const [name, rt] of runtimes) services.set(name, serviceSnapshot(rt, decided(name)));
  return Object.freeze({
    ...(decisions ? { decisions } : {}),
    services,
    ready: [...services.values()].every((s) => s.decision !== undefined),
    quantile,
  });
}
