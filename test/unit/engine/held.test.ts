// The pods KEDA and the HPA keep whatever the scaler answers (rules/held.ts), and the budget
// counting them (rules/budget.ts): new demand gets only the room the held pods leave.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Config } from "../../../src/config/schema.ts";
import { decide, nextState } from "../../../src/engine/decide.ts";
import { heldPods, nextHistory } from "../../../src/engine/rules/held.ts";
import {
  EMPTY_STATE,
  type Answer,
  type AnswerHistory,
  type EngineState,
  type Observations,
} from "../../../src/engine/types.ts";
import { configOf, obs, serviceDoc, T0 } from "../helpers.ts";

const S = 1000;

describe("held pods: the HPA's scale-down window and KEDA's cooldown", () => {
  const cases: {
    name: string;
    keda?: Record<string, number>;
    answers: Answer[];
    at: number;
    want: number;
    /** currentReplicas observed (none: no count). */
    running?: number;
    variants?: Record<string, number>;
  }[] = [
    {
      name: "8 at 10:00, 3 at 10:02, decided at 10:04: the 8 stands within the 300 s window",
      answers: [
        { at: T0, replicas: 8 },
        { at: T0 + 120 * S, replicas: 3 },
      ],
      at: T0 + 240 * S,
      want: 8,
    },
    {
      name: "the same at 10:07:30: the 8 stopped standing at 10:02, before the window opened (10:02:30)",
      answers: [
        { at: T0, replicas: 8 },
        { at: T0 + 120 * S, replicas: 3 },
      ],
      at: T0 + 450 * S,
      want: 3,
    },
    {
      name: "a 60 s window configured: at 10:04 only the 3 stands",
      keda: { scaleDownStabilizationWindowSeconds: 60 },
      answers: [
        { at: T0, replicas: 8 },
        { at: T0 + 120 * S, replicas: 3 },
      ],
      at: T0 + 240 * S,
      want: 3,
    },
    {
      name: "answered 0 since 10:01 after 2: no window, the 300 s cooldown keeps one pod at 10:05",
      keda: { scaleDownStabilizationWindowSeconds: 0 },
      answers: [
        { at: T0, replicas: 2 },
        { at: T0 + 60 * S, replicas: 0 },
      ],
      at: T0 + 300 * S,
      want: 1,
    },
    {
      name: "the same at 10:06:30: the cooldown has passed since 10:01",
      keda: { scaleDownStabilizationWindowSeconds: 0 },
      answers: [
        { at: T0, replicas: 2 },
        { at: T0 + 60 * S, replicas: 0 },
      ],
      at: T0 + 390 * S,
      want: 0,
    },
    {
      name: "per variant: l40s 4 -> 1 and h100 0 -> 2 at 10:02, decided at 10:03: l40s 4, h100 2",
      answers: [
        { at: T0, replicas: 4, variants: { l40s: 4, h100: 0 } },
        { at: T0 + 120 * S, replicas: 3, variants: { l40s: 1, h100: 2 } },
      ],
      at: T0 + 180 * S,
      want: 4,
      variants: { l40s: 4, h100: 2 },
    },
    {
      name: "a day-long cooldown: answered 1 until 10:00, then 0 every minute for 20 hours: one pod held, two answers kept",
      keda: { cooldownPeriod: 86_400, scaleDownStabilizationWindowSeconds: 60 },
      answers: [
        { at: T0 - 60 * S, replicas: 1 },
        ...Array.from({ length: 1200 }, (_, i) => ({ at: T0 + i * 60 * S, replicas: 0 })),
      ],
      at: T0 + 1200 * 60 * S,
      want: 1,
    },
    { name: "no answers, no pods: nothing held", answers: [], at: T0, want: 0 },
    {
      name: "no answers (a restarted scaler), 3 pods running: the 3 are held",
      answers: [],
      running: 3,
      at: T0,
      want: 3,
    },
    {
      name: "answered 20 for 10 minutes, 21 running (an HPA tolerance of 0.1 keeps 21 at 20): 21 held",
      answers: [
        { at: T0, replicas: 20 },
        { at: T0 + 300 * S, replicas: 20 },
      ],
      running: 21,
      at: T0 + 600 * S,
      want: 21,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const config = configOf({ svc: serviceDoc() }, c.keda ? { keda: c.keda } : {});
      const seen = c.running !== undefined ? { currentReplicas: c.running } : {};
      // The history as the engine keeps it, answer after answer.
      const history = c.answers.reduce<AnswerHistory | undefined>(
        (h, a) => nextHistory(config, h, a),
        undefined,
      );
      const held = heldPods(config, Object.keys(c.variants ?? {}), history, { signals: {}, ...seen }, c.at);
      assert.equal(held.replicas, c.want);
      if (c.keda?.cooldownPeriod === 86_400) assert.equal(history?.answers.length, 2);
      assert.deepEqual(held.variants, c.variants ?? {});
    });
  }
});

