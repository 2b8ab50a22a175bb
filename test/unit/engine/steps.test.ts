// The rules as steps: the order of the two lists decide() runs, and, step by step, the number and
// the reasons each one adds to a draft it is handed (table-driven, each step alone).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { CLAIM_STEPS, runClaimSteps, runSteps, SERVICE_STEPS } from "../../../src/engine/decide.ts";
import { replicaPrice } from "../../../src/engine/cost.ts";
import { businessHoursStep } from "../../../src/engine/rules/business-hours.ts";
import type { Claim } from "../../../src/engine/rules/budget.ts";
import { clampStep } from "../../../src/engine/rules/clamp.ts";
import { latencyGuardStep } from "../../../src/engine/rules/latency-guard.ts";
import { predictiveStep } from "../../../src/engine/rules/predictive-step.ts";
import { reactiveStep } from "../../../src/engine/rules/reactive.ts";
import { scaleDownDelayStep } from "../../../src/engine/rules/scale-down-delay.ts";
import { scaleToZeroStep } from "../../../src/engine/rules/scale-to-zero.ts";
import {
  lazyReason,
  seedDraft,
  type Draft,
  type ServiceStep,
  type StepContext,
} from "../../../src/engine/step.ts";
import { llmPlanStep } from "../../../src/engine/rules/llm-plan.ts";
import { llmReactiveStep } from "../../../src/engine/rules/llm-reactive.ts";
import { variantDemandStep, variantSplitStep } from "../../../src/engine/rules/variant-split.ts";
import type { Rule, ServiceObservations } from "../../../src/engine/types.ts";
import { configOf, flatForecast, obs, serviceDoc, T0 } from "../helpers.ts";
import type { Config } from "../../../src/config/schema.ts";

const CLOSED = { open: false, preScale: false };
const OPEN = { open: true, preScale: false };
const PRE_SCALE = { open: false, preScale: true };
const BUSINESS_HOURS = {
  businessRules: {
    businessHours: { enabled: true, timezone: "America/New_York", preScaleMinutes: 30, multiplier: 2 },
  },
};

interface Setup {
  doc?: Record<string, unknown>;
  top?: Record<string, unknown>;
  o?: ServiceObservations;
  bh?: { open: boolean; preScale: boolean };
}

function contextOf(s: Setup): StepContext {
  const config = configOf({ svc: serviceDoc(s.doc) }, s.top);
  const svc = config.services[0];
  assert.ok(svc);
  return {
    config,
    svc,
    obs: s.o ?? obs({ rps: 45, gpu: 80 }),
    businessHours: s.bh ?? CLOSED,
    previous: undefined,
    history: undefined,
    now: T0,
  };
}

interface Case extends Setup {
  name: string;
  step: ServiceStep;
  /** The draft handed to the step, over the seed (which holds the current count, 2). */
  given?: Partial<Draft>;
  want: { desired: number; by: Rule; valid?: boolean };
  /** The reasons the step adds, rule and message, in order. */
  adds: readonly (readonly [Rule, RegExp])[];
  facts?: { readonly [K in keyof Draft]?: Draft[K] | undefined };
}

