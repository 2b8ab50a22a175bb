import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Config } from "../../../src/config/schema.ts";
import { decide, nextState } from "../../../src/engine/decide.ts";
import { EMPTY_STATE, type ServiceDecision, type ServiceObservations } from "../../../src/engine/types.ts";
import { configOf, flatForecast, obs, serviceDoc, T0 } from "../helpers.ts";

function one(
  doc: Record<string, unknown>,
  o: ServiceObservations,
  top: Record<string, unknown> = {},
  now = T0,
): ServiceDecision {
  const config = configOf({ svc: doc }, top);
  const d = decide(config, { svc: o }, EMPTY_STATE, now);
  const s = d.services[0];
  assert.ok(s);
  return s;
}

interface Case {
  name: string;
  doc?: Record<string, unknown>;
  top?: Record<string, unknown>;
  o: ServiceObservations;
  want: number;
  reason: string;
  valid?: boolean;
  mentions?: RegExp;
  predictive?: number;
}

const forecastOnly = { predictiveScaling: { enableProactiveScaling: false } };

describe("decide: rules 1, 2 and 5 for one service", () => {
  const cases: Case[] = [
    {
      name: "extensive: ceil(45 / 10) = 5 beats GPU at target",
      o: obs({ rps: 45, gpu: 80 }),
      want: 5,
      reason: "reactive",
      mentions: /rps: ceil\(45 \/ 10\) = 5/,
    },
    {
      name: "intensive: 2 ready at 120% of 80 -> 3 beats rps 1",
      o: obs({ rps: 5, gpu: 120 }),
      want: 3,
      reason: "reactive",
      mentions: /gpu: ceil\(2 ready/,
    },
    { name: "no load: raised to minReplicas", o: obs({ rps: 0, gpu: 0 }), want: 1, reason: "min" },
    {
      name: "above max: capped",
      o: obs({ rps: 500, gpu: 80 }),
      want: 10,
      reason: "max",
      mentions: /capped 50 at maxReplicas 10/,
    },
    {
      name: "NaN reading is ignored, the other trigger decides",
      o: obs({ rps: Number.NaN, gpu: 80 }),
      want: 2,
      reason: "reactive",
      mentions: /unusable value NaN/,
    },
    {
      name: "negative reading is ignored",
      o: obs({ rps: -5, gpu: 80 }),
      want: 2,
      reason: "reactive",
      mentions: /unusable value -5/,
    },
    {
      name: "stale reading is used and marked",
      o: {
        ...obs({ gpu: 80 }),
        signals: { rps: { value: 45, observedAt: T0 - 60_000 }, gpu: { value: 80, observedAt: T0 } },
      },
      want: 5,
      reason: "reactive",
      mentions: /rps: stale, using last good value 45 from 60s ago/,
    },
    {
      name: "expired reading invalidates the decision (KEDA fallback)",
      o: {
        ...obs({ gpu: 80 }),
        signals: { rps: { value: 45, observedAt: T0 - 400_000 }, gpu: { value: 80, observedAt: T0 } },
      },
      want: 2,
      reason: "invalid",
      valid: false,
      mentions: /older than maxStalenessSeconds \(300s\): rps \(400s old\)/,
    },
    {
      name: "no data yet is an outcome, not an exception",
      o: { signals: {} },
      want: 1,
      reason: "invalid",
      valid: false,
      mentions: /no usable reading/,
    },
    {
      name: "confident forecast is a floor: q95 peak 72 / 10 = 8",
      o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.9) }),
      want: 8,
      reason: "predictive",
      predictive: 8,
    },
    {
      name: "low confidence: reactive only, and the reason says so",
      o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.5) }),
      want: 5,
      reason: "reactive",
      mentions: /confidence 0.50 < 0.7: reactive only/,
      predictive: 8,
    },
    {
      name: "the forecast never scales in by itself",
      o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 15, 20, 0.95) }),
      want: 5,
      reason: "reactive",
      predictive: 2,
    },
    {
      name: "forecast-only mode computes but does not act",
      top: forecastOnly,
      o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.9) }),
      want: 5,
      reason: "reactive",
      mentions: /forecast-only mode: not applied/,
      predictive: 8,
    },
    {
      name: "a forecast older than its refresh bound is ignored",
      o: obs(
        { rps: 45, gpu: 80 },
        { forecast: { ...flatForecast(T0 - 900_000, 60, 72, 0.9, 60), generatedAt: T0 - 900_000 } },
      ),
      want: 5,
      reason: "reactive",
      mentions: /forecast is 900s old/,
    },
    {
      name: "only the window now .. now + 15m + 120s counts",
      o: obs(
        { rps: 45, gpu: 80 },
        {
          forecast: {
            ...flatForecast(T0, 10, 10, 0.9),
            upper: Array.from({ length: 30 }, (_, i) => (i >= 20 ? 200 : 10)),
          },
        },
      ),
      want: 5,
      reason: "reactive",
      predictive: 1,
    },
    {
      name: "predictive disabled for the service",
      doc: serviceDoc({ predictive: false }),
      o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.9) }),
      want: 5,
      reason: "reactive",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = one(c.doc ?? serviceDoc(), c.o, c.top);
      assert.equal(d.desiredReplicas, c.want, JSON.stringify(d.reasons));
      assert.equal(d.reason, c.reason, JSON.stringify(d.reasons));
      assert.equal(d.valid, c.valid ?? true);
      assert.equal(d.active, c.want > 0);
      if (c.mentions)
        assert.ok(
          d.reasons.some((r) => c.mentions?.test(r.message)),
          `no reason matches ${String(c.mentions)}: ${JSON.stringify(d.reasons)}`,
        );
      if (c.predictive !== undefined) assert.equal(d.predictiveReplicas, c.predictive);
    });
  }
});

