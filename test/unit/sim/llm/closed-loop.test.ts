// One replica under a closed loop of clients (vllm bench serve --max-concurrency), with worked numbers.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { closedLoop, summarizeClosedLoop } from "../../../../src/sim/llm/closed-loop.ts";
import { handProfile, near } from "./fixtures.ts";

describe("closedLoop", () => {
  // Steps of 10 ms + 0.1 ms per prompt token: a prefill of 100 tokens takes 20 ms, a decode step 10 ms.
  const profile = handProfile();
  const opts = { concurrency: 2, inputTokens: 100, outputTokens: 3, requests: 4, stagger: true };

  it("staggered: client 2 joins at the end of the first step; each finish sends the next request at once", () => {
    const run = closedLoop(profile, opts);
    // Sent at 0, 20 ms (client 2), 50 ms (request 0 done) and 70 ms (request 1 done).
    assert.deepEqual(
      Array.from(run.sentAt, (t) => Math.round(t * 1000)),
      [0, 20, 50, 70],
    );
    // Every prefill runs in the step right after its request is sent: 20 ms (10 + 100 x 0.1) each.
    for (let i = 0; i < 4; i++)
      assert.ok(near(run.ledger.ttft[i], 0.02, 1e-6), `ttft ${i}: ${run.ledger.ttft[i]}`);
    // Request 0: first token at 20 ms, then a 20 ms step (beside request 1's prefill) and a 10 ms one.
    // Requests 1 and 2 the same; request 3 decodes alone: 20 + 10 + 10 = 40 ms.
    const e2e = Array.from(run.ledger.e2e, (v) => Math.round(v * 1000));
    assert.deepEqual(e2e, [50, 50, 50, 40]);
    assert.ok(near(run.endSeconds, 0.11, 1e-9));
  });

  it("a 5 ms per-request overhead: a client sees its request end 5 ms after the engine and sends its next then", () => {
    // Engine as above until request 0 ends at 50 ms; its client sees that at 55 and sends request 2.
    // Request 1 (sent at 20, prefill 20-40) decodes alone 50-60: its client sends request 3 at 65.
    // Request 2 waits out that step, prefills 60-80; request 3 prefills 80-100 beside request 2's
    // decode; request 2 ends at 110, request 3 at 120, seen at 125.
    const run = closedLoop(handProfile({ requestOverheadMs: 5 }), opts);
    assert.deepEqual(
      Array.from(run.sentAt, (t) => Math.round(t * 1e6) / 1000),
      [0, 20, 55, 65],
    );
    const ms = (a: Float32Array): number[] => Array.from(a, (v) => Math.round(v * 1e6) / 1000);
    assert.deepEqual(ms(run.ledger.ttft), [25, 25, 30, 40]);
    assert.deepEqual(ms(run.ledger.e2e), [55, 45, 60, 60]);
    assert.ok(near(run.endSeconds, 0.125, 1e-9));
  });

  it("not staggered: both clients start at 0 and their prompts share one 30 ms step", () => {
    const run = closedLoop(profile, { ...opts, stagger: false });
    assert.ok(near(run.ledger.ttft[0], 0.03, 1e-6));
    assert.ok(near(run.ledger.ttft[1], 0.03, 1e-6));
  });

  it("the summary leaves out the ramp-up and the tail: 12 requests, 2 clients -> requests 4 to 9", () => {
    const o = { ...opts, requests: 12 };
    const s = summarizeClosedLoop(closedLoop(profile, o), o);
    assert.equal(s.measured, 6);
    assert.ok(near(s.meanTtftSeconds, 0.02, 1e-6));
    // In steady state each request's two decode gaps are one 20 ms step (the other client's
    // prefill) and one 10 ms step: TPOT 15 ms, E2E 50 ms, one request per 25 ms.
    assert.ok(near(s.meanTpotSeconds, 0.015, 1e-6), `${s.meanTpotSeconds}`);
    assert.ok(near(s.meanE2eSeconds, 0.05, 1e-6));
    assert.ok(near(s.requestsPerSecond, 40, 1e-6), `${s.requestsPerSecond}`);
  });

  it("rejects a request that cannot fit the KV cache, naming it", () => {
    assert.throws(
      () => closedLoop(handProfile({ kvCacheTokens: 64 }), opts),
      /a request of 100 \+ 3 tokens does not fit the KV cache/,
    );
    assert.throws(
      () => closedLoop(profile, { ...opts, requests: 1 }),
      /requests: must be a whole number >= 2/,
    );
  });
});
