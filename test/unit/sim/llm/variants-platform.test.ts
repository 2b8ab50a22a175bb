// The platform replay with variants (platform.ts, variant-fleets.ts, ours-variants.ts): the
// service loop and the simulator decide alike for three services with variants (the example's
// config: budget, quota, spot hedge), and the replay's own rules: the router honours the
// decision's capacity weights, a preempted spot replica's requests are routed again and finish,
// the same seed replays the same preemptions, and the pods are paid per second at their price.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseConfig, type Config, type ServiceConfig } from "../../../../src/config/schema.ts";
import type { ServiceDecision } from "../../../../src/engine/types.ts";
import { summarizeHistory } from "../../../../src/pipeline/forecast.ts";
import type { HistoryReader } from "../../../../src/service/history.ts";
import { jsonLogger } from "../../../../src/service/log.ts";
import { ScalerLoop } from "../../../../src/service/loop.ts";
import type { Sources } from "../../../../src/signals/registry.ts";
import { DEFAULT_CONTROL_PLANE } from "../../../../src/sim/control-plane.ts";
import { arrivalsFromCounts, tokensPerMinute, type LlmArrivals } from "../../../../src/sim/llm/arrivals.ts";
import { tokenServiceConfig } from "../../../../src/sim/llm/ours-tokens.ts";
import { OursVariants } from "../../../../src/sim/llm/ours-variants.ts";
import {
  simulatePlatform,
  type PlatformController,
  type PlatformResult,
  type PlatformService,
  type PreemptionSpec,
} from "../../../../src/sim/llm/platform.ts";
import { platformServices } from "../../../../src/sim/llm/platform-setup.ts";
import { plannedService } from "../../../../src/sim/llm/platform-replay.ts";
import { parseSpotTrace } from "../../../../src/sim/llm/spot-trace.ts";
import { replayWindow, tokenForecasts } from "../../../../src/sim/llm/replay-window.ts";
import { VllmPrometheus, type TokenReadings } from "../../../../src/sim/llm/vllm-prometheus.ts";
import { ScriptedClock } from "../../service/fake-scheduler.ts";

const DAY = 86_400;
const START = Date.parse("2026-03-02T00:00:00Z"); // a Monday

const example = parseConfig(
  parseYaml(readFileSync(new URL("../../../../examples/llm-variants.yaml", import.meta.url), "utf8")),
);

/**
 * Requests per minute of a daily wave between `low` and `high`, with a half-hour ripple; each
 * request of the service's expected lengths.
 */
function wave(service: ServiceConfig, days: number, low: number, high: number): LlmArrivals {
  const values = new Float64Array(days * 1440);
  const mid = (low + high) / 2;
  const amp = (high - low) / 2;
  for (let m = 0; m < values.length; m++)
    values[m] =
      mid + amp * (0.85 * Math.sin((2 * Math.PI * m) / 1440) + 0.15 * Math.sin((2 * Math.PI * m) / 30));
  const llm = service.llm as NonNullable<ServiceConfig["llm"]>;
  return arrivalsFromCounts(service.name, { start: START, stepSeconds: 60, values, unit: "requests" }, 1, {
    promptTokens: llm.meanPromptTokens,
    outputTokens: llm.meanOutputTokens,
  });
}

/** Requests per minute (low, high) per service of the example: chat, code, agents. */
const LOADS: Record<string, readonly [number, number]> = {
  chat: [400, 2400],
  code: [30, 150],
  agents: [20, 120],
};

/** What the simulator's sources said at one refresh, and what ours decided on it. */
interface WorldAtRefresh {
  readonly t: number;
  readonly readings: readonly TokenReadings[];
  readonly pods: readonly Readonly<Record<string, { ready: number; current: number }>>[];
  readonly decisions: readonly ServiceDecision[];
}

/** Ours, recording at each refresh what a second modelled Prometheus reads and the pods of each variant. */
function recording(
  ours: OursVariants,
  refresh: number,
  out: WorldAtRefresh[],
): (n: number) => PlatformController {
  return (n) => {
    const prometheus = Array.from(
      { length: n },
      () => new VllmPrometheus(DEFAULT_CONTROL_PLANE.scrapeSeconds, 0.99),
    );
    return {
      step(t, fleets) {
        fleets.forEach((f, i) => prometheus[i]?.step(t, f));
        const pods = fleets.map((f) =>
          Object.fromEntries(
            f.pods.map((p) => [p.variant.name, { ready: p.cluster.ready, current: p.cluster.size }]),
          ),
        );
        ours.step(t, fleets);
        if (t % refresh === 0)
          out.push({
            t,
            readings: prometheus.map((p) => p.readings()),
            pods,
            decisions: ours.lastDecisions(),
          });
      },
      weight: (s, v) => ours.weight(s, v),
    };
  };
}