describe("decide: rule 4, scale to zero", () => {
  const zeroDoc = serviceDoc({ minReplicas: 0, scaleToZeroAfterMinutes: 15, activationLoad: 0.05 });
  const cases: Case[] = [
    {
      name: "idle 20m >= 15m: zero, inactive",
      o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 1200 }),
      want: 0,
      reason: "scale-to-zero",
    },
    {
      name: "idle 5m: keep one warm",
      o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 300 }),
      want: 1,
      reason: "keep-warm",
      mentions: /idle 5m < scaleToZeroAfterMinutes 15m/,
    },
    {
      name: "idle time unknown: keep one warm",
      o: obs({ rps: 0, gpu: 0 }, { idleSeconds: undefined as unknown as number }),
      want: 1,
      reason: "keep-warm",
    },
    {
      name: "confident forecast of load pre-warms",
      o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 3600, forecast: flatForecast(T0, 3, 12, 0.9) }),
      want: 2,
      reason: "predictive",
      mentions: /forecast expects load 3 > 0.05/,
    },
    {
      name: "an unconfident forecast does not keep it warm",
      o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 3600, forecast: flatForecast(T0, 3, 12, 0.3) }),
      want: 0,
      reason: "scale-to-zero",
    },
    {
      name: "a confident forecast of nothing lets it sleep despite a noisy upper band",
      o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 3600, forecast: flatForecast(T0, 0.01, 4, 0.9) }),
      want: 0,
      reason: "scale-to-zero",
    },
    {
      name: "demand at zero wakes it: ceil(3 / 10) = 1",
      o: obs({ rps: 3 }, { readyReplicas: 0, currentReplicas: 0, idleSeconds: 0 }),
      want: 1,
      reason: "reactive",
    },
    {
      name: "noise at or below activationLoad is idle",
      o: obs({ rps: 0.02, gpu: 1 }, { idleSeconds: 1800, readyReplicas: 1 }),
      want: 0,
      reason: "scale-to-zero",
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = one(c.doc ?? zeroDoc, c.o, c.top);
      assert.equal(d.desiredReplicas, c.want, JSON.stringify(d.reasons));
      assert.equal(d.reason, c.reason, JSON.stringify(d.reasons));
      assert.equal(d.active, c.want > 0);
      if (c.mentions)
        assert.ok(
          d.reasons.some((r) => c.mentions?.test(r.message)),
          JSON.stringify(d.reasons),
        );
    });
  }
  it("busy at load 35 with a 10080m idle history: 4 replicas, the live load counts as activity", () => {
    const d = one(zeroDoc, obs({ rps: 35, gpu: 50 }, { idleSeconds: 10_080 * 60 }));
    assert.equal(d.desiredReplicas, 4, JSON.stringify(d.reasons));
    assert.equal(d.reason, "reactive");
    assert.ok(d.reasons.some((r) => /load 35 > activationLoad 0.05\d*: busy/.test(r.message)));
  });
  // A config built in code (the simulator, tests) bypasses validation: the rule itself must not treat
  // a threshold of 0 as "idle 0 s >= 0 m", which kept a busy service at zero forever.
  const zeroThreshold = (): Config => {
    const c = configOf({ svc: zeroDoc });
    return { ...c, services: c.services.map((s) => ({ ...s, scaleToZeroAfterMinutes: 0 })) };
  };
  const thresholdCases: [name: string, o: ServiceObservations, want: number][] = [
    ["threshold 0, idle 0 s, load 35: ceil(35 / 10) = 4", obs({ rps: 35 }, { idleSeconds: 0 }), 4],
    [
      "threshold 0, idle 0 s, at zero with load 3: wakes to 1",
      obs({ rps: 3 }, { idleSeconds: 0, readyReplicas: 0, currentReplicas: 0 }),
      1,
    ],
    ["threshold 0, idle 0 s, no load: one kept warm", obs({ rps: 0 }, { idleSeconds: 0 }), 1],
    ["threshold 0, idle NaN: one kept warm", obs({ rps: 0 }, { idleSeconds: Number.NaN }), 1],
    ["threshold 0, idle 60 s, no load: zero", obs({ rps: 0 }, { idleSeconds: 60 }), 0],
  ];
  for (const [name, o, want] of thresholdCases) {
    it(name, () => {
      const d = decide(zeroThreshold(), { svc: o }, EMPTY_STATE, T0).services[0];
      assert.equal(d?.desiredReplicas, want, JSON.stringify(d?.reasons));
    });
  }
  it("minReplicas > 0 never scales to zero", () => {
    const d = one(serviceDoc({ minReplicas: 1 }), obs({ rps: 0, gpu: 0 }, { idleSeconds: 99_999 }));
    assert.equal(d.desiredReplicas, 1);
  });
});

