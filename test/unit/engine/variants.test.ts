// A service with variants through decide(): its demand split across GPU types, the per-service
// rules on the total, and the cross-service steps acting on the split (quotas spill, the budget
// sheds the spot hedge first). Both variants use the linear test profile, whose capacity is worked
// by hand (test/unit/llm/capacity.test.ts): at 1,000 + 100 tokens, TTFT p99 <= 0.5 s and ITL p99
// <= 35 ms, one replica serves 23,537 tokens/s. They differ in GPU type, so in price (CPU and
// memory priced at 0: a replica costs its GPU, L40S $1.80/h, H100 $6.90/h) and start-up.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, type Config } from "../../../src/config/schema.ts";
import { decide, nextState } from "../../../src/engine/decide.ts";
import {
  EMPTY_STATE,
  type EngineState,
  type ServiceDecision,
  type ServiceObservations,
} from "../../../src/engine/types.ts";
import { flatForecast, obs, T0 } from "../helpers.ts";
import { LINEAR } from "../llm/linear-profile.ts";

type Doc = Record<string, unknown>;

const PRICES = {
  costOptimization: {
    gpuHourlyPrices: { "nvidia-l40s": 1.8, "nvidia-h100": 6.9 },
    cpuHourlyPrice: 0,
    memoryGiBHourlyPrice: 0,
  },
};

function service(variants: Doc, over: Doc = {}): Doc {
  return {
    workload: { name: "chat", namespace: "inference" },
    minReplicas: 0,
    maxReplicas: 20,
    llm: { slo: { ttftSeconds: 0.5, itlSeconds: 0.035 }, meanPromptTokens: 1000, meanOutputTokens: 100 },
    variants,
    triggers: {
      requestRate: {
        source: "prometheus",
        query: "sum(rate(ingress[1m]))",
        target: 10,
        kind: "extensive",
        arrival: true,
      },
    },
    ...over,
  };
}

const L40S = (over: Doc = {}): Doc => ({
  profile: "linear.json",
  resources: { gpuType: "nvidia-l40s" },
  podStartupSeconds: 480,
  ...over,
});
const H100 = (over: Doc = {}): Doc => ({
  profile: "linear.json",
  resources: { gpuType: "nvidia-h100" },
  podStartupSeconds: 60,
  ...over,
});

function configOf(services: Record<string, Doc>, rules: Doc = {}): Config {
  return parseConfig(
    {
      sources: { prometheus: { url: "http://127.0.0.1:9090" } },
      businessRules: {
        ...PRICES,
        ...rules,
        costOptimization: { ...PRICES.costOptimization, ...((rules.costOptimization ?? {}) as Doc) },
      },
      services,
    },
    { load: () => LINEAR },
  );
}

/** Observations with the served tokens and each variant's ready replicas. */
function seen(
  tokens: number,
  ready: Record<string, number>,
  extra: Partial<ServiceObservations> = {},
): ServiceObservations {
  const total = Object.values(ready).reduce((s, n) => s + n, 0);
  return obs(
    { tokens, requestRate: 0 },
    {
      readyReplicas: total,
      currentReplicas: total,
      variants: Object.fromEntries(
        Object.entries(ready).map(([v, n]) => [v, { readyReplicas: n, currentReplicas: n }]),
      ),
      ...extra,
    },
  );
}

const counts = (d: ServiceDecision | undefined): Record<string, number> =>
  Object.fromEntries((d?.variants?.variants ?? []).map((v) => [v.variant, v.desiredReplicas]));
const text = (d: ServiceDecision | undefined): string =>
  (d?.reasons ?? []).map((r) => `${r.rule}: ${r.message}`).join("\n");

/** Two services on L40S (60 s start-up) and H100, priorities 100 and 10, under an L40S quota of 4 GPUs. */
function highAndLowOverL40sQuota(): Config {
  return configOf(
    {
      high: service({ l40s: L40S({ podStartupSeconds: 60 }), h100: H100() }, { priority: 100 }),
      low: service(
        {
          l40s: L40S({ podStartupSeconds: 60, workload: { name: "low-l40s" } }),
          h100: H100({ workload: { name: "low-h100" } }),
        },
        { priority: 10, workload: { name: "low", namespace: "inference" } },
      ),
    },
    { gpuQuotas: { "nvidia-l40s": 4 } },
  );
}