const cases: Case[] = [
  {
    name: "reactive: ceil(45 / 10) = 5 replaces the held count",
    step: reactiveStep,
    want: { desired: 5, by: "reactive" },
    adds: [["reactive", /^rps: ceil\(45 \/ 10\) = 5$/]],
    facts: { reactive: 5, load: 45 },
  },
  {
    name: "reactive: no trigger evaluable (NaN rate, GPU level with 0 ready) holds the current 3",
    step: reactiveStep,
    o: obs({ rps: Number.NaN, gpu: 80 }, { readyReplicas: 0, currentReplicas: 3 }),
    want: { desired: 3, by: "hold" },
    adds: [
      ["signal", /^rps: unusable value NaN ignored$/],
      ["signal", /^gpu: intensive signal not applicable with 0 ready replicas$/],
      ["hold", /^no trigger could be evaluated: holding 3$/],
    ],
  },
  {
    name: "reactive: no reading at all turns the draft invalid at the current 2",
    step: reactiveStep,
    o: obs({}),
    want: { desired: 2, by: "invalid", valid: false },
    adds: [
      ["signal", /^rps: no reading yet$/],
      ["signal", /^gpu: no reading yet$/],
      ["invalid", /^no usable reading for any trigger yet$/],
    ],
  },
  {
    name: "predictive: a confident q95 of 72 / 10 raises 5 to 8",
    step: predictiveStep,
    o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.9) }),
    given: { desired: 5, by: "reactive" },
    want: { desired: 8, by: "predictive" },
    adds: [["predictive", /q95 72 \/ 10 per replica = 8 \(confidence 0\.90, test\)$/]],
    facts: { predictive: 8, confidence: 0.9, forecastPeak: 60 },
  },
  {
    name: "predictive: confidence 0.5 < 0.7 computes 8 but leaves 5, and passes no peak on",
    step: predictiveStep,
    o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.5) }),
    given: { desired: 5, by: "reactive" },
    want: { desired: 5, by: "reactive" },
    adds: [["predictive", /confidence 0\.50 < 0\.7: reactive only$/]],
    facts: { predictive: 8, confidence: 0.5, forecastPeak: undefined },
  },
  {
    name: "predictive: forecast-only mode computes 8 but leaves 5",
    step: predictiveStep,
    top: { predictiveScaling: { enableProactiveScaling: false } },
    o: obs({ rps: 45, gpu: 80 }, { forecast: flatForecast(T0, 60, 72, 0.9) }),
    given: { desired: 5, by: "reactive" },
    want: { desired: 5, by: "reactive" },
    adds: [["predictive", /forecast-only mode: not applied$/]],
    facts: { predictive: 8, forecastPeak: undefined },
  },
  {
    name: "predictive: no forecast yet says so and changes nothing",
    step: predictiveStep,
    given: { desired: 5, by: "reactive" },
    want: { desired: 5, by: "reactive" },
    adds: [["predictive", /^no forecast yet: reactive only$/]],
  },
  {
    name: "business hours closed: nothing to say",
    step: businessHoursStep,
    top: BUSINESS_HOURS,
    given: { desired: 1, by: "reactive" },
    want: { desired: 1, by: "reactive" },
    adds: [],
    facts: { keepWarm: false },
  },
  {
    name: "business hours open: floor ceil(2 x 1) = 2 raises 1 and keeps warm",
    step: businessHoursStep,
    top: BUSINESS_HOURS,
    bh: OPEN,
    given: { desired: 1, by: "reactive" },
    want: { desired: 2, by: "business-hours" },
    adds: [["business-hours", /^inside business hours \(America\/New_York\): floor 2, raised from 1$/]],
    facts: { keepWarm: true },
  },
  {
    name: "business hours pre-scale: floor 2 under 5 only says so",
    step: businessHoursStep,
    top: BUSINESS_HOURS,
    bh: PRE_SCALE,
    given: { desired: 5, by: "reactive" },
    want: { desired: 5, by: "reactive" },
    adds: [["business-hours", /^pre-scale: opening within 30m \(America\/New_York\): floor 2$/]],
    facts: { keepWarm: true },
  },
  {
    name: "scale to zero: minReplicas 1 never asks",
    step: scaleToZeroStep,
    given: { desired: 1, by: "reactive", load: 0 },
    want: { desired: 1, by: "reactive" },
    adds: [],
  },
  {
    name: "scale to zero: idle 20m >= 15m drops the idle load's replica",
    step: scaleToZeroStep,
    doc: { minReplicas: 0 },
    o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 1200 }),
    given: { desired: 1, by: "reactive", load: 0, perTrigger: new Map([["rps", 0]]) },
    want: { desired: 0, by: "scale-to-zero" },
    adds: [["scale-to-zero", /^idle 20m >= 15m: zero allowed$/]],
  },
  {
    name: "scale to zero: a backlog on another extensive trigger still holds 2",
    step: scaleToZeroStep,
    doc: {
      minReplicas: 0,
      triggers: {
        rps: { source: "prometheus", query: "sum(rate(x[1m]))", target: 10, kind: "extensive" },
        backlog: { source: "prometheus", query: "sum(y)", target: 5, kind: "extensive" },
      },
    },
    o: obs({ rps: 0, backlog: 8 }, { idleSeconds: 1200 }),
    given: {
      desired: 2,
      by: "reactive",
      load: 0,
      perTrigger: new Map([
        ["rps", 0],
        ["backlog", 2],
      ]),
    },
    want: { desired: 2, by: "reactive" },
    adds: [["scale-to-zero", /zero allowed$/]],
  },
  {
    name: "scale to zero: business hours keep 0 warm at 1",
    step: scaleToZeroStep,
    doc: { minReplicas: 0 },
    o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 1200 }),
    given: { desired: 0, by: "reactive", load: 0, keepWarm: true },
    want: { desired: 1, by: "keep-warm" },
    adds: [["keep-warm", /^business hours: not scaling to zero$/]],
  },
  {
    name: "scale to zero: a forecast peak of 5 keeps warm",
    step: scaleToZeroStep,
    doc: { minReplicas: 0 },
    o: obs({ rps: 0, gpu: 0 }, { idleSeconds: 1200 }),
    given: { desired: 0, by: "reactive", load: 0, forecastPeak: 5 },
    want: { desired: 1, by: "keep-warm" },
    adds: [["keep-warm", /^forecast expects load 5 > 0 within start-up \+ scale-ahead: keeping warm$/]],
  },
  {
    name: "latency guard: its 6 raises the 5 the load asked (after the scale-down delay), by the reactive rule",
    step: latencyGuardStep,
    given: { desired: 5, by: "hold", guard: 6 },
    want: { desired: 6, by: "reactive" },
    adds: [],
  },
  {
    name: "latency guard: a delay's held 9 stands over its 6",
    step: latencyGuardStep,
    given: { desired: 9, by: "hold", guard: 6 },
    want: { desired: 9, by: "hold" },
    adds: [],
  },
  {
    name: "latency guard: scale to zero wins over it",
    step: latencyGuardStep,
    given: { desired: 0, by: "scale-to-zero", guard: 6 },
    want: { desired: 0, by: "scale-to-zero" },
    adds: [],
  },
  {
    name: "latency guard: none asked, nothing changes",
    step: latencyGuardStep,
    given: { desired: 5, by: "predictive" },
    want: { desired: 5, by: "predictive" },
    adds: [],
  },
  {
    name: "clamp: 0 raised to minReplicas 1",
    step: clampStep,
    given: { desired: 0, by: "reactive" },
    want: { desired: 1, by: "min" },
    adds: [["min", /^raised 0 to minReplicas 1$/]],
  },
  {
    name: "clamp: 50 capped at maxReplicas 10",
    step: clampStep,
    given: { desired: 50, by: "predictive" },
    want: { desired: 10, by: "max" },
    adds: [["max", /^capped 50 at maxReplicas 10$/]],
  },
  {
    name: "clamp: 5 within [1, 10] is left alone",
    step: clampStep,
    given: { desired: 5, by: "reactive" },
    want: { desired: 5, by: "reactive" },
    adds: [],
  },
];

