// The modelled Prometheus answers for the llm block's queries, with worked numbers.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { quantileOfIncrease, VllmPrometheus } from "../../../../src/sim/llm/vllm-prometheus.ts";
import { LiveStub, near } from "./fixtures.ts";

describe("the llm block's queries on the simulated vLLM metrics", () => {
  it("tokens: 1,800 counted at 0 s and 9,600 at 45 s, 15 s scrapes: (9,600 - 1,800) / 45 = 173.3 tokens/s", () => {
    const p = new VllmPrometheus(15, 0.99);
    const live = new LiveStub();
    for (let t = 0; t <= 50; t++) {
      if (t === 0) {
        live.promptTokens = 600;
        live.generationTokens = 1200;
      }
      if (t === 45) {
        live.promptTokens = 3600;
        live.generationTokens = 6000;
      }
      p.step(t, live);
    }
    const r = p.readings();
    assert.equal(r.at, 45);
    assert.ok(near(r.tokens, 7800 / 45, 1e-9), `tokens ${r.tokens}`);
  });

  it("one scrape: no answer yet (undefined), not 0", () => {
    const p = new VllmPrometheus(15, 0.99);
    p.step(0, new LiveStub());
    const r = p.readings();
    assert.equal(r.tokens, undefined);
    assert.equal(r.ttft, undefined);
    assert.equal(r.meanPromptTokens, undefined);
  });

  it("mean lengths: 4 requests finished with 2,000 prompt and 800 output tokens in the window: 500 and 200; none finished: 0", () => {
    const p = new VllmPrometheus(15, 0.99);
    const live = new LiveStub();
    p.step(0, live);
    p.step(15, live);
    assert.equal(p.readings().meanPromptTokens, 0);
    for (let i = 0; i < 4; i++) live.e2e.observe(1);
    live.finishedPromptTokens = 2000;
    live.finishedOutputTokens = 800;
    p.step(30, live);
    assert.equal(p.readings().meanPromptTokens, 500);
    assert.equal(p.readings().meanOutputTokens, 200);
  });

  it("histogram_quantile over the increase: 10 in (0, 0.01] and 10 in (0.01, 0.025]: q 0.75 is 0.0175; nothing observed: NaN", () => {
    const bounds = Float64Array.of(0.01, 0.025, 0.05);
    const first = new Float64Array(4);
    const last = Float64Array.of(10, 10, 0, 0);
    assert.ok(near(quantileOfIncrease(bounds, first, last, 0.75), 0.0175));
    assert.ok(Number.isNaN(quantileOfIncrease(bounds, first, first, 0.75)));
    // The rank in +Inf: the last finite bound, as PromQL answers.
    assert.equal(quantileOfIncrease(bounds, first, Float64Array.of(0, 0, 0, 5), 0.5), 0.05);
  });
});