/** Prometheus answering each trigger's query with its service's reading; each variant's pods from the world. */
function replayedSources(config: Config, current: () => WorldAtRefresh): Sources {
  const serviceOf = new Map(config.services.flatMap((s, i) => s.triggers.map((t) => [t, i] as const)));
  const variantOf = new Map(
    config.services.flatMap((s, i) => (s.variants ?? []).map((v) => [v.workload.name, [i, v.name] as const])),
  );
  return {
    byType: {
      prometheus: {
        name: "prometheus",
        read: (trigger) => {
          const i = serviceOf.get(trigger);
          if (i === undefined) return Promise.reject(new Error(`unknown trigger ${trigger.name}`));
          if (trigger.llm === "spotPending") return Promise.resolve(0);
          const v = trigger.llm === undefined ? undefined : current().readings[i]?.[trigger.llm];
          return v === undefined ? Promise.reject(new Error("no answer yet")) : Promise.resolve(v);
        },
      },
    },
    kubernetes: {
      replicas: (w: { name: string }) => {
        const [i, name] = variantOf.get(w.name) ?? [-1, ""];
        const p = current().pods[i]?.[name];
        return p === undefined
          ? Promise.reject(new Error(`unknown workload ${w.name}`))
          : Promise.resolve({ ready: p.ready, current: p.current });
      },
    } as unknown as NonNullable<Sources["kubernetes"]>,
    close: () => Promise.resolve(),
  };
}

/** The history a range query of a service's token load returns at a forecast time: the minutes before it. */
function tokenHistory(config: Config, traces: readonly LlmArrivals[]): HistoryReader {
  const byQuery = new Map(
    config.services.map((s, i) => {
      const load = s.triggers.find((t) => t.name === s.loadTrigger);
      return [load?.historyQuery ?? "", tokensPerMinute(traces[i] as LlmArrivals)] as const;
    }),
  );
  return {
    run: (task) => {
      const minutes = byQuery.get(task.query);
      if (minutes === undefined) return Promise.reject(new Error(`no history for ${task.query}`));
      const m = Math.floor((task.now - START) / 60_000);
      const from = Math.max(0, m - task.lookbackHours * 60);
      const series = { values: minutes.subarray(from, m), stepSeconds: 60, start: START + from * 60_000 };
      const predict = { horizonSteps: task.horizonSteps, quantile: task.quantile };
      return Promise.resolve(summarizeHistory(series, task.activationLoad, task.now, predict));
    },
  };
}

/**
 * Decisions are compared from this second of the replay on: before the first live token reading
 * the simulator counts idle time from the trace's start (it does not read the history back, as
 * ours-tokens.ts), where the service reads the busy history, so both see the load only from then.
 */
const COMPARE_FROM = 600;

const engineServices = example.services.map((s) => tokenServiceConfig(s, 1));
const engineConfig: Config = { ...example, services: engineServices };

describe("platform replay: the service loop and the simulator decide alike with variants", () => {
  it("three services with variants, one budget and quota: every decision from the first forecast on is equal", async () => {
    const traces = engineServices.map((s) => {
      const [low, high] = LOADS[s.name] ?? [1, 1];
      return wave(s, 1.25, low, high);
    });
    // Replays the last 6 hours and the settling hour; forecasts from the whole day before.
    const windows = traces.map((t) => replayWindow(t, DAY));
    const forecasts = engineServices.map((s, i) =>
      tokenForecasts(
        traces[i] as LlmArrivals,
        windows[i] as ReturnType<typeof replayWindow>,
        engineConfig,
        s,
      ),
    );
    const offset = windows[0]?.offsetSeconds ?? 0;
    assert.ok(forecasts.every((f) => f.length > 50));
    const world: WorldAtRefresh[] = [];
    const ours = new OursVariants({
      config: engineConfig,
      services: engineServices.map((service, i) => ({
        service,
        forecasts: forecasts[i] ?? [],
        historyFrom: START,
      })),
      controlPlane: DEFAULT_CONTROL_PLANE,
      start: START + offset * 1000,
    });
    const services = platformServices(
      engineConfig,
      engineServices,
      (i) => windows[i]?.arrivals as LlmArrivals,
    );
    simulatePlatform(
      services,
      { measureFromSeconds: 3600, endSeconds: 7 * 3600, drainSeconds: 30, tailSeconds: 0 },
      (fleets) => recording(ours, engineConfig.sources.refreshSeconds, world)(fleets.length),
      "ours",
    );

    const clock = new ScriptedClock(START);
    let now: WorldAtRefresh | undefined;
    const loop = new ScalerLoop(
      engineConfig,
      replayedSources(engineConfig, () => now as WorldAtRefresh),
      jsonLogger("error", () => undefined),
      () => clock.t,
      tokenHistory(engineConfig, traces),
      clock,
    );
    const forecastAt = new Set(forecasts[0]?.map((f) => f.t));
    const firstForecast = forecasts[0]?.[0]?.t ?? Infinity;
    let compared = 0;
    const splits = new Set<string>();
    for (const at of world) {
      now = at;
      clock.t = START + (offset + at.t) * 1000;
      if (forecastAt.has(at.t)) await loop.refreshForecasts();
      const d = await loop.refresh();
      if (at.t <= Math.max(firstForecast, COMPARE_FROM)) continue;
      assert.deepEqual(d.services, at.decisions, `decisions at second ${at.t}`);
      compared++;
      for (const s of d.services)
        splits.add(`${s.service}:${(s.variants?.variants ?? []).map((v) => v.desiredReplicas).join("/")}`);
    }
    assert.ok(compared > 2000, `compared ${compared} refreshes`);
    // Not one constant answer: the splits move with the load.
    assert.ok(splits.size >= 8, `splits seen: ${[...splits].join(", ")}`);
  });
});