describe("steps: the lists decide() runs", () => {
  it("service steps in rule order: reactive (and in tokens), predictive (and in tokens), the variants' demand and split, business hours, scale to zero, the scale-down delay, the latency guards, clamp, the split within the total", () => {
    assert.deepEqual(SERVICE_STEPS, [
      reactiveStep,
      llmReactiveStep,
      predictiveStep,
      llmPlanStep,
      variantDemandStep,
      businessHoursStep,
      scaleToZeroStep,
      scaleDownDelayStep,
      latencyGuardStep,
      clampStep,
      variantSplitStep,
    ]);
  });
  it("claim steps: GPU quota, then budget", () => {
    assert.deepEqual(
      CLAIM_STEPS.map((s) => s.name),
      ["applyGpuQuotas", "applyBudget"],
    );
  });
  it("an invalid draft ends the list: the clamp after it adds nothing", () => {
    const ctx = contextOf({ o: obs({}) });
    const d = runSteps([reactiveStep, clampStep], seedDraft(ctx, []), ctx);
    assert.equal(d.valid, false);
    assert.deepEqual(
      d.reasons.map((r) => r.rule),
      ["signal", "signal", "invalid"],
    );
  });
});

describe("steps: each step's number and reasons", () => {
  for (const c of cases) {
    it(c.name, () => {
      const ctx = contextOf(c);
      const before: Draft = { ...seedDraft(ctx, []), ...c.given };
      const after = c.step(before, ctx);
      assert.equal(after.desired, c.want.desired);
      assert.equal(after.by, c.want.by);
      assert.equal(after.valid, c.want.valid ?? true);
      assert.deepEqual(after.reasons.slice(0, before.reasons.length), before.reasons, "earlier reasons kept");
      const added = after.reasons.slice(before.reasons.length);
      assert.deepEqual(
        added.map((r) => r.rule),
        c.adds.map(([rule]) => rule),
        JSON.stringify(added),
      );
      added.forEach((r, i) => assert.match(r.message, c.adds[i]?.[1] ?? /^$/));
      for (const [key, value] of Object.entries(c.facts ?? {})) {
        assert.deepEqual(after[key as keyof Draft], value, key);
      }
    });
  }
});

