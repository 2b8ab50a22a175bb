// The scale-down delay (rules/scale-down-delay.ts): a lower count waits scaleDownDelaySeconds; a
// rise acts at once; a held count never holds itself up. With variants it holds the token demand.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, type Config } from "../../../src/config/schema.ts";
import { decide, nextState } from "../../../src/engine/decide.ts";
import { EMPTY_STATE, type EngineState, type ServiceDecision } from "../../../src/engine/types.ts";
import { servicesView } from "../../../src/service/http.ts";
import { greedyOverride } from "../../../src/sim/llm/variant-baselines.ts";
import type { LoopSnapshot } from "../../../src/service/snapshot.ts";
import { configOf, obs, serviceDoc, T0 } from "../helpers.ts";
import { LINEAR, linearLlmConfig } from "../llm/linear-profile.ts";

const delayed = (delay: number) =>
  configOf({ svc: serviceDoc({ maxReplicas: 20, scaleDownDelaySeconds: delay }) });

/** Decisions once a minute at the given request rates (rps target 10 a replica), from T0. */
function run(delay: number, rates: readonly number[]): ServiceDecision[] {
  const config = delayed(delay);
  let state: EngineState = EMPTY_STATE;
  return rates.map((rps, i) => {
    const now = T0 + i * 60_000;
    const d = decide(config, { svc: obs({ rps, gpu: 10 }, {}, now) }, state, now);
    state = nextState(config, d, state);
    const s = d.services[0];
    assert.ok(s);
    return s;
  });
}

describe("the scale-down delay", () => {
  // 90 req/s asks ceil(90 / 10) = 9 at minute 0; 10 req/s asks 1 from minute 1.
  const burstThenLull = [90, ...Array<number>(16).fill(10)];

  it("900 s: the 9 asked at minute 0 stood until minute 1, so it holds through minute 15 (window from minute 0) and not at minute 16", () => {
    const d = run(900, burstThenLull);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1],
    );
    assert.equal(d[1]?.reason, "hold");
    assert.equal(d[1]?.askedBeforeDelay, 1);
    assert.match(
      d[1]?.reasons.map((r) => r.message).join("\n") ?? "",
      /scale-down delay: holding 9, the highest count asked within the last 900 s \(1 asked now\)/,
    );
    assert.equal(d[16]?.askedBeforeDelay, 1);
    assert.equal(d[16]?.reason, "reactive");
  });

  it("0 (the default) changes nothing: 1 from minute 1, and the decision carries no count before a delay", () => {
    const d = run(0, burstThenLull);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [9, ...Array<number>(16).fill(1)],
    );
    assert.equal(d[0]?.askedBeforeDelay, undefined);
  });

  it("a rise acts at once, and the delay then holds the higher count", () => {
    const d = run(600, [20, 10, 150, 10, 10]);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [2, 2, 15, 15, 15],
    );
    assert.equal(d[2]?.reason, "reactive");
  });

  it("keeps the answers it needs past the HPA's window: 1,800 s against its 300", () => {
    const d = run(1800, [90, ...Array<number>(30).fill(10), 10]);
    assert.equal(d[30]?.desiredReplicas, 9, "minute 30: the window opens at minute 0, where the 9 stood");
    assert.equal(d[31]?.desiredReplicas, 1);
  });

  it("/api/v1/services shows the count asked before the delay beside the one answered", () => {
    const config = delayed(900);
    const first = decide(config, { svc: obs({ rps: 90, gpu: 10 }) }, EMPTY_STATE, T0);
    const now = T0 + 60_000;
    const d = decide(
      config,
      { svc: obs({ rps: 10, gpu: 10 }, {}, now) },
      nextState(config, first, EMPTY_STATE),
      now,
    );
    const service = config.services[0];
    const decision = d.services[0];
    assert.ok(service && decision);
    const snap: LoopSnapshot = {
      decisions: d,
      services: new Map([["svc", { service, decision, readyErrors: 0, signals: new Map() }]]),
      ready: true,
      quantile: 0.95,
    };
    const view = servicesView(snap, now) as {
      services: { decision: { desiredReplicas: number; reason: string; askedBeforeDelay: number | null } }[];
    };
    assert.deepEqual(
      view.services[0]?.decision && {
        desiredReplicas: view.services[0].decision.desiredReplicas,
        reason: view.services[0].decision.reason,
        askedBeforeDelay: view.services[0].decision.askedBeforeDelay,
      },
      { desiredReplicas: 9, reason: "hold", askedBeforeDelay: 1 },
    );
  });
});

