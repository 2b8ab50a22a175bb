// Ours in tokens runs the service's decision code: the token simulator replays a day and six hours of
// a daily wave through OursInTokens; the service loop (ScalerLoop, on a scripted clock) is then fed
// what the simulator's modelled Prometheus answered for each of the llm block's queries at each
// refresh, the same ready and existing pods, and the same history of the token load (through an
// injected history reader over the tokens arriving per minute, the series the simulator's forecasts
// are fitted on). Both must reach the same decisions, replicas and reasons included.
//
// What the two legitimately see differently is left out, as in test/unit/pipeline/service-sim.test.ts:
// decisions are compared from the first forecast on, and the wave never falls to the activation
// level, so idle time is 0 in both.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Config, ServiceConfig } from "../../../../src/config/schema.ts";
import type { ServiceDecision } from "../../../../src/engine/types.ts";
import type { PerformanceProfile, StepBatch } from "../../../../src/llm/profile.ts";
import { summarizeHistory } from "../../../../src/pipeline/forecast.ts";
import type { HistoryReader } from "../../../../src/service/history.ts";
import { jsonLogger } from "../../../../src/service/log.ts";
import { ScalerLoop } from "../../../../src/service/loop.ts";
import type { Sources } from "../../../../src/signals/registry.ts";
import { DEFAULT_CONTROL_PLANE } from "../../../../src/sim/control-plane.ts";
import { arrivalsFromCounts, tokensPerMinute, type LlmArrivals } from "../../../../src/sim/llm/arrivals.ts";
import { OursInTokens, tokenServiceConfig } from "../../../../src/sim/llm/ours-tokens.ts";
import { replayWindow, tokenForecasts } from "../../../../src/sim/llm/replay-window.ts";
import { defaultLlmSettings, simulateLlm, type LlmController } from "../../../../src/sim/llm/simulate.ts";
import { VllmPrometheus, type TokenReadings } from "../../../../src/sim/llm/vllm-prometheus.ts";
import { llmConfig, PRICE, SLO } from "./fixtures.ts";
import { ScriptedClock } from "../../service/fake-scheduler.ts";

const DAY = 86_400;
const START = Date.parse("2026-03-02T00:00:00Z"); // a Monday

/**
 * A replica whose step is 15 ms + 0.01 ms per prefill token + 0.00002 ms per token of decode
 * context, 16 sequences at most: about one request of 500 + 1,000 tokens a second.
 */
const PROFILE: PerformanceProfile = {
  id: "hand/equal",
  model: "hand",
  gpuType: "hand",
  engine: "vllm",
  tensorParallel: 1,
  gpusPerReplica: 1,
  kvCacheTokens: 200_000,
  loadSeconds: 60,
  limits: { maxBatchedTokens: 2048, maxSeqs: 16 },
  stepSeconds: (b: StepBatch) => (15 + 0.01 * b.prefillTokens + 0.00002 * b.decodeContextTokens) / 1000,
};

/** Requests per minute of a daily wave between 60 and 300 a minute, with a half-hour ripple: never idle. */
function wave(days: number): LlmArrivals {
  const values = new Float64Array(days * 1440);
  for (let m = 0; m < values.length; m++)
    values[m] = 180 + 120 * Math.sin((2 * Math.PI * m) / 1440) + 20 * Math.sin((2 * Math.PI * m) / 30);
  return arrivalsFromCounts("wave", { start: START, stepSeconds: 60, values, unit: "requests" }, 1, {
    promptTokens: 500,
    outputTokens: 1000,
  });
}

/** What the simulator's sources said at one refresh, and what ours decided on it. */
interface WorldAtRefresh {
  readonly t: number;
  readonly readings: TokenReadings;
  readonly ready: number;
  readonly size: number;
  readonly decision: ServiceDecision | undefined;
}

/** Ours, recording at each refresh the readings a second modelled Prometheus gives for the same fleet. */
function recording(ours: OursInTokens, refresh: number, out: WorldAtRefresh[]): LlmController {
  const prometheus = new VllmPrometheus(DEFAULT_CONTROL_PLANE.scrapeSeconds, SLO_PERCENTILE);
  return {
    step(t, live, cluster) {
      prometheus.step(t, live);
      const ready = cluster.ready;
      const size = cluster.size;
      ours.step(t, live, cluster);
      if (t % refresh === 0)
        out.push({ t, readings: prometheus.readings(), ready, size, decision: ours.decision() });
    },
    desired: () => ours.desired(),
  };
}

