// The capacity memo keys on the whole request shape: a measured length distribution with the same
// means as an earlier shape gets its own solve, for an llm block and for a variant alike.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { capacityAt } from "../../../src/engine/llm-sizing.ts";
import { variantCapacity } from "../../../src/engine/split/build.ts";
import { recentPrediction } from "../../../src/llm/capacity-memo.ts";
import { predictReplica, replicaCapacity, type WorkloadShape } from "../../../src/llm/capacity.ts";
import { LINEAR } from "./linear-profile.ts";

const MEANS: WorkloadShape = { promptTokens: 1000, outputTokens: 100 };
// The same means, a 4,200-token fifth of prompts and 20-token answers.
const SPREAD: WorkloadShape = {
  ...MEANS,
  prompts: [
    { tokens: 200, share: 0.8 },
    { tokens: 4200, share: 0.2 },
  ],
  outputs: [
    { tokens: 20, share: 0.5 },
    { tokens: 180, share: 0.5 },
  ],
};

const config = parseConfig(
  {
    sources: { prometheus: { url: "http://127.0.0.1:9090" } },
    businessRules: { costOptimization: { gpuHourlyPrices: { "nvidia-h100": 6.9 } } },
    services: {
      chat: {
        workload: { name: "chat", namespace: "inference" },
        maxReplicas: 20,
        llm: { slo: { ttftSeconds: 0.5, itlSeconds: 0.035 }, meanPromptTokens: 1000, meanOutputTokens: 100 },
        variants: { h100: { profile: "linear.json", resources: { gpuType: "nvidia-h100" } } },
        triggers: {
          requestRate: {
            source: "prometheus",
            query: "sum(rate(ingress[1m]))",
            target: 10,
            kind: "extensive",
            arrival: true,
          },
        },
      },
    },
  },
  { load: () => LINEAR },
);
const svc = config.services[0];
const variant = svc?.variants?.[0];
const llm = svc?.llm;

describe("capacity memo", () => {
  it("the spread solves apart from the means (23,537 tokens/s) for the llm block and the variant", () => {
    assert.ok(svc && variant && llm);
    const spread = replicaCapacity(LINEAR, llm.slo, SPREAD, llm.kvCacheHeadroom).tokensPerSecond;
    const means = replicaCapacity(LINEAR, llm.slo, MEANS, llm.kvCacheHeadroom).tokensPerSecond;
    assert.ok(Math.abs(means - 23_537) < 1, String(means));
    assert.ok(spread < 0.95 * means, `${spread} vs ${means}`);
    for (const solve of [
      (s: WorkloadShape) => capacityAt(llm, s),
      (s: WorkloadShape) => variantCapacity(svc, variant, s),
    ]) {
      assert.equal(solve(MEANS).tokensPerSecond, means);
      assert.equal(solve(SPREAD).tokensPerSecond, spread);
      assert.equal(solve(MEANS), solve(MEANS), "solved once per shape");
    }
  });

  it("the last prediction is made once for the same inputs, again for another rate or shape", () => {
    const a = recentPrediction(LINEAR, SPREAD, 10, 0.99);
    assert.equal(recentPrediction(LINEAR, SPREAD, 10, 0.99), a);
    assert.deepEqual(a, predictReplica(LINEAR, SPREAD, 10, 0.99));
    const b = recentPrediction(LINEAR, SPREAD, 12, 0.99);
    assert.notEqual(b, a);
    assert.ok(b.itlSeconds > a.itlSeconds);
    assert.deepEqual(recentPrediction(LINEAR, MEANS, 12, 0.99), predictReplica(LINEAR, MEANS, 12, 0.99));
  });

  it("an equal shape in another object finds the prediction made for the first", () => {
    const a = recentPrediction(LINEAR, SPREAD, 11, 0.99);
    const copy: WorkloadShape = structuredClone(SPREAD);
    assert.equal(recentPrediction(LINEAR, copy, 11, 0.99), a);
    const longer = {
      ...copy,
      prompts: [
        { tokens: 200, share: 0.8 },
        { tokens: 4201, share: 0.2 },
      ],
    };
    assert.notEqual(recentPrediction(LINEAR, longer, 11, 0.99), a);
  });
});