// An llm service (the linear test profile: 23,537 tokens/s a replica at 1,000 + 100 tokens within
// TTFT p99 0.5 s; test/unit/engine/llm.test.ts): the delay holds the count its load asked, and the
// latency guards join after it (rules/latency-guard.ts). 100,000 tokens/s asks ceil(4.25) = 5; a
// TTFT p99 of 0.9 s over 5 ready corrects a replica to 23,537 x 0.5 / 0.9 = 13,076 tokens/s, asks
// ceil(7.6) = 8 and steps to 5 + 1 = 6; 20,000 tokens/s asks 1.
describe("the scale-down delay for an llm service", () => {
  const config = (delay: number): Config => linearLlmConfig({ scaleDownDelaySeconds: delay });

  /** Decisions once a minute: tokens/s, TTFT p99 and ready pods per minute. */
  function runLlm(delay: number, minutes: readonly (readonly [number, number, number])[]): ServiceDecision[] {
    const c = config(delay);
    let state: EngineState = EMPTY_STATE;
    return minutes.map(([tokens, ttft, ready], i) => {
      const now = T0 + i * 60_000;
      const o = obs(
        { tokens, requestRate: 0, ttft, itl: 0.02 },
        { readyReplicas: ready, currentReplicas: ready },
        now,
      );
      const d = decide(c, { vllm: o }, state, now);
      state = nextState(c, d, state);
      const s = d.services[0];
      assert.ok(s);
      return s;
    });
  }

  // Minute 0: the burst asks 5; minute 1: TTFT 0.9 s over 5 ready, the guard asks 6; then the lull.
  const minutes = [
    [100_000, 0.3, 4],
    [100_000, 0.9, 5],
    ...Array<readonly [number, number, number]>(16).fill([20_000, 0.2, 6]),
  ] as const;

  it("900 s: the guard's 6 acts at once, and the lull holds the load's 5 (asked until minute 2) through minute 16, not the guard's 6", () => {
    const d = runLlm(900, minutes);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [5, 6, ...Array<number>(15).fill(5), 1],
    );
    assert.equal(d[1]?.reason, "reactive");
    assert.equal(
      d[1]?.askedBeforeDelay,
      5,
      "minute 1: the load asked 5 before the delay; the guard's 6 joins after it",
    );
    assert.equal(d[1]?.reactiveReplicas, 6);
    assert.equal(d[2]?.reason, "hold");
    assert.match(
      d[2]?.reasons.map((r) => r.message).join("\n") ?? "",
      /scale-down delay: holding 5, the highest count asked within the last 900 s \(1 asked now\)/,
    );
  });

  it("without a delay the guard's 6 still acts, and the lull's 1 follows at once", () => {
    const d = runLlm(0, minutes);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [5, 6, ...Array<number>(16).fill(1)],
    );
  });
});

