// An llm service through decide(): rules 1 and 2 in tokens, with the linear test profile whose
// capacity is worked by hand (test/unit/llm/capacity.test.ts): at 1,000 prompt + 100 output tokens,
// TTFT p99 <= 0.5 s and ITL p99 <= 35 ms, one replica sustains 21.40 req/s = 23,537 tokens/s.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { Config } from "../../../src/config/schema.ts";
import { OUTPUT_LENGTH_SIGNALS, PROMPT_LENGTH_SIGNALS } from "../../../src/config/llm.ts";
import { decide } from "../../../src/engine/decide.ts";
import { EMPTY_STATE, type ServiceDecision, type ServiceObservations } from "../../../src/engine/types.ts";
import { flatForecast, obs, T0 } from "../helpers.ts";
import { linearLlmConfig } from "../llm/linear-profile.ts";

function decideOne(config: Config, o: ServiceObservations, now = T0): ServiceDecision {
  const d = decide(config, { vllm: o }, EMPTY_STATE, now).services[0];
  assert.ok(d);
  return d;
}

const text = (d: ServiceDecision): string => d.reasons.map((r) => `${r.rule}: ${r.message}`).join("\n");

describe("an llm service, reactive in tokens", () => {
  const config = linearLlmConfig();

  it("the config: load signal tokens, start-up the profile's 60 s, capacity 23,537 tokens/s at the expected lengths", () => {
    const s = config.services[0];
    assert.ok(s?.llm);
    assert.equal(s.loadTrigger, "tokens");
    assert.equal(s.podStartupSeconds, 60);
    assert.ok(Math.abs((s.capacityPerReplica ?? 0) - 23_537) < 1);
    assert.equal(s.llm.requestsTrigger, "requestRate");
    assert.deepEqual(
      s.triggers.map((t) => [t.name, t.llm ?? null]),
      [
        ["requestRate", "requests"],
        ["tokens", "tokens"],
        ["meanPromptTokens", "meanPromptTokens"],
        ["meanOutputTokens", "meanOutputTokens"],
        ...[...PROMPT_LENGTH_SIGNALS, ...OUTPUT_LENGTH_SIGNALS].map((n) => [n, n]),
        ["ttft", "ttft"],
        ["itl", "itl"],
      ],
    );
  });

  it("served 50,000 tokens/s beats arrivals 40 req/s x 1,100 = 44,000: ceil(50,000 / 23,537) = 3", () => {
    const d = decideOne(config, obs({ tokens: 50_000, requestRate: 40 }));
    assert.equal(d.desiredReplicas, 3);
    assert.equal(d.reason, "reactive");
    assert.match(text(d), /tokens: demand 50,000 tokens\/s .* \/ 23,537 tokens\/s per replica .* = 3/);
    assert.equal(d.llm?.demandTokensPerSecond, 50_000);
    assert.equal(d.llm?.lengthsMeasured.prompt, false);
    assert.equal(d.llm?.capacityPerReplica.boundBy, "itl");
  });

  it("arrivals 30 req/s x 1,100 = 33,000 beat served 20,000 (a backlog): ceil(33,000 / 23,537) = 2", () => {
    const d = decideOne(config, obs({ tokens: 20_000, requestRate: 30 }));
    assert.equal(d.desiredReplicas, 2);
    assert.equal(d.llm?.demandTokensPerSecond, 33_000);
  });

  it("at 3 replicas the model predicts for 50,000 / 1,100 / 3 = 15.15 req/s each: ITL p99 = s_d + 48 x 20 ms / 99 = 22.5 ms (48 of Poisson(33.7) prefills in a request's decode)", () => {
    const d = decideOne(config, obs({ tokens: 50_000, requestRate: 0 }));
    const rate = 50_000 / 1100 / 3;
    const s = 0.01 / (1 - 0.03 * rate);
    const decodeStep = 0.01 + 0.0001 * rate * 100 * s;
    assert.equal(d.llm?.predicted?.replicas, 3);
    assert.ok(Math.abs((d.llm?.predicted?.itlSeconds ?? 0) - (decodeStep + (48 * 0.02) / 99)) < 1e-7);
    assert.match(text(d), /at 3: TTFT p99 \d+(\.\d+)? ms, ITL p99 22\.5 ms, KV \d+%/);
  });

  // Every step prefills at that load (φ past 1), and the ITL tail binds before the mean step does:
  // 35.71 req/s would put the mean step at the 35 ms target ((1 - 0.01 / 0.035) / 0.02), but the
  // prompts a step holds vary (Poisson arrivals), so 1% of requests' 99 gaps average past 35 ms
  // from 33.94 req/s.
  it("measured 500 + 100 tokens: 33.94 req/s x 600 = 20,367 tokens/s (bound by ITL's tail, the mean step 31 ms), so 43,000 needs 3 (2 at the expected lengths)", () => {
    const measured = decideOne(
      config,
      obs({ tokens: 43_000, requestRate: 0, meanPromptTokens: 500, meanOutputTokens: 100 }),
    );
    assert.equal(measured.desiredReplicas, 3);
    const perReplica = measured.llm?.capacityPerReplica;
    assert.ok(Math.abs((perReplica?.tokensPerSecond ?? 0) - 20_366.7) < 1, `${perReplica?.tokensPerSecond}`);
    assert.equal(perReplica?.boundBy, "itl");
    assert.deepEqual(measured.llm?.lengthsMeasured, { prompt: true, output: true });
    assert.equal(decideOne(config, obs({ tokens: 43_000, requestRate: 0 })).desiredReplicas, 2);
  });

  it("the measured TTFT p99 (1 s against 0.5 s) corrects the capacity: 23,537 x 0.5 / 1 = 11,768, ceil(20,000 / 11,768) = 2 beats 1 in tokens", () => {
    const d = decideOne(config, obs({ tokens: 20_000, requestRate: 0, ttft: 1, itl: 0.03 }));
    assert.equal(d.desiredReplicas, 2);
    assert.equal(d.reactiveReplicas, 2);
    assert.match(
      text(d),
      /ttft: measured p99 1 s > 500 ms: 23,537 tokens\/s per replica x 500 ms \/ 1 s = 11,768; demand 20,000 tokens\/s \/ 11,768 = 2/,
    );
    assert.equal(d.llm?.measured.ttftSeconds, 1);
  });

  // The guard is sized from the demand, not from the ready count: a percentile measured over the
  // last minutes has not seen the replicas started since, and ceil(ready x measured / target)
  // would multiply them again at every decision (10 ready x 1 / 0.5 = 20, then 20 x 2 = 40, ...).
  const guardCases: readonly {
    readonly name: string;
    readonly ready: number;
    readonly ttft: number;
    readonly itl: number;
    readonly want: number;
  }[] = [
    {
      name: "TTFT 1 s at 10 ready: still ceil(20,000 / 11,768) = 2, not ceil(10 x 1 / 0.5) = 20",
      ready: 10,
      ttft: 1,
      itl: 0.03,
      want: 2,
    },
    { name: "TTFT 1 s at 40 ready: 2 as at 2 ready", ready: 40, ttft: 1, itl: 0.03, want: 2 },
    {
      name: "ITL 34.9 ms within 35 ms at 10 ready: nothing held, 1 in tokens (the intensive rule held 10)",
      ready: 10,
      ttft: 0.2,
      itl: 0.0349,
      want: 1,
    },
    {
      name: "ITL 38 ms within the 10% tolerance (38.5 ms): nothing, 1 in tokens",
      ready: 10,
      ttft: 0.2,
      itl: 0.038,
      want: 1,
    },
    {
      name: "ITL 70 ms: 23,537 x 35 / 70 = 11,768, ceil(20,000 / 11,768) = 2",
      ready: 10,
      ttft: 0.2,
      itl: 0.07,
      want: 2,
    },
    {
      name: "TTFT 2.5 s and ITL 70 ms at 5 ready: the larger, 23,537 x 0.5 / 2.5 = 4,707, ceil(20,000 / 4,707) = 5 (within max(1, 5 + 1) = 6)",
      ready: 5,
      ttft: 2.5,
      itl: 0.07,
      want: 5,
    },
  ];
  for (const c of guardCases)
    it(`latency guard: ${c.name}`, () => {
      const d = decideOne(
        config,
        obs(
          { tokens: 20_000, requestRate: 0, ttft: c.ttft, itl: c.itl },
          { readyReplicas: c.ready, currentReplicas: c.ready },
        ),
      );
      assert.equal(d.reactiveReplicas, c.want);
    });

  // The guard's step is bounded: at most max(1, floor(ready x 0.1)) beyond the ready replicas,
  // never below the token count. A TTFT p99 of 47 s against 0.5 s is a queue's (requests that
  // waited behind a backlog): target / measured would ask for x 94 the replicas, which would not
  // shorten a wait in another replica's queue.
  const stepCases: readonly {
    readonly name: string;
    readonly tokens: number;
    readonly ready: number | undefined;
    readonly ttft: number;
    readonly want: number;
  }[] = [
    {
      name: "TTFT 2.5 s at 3 ready: 5 by the correction, at most max(1 in tokens, 3 + 1) = 4",
      tokens: 20_000,
      ready: 3,
      ttft: 2.5,
      want: 4,
    },
    {
      name: "TTFT 47 s at 3 ready: 23,537 x 0.5 / 47 = 250, ceil(20,000 / 250) = 80; at most max(1, 3 + 1) = 4",
      tokens: 20_000,
      ready: 3,
      ttft: 47,
      want: 4,
    },
    {
      name: "TTFT 47 s, ready unread: counted as 0 ready, at most max(1, 0 + 1) = 1",
      tokens: 20_000,
      ready: undefined,
      ttft: 47,
      want: 1,
    },
    {
      name: "TTFT 47 s at 5 ready, demand 200,000 tokens/s (9 in tokens): the shortfall, max(9, 5 + 1) = 9",
      tokens: 200_000,
      ready: 5,
      ttft: 47,
      want: 9,
    },
    {
      name: "TTFT 47 s at 30 ready, demand 200,000 tokens/s: 799 by the correction; a step of floor(30 x 0.1) = 3: max(9, 33) = 33",
      tokens: 200_000,
      ready: 30,
      ttft: 47,
      want: 33,
    },
  ];
  const wide = linearLlmConfig({ maxReplicas: 100 });
  for (const c of stepCases)
    it(`latency guard step: ${c.name}`, () => {
      const pods = c.ready === undefined ? {} : { readyReplicas: c.ready, currentReplicas: c.ready };
      const o = obs({ tokens: c.tokens, requestRate: 0, ttft: c.ttft, itl: 0.03 }, pods);
      if (c.ready === undefined) delete (o as { readyReplicas?: number }).readyReplicas;
      assert.equal(decideOne(wide, o).reactiveReplicas, c.want);
    });

  it("the bounded step's arithmetic in the reason: correction 80, max(1 in tokens, 3 ready + 1) = 4", () => {
    const d = decideOne(
      config,
      obs({ tokens: 20_000, requestRate: 0, ttft: 47, itl: 0.03 }, { readyReplicas: 3, currentReplicas: 3 }),
    );
    assert.equal(d.desiredReplicas, 4);
    assert.match(
      text(d),
      /ttft: measured p99 47 s > 500 ms: 23,537 tokens\/s per replica x 500 ms \/ 47 s = 250; demand 20,000 tokens\/s \/ 250 = 80; a step at most: max\(1 in tokens, 3 ready \+ 1\) = 4 \(the latency judges the replicas ready over its window\)/,
    );
  });
});