describe("the budget counts the held pods", () => {
  // $1 per vCPU-hour, 10 vCPUs a replica: $10/h a replica; 10 requests/s a replica; budget $100/h.
  // 10:00: low (priority 10) serves 60 requests/s: 6 replicas; high (priority 90) 10: 1.
  // 10:04: low falls to 20 (2), high rises to 70 (7). Decided $90/h fits, but the HPA keeps low's
  // 6 until its window has passed: paid $60 + $70 = $130/h. High is trimmed by ceil(30 / 10) = 3
  // to 4: paid $100/h. The 6 stands until low's next answer (10:04), so it is held until 10:09.
  const config = (keda: Record<string, number> = {}): Config =>
    configOf(
      {
        low: serviceDoc({ priority: 10, maxReplicas: 20, resources: { cpu: 10, memoryGiB: 0 } }),
        high: serviceDoc({ priority: 90, maxReplicas: 20, resources: { cpu: 10, memoryGiB: 0 } }),
      },
      {
        businessRules: {
          costOptimization: { enabled: true, maxHourlyCost: 100, cpuHourlyPrice: 1, memoryGiBHourlyPrice: 0 },
        },
        keda,
      },
    );
  const load = (low: number, high: number, at: number): Observations => ({
    low: obs({ rps: low, gpu: 0 }, {}, at),
    high: obs({ rps: high, gpu: 0 }, {}, at),
  });
  const cases: {
    name: string;
    keda?: Record<string, number>;
    /** Seconds after 10:00 of the decisions after the first, all at the risen load. */
    at: number[];
    want: [low: number, high: number][];
  }[] = [
    {
      name: "10:04, 10:08: low's 6 held, high trimmed 7 -> 4; 10:09:30: the window has passed, high gets 7",
      at: [240, 480, 570],
      want: [
        [2, 4],
        [2, 4],
        [2, 7],
      ],
    },
    {
      name: "a 60 s window configured: at 10:01 the 6 stands until that answer; at 10:02:30 it no longer does, high gets 7",
      keda: { scaleDownStabilizationWindowSeconds: 60 },
      at: [60, 150],
      want: [
        [2, 4],
        [2, 7],
      ],
    },
    {
      name: "the default 300 s window at the same times: high stays at 4",
      at: [60, 150],
      want: [
        [2, 4],
        [2, 4],
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cfg = config(c.keda);
      const first = decide(cfg, load(60, 10, T0), EMPTY_STATE, T0);
      assert.deepEqual(
        first.services.map((s) => s.desiredReplicas),
        [6, 1],
      );
      let state: EngineState = nextState(cfg, first, EMPTY_STATE);
      c.at.forEach((seconds, k) => {
        const d = decide(cfg, load(20, 70, T0 + seconds * S), state, T0 + seconds * S);
        state = nextState(cfg, d, state);
        const [low, high] = d.services;
        assert.deepEqual([low?.desiredReplicas, high?.desiredReplicas], c.want[k], `at +${seconds} s`);
        assert.ok(d.totalHourlyCost <= 100 + 1e-9);
        // Paid: low's 6 held pods and high's 4 ($100/h) while the 6 stand, else the answers.
        const held = high?.desiredReplicas === 4;
        assert.equal(
          d.paidHourlyCost,
          held ? 100 : 10 * ((low?.desiredReplicas ?? 0) + 7),
          `paid at +${seconds} s`,
        );
        if (high?.desiredReplicas === 4 && c.keda === undefined) {
          assert.equal(high.reason, "budget");
          assert.ok(
            high.reasons.some(
              (r) =>
                r.rule === "budget" &&
                r.message ===
                  "budget $100/h, paid $130.00/h: $40.00/h above the answers in pods the HPA's 300 s scale-down window and KEDA's 300 s cooldown keep: 7 -> 4 (priority 90)",
            ),
            JSON.stringify(high.reasons),
          );
        }
      });
    });
  }
});