/** The example's chat service alone on a steady load, ours deciding; seconds 600 to 2,400 measured. */
function chatRun(preemption?: PreemptionSpec, spotOnly = false): PlatformResult {
  const chat = engineServices[0] as ServiceConfig;
  const service: ServiceConfig = spotOnly
    ? { ...chat, variants: (chat.variants ?? []).filter((v) => v.spotShare > 0) }
    : chat;
  const config: Config = { ...engineConfig, services: [service] };
  const arrivals = wave(service, 1 / 24, 600, 600);
  const services = platformServices(config, [service], () => arrivals);
  return simulatePlatform(
    services,
    { measureFromSeconds: 600, endSeconds: 2400, drainSeconds: 30, tailSeconds: 600, maxHourlyCost: 120 },
    () =>
      new OursVariants({
        config,
        services: [{ service, forecasts: [], historyFrom: START }],
        controlPlane: DEFAULT_CONTROL_PLANE,
        start: START,
      }),
    "ours",
    preemption,
  );
}

describe("platform replay: spot preemption", () => {
  const rate: PreemptionSpec = { perHour: { "nvidia-l40s": 4 }, seed: 7 };

  it("a preempted replica's requests are routed again and finish; the same seed replays the same run", () => {
    const a = chatRun(rate, true);
    const b = chatRun(rate, true);
    const s = a.services[0];
    assert.ok(s);
    assert.ok(s.preemptions >= 3, `${s.preemptions} preemptions`);
    assert.ok(s.hitByPreemption > 0, "a preemption took requests off a replica");
    assert.equal(s.unfinished - s.rejected, 0, "every rerouted request finished");
    assert.deepEqual(a, b);
  });

  it("without preemption events no request is hit, and the stated rate of 0 is the same run", () => {
    const none = chatRun(undefined, true);
    const zero = chatRun({ perHour: { "nvidia-l40s": 0 }, seed: 7 }, true);
    assert.equal(none.services[0]?.hitByPreemption, 0);
    assert.deepEqual(zero, none);
  });

  it("preemptions cost SLO attainment and the replacements' start-up shows in the pods paid", () => {
    const none = chatRun(undefined, true);
    const hit = chatRun(rate, true);
    const [a, b] = [none.services[0], hit.services[0]];
    assert.ok(a && b);
    assert.ok(b.attainmentPct <= a.attainmentPct, `${b.attainmentPct} > ${a.attainmentPct}`);
    assert.ok(b.hitMetSlo <= b.hitByPreemption);
  });
});

