// The engine's scheduling, step by step with hand-computed numbers. Profile (fixtures.ts): a step
// takes 10 ms + 0.1 ms per prefill token (no context cost) unless a case says otherwise.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ABORTED, FINISHED, REJECTED } from "../../../../src/sim/llm/ledger.ts";
import { arrivalsOf, fixedReplicas, handProfile, near, runWith } from "./fixtures.ts";

describe("one request on one replica", () => {
  it("prefill 100 tokens (20 ms) then 4 decode steps (10 ms each): TTFT 20 ms, E2E 60 ms", () => {
    // Step 1 [0, 0.020]: prefill 100 -> 10 + 0.1 x 100 = 20 ms, samples token 1.
    // Steps 2-5 [0.020, 0.060]: one decode each, tokens 2..5. Mean ITL (0.060 - 0.020) / 4 = 10 ms.
    const r = runWith(arrivalsOf([[0, 100, 5]]), handProfile());
    assert.ok(near(r.ledger.ttft[0], 0.02, 1e-7));
    assert.ok(near(r.ledger.e2e[0], 0.06, 1e-7));
    assert.equal(r.ledger.status[0], FINISHED);
    // vLLM's ITL histogram: 4 gaps of 10 ms, all in le=0.01.
    assert.equal(r.ledger.itlHistogram.counts[0], 4);
    assert.equal(r.ledger.itlHistogram.count, 4);
    assert.equal(r.ledger.generationTokens, 5);
    assert.equal(r.ledger.promptTokens, 100);
  });

  it("a one-token answer finishes with its prefill: TTFT = E2E", () => {
    const r = runWith(arrivalsOf([[0, 50, 1]]), handProfile());
    assert.ok(near(r.ledger.ttft[0], 0.015, 1e-7)); // 10 + 0.1 x 50 = 15 ms
    assert.ok(near(r.ledger.e2e[0], 0.015, 1e-7));
    assert.equal(r.ledger.itlHistogram.count, 0);
  });
});

describe("chunked prefill under max_num_batched_tokens", () => {
  it("a 150-token prompt with a 64-token budget takes chunks of 64, 64 and 22", () => {
    // Steps: 10 + 6.4 = 16.4 ms, 16.4 ms, 10 + 2.2 = 12.2 ms: TTFT 45 ms; one decode: E2E 55 ms.
    const p = handProfile({ maxBatchedTokens: 64, maxSeqs: 4 });
    const r = runWith(arrivalsOf([[0, 150, 2]]), p);
    assert.ok(near(r.ledger.ttft[0], 0.045, 1e-7));
    assert.ok(near(r.ledger.e2e[0], 0.055, 1e-7));
    // Each chunk sees the tokens already in the cache ahead of it as context.
    const chunks = p.calls.filter((b) => b.prefillTokens > 0);
    assert.deepEqual(
      chunks.map((b) => [b.prefillTokens, b.prefillContextTokens]),
      [
        [64, 0],
        [64, 64],
        [22, 128],
      ],
    );
  });
});