// A service with variants holds its token demand, not its counts (split/demand.ts): the split
// sizes for the highest demand asked within the delay at the least cost. Both variants use the
// linear test profile (23,537 tokens/s a replica at 1,000 + 100 tokens; test/unit/engine/variants.test.ts):
// L40S at $1.80/h loading in 480 s, H100 at $6.90/h loading in 60 s.
describe("the scale-down delay for a service with variants", () => {
  const config = (delay: number, over: Record<string, unknown> = {}): Config =>
    parseConfig(
      {
        sources: { prometheus: { url: "http://127.0.0.1:9090" } },
        businessRules: {
          costOptimization: {
            gpuHourlyPrices: { "nvidia-l40s": 1.8, "nvidia-h100": 6.9 },
            cpuHourlyPrice: 0,
            memoryGiBHourlyPrice: 0,
          },
        },
        services: {
          chat: {
            workload: { name: "chat", namespace: "inference" },
            minReplicas: 0,
            maxReplicas: 20,
            scaleDownDelaySeconds: delay,
            llm: {
              slo: { ttftSeconds: 0.5, itlSeconds: 0.035 },
              meanPromptTokens: 1000,
              meanOutputTokens: 100,
            },
            variants: {
              l40s: { profile: "linear.json", resources: { gpuType: "nvidia-l40s" }, podStartupSeconds: 480 },
              h100: { profile: "linear.json", resources: { gpuType: "nvidia-h100" }, podStartupSeconds: 60 },
            },
            triggers: {
              requestRate: { source: "prometheus", query: "q", target: 10, kind: "extensive", arrival: true },
            },
            ...over,
          },
        },
      },
      { load: () => LINEAR },
    );

  type Split = { l40s: number; h100: number };

  /**
   * Decisions once a minute at the given tokens/s. A variant's pods are ready once asked for its
   * start-up: H100 one decision after the ask, L40S eight (a pod asked and still asked since).
   */
  function run(
    delay: number,
    loads: readonly number[],
    over: Record<string, unknown> = {},
  ): { split: Split; d: ServiceDecision }[] {
    const c = config(delay, over);
    let busy = 0;
    let state: EngineState = EMPTY_STATE;
    const asked: Split[] = [];
    return loads.map((tokens, i) => {
      const now = T0 + i * 60_000;
      const since = (n: number): Split[] => asked.slice(Math.max(0, i - n));
      const readyOf = (v: keyof Split, n: number): number =>
        i < n ? 0 : Math.min(...since(n).map((s) => s[v]));
      const ready: Split = { l40s: readyOf("l40s", 8), h100: readyOf("h100", 1) };
      const total = ready.l40s + ready.h100;
      if (tokens > 0) busy = i;
      const o = obs(
        { tokens, requestRate: 0 },
        {
          idleSeconds: (i - busy) * 60,
          readyReplicas: total,
          currentReplicas: total,
          variants: {
            l40s: { readyReplicas: ready.l40s, currentReplicas: ready.l40s },
            h100: { readyReplicas: ready.h100, currentReplicas: ready.h100 },
          },
        },
        now,
      );
      const decisions = decide(c, { chat: o }, state, now);
      state = nextState(c, decisions, state);
      const d = decisions.services[0];
      assert.ok(d);
      const of = (v: string): number =>
        d.variants?.variants.find((x) => x.variant === v)?.desiredReplicas ?? -1;
      const split = { l40s: of("l40s"), h100: of("h100") };
      asked.push(split);
      return { split, d };
    });
  }

  // A burst of 50,000 tokens/s at minute 0, 1,000 from minute 1, the burst again at minute 12.
  const burstLullBurst = [50_000, ...Array<number>(11).fill(1_000), 50_000];

  it("without it: the lull's 1,000 tokens/s asks 1 L40S (1 H100 kept until it serves), so the next burst meets 1 ready L40S and starts 2 H100", () => {
    const runs = run(0, burstLullBurst);
    assert.deepEqual(runs[0]?.split, { l40s: 0, h100: 3 }, "nothing ready: 3 H100 serve from +60 s");
    assert.deepEqual(runs[1]?.split, { l40s: 1, h100: 1 });
    assert.deepEqual(runs[11]?.split, { l40s: 1, h100: 0 });
    assert.deepEqual(runs[12]?.split, { l40s: 1, h100: 2 });
    assert.equal(runs[1]?.d.variants?.scaleDownDelay, undefined);
  });

  it("900 s: the split sizes for the burst's 50,000 through the lull (3 L40S started, the 3 H100 held until they serve), so the next burst meets 3 ready L40S (70,611 tokens/s) and starts nothing", () => {
    const runs = run(900, burstLullBurst);
    assert.deepEqual(runs[1]?.split, { l40s: 3, h100: 3 });
    assert.equal(runs[1]?.d.reason, "hold");
    assert.deepEqual(runs[1]?.d.variants?.scaleDownDelay, {
      askedTokensPerSecond: 1_000,
      heldTokensPerSecond: 50_000,
    });
    assert.match(
      runs[1]?.d.reasons.map((r) => r.message).join("\n") ?? "",
      /variants: scale-down delay: sizing for 50,000 tokens\/s, the highest demand asked within the last 900 s \(1,000 asked now\)/,
    );
    assert.deepEqual(runs[9]?.split, { l40s: 3, h100: 0 }, "the L40S serve from minute 9: the H100 go");
    assert.deepEqual(runs[12]?.split, { l40s: 3, h100: 0 });
  });

  it("scale to zero reads the demand now: idle 2 minutes at scaleToZeroAfterMinutes 2 zeroes the split within the delay", () => {
    const runs = run(900, [50_000, 0, 0, 0], { scaleToZeroAfterMinutes: 2 });
    assert.deepEqual(runs[1]?.split, { l40s: 3, h100: 3 }, "idle 1 minute: the delay holds 50,000");
    assert.deepEqual(runs[2]?.split, { l40s: 0, h100: 0 });
    assert.equal(runs[2]?.d.reason, "scale-to-zero");
  });

  it("the greedy baseline fills the demand the decision held: 3 L40S for 50,000 tokens/s, not 1 for the 1,000 asked now", () => {
    const fill = (delay: number): Readonly<Record<string, number>> | undefined => {
      const d = run(delay, burstLullBurst.slice(0, 2))[1]?.d;
      assert.ok(d);
      return greedyOverride(config(delay))([d])[0];
    };
    assert.deepEqual(fill(900), { l40s: 3, h100: 0 });
    assert.deepEqual(fill(0), { l40s: 1, h100: 0 });
  });

  it("900 s: the latency guards are not held: a TTFT of 47 s over 2 H100 sizes minute 0 for 70,610 tokens/s (3 H100); at minute 1, within target, the delay holds the 20,000 asked, not the guard's", () => {
    const c = config(900);
    let state: EngineState = EMPTY_STATE;
    const d = (
      [
        [47, 2],
        [0.2, 3],
      ] as const
    ).map(([ttft, h100], i) => {
      const now = T0 + i * 60_000;
      const o = obs(
        { tokens: 20_000, requestRate: 0, ttft, itl: 0.02 },
        {
          idleSeconds: 0,
          readyReplicas: h100,
          currentReplicas: h100,
          variants: {
            l40s: { readyReplicas: 0, currentReplicas: 0 },
            h100: { readyReplicas: h100, currentReplicas: h100 },
          },
        },
        now,
      );
      const decisions = decide(c, { chat: o }, state, now);
      state = nextState(c, decisions, state);
      return decisions.services[0];
    });
    const of = (s: ServiceDecision | undefined) =>
      Object.fromEntries((s?.variants?.variants ?? []).map((v) => [v.variant, v.desiredReplicas]));
    assert.deepEqual(of(d[0]), { l40s: 0, h100: 3 });
    assert.deepEqual(
      of(d[1]),
      { l40s: 1, h100: 1 },
      "20,000 tokens/s: an L40S started, an H100 held until it serves",
    );
    assert.deepEqual(d[1]?.variants?.scaleDownDelay, {
      askedTokensPerSecond: 20_000,
      heldTokensPerSecond: 20_000,
    });
    assert.equal(d[1]?.reason, "reactive");
    assert.equal(Math.round(d[0]?.variants?.guardTokensPerSecond ?? 0), 70_610);
    assert.equal(d[1]?.variants?.guardTokensPerSecond, undefined);
    assert.deepEqual(
      d.map((x) => (x ? greedyOverride(c)([x])[0] : undefined)),
      [
        { l40s: 3, h100: 0 },
        { l40s: 1, h100: 0 },
      ],
      "the greedy baseline fills the guards' 70,610 tokens/s at minute 0, as the split did",
    );
  });

  it("/api/v1/services shows the split with the demand asked before the delay and the one held", () => {
    const d = run(900, burstLullBurst.slice(0, 2))[1]?.d;
    const service = config(900).services[0];
    assert.ok(service && d);
    const snap: LoopSnapshot = {
      decisions: { at: T0, services: [d], totalHourlyCost: 0, paidHourlyCost: 0, gpuUse: {} },
      services: new Map([["chat", { service, decision: d, readyErrors: 0, signals: new Map() }]]),
      ready: true,
      quantile: 0.95,
    };
    const view = servicesView(snap, T0) as {
      services: {
        decision: { reason: string; variants: { scaleDownDelay: unknown; variants: unknown[] } };
      }[];
    };
    const decision = view.services[0]?.decision;
    assert.equal(decision?.reason, "hold");
    assert.deepEqual(decision?.variants.scaleDownDelay, {
      askedTokensPerSecond: 1_000,
      heldTokensPerSecond: 50_000,
    });
    assert.equal(decision?.variants.variants.length, 2);
  });

  it("900 s: the 50,000 asked at minute 0 stood until minute 1, so the lull holds it through minute 15 and sizes for 1,000 at minute 16", () => {
    const runs = run(900, [50_000, ...Array<number>(16).fill(1_000)]);
    assert.deepEqual(runs[15]?.split, { l40s: 3, h100: 0 });
    assert.deepEqual(runs[16]?.split, { l40s: 1, h100: 0 });
    assert.equal(runs[16]?.d.reason, "reactive");
    assert.deepEqual(runs[16]?.d.variants?.scaleDownDelay, {
      askedTokensPerSecond: 1_000,
      heldTokensPerSecond: 1_000,
    });
  });
});