const A100 = { gpusPerReplica: 1, gpuType: "nvidia-a100", cpu: 1, memoryGiB: 0 };

/** A claim as decide() hands it to the claim steps, frozen: a step that changed it would throw. */
function frozenClaim(config: Config, name: string, desired: number, trimmable = true): Claim {
  const svc = config.services.find((s) => s.name === name);
  assert.ok(svc);
  return Object.freeze({
    svc,
    desired,
    trimmable,
    price: replicaPrice(svc, config.cost),
    reasons: Object.freeze([]),
  });
}

describe("steps: the claim steps over every service", () => {
  it("a claim over both the GPU quota and the budget is trimmed by the quota first", () => {
    // Each replica: 1 x nvidia-a100 ($3.67) + 1 vCPU at $1 = $4.67/h. Quota 4 GPUs: 6 -> 4; budget
    // $10/h: 4 x 4.67 = 18.68, ceil(8.68 / 4.67) = 2 more removed -> 2.
    const config = configOf(
      { x: serviceDoc({ resources: A100 }) },
      {
        businessRules: {
          costOptimization: { enabled: true, maxHourlyCost: 10, cpuHourlyPrice: 1, memoryGiBHourlyPrice: 0 },
          gpuQuotas: { "nvidia-a100": 4 },
        },
      },
    );
    const claims = [frozenClaim(config, "x", 6)];
    const out = runClaimSteps(CLAIM_STEPS, config, claims);
    assert.equal(out[0]?.desired, 2);
    assert.equal(out[0]?.cappedBy, "budget");
    assert.deepEqual(
      out[0]?.reasons.map((r) => r.message),
      [
        "GPU quota nvidia-a100 4: 6 -> 4 (priority 50)",
        "budget $10/h (demand $18.68/h): 4 -> 2 (priority 50)",
      ],
    );
  });

  it("each step returns new claims for the ones it trims, the others as they are, and changes none it is given", () => {
    // Quota 5 GPUs, asked 3 (low, priority 10) + 4 (high, priority 90) = 7: the low-priority claim
    // gives 2 (3 -> 1); the high-priority and the CPU-only claims are untouched.
    const config = configOf(
      {
        low: serviceDoc({ priority: 10, resources: A100 }),
        high: serviceDoc({ priority: 90, resources: A100 }),
        web: serviceDoc({ priority: 10 }),
      },
      { businessRules: { gpuQuotas: { "nvidia-a100": 5 } } },
    );
    const claims = [
      frozenClaim(config, "low", 3),
      frozenClaim(config, "high", 4),
      frozenClaim(config, "web", 2),
    ];
    for (const step of CLAIM_STEPS) {
      const out = step(config, claims);
      assert.equal(out.length, claims.length, step.name);
      out.forEach((c, i) =>
        assert.equal(c.svc, claims[i]?.svc, `${step.name}: claim ${i} stays service ${i}'s`),
      );
    }
    const out = runClaimSteps(CLAIM_STEPS, config, claims);
    assert.deepEqual(
      out.map((c) => c.desired),
      [1, 4, 2],
    );
    assert.deepEqual(out[0]?.reasons, [
      { rule: "gpu-quota", message: "GPU quota nvidia-a100 5: 3 -> 1 (priority 10)" },
    ]);
    assert.equal(out[1], claims[1], "an untrimmed claim is returned as it is");
    assert.equal(out[2], claims[2]);
    assert.deepEqual(
      claims.map((c) => [c.desired, c.reasons.length, c.cappedBy]),
      [
        [3, 0, undefined],
        [4, 0, undefined],
        [2, 0, undefined],
      ],
      "the claims handed in are unchanged",
    );
  });

  it("minimums over the quota: every claim of the type says so, the one that cannot be trimmed too", () => {
    // minReplicas 3 each, quota 4 GPUs: 3 + 3 = 6 > 4 whatever is trimmed.
    const config = configOf(
      {
        a: serviceDoc({ minReplicas: 3, resources: A100 }),
        b: serviceDoc({ minReplicas: 3, resources: A100 }),
      },
      { businessRules: { gpuQuotas: { "nvidia-a100": 4 } } },
    );
    const claims = [frozenClaim(config, "a", 4), frozenClaim(config, "b", 3, false)];
    const out = runClaimSteps(CLAIM_STEPS, config, claims);
    assert.deepEqual(
      out.map((c) => [c.desired, c.reasons.map((r) => r.message)]),
      [
        [
          3,
          [
            "GPU quota nvidia-a100 4: 4 -> 3 (priority 50)",
            "minimums alone exceed the nvidia-a100 quota of 4 GPUs",
          ],
        ],
        [3, ["minimums alone exceed the nvidia-a100 quota of 4 GPUs"]],
      ],
    );
    assert.deepEqual(
      claims.map((c) => [c.desired, c.reasons.length]),
      [
        [4, 0],
        [3, 0],
      ],
    );
  });

  it("a step that drops a claim is refused", () => {
    const config = configOf({ x: serviceDoc() });
    const claims = [frozenClaim(config, "x", 2)];
    assert.throws(
      () =>
        runClaimSteps(
          [
            function dropAll() {
              return [];
            },
          ],
          config,
          claims,
        ),
      /claim step dropAll returned 0 claims for 1 services/,
    );
  });
});