describe("decodes first, then prefill (continuous batching)", () => {
  it("a request arriving mid-decode joins at the next step boundary, batched with the running decode", () => {
    // A (100 in, 10 out) at 0: prefill [0, 0.020], TTFT 0.020; decodes from 0.020 at 10 ms.
    // B (200 in, 3 out) at 0.025, during A's decode step [0.020, 0.030]: it joins the next step,
    // [0.030, 0.060]: A's decode + B's 200-token prefill = 10 + 20 = 30 ms. B's TTFT 0.060 - 0.025.
    // Then both decode [0.060, 0.080]: B's tokens 2, 3: B done at 0.080 (E2E 0.055).
    // A alone: 5 more tokens to 0.130. A's 9 gaps: 10, 30, 10, 10, then 5 x 10 ms; mean 110 / 9 ms.
    const p = handProfile({ contextMsPerToken: 0 });
    const r = runWith(
      arrivalsOf([
        [0, 100, 10],
        [0.025, 200, 3],
      ]),
      p,
    );
    const l = r.ledger;
    assert.ok(near(l.ttft[0], 0.02, 1e-7));
    assert.ok(near(l.ttft[1], 0.035, 1e-7));
    assert.ok(near(l.e2e[1], 0.055, 1e-7));
    assert.ok(near(l.e2e[0], 0.13, 1e-7));
    // The mixed step: one decode at context 100 + 2 (A's prompt and tokens so far) and 200 prefill.
    const mixed = p.calls.find((b) => b.prefillTokens === 200);
    assert.deepEqual(mixed, {
      prefillTokens: 200,
      prefillSeqs: 1,
      prefillContextTokens: 0,
      decodeSeqs: 1,
      decodeContextTokens: 102,
    });
    // 11 gaps: 10 of 10 ms (le=0.01) and A's 30 ms one (le=0.05, the third bucket).
    assert.equal(l.itlHistogram.counts[0], 10);
    assert.equal(l.itlHistogram.counts[2], 1);
    assert.equal(l.generationTokens, 13);
  });
});

describe("the profile's per-request overhead", () => {
  it("5 ms: every request's TTFT and E2E 5 ms later, the engine's steps and inter-token gaps unchanged", () => {
    // The continuous-batching case above with requestOverheadSeconds 0.005: A's TTFT 20 + 5 ms and
    // E2E 130 + 5 ms; B's TTFT 35 + 5 ms and E2E 55 + 5 ms. The same steps are timed, the same gaps
    // observed: the overhead is the serving path's, outside the engine.
    const rows = [
      [0, 100, 10],
      [0.025, 200, 3],
    ] as const;
    const plain = handProfile();
    const slow = handProfile({ requestOverheadMs: 5 });
    const a = runWith(arrivalsOf(rows), plain).ledger;
    const b = runWith(arrivalsOf(rows), slow).ledger;
    assert.ok(near(b.ttft[0], 0.025, 1e-7));
    assert.ok(near(b.e2e[0], 0.135, 1e-7));
    assert.ok(near(b.ttft[1], 0.04, 1e-7));
    assert.ok(near(b.e2e[1], 0.06, 1e-7));
    assert.deepEqual(slow.calls, plain.calls);
    assert.deepEqual(b.itlHistogram.counts, a.itlHistogram.counts);
    assert.ok(near(b.ttftHistogram.sum - a.ttftHistogram.sum, 2 * 0.005, 1e-12));
  });

  it("a negative or infinite overhead is refused when the replica is built, naming the profile", () => {
    for (const bad of [-1, Infinity, Number.NaN])
      assert.throws(
        () => runWith(arrivalsOf([[0, 100, 5]]), handProfile({ requestOverheadMs: bad })),
        /profile hand\/test: requestOverheadSeconds must be finite and >= 0/,
      );
  });
});

describe("KV-cache admission (blocks of 16 tokens)", () => {
  it("a waiting request whose prompt does not fit the free blocks waits for a finish", () => {
    // 64 tokens of cache = 4 blocks. A (40 in, 10 out) takes 3 blocks; B (20 in) needs 2: it waits.
    // A: prefill 10 + 4 = 14 ms, TTFT 0.014; 9 decodes to 0.104 (its 49 tokens end up in all 4 blocks).
    // B then: prefill 10 + 2 = 12 ms, TTFT 0.116; one decode, E2E 0.126.
    const p = handProfile({ kvCacheTokens: 64, maxBatchedTokens: 64, maxSeqs: 4 });
    const r = runWith(
      arrivalsOf([
        [0, 40, 10],
        [0, 20, 2],
      ]),
      p,
    );
    assert.ok(near(r.ledger.ttft[0], 0.014, 1e-7));
    assert.ok(near(r.ledger.e2e[0], 0.104, 1e-7));
    assert.ok(near(r.ledger.ttft[1], 0.116, 1e-7));
    assert.ok(near(r.ledger.e2e[1], 0.126, 1e-7));
    assert.equal(r.preemptions, 0);
  });

  it("a request longer than the whole cache is rejected (vLLM refuses prompt + max_tokens over max_model_len)", () => {
    const r = runWith(arrivalsOf([[0, 60, 10]]), handProfile({ kvCacheTokens: 64, maxBatchedTokens: 64 }));
    assert.equal(r.ledger.status[0], REJECTED);
    assert.equal(r.rejected, 1);
    assert.equal(r.attainmentPct, 0);
  });
});