describe("decide: rule 3, business hours (America/New_York, 8-18, Mon-Fri)", () => {
  const bh = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    businessRules: {
      businessHours: {
        enabled: true,
        timezone: "America/New_York",
        startHour: 8,
        endHour: 18,
        holidays: ["2026-03-10"],
        preScaleMinutes: 30,
        multiplier: 2,
        ...over,
      },
    },
  });
  const cases: [name: string, iso: string, want: number, reason: string, top?: Record<string, unknown>][] = [
    ["Wednesday 10:00 EST: floor ceil(2 * 1) = 2", "2026-03-04T15:00:00Z", 2, "business-hours"],
    ["Wednesday 22:00 EST: closed", "2026-03-04T03:00:00Z", 1, "min"],
    ["Wednesday 07:45 EST: pre-scale", "2026-03-04T12:45:00Z", 2, "business-hours"],
    ["Wednesday 07:15 EST: too early for pre-scale", "2026-03-04T12:15:00Z", 1, "min"],
    ["Wednesday 18:00 EST: closed at endHour", "2026-03-04T23:00:00Z", 1, "min"],
    ["Saturday 10:00: closed", "2026-03-07T15:00:00Z", 1, "min"],
    ["holiday Tuesday 10:00: closed", "2026-03-10T14:00:00Z", 1, "min"],
    // DST began Sunday 2026-03-08: 12:30Z is 07:30 EST on Friday but 08:30 EDT on Monday.
    ["Friday 12:30Z = 07:30 EST: closed", "2026-03-06T12:30:00Z", 1, "min", bh({ preScaleMinutes: 0 })],
    [
      "Monday 12:30Z = 08:30 EDT: open",
      "2026-03-09T12:30:00Z",
      2,
      "business-hours",
      bh({ preScaleMinutes: 0 }),
    ],
    ["explicit business-hours minimum", "2026-03-04T15:00:00Z", 4, "business-hours"],
  ];
  for (const [name, iso, want, reason, top] of cases) {
    it(name, () => {
      const doc = name.startsWith("explicit") ? serviceDoc({ businessHoursMinReplicas: 4 }) : serviceDoc();
      const now = Date.parse(iso);
      const d = one(doc, obs({ rps: 0, gpu: 0 }, {}, now), top ?? bh(), now);
      assert.equal(d.desiredReplicas, want, JSON.stringify(d.reasons));
      assert.equal(d.reason, reason);
    });
  }
  it("keeps a scale-to-zero service warm inside business hours", () => {
    const now = Date.parse("2026-03-04T15:00:00Z");
    const d = one(
      serviceDoc({ minReplicas: 0 }),
      obs({ rps: 0, gpu: 0 }, { idleSeconds: 99_999 }, now),
      bh({ multiplier: 1 }),
      now,
    );
    assert.equal(d.desiredReplicas, 1);
    assert.ok(d.reasons.some((r) => r.rule === "keep-warm" && /business hours/.test(r.message)));
  });
});