describe("a service with variants through decide()", () => {
  it("the config: each variant's capacity from its profile (23,537 tokens/s), its workload, start-up and price; the service's start-up the longest", () => {
    const c = configOf({ chat: service({ l40s: L40S(), h100: H100() }) });
    const s = c.services[0];
    assert.deepEqual(
      s?.variants?.map((v) => [
        v.name,
        v.workload.name,
        v.podStartupSeconds,
        Math.round(v.expectedCapacity),
        v.resources.gpusPerReplica,
      ]),
      [
        ["l40s", "chat-l40s", 480, 23_537, 1],
        ["h100", "chat-h100", 60, 23_537, 1],
      ],
    );
    assert.equal(s?.podStartupSeconds, 480);
    assert.equal(s?.readyReplicasQuery, "");
  });

  it("50,000 tokens/s and nothing ready: the L40S would serve only at +480 s, so 3 H100 ($20.70/h) cover +60 s on; without start-ups 3 L40S ($5.40/h) would", () => {
    const c = configOf({ chat: service({ l40s: L40S(), h100: H100() }) });
    const d = decide(c, { chat: seen(50_000, { l40s: 0, h100: 0 }) }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(counts(d), { l40s: 0, h100: 3 });
    assert.equal(d?.desiredReplicas, 3);
    assert.ok(Math.abs((d?.hourlyCost.onDemand ?? 0) - 20.7) < 1e-9);
    assert.deepEqual(d?.variants?.bindingConstraints, [{ kind: "start-up" }]);
    assert.match(
      text(d),
      /variants: demand now 50,000 tokens\/s \(served 50,000; arrivals 0 req\/s x \(1,000 \+ 100\) tokens\); keep 50,000 ready; at \+60s 50,000, at \+480s 50,000/,
    );
    assert.match(
      text(d),
      /variants split \(met, \$20\.70\/h\): l40s 0 \(23,537 tokens\/s a replica at \$1\.80\/h, loads in 480s, 0 ready\), h100 3 /,
    );
    assert.match(
      text(d),
      /variants: binding: start-up \(new replicas serve only after it: l40s 480s, h100 60s\)/,
    );
    assert.deepEqual(
      d?.variants?.variants.map((v) => [v.variant, v.routingWeight]),
      [
        ["l40s", 0],
        ["h100", 1],
      ],
    );
  });

  it("the TTFT guard: p99 47 s against 0.5 s with 2 H100 ready at 20,000 tokens/s takes one step beyond them, so the split sizes for 3 x 23,537 = 70,610 tokens/s: 3 H100", () => {
    const c = configOf({ chat: service({ l40s: L40S(), h100: H100() }) });
    const o = obs(
      { tokens: 20_000, requestRate: 0, ttft: 47, itl: 0.02 },
      {
        readyReplicas: 2,
        currentReplicas: 2,
        variants: {
          l40s: { readyReplicas: 0, currentReplicas: 0 },
          h100: { readyReplicas: 2, currentReplicas: 2 },
        },
      },
    );
    const d = decide(c, { chat: o }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(counts(d), { l40s: 0, h100: 3 });
    assert.match(
      text(d),
      /variants: ttft: measured p99 47 s > 500 ms: 23,537 tokens\/s per replica x 500 ms \/ 47 s = 250; demand 20,000 tokens\/s \/ 250 = 80; a step at most: max\(1 in tokens, 2 ready \+ 1\) = 3 \(the latency judges the replicas ready over its window\); sizing for 3 x 23,537 = 70,610 tokens\/s/,
    );
    assert.match(text(d), /latency guards 70,610\); keep 70,610 ready/);
    const calm = decide(c, { chat: seen(20_000, { l40s: 0, h100: 2 }) }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(
      counts(calm),
      { l40s: 1, h100: 1 },
      "without the latency, 20,000 tokens/s needs 1: an L40S started, an H100 held until it serves",
    );
  });

  it("3 H100 ready at a steady 50,000: moving to 3 L40S pays over 30 min ($5.40 x 1,800 s + holding the H100s $20.70 x 480 s = 19,656 < $20.70 x 1,800 s = 37,260): 3 L40S started, 3 H100 held", () => {
    const c = configOf({ chat: service({ l40s: L40S(), h100: H100() }) });
    const d = decide(c, { chat: seen(50_000, { l40s: 0, h100: 3 }) }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(counts(d), { l40s: 3, h100: 3 });
    assert.deepEqual(
      d?.variants?.variants.map((v) => [v.keptReplicas, v.heldReplicas]),
      [
        [3, 0],
        [0, 3],
      ],
    );
    // Once the L40S serve, the H100s are let go.
    const after = decide(c, { chat: seen(50_000, { l40s: 3, h100: 3 }) }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(counts(after), { l40s: 3, h100: 0 });
  });

  it("quota binding: L40S limited to 2 GPUs: 2 L40S + 1 H100 (47,074 + 23,537) at $10.50/h; the trim names the quota", () => {
    const c = configOf(
      { chat: service({ l40s: L40S({ podStartupSeconds: 60 }), h100: H100() }) },
      { gpuQuotas: { "nvidia-l40s": 2 } },
    );
    const d = decide(c, { chat: seen(50_000, { l40s: 0, h100: 0 }) }, EMPTY_STATE, T0);
    const s = d.services[0];
    assert.deepEqual(counts(s), { l40s: 2, h100: 1 });
    assert.equal(s?.reason, "gpu-quota");
    assert.match(
      text(s),
      /gpu-quota: GPU quota nvidia-l40s 2: 3 -> 3 \(priority 50\): l40s 3 -> 2, h100 0 -> 1, met/,
    );
    assert.deepEqual(s?.variants?.bindingConstraints, [{ kind: "gpu-cap", gpuType: "nvidia-l40s" }]);
    assert.deepEqual(d.gpuUse, {
      "nvidia-l40s": { used: 2, taken: 2, requested: 3, quota: 2 },
      "nvidia-h100": { used: 1, taken: 1, requested: 0 },
    });
  });

  it("a high-priority service spills to H100 before it misses its SLO: the low one's 2 L40S are its minimum, the L40S quota 4, the high one keeps 50,000 on 2 L40S + 1 H100", () => {
    const c = configOf(
      {
        high: service({ l40s: L40S({ podStartupSeconds: 60 }), h100: H100() }, { priority: 100 }),
        low: service(
          {
            l40s: L40S({ podStartupSeconds: 60, minReplicas: 2, workload: { name: "low-l40s" } }),
            h100: H100({ workload: { name: "low-h100" } }),
          },
          { priority: 10, workload: { name: "low", namespace: "inference" } },
        ),
      },
      { gpuQuotas: { "nvidia-l40s": 4 } },
    );
    const d = decide(
      c,
      { high: seen(50_000, { l40s: 0, h100: 0 }), low: seen(0, { l40s: 2, h100: 0 }) },
      EMPTY_STATE,
      T0,
    );
    const [high, low] = d.services;
    assert.deepEqual(counts(low), { l40s: 2, h100: 0 });
    assert.deepEqual(counts(high), { l40s: 2, h100: 1 });
    assert.equal(high?.variants?.outcome, "met");
    assert.match(text(high), /GPU quota nvidia-l40s 4: .*l40s 3 -> 2, h100 0 -> 1, met/);
  });

  it("the L40S quota taken by pods a low-priority service still runs: the high one spills to H100 (l40s 3 -> 0, h100 0 -> 3) until they are gone", () => {
    // low, without load, answers 1 (it keeps one warm) but its 4 L40S pods still run (the HPA removes
    // them only after its window), taking the whole quota of 4. high asks 3 L40S for 50,000
    // tokens/s: decided 1 + 3 fits, taken 4 + 3 = 7 does not; the only answer above held pods is
    // high's, capped at 0 L40S: 3 H100 instead.
    const c = highAndLowOverL40sQuota();
    const at = (lowRunning: number): ReturnType<typeof decide> =>
      decide(
        c,
        { high: seen(50_000, { l40s: 0, h100: 0 }), low: seen(0, { l40s: lowRunning, h100: 0 }) },
        EMPTY_STATE,
        T0,
      );
    const held = at(4);
    const [high, low] = held.services;
    assert.deepEqual(counts(low), { l40s: 1, h100: 0 });
    assert.deepEqual(counts(high), { l40s: 0, h100: 3 });
    assert.equal(high?.reason, "gpu-quota");
    assert.match(
      text(high),
      /gpu-quota: GPU quota nvidia-l40s 4, taken 7: 3 above the answers in pods the HPA's 300 s scale-down window and KEDA's 300 s cooldown keep: 3 -> 3 \(priority 100\): l40s 3 -> 0, h100 0 -> 3, met/,
    );
    assert.deepEqual(high?.variants?.bindingConstraints, [{ kind: "gpu-cap", gpuType: "nvidia-l40s" }]);
    assert.deepEqual(held.gpuUse["nvidia-l40s"], { used: 1, taken: 4, requested: 4, quota: 4 });
    // Once low's pods are gone, high gets its L40S.
    assert.deepEqual(counts(at(0).services[0]), { l40s: 3, h100: 0 });
    // With one of them left, 3 L40S fit beside it.
    assert.deepEqual(counts(at(1).services[0]), { l40s: 3, h100: 0 });
    assert.deepEqual(counts(at(2).services[0]), { l40s: 2, h100: 1 });
  });

  it("two services over one L40S quota: the low-priority one gives up its L40S first and spills (1 L40S + 2 H100); the high one keeps 3 L40S", () => {
    const c = highAndLowOverL40sQuota();
    const d = decide(
      c,
      { high: seen(50_000, { l40s: 0, h100: 0 }), low: seen(50_000, { l40s: 0, h100: 0 }) },
      EMPTY_STATE,
      T0,
    );
    assert.deepEqual(counts(d.services[0]), { l40s: 3, h100: 0 });
    assert.deepEqual(counts(d.services[1]), { l40s: 1, h100: 2 });
    assert.equal(d.gpuUse["nvidia-l40s"]?.used, 4);
  });

  it("the budget: a low-priority service sheds its spot hedge first (met -> hedge-dropped), the high-priority one is untouched", () => {
    // low: spot L40S at $0.72/h (60% off), 2 preemptions per replica-hour, 60 s start-up, 50,000
    // tokens/s: 3 replicas + the hedge. λ = 3 x 2 x 60 / 3600 = 0.1, P(0) = 0.905 < 0.99: one
    // more, 4 spot ($2.88); with 4, λ = 0.133, P(<=1) = 0.992: 3 serve 66,000 >= 50,000.
    // high: 3 on-demand L40S, $5.40. Budget $8/h: $8.28 over by $0.28; the low one drops its
    // hedge replica ($0.72): 3 spot, $2.16, total $7.56.
    const services = {
      high: service({ l40s: L40S({ podStartupSeconds: 60 }) }, { priority: 100 }),
      low: service(
        {
          spot: L40S({
            podStartupSeconds: 60,
            spotShare: 1,
            preemptionsPerHour: 2,
            workload: { name: "low-spot" },
          }),
        },
        { priority: 10, workload: { name: "low", namespace: "inference" } },
      ),
    };
    const o = { high: seen(50_000, { l40s: 0 }), low: seen(50_000, { spot: 0 }) };
    const free = decide(
      configOf(services, { costOptimization: { spotDiscountPercentage: 60 } }),
      o,
      EMPTY_STATE,
      T0,
    );
    const c = configOf(services, {
      costOptimization: { enabled: true, maxHourlyCost: 8, spotDiscountPercentage: 60 },
    });
    assert.deepEqual(counts(free.services[1]), { spot: 4 });
    assert.equal(free.services[1]?.variants?.variants[0]?.hedgeReplicas, 1);
    const d = decide(c, o, EMPTY_STATE, T0);
    assert.deepEqual(counts(d.services[0]), { l40s: 3 });
    assert.deepEqual(counts(d.services[1]), { spot: 3 });
    assert.equal(d.services[1]?.variants?.outcome, "hedge-dropped");
    assert.match(
      text(d.services[1]),
      /budget: budget \$8\/h \(demand \$8\.28\/h\): 4 -> 3 \(priority 10\): spot 4 -> 3, hedge-dropped/,
    );
    assert.ok(d.totalHourlyCost <= 8 + 1e-9, String(d.totalHourlyCost));
  });

  it("the budget counts the pods the HPA keeps: a rising service's split gets only the room a falling one's held L40S leave, then all of it", () => {
    // Both on-demand L40S ($1.80/h), 60 s start-up, budget $12/h. 10:00: low (priority 10) serves
    // 100,000 tokens/s: ceil(100,000 / 23,537) = 5 ($9.00); high (priority 100) 20,000: 1.
    // 10:04: low falls to 20,000 (1), high rises to 100,000 (5): decided $10.80/h fits, but low's 5
    // stand within the HPA's 300 s window: paid $9.00 + $9.00 = $18.00/h. High gives up $6.00/h:
    // its split under $3.00/h keeps its 1 ready L40S (short): paid $10.80/h. 10:09:30: low's 5
    // stopped standing at 10:04, before the window opened: high gets its 5.
    const services = {
      high: service({ l40s: L40S({ podStartupSeconds: 60 }) }, { priority: 100 }),
      low: service(
        { l40s: L40S({ podStartupSeconds: 60, workload: { name: "low-l40s" } }) },
        { priority: 10, workload: { name: "low", namespace: "inference" } },
      ),
    };
    const c = configOf(services, { costOptimization: { enabled: true, maxHourlyCost: 12 } });
    const first = decide(
      c,
      { high: seen(20_000, { l40s: 0 }), low: seen(100_000, { l40s: 0 }) },
      EMPTY_STATE,
      T0,
    );
    assert.deepEqual(first.services.map(counts), [{ l40s: 1 }, { l40s: 5 }]);
    let state: EngineState = nextState(c, first, EMPTY_STATE);
    // The pods running: low's 5 until the HPA removes them, high's 1.
    const risen = (at: number, lowRunning: number): ServiceDecision[] => {
      const o = {
        high: seen(100_000, { l40s: 1 }, { signals: {} }),
        low: seen(20_000, { l40s: lowRunning }, { signals: {} }),
      };
      const at1 = (x: ServiceObservations, tokens: number): ServiceObservations => ({
        ...x,
        signals: { tokens: { value: tokens, observedAt: at }, requestRate: { value: 0, observedAt: at } },
      });
      const d = decide(c, { high: at1(o.high, 100_000), low: at1(o.low, 20_000) }, state, at);
      state = nextState(c, d, state);
      return [...d.services];
    };
    const [high, low] = risen(T0 + 240_000, 5);
    assert.deepEqual([counts(high), counts(low)], [{ l40s: 1 }, { l40s: 1 }]);
    assert.equal(high?.reason, "budget");
    assert.match(
      text(high),
      /budget: budget \$12\/h, paid \$18\.00\/h: \$7\.20\/h above the answers in pods the HPA's 300 s scale-down window and KEDA's 300 s cooldown keep: 5 -> 1 \(priority 100\): l40s 5 -> 1, short/,
    );
    assert.deepEqual(risen(T0 + 570_000, 1).map(counts), [{ l40s: 5 }, { l40s: 1 }]);
  });

  it("business hours raise the total to a floor of 2 with no demand: the split again within it picks the cheapest two (2 L40S)", () => {
    const c = configOf(
      { chat: service({ l40s: L40S(), h100: H100() }, { businessHoursMinReplicas: 2 }) },
      {
        businessHours: {
          enabled: true,
          timezone: "UTC",
          startHour: 0,
          endHour: 24,
          days: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        },
      },
    );
    const d = decide(c, { chat: seen(0, { l40s: 0, h100: 0 }) }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(counts(d), { l40s: 2, h100: 0 });
    assert.match(
      text(d),
      /variants: business-hours sets 2 replicas \(the split asked 0\): split again within it: l40s 2, h100 0/,
    );
  });

  it("idle past scaleToZeroAfterMinutes: every variant to zero", () => {
    const c = configOf({ chat: service({ l40s: L40S(), h100: H100() }) });
    const d = decide(c, { chat: seen(0, { l40s: 1, h100: 1 }, { idleSeconds: 3600 }) }, EMPTY_STATE, T0)
      .services[0];
    assert.deepEqual(counts(d), { l40s: 0, h100: 0 });
    assert.equal(d?.active, false);
  });

  it("a confident forecast of 80,000 tokens/s: each variant's checkpoint at its start-up is the plan's quantile (not the demand now, 30,000)", () => {
    const c = configOf({ chat: service({ l40s: L40S(), h100: H100() }) });
    const o = seen(30_000, { l40s: 0, h100: 2 }, { forecast: flatForecast(T0, 80_000, 80_000, 0.95) });
    const d = decide(c, { chat: o }, EMPTY_STATE, T0).services[0];
    const at = d?.variants?.checkpoints.map((x) => [x.atSeconds, x.demand]);
    assert.deepEqual(at, [
      [0, 80_000],
      [60, 80_000],
      [480, 80_000],
    ]);
    assert.equal(d?.reason, "predictive");
  });

  it("spot unavailable (spotAvailable: false): the spot variant stays at its ready replicas and on demand takes the rest", () => {
    const c = configOf({
      chat: service({
        spot: L40S({ podStartupSeconds: 60, spotShare: 1, preemptionsPerHour: 0.01, spotAvailable: false }),
        od: H100({ resources: { gpuType: "nvidia-l40s" } }),
      }),
    });
    const d = decide(c, { chat: seen(50_000, { spot: 1, od: 0 }) }, EMPTY_STATE, T0).services[0];
    assert.deepEqual(counts(d), { spot: 1, od: 2 });
    assert.equal(d?.variants?.variants[0]?.spotUnavailable, "configured");
    assert.match(text(d), /spot capacity for spot unavailable \(spotAvailable: false\)/);
  });
});