describe("preemption by recompute when the cache is full", () => {
  it("the latest admitted request is preempted, recomputes prompt + generated tokens later, and its stall is one gap", () => {
    // 48 tokens = 3 blocks; A and B (16 in, 20 out each) at 0, both admitted (1 block each).
    // [0, 0.0132]: both prefills, 32 tokens: 10 + 3.2 ms. TTFT 0.0132 for both.
    // At 0.0132 both decodes need a new block (their 16 tokens fill their first): 2 needed, 1 free.
    //   A (admitted first) gets it; B (the latest admitted) is preempted, back to waiting with
    //   16 + 1 tokens to recompute (2 blocks), which do not fit the 1 free block until A is done.
    // A decodes alone, 19 tokens at 10 ms: done at 0.2032.
    // [0.2032, 0.2149]: B recomputes 17 tokens (10 + 1.7 ms) and samples token 2: a gap of
    //   0.2149 - 0.0132 = 0.2017 s; then 18 decodes to 0.3949.
    const p = handProfile({ kvCacheTokens: 48, maxBatchedTokens: 64, maxSeqs: 4 });
    const r = runWith(
      arrivalsOf([
        [0, 16, 20],
        [0, 16, 20],
      ]),
      p,
    );
    const l = r.ledger;
    assert.ok(near(l.ttft[0], 0.0132, 1e-7));
    assert.ok(near(l.e2e[0], 0.2032, 1e-7));
    assert.ok(near(l.ttft[1], 0.0132, 1e-7));
    assert.ok(near(l.e2e[1], 0.3949, 1e-7));
    assert.equal(l.preemptions[1], 1);
    assert.equal(l.preemptions[0], 0);
    assert.equal(r.preemptions, 1);
    // B's stall is one observation in (0.2, 0.3]; the recompute step's 17 tokens are a prefill.
    assert.equal(l.itlHistogram.counts[l.itlHistogram.bucketOf(0.2017)], 1);
    assert.ok(p.calls.some((b) => b.prefillTokens === 17 && b.decodeSeqs === 0));
    // Prompt tokens count once per request; generated tokens 20 each.
    assert.equal(l.promptTokens, 32);
    assert.equal(l.generationTokens, 40);
  });

  it("requests arriving at the same instant share the first step", () => {
    // Three 100-token prompts at 0 on an idle replica: one step of 300 tokens, 10 + 30 = 40 ms.
    const p = handProfile();
    const r = runWith(
      arrivalsOf([
        [0, 100, 2],
        [0, 100, 2],
        [0, 100, 2],
      ]),
      p,
    );
    assert.ok([0, 1, 2].every((i) => near(r.ledger.ttft[i], 0.04, 1e-7)));
    assert.equal(p.calls[0]?.prefillSeqs, 3);
  });
});