describe("decide: rule 6, budget and GPU quotas across services", () => {
  // Prices: $1 per vCPU-hour, memory free, so a replica costs its vCPU count.
  const costTop = (max: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    businessRules: {
      costOptimization: {
        enabled: true,
        maxHourlyCost: max,
        cpuHourlyPrice: 1,
        memoryGiBHourlyPrice: 0,
        ...extra,
      },
    },
  });
  const three = {
    a: serviceDoc({ priority: 10, maxReplicas: 20, resources: { cpu: 2, memoryGiB: 0 } }),
    b: serviceDoc({ priority: 50, maxReplicas: 20, resources: { cpu: 5, memoryGiB: 0 } }),
    c: serviceDoc({ priority: 100, maxReplicas: 20, resources: { cpu: 1, memoryGiB: 0 } }),
  };
  // Demand: a 10 x $2 + b 4 x $5 + c 10 x $1 = $50/h. One pod running each (the budget counts
  // the pods running as held: held.test.ts).
  const onePod = { readyReplicas: 1, currentReplicas: 1 };
  const o = {
    a: obs({ rps: 100, gpu: 0 }, onePod),
    b: obs({ rps: 40, gpu: 0 }, onePod),
    c: obs({ rps: 100, gpu: 0 }, onePod),
  };
  const cases: [max: number, want: [number, number, number], total: number][] = [
    [60, [10, 4, 10], 50], // fits
    [35, [2, 4, 10], 34], // a gives ceil(15 / 2) = 8
    [20, [1, 1, 10], 17], // a to its min (frees $18), then b gives ceil(12 / 5) = 3
    [5, [1, 1, 1], 8], // minimums alone exceed: everything at its min, said so
  ];
  for (const [max, want, total] of cases) {
    it(`maxHourlyCost $${max}: ${want.join("/")} costing $${total}/h`, () => {
      const d = decide(configOf(three, costTop(max)), o, EMPTY_STATE, T0);
      assert.deepEqual(
        d.services.map((s) => s.desiredReplicas),
        want,
      );
      assert.equal(d.totalHourlyCost, total);
      const a = d.services[0];
      if (max < 50) assert.equal(a?.reason, "budget");
      if (max === 5) assert.ok(a?.reasons.some((r) => /minimums alone exceed/.test(r.message)));
    });
  }

  it("spot pricing: half on spot at a 70% discount costs 0.65 of on-demand", () => {
    const d = decide(
      configOf(
        {
          a: serviceDoc({ resources: { cpu: 10, memoryGiB: 0 }, preferSpotInstances: true, spotShare: 0.5 }),
        },
        costTop(1000, { spotDiscountPercentage: 70 }),
      ),
      { a: obs({ rps: 40, gpu: 0 }) },
      EMPTY_STATE,
      T0,
    );
    // 4 replicas x $10: 2 on demand ($20) + 2 on spot at $3 ($6).
    assert.equal(d.services[0]?.hourlyCost.onDemand, 20);
    assert.ok(Math.abs((d.services[0]?.hourlyCost.spot ?? 0) - 6) < 1e-9);
    assert.ok(Math.abs(d.totalHourlyCost - 26) < 1e-9);
  });

  it("GPU quota trims the lowest priority first, in GPUs", () => {
    const gpu = (priority: number, gpus: number): Record<string, unknown> =>
      serviceDoc({ priority, resources: { gpusPerReplica: gpus, gpuType: "nvidia-a100" } });
    const d = decide(
      configOf({ x: gpu(10, 1), y: gpu(90, 2) }, { businessRules: { gpuQuotas: { "nvidia-a100": 4 } } }),
      { x: obs({ rps: 40, gpu: 0 }), y: obs({ rps: 20, gpu: 0 }) },
      EMPTY_STATE,
      T0,
    );
    // Demand x 4 GPUs + y 4 GPUs = 8 > 4: x gives 3 (to its min 1), y gives ceil(1 / 2) = 1 replica.
    assert.deepEqual(
      d.services.map((s) => s.desiredReplicas),
      [1, 1],
    );
    // The pods running (obs's 2 each) take 2 x 1 + 2 x 2 = 6 GPUs whatever is answered: no answer
    // is above them, so the quota's second pass has nothing to trim and says so.
    assert.deepEqual(d.gpuUse["nvidia-a100"], { used: 3, taken: 6, requested: 8, quota: 4 });
    assert.ok(
      d.services[1]?.reasons.some(
        (r) =>
          r.message ===
          "pods the HPA's 300 s scale-down window and KEDA's 300 s cooldown keep and the minimums alone exceed the nvidia-a100 quota of 4 GPUs",
      ),
      JSON.stringify(d.services[1]?.reasons),
    );
    assert.equal(d.services[0]?.reason, "gpu-quota");
  });

  it("GPUs used are counted after the budget trims, not before", () => {
    // 1 x nvidia-a100 ($3.67) + 1 vCPU ($1) = $4.67 per replica. Demand: ceil(60 / 10) = 6 replicas
    // = 6 GPUs, within the quota of 8; the $10/h budget removes ceil((28.02 - 10) / 4.67) = 4.
    const d = decide(
      configOf(
        { x: serviceDoc({ resources: { gpusPerReplica: 1, gpuType: "nvidia-a100", cpu: 1, memoryGiB: 0 } }) },
        {
          businessRules: {
            costOptimization: {
              enabled: true,
              maxHourlyCost: 10,
              cpuHourlyPrice: 1,
              memoryGiBHourlyPrice: 0,
            },
            gpuQuotas: { "nvidia-a100": 8 },
          },
        },
      ),
      { x: obs({ rps: 60, gpu: 0 }) },
      EMPTY_STATE,
      T0,
    );
    assert.equal(d.services[0]?.desiredReplicas, 2, JSON.stringify(d.services[0]?.reasons));
    assert.equal(d.services[0]?.reason, "budget");
    assert.deepEqual(d.gpuUse["nvidia-a100"], { used: 2, taken: 2, requested: 6, quota: 8 });
  });

  it("an invalid service is counted at what it runs but never trimmed", () => {
    const d = decide(
      configOf(three, costTop(20)),
      { a: { signals: {}, currentReplicas: 3 }, b: o.b, c: o.c },
      EMPTY_STATE,
      T0,
    );
    assert.equal(d.services[0]?.valid, false);
    assert.equal(d.services[0]?.desiredReplicas, 3);
  });
});

describe("decide: state", () => {
  it("marks a decision changed only when number, validity or reason change", () => {
    const config = configOf({ svc: serviceDoc() });
    const d1 = decide(config, { svc: obs({ rps: 45, gpu: 80 }) }, EMPTY_STATE, T0);
    assert.equal(d1.services[0]?.changed, true);
    const d2 = decide(
      config,
      { svc: obs({ rps: 44, gpu: 80 }) },
      nextState(config, d1, EMPTY_STATE),
      T0 + 5000,
    );
    assert.equal(d2.services[0]?.changed, false);
    const d3 = decide(
      config,
      { svc: obs({ rps: 75, gpu: 80 }) },
      nextState(config, d2, nextState(config, d1, EMPTY_STATE)),
      T0 + 10_000,
    );
    assert.equal(d3.services[0]?.changed, true);
  });
  it("the same inputs give the same decision (replicas agree)", () => {
    const config = configOf({ svc: serviceDoc() });
    const o = { svc: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.9) }) };
    assert.deepEqual(decide(config, o, EMPTY_STATE, T0), decide(config, o, EMPTY_STATE, T0));
  });
});
