// The Dynamo-style planner's arithmetic with worked numbers: the profile tables it builds from our
// profile, its correction factors, its aggregated sizing and the controller's interval loop.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cluster } from "../../../../src/sim/cluster.ts";
import { corrections, DynamoPlanner, sizeReplicas } from "../../../../src/sim/llm/dynamo-planner.ts";
import { DynamoProfile } from "../../../../src/sim/llm/dynamo-profile.ts";
import { handProfile, LiveStub, near } from "./fixtures.ts";

// Steps of 10 ms + 0.09 ms per prompt token + 0.001 ms per token of decode context. KV cache
// 108,900 tokens: at context 1,100 the grid of KV usage k / 99 holds exactly k sequences.
const hand = handProfile({
  prefillMsPerToken: 0.09,
  contextMsPerToken: 0.001,
  kvCacheTokens: 108_900,
  maxSeqs: 256,
});
const profile = new DynamoProfile(hand);
const load = { requests: 360, meanInputTokens: 1000, meanOutputTokens: 200 };

describe("the Dynamo-style planner's profile tables, from our profile", () => {
  it("prefill: 1,000 tokens take 10 + 90 = 100 ms, 10,000 tokens/s; 10,000 tokens take two chunks (8,192 + 1,808)", () => {
    assert.ok(near(profile.prefillTtftSeconds(1000), 0.1));
    assert.ok(near(profile.prefillTokensPerSecond(1000), 10_000, 1e-6));
    assert.ok(near(profile.prefillTtftSeconds(10_000), (10 + 737.28 + 10 + 162.72) / 1000));
  });

  it("prefill with a 25 ms per-request overhead (a TTFT measured on a deployment holds it): 125 ms, 8,000 tokens/s", () => {
    const slow = new DynamoProfile(handProfile({ prefillMsPerToken: 0.09, requestOverheadMs: 25 }));
    assert.ok(near(slow.prefillTtftSeconds(1000), 0.125));
    assert.ok(near(slow.prefillTokensPerSecond(1000), 8000, 1e-6));
  });

  it("decode: ITL at 36 sequences of 1,100 tokens is 10 + 36 x 1.1 = 49.6 ms, the best rate within 50 ms", () => {
    assert.ok(near(profile.decodeItlSeconds(36, 1100), 0.0496));
    // 37 sequences would take 50.7 ms.
    assert.ok(near(profile.bestDecodeTokensPerSecond(0.05, 1100), 36 / 0.0496, 1e-6));
  });

  it("decode: a target below one sequence's ITL falls back to the grid's first point (1 sequence)", () => {
    assert.ok(near(profile.bestDecodeTokensPerSecond(0.005, 1100), 1 / 0.0111, 1e-6));
  });
});

describe("sizing aggregated replicas", () => {
  it("360 requests of 1,000 + 200 tokens in 180 s: 0.2 prefill + 0.551 decode = 0.751 -> 1 replica (two Dynamo pools: 2)", () => {
    const s = sizeReplicas(profile, load, { prefill: 1, decode: 1 }, 0.05, 180, 1);
    assert.ok(near(s.prefillTokensPerSecond, 2000));
    assert.ok(near(s.decodeTokensPerSecond, 400));
    assert.ok(near(s.replicaShares, 0.2 + 400 / (36 / 0.0496), 1e-9), String(s.replicaShares));
    assert.equal(s.replicas, 1);
    assert.equal(sizeReplicas(profile, load, { prefill: 1, decode: 1 }, 0.05, 180, 0.5).replicas, 2);
  });

  it("a prefill correction above 1 changes nothing (min(1, c)); below 1 it scales the prefill load", () => {
    const high = sizeReplicas(profile, load, { prefill: 3, decode: 1 }, 0.05, 180, 1);
    const low = sizeReplicas(profile, load, { prefill: 0.5, decode: 1 }, 0.05, 180, 1);
    assert.ok(near(high.prefillTokensPerSecond, 2000));
    assert.ok(near(low.prefillTokensPerSecond, 1000));
  });
});

describe("correction factors", () => {
  it("TTFT 150 ms against 100 -> 1.5; ITL 26.25 ms against 21 ms at concurrency 360 x 5 / 180 / 1 = 10 -> 1.25", () => {
    const c = corrections(
      profile,
      { ...load, meanTtftSeconds: 0.15, meanItlSeconds: 0.02625, meanRequestSeconds: 5, replicas: 1 },
      180,
      { prefill: 1, decode: 1 },
    );
    assert.ok(near(c.prefill, 1.5));
    assert.ok(near(c.decode, 1.25));
  });
});

describe("the planner as a controller", () => {
  it("acts every 180 s: corrected ITL 40 ms -> 27 sequences -> 0.2 + 400 / 680.1 = 0.788, headroom 0.5 -> 2; an interval without requests changes nothing", () => {
    const planner = new DynamoPlanner({
      profile,
      itlTargetSeconds: 0.05,
      headroom: 0.5,
      minReplicas: 0,
      maxReplicas: 10,
    });
    const cluster = new Cluster(60);
    const live = new LiveStub();
    // As the simulation runs it: the controller, then the pods' readiness, each second.
    const second = (t: number): void => {
      planner.step(t, live, cluster);
      cluster.advance(t);
    };
    second(0);
    assert.equal(cluster.size, 1, "min_endpoint: one replica even at minReplicas 0");
    // Over the first interval: 360 requests of 1,000 + 200 tokens, TTFT 150 ms, ITL 26.25 ms, 5 s each.
    live.arrivals = 360;
    live.promptTokens = 360_000;
    live.finishedOutputTokens = 72_000;
    Object.assign(live.ttft, { count: 360, sum: 360 * 0.15 });
    Object.assign(live.e2e, { count: 360, sum: 360 * 5 });
    Object.assign(live.itl, { count: 71_640, sum: 71_640 * 0.02625 });
    for (let t = 1; t < 180; t++) second(t);
    assert.equal(cluster.size, 1, "nothing before the interval ends");
    second(180);
    const d = planner.decisions[0];
    assert.ok(d?.sizing);
    assert.ok(near(d.corrections.decode, 1.25));
    assert.ok(near(d.sizing.decodeTokensPerReplica, 27 / 0.0397, 1e-6));
    assert.equal(cluster.size, 2);
    for (let t = 181; t <= 360; t++) second(t);
    assert.equal(planner.decisions[1]?.sizing, undefined, "skipped: no request in the interval");
    assert.equal(cluster.size, 2);
  });
});