describe("routing", () => {
  const rows = [
    [0, 1000, 100],
    [0.001, 10, 10],
    [0.002, 500, 10],
    [0.003, 100, 10],
  ] as const;

  it("least outstanding tokens: the 50 ms reading of KV tokens held and prompt tokens queued, plus what was routed since", () => {
    // Read at 0: both 0; R0 -> r0 (the oldest), whose load becomes 1000 (its prompt).
    // R1 -> r1 (0 < 1000), load 10; R2 -> r1 (10 < 1000), load 510; R3 -> r1 (510 < 1000).
    // r0: R0's prefill, 10 + 100 = 110 ms.
    // r1: R1's prefill [0.001, 0.012] (TTFT 11 ms); then R1's decode + R2's and R3's 600 prompt
    // tokens: 10 + 60 = 70 ms to 0.082: TTFT R2 0.080, R3 0.079.
    const r = runWith(arrivalsOf(rows), handProfile(), fixedReplicas(2));
    const t = r.ledger.ttft;
    assert.ok(near(t[0], 0.11, 1e-7));
    assert.ok(near(t[1], 0.011, 1e-7));
    assert.ok(near(t[2], 0.08, 1e-7));
    assert.ok(near(t[3], 0.079, 1e-7));
  });

  it("round robin: 0, 1, 0, 1", () => {
    // R2 waits on r0 behind R0's prefill: [0.110, 0.170] (R0's decode + 500 prefill): TTFT 0.168.
    // R3 on r1 after R1's prefill: [0.012, 0.032] (R1's decode + 100 prefill): TTFT 0.029.
    const r = runWith(arrivalsOf(rows), handProfile(), fixedReplicas(2), { router: "round-robin" });
    const t = r.ledger.ttft;
    assert.ok(near(t[2], 0.168, 1e-7));
    assert.ok(near(t[3], 0.029, 1e-7));
  });
});

describe("pods: start-up, the gateway, draining", () => {
  it("a request arriving while no replica is ready waits at the gateway, and the wait counts in TTFT", () => {
    // One pod created at 0 with a 5 s load: ready at 5. The request (100 in) at 1.5 is routed at 5
    // and prefilled in 20 ms: TTFT 5.020 - 1.5 = 3.52 s.
    const r = runWith(arrivalsOf([[1.5, 100, 2]]), handProfile({ loadSeconds: 5 }), fixedReplicas(1, false));
    assert.ok(near(r.ledger.ttft[0], 3.52, 1e-7));
  });

  it("node provisioning adds to the start-up", () => {
    const r = runWith(arrivalsOf([[1.5, 100, 2]]), handProfile({ loadSeconds: 5 }), fixedReplicas(1, false), {
      nodeProvisioningSeconds: 2.5,
    });
    // Start-up ceil(5 + 2.5) = 8 s: TTFT 8.020 - 1.5.
    assert.ok(near(r.ledger.ttft[0], 6.52, 1e-7));
  });

  const drainRows = [
    [0, 100, 10],
    [0.001, 100, 1000],
    [20, 10, 1],
  ] as const;
  /** Two pods from 0, one from second 2: the newest (holding the 1000-token answer) drains. */
  const twoThenOne = {
    step(t: number, _l: unknown, c: import("../../../../src/sim/cluster.ts").Cluster) {
      if (t === 0) c.setReplicas(2, t, true);
      if (t === 2) c.setReplicas(1, t);
    },
    desired: () => 1,
  };

  it("a removed replica finishes its requests and is paid until done", () => {
    // R1 on r1: prefill 20 ms from 0.001, 999 decodes of 10 ms: done at 10.011 (E2E 10.010).
    // Paid: 2 pods in seconds 0-10 (r1 drains from 2 to 10.011), 1 pod in 11-20: 32 replica-seconds.
    const r = runWith(arrivalsOf(drainRows), handProfile(), twoThenOne);
    assert.ok(near(r.ledger.e2e[1], 10.01, 1e-6));
    assert.equal(r.ledger.status[1], FINISHED);
    assert.ok(near(r.replicaHours * 3600, 32, 1e-9));
  });

  it("a drain longer than drainSeconds is cut: what is left is aborted", () => {
    // Drain from 2, 5 s allowed: r1 is gone at 7 with R1 unfinished. Paid: 2 pods in 0-6, 1 in 7-20.
    const r = runWith(arrivalsOf(drainRows), handProfile(), twoThenOne, { drainSeconds: 5 });
    assert.equal(r.ledger.status[1], ABORTED);
    assert.ok(Number.isNaN(r.ledger.e2e[1] ?? 0));
    assert.equal(r.aborted, 1);
    assert.ok(near(r.replicaHours * 3600, 28, 1e-9));
  });
});
