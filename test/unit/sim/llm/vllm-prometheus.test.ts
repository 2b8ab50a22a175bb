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

  it("itl: a request's mean inter-token latency (vllm:request_time_per_output_token_seconds) at the percentile: 98 requests at 20 ms and 2 at 60 ms give p99 in (0.05, 0.075], 0.0625", () => {
    const p = new VllmPrometheus(15, 0.99);
    const live = new LiveStub();
    p.step(0, live);
    for (let i = 0; i < 98; i++) live.tpot.observe(0.02);
    for (let i = 0; i < 2; i++) live.tpot.observe(0.06);
    // The single gaps say otherwise (a prefill step in 5% of them): not read while the per-request one answers.
    live.itl.observe(0.02, 950);
    live.itl.observe(0.2, 50);
    p.step(15, live);
    assert.ok(near(p.readings().itl, 0.05 + 0.025 * ((99 - 98) / 2)), String(p.readings().itl));
  });

  it("itl: no request finished in the window (the per-request histogram empty): the single gaps' p99 instead, 0.15 + 0.05 x 40 / 50 = 0.19", () => {
    const p = new VllmPrometheus(15, 0.99);
    const live = new LiveStub();
    p.step(0, live);
    live.itl.observe(0.02, 950);
    live.itl.observe(0.2, 50);
    p.step(15, live);
    assert.ok(near(p.readings().itl, 0.15 + (0.05 * 40) / 50), String(p.readings().itl));
  });

  it("length quantiles over 5 minutes on vLLM's 1-2-5 buckets: 10 prompts in (500, 1000] and 10 in (1000, 2000]: q 0.1 = 500 + 500 x 2 / 10 = 600, q 0.98 = 1000 + 1000 x 9.6 / 10 = 1,960", () => {
    const p = new VllmPrometheus(15, 0.99);
    const live = new LiveStub();
    p.step(0, live);
    live.promptLengths.observe(800, 10);
    live.promptLengths.observe(1500, 10);
    live.outputLengths.observe(100, 20);
    p.step(15, live);
    const r = p.readings();
    assert.ok(near(r.promptTokensP10, 600), String(r.promptTokensP10));
    assert.ok(near(r.promptTokensP98, 1960), String(r.promptTokensP98));
    // 20 answers in (50, 100]: q 0.5 is halfway, 75.
    assert.ok(near(r.outputTokensP50, 75), String(r.outputTokensP50));
  });
});
