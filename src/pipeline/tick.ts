// One decision cycle, shared by the service loop and the simulator: observe every service, run the
// engine once over all of them (so the budget and quotas trim across services), and carry the state
// to the next cycle. The two differ only in where the inputs come from and what the clock says.

import type { Config } from "../config/schema.ts";
import { decide, nextState } from "../engine/decide.ts";
import type { Decisions, EngineState, ServiceObservations } from "../engine/types.ts";
import { observeService, type ObservationNotes, type ServiceInputs } from "./observe.ts";

export interface Tick {
  readonly observations: Readonly<Record<string, ServiceObservations>>;
  readonly notes: Readonly<Record<string, ObservationNotes>>;
  readonly decisions: Decisions;
  /** The state for the next cycle. */
  readonly state: EngineState;
}

/** Every service's observations at `now`, keyed by service name. */
export function observeAll(
  inputs: Iterable<ServiceInputs>,
  now: number,
  maxStalenessSeconds: number,
): Pick<Tick, "observations" | "notes"> {
  const observations: Record<string, ServiceObservations> = {};
  const notes: Record<string, ObservationNotes> = {};
  for (const i of inputs) {
    const o = observeService(i, now, maxStalenessSeconds);
    observations[i.service.name] = o.observations;
    notes[i.service.name] = o.notes;
  }
  return { observations, notes };
}

/** Observes every service and decides, at `now`. */
export function tick(config: Config, inputs: Iterable<ServiceInputs>, state: EngineState, now: number): Tick {
  const { observations, notes } = observeAll(inputs, now, config.sources.maxStalenessSeconds);
  const decisions = decide(config, observations, state, now);
  return { observations, notes, decisions, state: nextState(config, decisions, state) };
}