describe("steps: the claim steps as values (property-based)", () => {
  const claimArb = fc.record({
    min: fc.integer({ min: 0, max: 4 }),
    above: fc.integer({ min: 0, max: 12 }),
    priority: fc.integer({ min: 0, max: 100 }),
    gpus: fc.integer({ min: 0, max: 2 }),
    trimmable: fc.boolean(),
  });
  const worldArb = fc.record({
    claims: fc.array(claimArb, { minLength: 1, maxLength: 8 }),
    budget: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
    quota: fc.option(fc.integer({ min: 0, max: 16 }), { nil: undefined }),
  });

  it("frozen claims in, one claim per service out: never raised, never trimmed below min, untrimmable ones kept", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const docs = Object.fromEntries(
          w.claims.map((c, i) => [
            `s${i}`,
            serviceDoc({
              minReplicas: c.min,
              maxReplicas: Math.max(1, c.min + c.above),
              priority: c.priority,
              resources: { gpusPerReplica: c.gpus, gpuType: "nvidia-a100", cpu: 2, memoryGiB: 8 },
            }),
          ]),
        );
        const config = configOf(docs, {
          businessRules: {
            costOptimization: { enabled: w.budget !== undefined, maxHourlyCost: w.budget ?? 1 },
            ...(w.quota !== undefined ? { gpuQuotas: { "nvidia-a100": w.quota } } : {}),
          },
        });
        const claims = w.claims.map((c, i) => frozenClaim(config, `s${i}`, c.min + c.above, c.trimmable));
        const out = runClaimSteps(CLAIM_STEPS, config, claims);
        out.forEach((c, i) => {
          const given = claims[i];
          assert.ok(given);
          assert.equal(c.svc, given.svc);
          assert.ok(
            c.desired <= given.desired && c.desired >= given.svc.minReplicas,
            `${c.svc.name}: ${c.desired}`,
          );
          if (!given.trimmable) assert.equal(c.desired, given.desired);
          if (c.reasons.length === 0) assert.equal(c, given, "a claim no step touched is returned as it is");
        });
      }),
      { numRuns: 300, seed: 20261129 },
    );
  });
});

describe("steps: a reason formatted when read", () => {
  it("formats nothing until read, once however often read, and reads as a plain reason", () => {
    let formatted = 0;
    const r = lazyReason("reactive", () => {
      formatted++;
      return `tokens: ${2 + 1}`;
    });
    assert.equal(formatted, 0);
    assert.equal(r.message, "tokens: 3");
    assert.equal(r.message, "tokens: 3");
    assert.equal(formatted, 1);
    assert.equal(JSON.stringify(r), JSON.stringify({ rule: "reactive", message: "tokens: 3" }));
    assert.deepEqual(r, { rule: "reactive", message: "tokens: 3" });
  });
});