describe("platform replay: routing and cost", () => {
  it("the router shares requests across variants by ready replicas x capacity per replica", () => {
    const chat = engineServices[0] as ServiceConfig;
    const config: Config = { ...engineConfig, services: [chat] };
    const arrivals = wave(chat, 1 / 24, 60, 60);
    const services: PlatformService[] = platformServices(config, [chat], () => arrivals);
    const counts = [0, 0, 0];
    const result = simulatePlatform(
      services,
      {
        measureFromSeconds: 0,
        endSeconds: 1800,
        drainSeconds: 30,
        tailSeconds: 600,
        gpuQuotas: { "nvidia-l40s": 1, "nvidia-h100": 0 },
      },
      (fleets) => ({
        step(t) {
          if (t === 0) fleets[0]?.pods.forEach((p, k) => p.cluster.setReplicas(k === 1 ? 0 : 1, t, true));
          fleets[0]?.pods.forEach((p, k) => (counts[k] = p.fleet.arrivals));
        },
        // l40s 1 a replica, h100 3: l40s takes a quarter, h100 three quarters.
        weight: (_, v) => (v === "h100" ? 3 : 1),
      }),
      "fixed",
    );
    const total = counts.reduce((a, b) => a + b, 0);
    assert.ok(total > 1000);
    assert.equal(counts[1], 0);
    assert.ok(Math.abs((counts[0] ?? 0) / total - 0.25) < 0.01, `l40s took ${counts[0]} of ${total}`);
    // Paid: one L40S and one H100 for 1,800 s at the config's on-demand prices.
    const s = result.services[0];
    assert.ok(s);
    assert.ok(Math.abs(s.dollars - 0.5 * (1.86 + 6.98)) < 1e-6, `${s.dollars}`);
    assert.ok(Math.abs(s.gpuHours - 1) < 1e-9);
    // The GPUs the pods take against the quotas: one L40S within its 1, one H100 over its 0 for
    // every measured second.
    assert.deepEqual(
      { ...result.gpuQuotas },
      {
        "nvidia-l40s": { peakGpus: 1, secondsOver: 0 },
        "nvidia-h100": { peakGpus: 1, secondsOver: 1800 },
      },
    );
  });
});

describe("platform replay: the headroom the engine plans with", () => {
  it("at u = 0.5 every variant's steps take twice as long and its capacity drops; u = 1 is the service as it is", () => {
    const chat = example.services[0] as ServiceConfig;
    const planned = plannedService(chat, 0.5);
    const batch = {
      prefillTokens: 512,
      prefillSeqs: 1,
      prefillContextTokens: 0,
      decodeSeqs: 8,
      decodeContextTokens: 8000,
    };
    for (const [i, v] of (chat.variants ?? []).entries()) {
      const p = planned.variants?.[i];
      assert.ok(p);
      assert.equal(p.profile.stepSeconds(batch), 2 * v.profile.stepSeconds(batch));
      assert.ok(
        p.expectedCapacity < v.expectedCapacity,
        `${v.name}: ${p.expectedCapacity} >= ${v.expectedCapacity}`,
      );
    }
    assert.deepEqual(plannedService(chat, 1).variants, chat.variants);
  });
});

describe("platform replay: recorded spot preemptions (SkyPilot's spot-traces format)", () => {
  it("a drop in the instances held is that many preemptions at the later tick", () => {
    const t = parseSpotTrace(
      JSON.stringify({ metadata: { gap_seconds: 30 }, data: [0, 1, 1, 0, 0, 2, 0, 1] }),
      "x.json",
    );
    assert.deepEqual(t.events, [90, 180, 180]);
    assert.equal(t.spanSeconds, 240);
    assert.equal(t.instanceHours, (5 * 30) / 3600);
  });
  const bad: [string, RegExp][] = [
    ["{", /^RangeError: x.json: is not JSON/],
    ["[]", /^RangeError: x.json: must be a JSON object$/],
    [
      JSON.stringify({ metadata: { gap_seconds: 0 }, data: [1] }),
      /metadata.gap_seconds: must be seconds .* got 0$/,
    ],
    [JSON.stringify({ metadata: { gap_seconds: 30 }, data: [] }), /data: must be a non-empty array/],
    [
      JSON.stringify({ metadata: { gap_seconds: 30 }, data: [1, 0.5] }),
      /data\[1\]: must be a whole number of instances .* got 0.5$/,
    ],
    [JSON.stringify({ metadata: { gap_seconds: 30 }, data: [1, "x"] }), /data\[1\]: .* got x$/],
  ];
  for (const [text, message] of bad)
    it(`${text.slice(0, 50)} is rejected, naming the field`, () => {
      assert.throws(() => parseSpotTrace(text, "x.json"), message);
    });

  it("each recorded event preempts one spot pod of its GPU type; that type takes no Poisson events", () => {
    const events = { "nvidia-l40s": [700.5, 900, 1500, 5000] };
    const r = chatRun({ perHour: { "nvidia-l40s": 1000 }, seed: 3, events }, true);
    const s = r.services[0];
    assert.ok(s);
    // Three events in the measured window (600-2,400 s); the one at 5,000 s is after the run.
    assert.equal(s.preemptions, 3);
    assert.ok(s.hitByPreemption > 0);
    assert.equal(s.unfinished - s.rejected, 0);
  });
});