const SLO_PERCENTILE = 0.99;

/** Prometheus answering each llm trigger's query with the simulator's reading; kube replicas likewise. */
function replayedSources(current: () => WorldAtRefresh): Sources {
  return {
    byType: {
      prometheus: {
        name: "prometheus",
        read: (trigger) => {
          const v =
            trigger.llm === undefined || trigger.llm === "spotPending"
              ? undefined
              : current().readings[trigger.llm];
          return v === undefined ? Promise.reject(new Error("no answer yet")) : Promise.resolve(v);
        },
      },
    },
    kubernetes: {
      replicas: () => Promise.resolve({ ready: current().ready, current: current().size }),
    } as unknown as NonNullable<Sources["kubernetes"]>,
    close: () => Promise.resolve(),
  };
}

/** The history a range query of the token load returns at a forecast time: the minutes before it. */
function tokenHistory(trace: LlmArrivals): HistoryReader {
  const minutes = tokensPerMinute(trace);
  return {
    run: (task) => {
      const m = Math.floor((task.now - START) / 60_000);
      const from = Math.max(0, m - task.lookbackHours * 60);
      const series = { values: minutes.subarray(from, m), stepSeconds: 60, start: START + from * 60_000 };
      const predict = { horizonSteps: task.horizonSteps, quantile: task.quantile };
      return Promise.resolve(summarizeHistory(series, task.activationLoad, task.now, predict));
    },
  };
}

function setup(): { config: Config; service: ServiceConfig } {
  const parsed = llmConfig(
    PROFILE,
    { maxReplicas: 30, podStartupSeconds: 60 },
    { predictiveScaling: { enabled: true, confidenceThreshold: 0.5, scaleAheadMinutes: 5 } },
  );
  const base = parsed.services[0];
  assert.ok(base);
  const service = tokenServiceConfig(base, 1);
  return { config: { ...parsed, services: [service] }, service };
}

describe("ours in tokens: the service loop and the token simulator decide alike", () => {
  it("fed the same readings, pods and history, every decision from the first forecast on is equal", async () => {
    const { config, service } = setup();
    const trace = wave(1.25);
    const window = replayWindow(trace, DAY, DAY);
    assert.equal(window.offsetSeconds, 0);
    const forecasts = tokenForecasts(trace, window, config, service);
    assert.ok(forecasts.length > 50, `${forecasts.length} forecasts`);
    const world: WorldAtRefresh[] = [];
    const ours = new OursInTokens({
      config,
      service,
      controlPlane: DEFAULT_CONTROL_PLANE,
      forecasts,
      start: trace.start,
      historyFrom: trace.start,
    });
    const settings = defaultLlmSettings(PROFILE, PRICE, SLO, service.maxReplicas);
    simulateLlm(trace, settings, recording(ours, config.sources.refreshSeconds, world), {
      policy: "ours",
      knob: 1,
    });

    const clock = new ScriptedClock(START);
    let now: WorldAtRefresh | undefined;
    const loop = new ScalerLoop(
      config,
      replayedSources(() => now as WorldAtRefresh),
      jsonLogger("error", () => undefined),
      () => clock.t,
      tokenHistory(trace),
      clock,
    );
    const forecastAt = new Set(forecasts.map((f) => f.t));
    const firstForecast = forecasts[0]?.t ?? Infinity;
    let compared = 0;
    const reasons = new Set<string>();
    const replicas = new Set<number>();
    for (const at of world) {
      now = at;
      clock.t = START + at.t * 1000;
      if (forecastAt.has(at.t)) await loop.refreshForecasts();
      const d = (await loop.refresh()).services[0];
      if (at.t <= firstForecast) continue;
      assert.deepEqual(d, at.decision, `decision at second ${at.t}`);
      compared++;
      if (d) {
        reasons.add(d.reason);
        replicas.add(d.desiredReplicas);
      }
    }
    assert.ok(compared > 2000, `compared ${compared} decisions`);
    // The comparison covers both token steps and a range of sizes, not one constant answer.
    assert.ok(reasons.has("predictive"), `reasons seen: ${[...reasons].join(", ")}`);
    assert.ok(replicas.size >= 4, `replica counts seen: ${[...replicas].join(", ")}`);
  });
});