describe("an llm service at zero", () => {
  const config = linearLlmConfig({ minReplicas: 0 });
  const atZero = (tokens: number, requests: number): ServiceObservations =>
    obs({ tokens, requestRate: requests }, { readyReplicas: 0, currentReplicas: 0, idleSeconds: 3600 });

  it("wakes on arrivals while vLLM serves nothing: 0.2 req/s x 1,100 = 220 tokens/s needs 1", () => {
    const d = decideOne(config, atZero(0, 0.2));
    assert.equal(d.desiredReplicas, 1);
    assert.equal(d.active, true);
    assert.match(text(d), /load 220 > activationLoad 0: busy/);
  });

  it("stays at zero with no arrivals after scaleToZeroAfterMinutes", () => {
    const d = decideOne(config, atZero(0, 0));
    assert.equal(d.desiredReplicas, 0);
    assert.equal(d.reason, "scale-to-zero");
  });
});

// The lengths' distribution from the quantile signals (0.1, 0.3, 0.5, 0.7, 0.88, 0.98; shares 20, 20,
// 20, 20, 16, 4%), scaled to the measured means: prompts 200, 400, 700, 1,100, 2,000, 4,000 average
// 960, so x 1,000 / 960 and 2 significant figures: 210, 420, 730, 1,100, 2,100, 4,200; outputs 20,
// 40, 80, 120, 200, 400 average 100 already.
describe("an llm service sized on its request lengths' distribution", () => {
  const config = linearLlmConfig();
  const PROMPTS = [200, 400, 700, 1100, 2000, 4000];
  const OUTPUTS = [20, 40, 80, 120, 200, 400];
  const lengths = (prompts: readonly (number | undefined)[], outputs: readonly (number | undefined)[]) => ({
    meanPromptTokens: 1000,
    meanOutputTokens: 100,
    ...Object.fromEntries(PROMPT_LENGTH_SIGNALS.map((n, i) => [n, prompts[i]])),
    ...Object.fromEntries(OUTPUT_LENGTH_SIGNALS.map((n, i) => [n, outputs[i]])),
  });
  const cases = [
    {
      name: "measured: the spread (a 4,200-token prompt class, 20-token answers) lowers 23,537 to 19,391 tokens/s; 50,000 needs 3",
      readings: lengths(PROMPTS, OUTPUTS),
      capacity: 19_391,
      replicas: 3,
      text: /\(served 50,000; arrivals 0 req\/s x \(1,000 \+ 100\) tokens, measured, with their distribution\)/,
    },
    {
      name: "none measured: every request at the mean, 23,537 tokens/s",
      readings: lengths([], []),
      capacity: 23_537,
      replicas: 3,
      text: /tokens: demand 50,000 tokens\/s \(served 50,000; arrivals 0 req\/s x \(1,000 \+ 100\) tokens, measured\)/,
    },
    {
      name: "one prompt quantile missing: malformed, said, sized at the mean",
      readings: lengths([200, 400, undefined, 1100, 2000, 4000], OUTPUTS),
      capacity: 23_537,
      replicas: 3,
      text: /their distribution malformed \(prompt lengths: 1 of 6 quantiles unmeasured\): every request at the mean/,
    },
    {
      name: "output quantiles falling (0.7 reads 60, below 0.5's 80): malformed, said, sized at the mean",
      readings: lengths(PROMPTS, [20, 40, 80, 60, 200, 400]),
      capacity: 23_537,
      replicas: 3,
      text: /output lengths: quantile 0.7 reads 60, below quantile 0.5's 80/,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = decideOne(config, obs({ tokens: 50_000, requestRate: 0, ...c.readings }));
      assert.ok(
        Math.abs((d.llm?.capacityPerReplica.tokensPerSecond ?? 0) - c.capacity) < 1,
        String(d.llm?.capacityPerReplica.tokensPerSecond),
      );
      assert.equal(d.desiredReplicas, c.replicas);
      assert.match(text(d), c.text);
    });
});

