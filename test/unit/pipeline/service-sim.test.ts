// The service and the simulator run the same decision path: the simulator replays a workload through
// its modelled Prometheus, KEDA/HPA and cluster; the service loop (ScalerLoop, on a scripted clock)
// is then fed what the simulator's sources said at each refresh (the rate reading, the ready and
// existing pods) and the same history (through an injected history reader that summarises the
// workload's past minutes). Both must reach the same decisions, reasons included.
//
// What the two legitimately see differently is left out of the comparison: before the first history
// read the service knows no history (idle time unknown) while the simulator knows it from the trace's
// start, so decisions are compared from the first forecast on. The workload never falls to the
// activation level, so idle time (live in the simulator, also from history in the service) is 0 in both.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Config, TriggerConfig } from "../../../src/config/schema.ts";
import type { ServiceDecision } from "../../../src/engine/types.ts";
import { summarizeHistory } from "../../../src/pipeline/forecast.ts";
import type { HistoryReader } from "../../../src/service/history.ts";
import { jsonLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import type { Sources } from "../../../src/signals/registry.ts";
import { Cluster } from "../../../src/sim/cluster.ts";
import { DEFAULT_CONTROL_PLANE, RatePipeline } from "../../../src/sim/control-plane.ts";
import { OursOnSim } from "../../../src/sim/ours.ts";
import { simServiceConfig, type SimContext } from "../../../src/sim/policies.ts";
import { precomputeForecasts, defaultSettings } from "../../../src/sim/run.ts";
import { minuteMeans, type Workload } from "../../../src/sim/workload.ts";
import { configOf, serviceDoc } from "../helpers.ts";
import { ScriptedClock } from "../service/fake-scheduler.ts";

const DAY = 86_400;
const START = Date.parse("2026-03-02T00:00:00Z"); // a Monday

/** Two days of a daily wave (10..50 requests/s) with a ripple: never idle, never flat. */
function waveWorkload(days: number): Workload {
  const rate = new Float32Array(days * DAY);
  for (let t = 0; t < rate.length; t++)
    rate[t] = 30 + 20 * Math.sin((2 * Math.PI * t) / DAY) + 3 * Math.sin((2 * Math.PI * t) / 1800);
  return { name: "wave", start: START, rate, minuteRate: minuteMeans(rate) };
}

/** What the simulator's sources said at one refresh. */
interface WorldAtRefresh {
  readonly t: number;
  readonly rate?: { value: number; observedAt: number };
  readonly ready: number;
  readonly size: number;
  readonly decision: ServiceDecision | undefined;
}

function runSimulator(config: Config, ctx: SimContext, w: Workload): WorldAtRefresh[] {
  const { service } = simServiceConfig(ctx);
  const ours = new OursOnSim(
    config,
    [{ service, controlPlane: ctx.controlPlane, forecasts: ctx.forecasts }],
    START,
  );
  const cluster = new Cluster(service.podStartupSeconds);
  // The same modelled Prometheus as the simulator's, to know the reading it saw.
  const prometheus = new RatePipeline(ctx.controlPlane);
  const refresh = config.sources.refreshSeconds;
  const out: WorldAtRefresh[] = [];
  let arrived = 0;
  for (let t = 0; t < w.rate.length; t++) {
    prometheus.step(t, arrived);
    const ready = cluster.ready;
    const size = cluster.size;
    ours.step(t, [arrived], [cluster]);
    if (t % refresh === 0) {
      const r = prometheus.rate;
      out.push({
        t,
        ...(r !== undefined ? { rate: { value: r, observedAt: START + prometheus.rateAt * 1000 } } : {}),
        ready,
        size,
        decision: ours.decision(0),
      });
    }
    cluster.advance(t);
    arrived += w.rate[t] ?? 0;
  }
  return out;
}

/** Sources that answer with what the simulator's sources said at the current refresh. */
function replayedSources(trigger: TriggerConfig, current: () => WorldAtRefresh): Sources {
  const read = (): Promise<number> => {
    const r = current().rate;
    return r === undefined ? Promise.reject(new Error("no rate yet")) : Promise.resolve(r.value);
  };
  return {
    byType: { [trigger.source]: { name: trigger.source, read } },
    kubernetes: {
      replicas: () => Promise.resolve({ ready: current().ready, current: current().size }),
    } as unknown as NonNullable<Sources["kubernetes"]>,
    close: () => Promise.resolve(),
  };
}

describe("the service loop and the simulator decide alike", () => {
  it("fed the same history and readings, every decision from the first forecast on is equal", async () => {
    const config = configOf(
      { api: serviceDoc({ minReplicas: 1, maxReplicas: 20 }) },
      { predictiveScaling: { enabled: true, confidenceThreshold: 0.5, scaleAheadMinutes: 5 } },
    );
    const base = config.services[0];
    assert.ok(base);
    const w = waveWorkload(2);
    const settings = { ...defaultSettings(config, base, 10), warmupSeconds: DAY };
    const forecasts = precomputeForecasts(w, settings);
    const ctx: SimContext = {
      start: START,
      rate: w.rate,
      capacity: 10,
      headroom: 0.8,
      service: base,
      config,
      controlPlane: DEFAULT_CONTROL_PLANE,
      forecasts,
    };
    const world = runSimulator(config, ctx, w);

    // The service, configured as the simulator sees the service, on the simulator's clock.
    const sim = simServiceConfig(ctx);
    const clock = new ScriptedClock(START);
    let now: WorldAtRefresh | undefined;
    const trigger = sim.service.triggers[0];
    assert.ok(trigger);
    const sources = replayedSources(trigger, () => now as WorldAtRefresh);
    // The history a range query would return at a forecast time: the minutes fully observed, up to
    // lookbackHours, summarised by the same pipeline as the service's Prometheus reader.
    const history: HistoryReader = {
      run: (task) => {
        const m = Math.floor((task.now - START) / 60_000);
        const from = Math.max(0, m - task.lookbackHours * 60);
        const series = {
          values: w.minuteRate.subarray(from, m),
          stepSeconds: 60,
          start: START + from * 60_000,
        };
        const predict = { horizonSteps: task.horizonSteps, quantile: task.quantile };
        return Promise.resolve(summarizeHistory(series, task.activationLoad, task.now, predict));
      },
    };
    const loop = new ScalerLoop(
      sim.config,
      sources,
      jsonLogger("error", () => undefined),
      () => clock.t,
      history,
      clock,
    );
    const forecastAt = new Set(forecasts.map((f) => f.t));
    const firstForecast = forecasts[0]?.t ?? Infinity;
    let compared = 0;
    let predictive = 0;
    for (const at of world) {
      now = at;
      clock.t = START + at.t * 1000;
      if (forecastAt.has(at.t)) await loop.refreshForecasts();
      const d = (await loop.refresh()).services[0];
      if (at.t <= firstForecast) continue;
      assert.deepEqual(d, at.decision, `decision at second ${at.t}`);
      compared++;
      if (d?.reason === "predictive") predictive++;
    }
    assert.ok(compared > 10_000, `compared ${compared} decisions`);
    assert.ok(predictive > 100, `the forecast set ${predictive} of them`);
  });
});