describe("the GPU quota counts the held pods", () => {
  // One A100 a replica, quota 8 GPUs; 10 requests/s a replica.
  // 10:00: low (priority 10) serves 60 requests/s: 6 replicas; high (priority 90) 10: 1.
  // 10:04: low falls to 20 (2), high rises to 50 (5). Decided 7 GPUs fit, but the HPA keeps low's
  // 6 until its window has passed: taken 6 + 5 = 11. High is trimmed by 3 to 2 (its 2 running pods,
  // obs's default, are its floor): taken 8.
  const A100 = { gpusPerReplica: 1, gpuType: "nvidia-a100" };
  const config = configOf(
    {
      low: serviceDoc({ priority: 10, maxReplicas: 20, resources: A100 }),
      high: serviceDoc({ priority: 90, maxReplicas: 20, resources: A100 }),
    },
    { businessRules: { gpuQuotas: { "nvidia-a100": 8 } } },
  );
  const load = (low: number, high: number, at: number): Observations => ({
    low: obs({ rps: low, gpu: 0 }, {}, at),
    high: obs({ rps: high, gpu: 0 }, {}, at),
  });
  const cases: { at: number; want: [low: number, high: number]; taken: number; reason?: string }[] = [
    {
      at: 240,
      want: [2, 2],
      taken: 8,
      reason:
        "GPU quota nvidia-a100 8, taken 11: 4 above the answers in pods the HPA's 300 s scale-down window and KEDA's 300 s cooldown keep: 5 -> 2 (priority 90)",
    },
    { at: 480, want: [2, 2], taken: 8 },
    { at: 570, want: [2, 5], taken: 7 },
  ];
  it("10:04, 10:08: low's 6 held, high trimmed 5 -> 2; 10:09:30: the window has passed, high gets 5", () => {
    const first = decide(config, load(60, 10, T0), EMPTY_STATE, T0);
    assert.deepEqual(
      first.services.map((s) => s.desiredReplicas),
      [6, 1],
    );
    let state: EngineState = nextState(config, first, EMPTY_STATE);
    for (const c of cases) {
      const now = T0 + c.at * S;
      const d = decide(config, load(20, 50, now), state, now);
      state = nextState(config, d, state);
      const [low, high] = d.services;
      assert.deepEqual([low?.desiredReplicas, high?.desiredReplicas], c.want, `at +${c.at} s`);
      assert.equal(d.gpuUse["nvidia-a100"]?.taken, c.taken, `taken at +${c.at} s`);
      if (c.reason !== undefined) {
        assert.equal(high?.reason, "gpu-quota");
        assert.ok(
          high?.reasons.some((r) => r.rule === "gpu-quota" && r.message === c.reason),
          JSON.stringify(high?.reasons),
        );
      }
    }
  });
});