describe("an llm service, planned in tokens", () => {
  it("a confident forecast of 66,000 tokens/s at the ready time (now + 60 s) plans ceil(66,000 / 23,537) = 3", () => {
    const config = linearLlmConfig();
    const d = decideOne(
      config,
      obs({ tokens: 20_000, requestRate: 0 }, { forecast: flatForecast(T0, 60_000, 66_000, 0.9) }),
    );
    assert.equal(d.desiredReplicas, 3);
    assert.equal(d.reason, "predictive");
    assert.equal(d.predictiveReplicas, 3);
    assert.match(text(d), /plan for ready time now\+60s: q95 66000 \/ 23537\S* per replica = 3/);
    assert.match(text(d), /in tokens: 23,537 tokens\/s per replica .*; the plan's 66,000 tokens\/s at 3: /);
  });

  it("the decision's prediction is at the final count: the budget trims 3 to 2 ($7.03/h a replica, $15/h)", () => {
    const config = linearLlmConfig(
      {},
      { businessRules: { costOptimization: { enabled: true, maxHourlyCost: 15 } } },
    );
    const d = decideOne(config, obs({ tokens: 50_000, requestRate: 0 }));
    assert.equal(d.desiredReplicas, 2);
    assert.equal(d.reason, "budget");
    assert.equal(d.llm?.tokenReplicas, 3);
    assert.equal(d.llm?.predicted?.replicas, 2);
  });
});

describe("an llm service: invariants over generated observations", () => {
  const config = linearLlmConfig({ minReplicas: 0 });
  const reading = fc.oneof(
    { weight: 6, arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0) },
  );
  const world = fc.record({
    tokens: reading,
    requestRate: reading,
    meanPromptTokens: reading,
    meanOutputTokens: reading,
    ttft: reading,
    itl: reading,
    ready: fc.integer({ min: 0, max: 30 }),
  });

  it("every decision is a whole number within [0, 20], valid with readings this fresh", () => {
    fc.assert(
      fc.property(world, (w) => {
        const { ready, ...signals } = w;
        const d = decideOne(config, obs(signals, { readyReplicas: ready, currentReplicas: ready }));
        assert.ok(Number.isInteger(d.desiredReplicas) && d.desiredReplicas >= 0 && d.desiredReplicas <= 20);
        assert.equal(d.valid, true);
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });

  it("more token demand never asks for fewer replicas", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 5e5, noNaN: true }),
        fc.double({ min: 0, max: 5e5, noNaN: true }),
        (a, b) => {
          const at = (t: number): number =>
            decideOne(config, obs({ tokens: t, requestRate: 0 })).desiredReplicas;
          assert.ok(at(Math.min(a, b)) <= at(Math.max(a, b)));
        },
      ),
      { numRuns: 200, seed: 20261207 },
    );
  });
});
