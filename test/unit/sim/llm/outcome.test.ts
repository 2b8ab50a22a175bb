// Latency arithmetic: SLO per request, attainment, goodput per GPU, vLLM's histograms.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ITL_BUCKETS,
  LatencyHistogram,
  lengthBuckets,
  TTFT_BUCKETS,
} from "../../../../src/sim/llm/histogram.ts";
import { RequestLedger } from "../../../../src/sim/llm/ledger.ts";
import {
  LogQuantiles,
  meanInterTokenSeconds,
  meetsSlo,
  requestQuality,
} from "../../../../src/sim/llm/outcome.ts";
import { arrivalsOf, fixedReplicas, handProfile, runWith } from "./fixtures.ts";

const SLO = { ttftSeconds: 1, itlSeconds: 0.05 };

describe("a request against the SLO (TTFT and mean inter-token latency)", () => {
  const cases: [name: string, ttft: number, e2e: number, output: number, itl: number, met: boolean][] = [
    ["TTFT 0.5 s, 101 tokens in 4.5 s: ITL (4.5 - 0.5) / 100 = 40 ms", 0.5, 4.5, 101, 0.04, true],
    ["TTFT 0.5 s, ITL (6.5 - 0.5) / 100 = 60 ms > 50", 0.5, 6.5, 101, 0.06, false],
    ["TTFT 1.2 s > 1 s", 1.2, 2.2, 101, 0.01, false],
    ["TTFT exactly at the target is within it", 1, 2, 21, 0.05, true],
    ["a one-token answer has no ITL: judged on TTFT", 0.9, 0.9, 1, 0, true],
    ["never served (NaN) misses", Number.NaN, Number.NaN, 10, Number.NaN, false],
    ["first token but never finished (aborted) misses", 0.2, Number.NaN, 10, Number.NaN, false],
  ];
  for (const [name, ttft, e2e, output, itl, met] of cases) {
    it(name, () => {
      const m = meanInterTokenSeconds(ttft, e2e, output);
      if (Number.isNaN(itl)) assert.ok(Number.isNaN(m));
      else assert.ok(Math.abs(m - itl) < 1e-12, String(m));
      assert.equal(meetsSlo(ttft, e2e, output, SLO), met);
    });
  }
});

describe("attainment, goodput and throughput per GPU over a run", () => {
  it("4 requests, 3 within the SLO; 2 replicas for 10 s", () => {
    // Hand profile: 10 ms + 0.1 ms per prefill token. Each request alone on a replica:
    //  R0 (100 in, 11 out) at 0: TTFT 0.020, then 10 decodes: E2E 0.120, ITL 10 ms: met.
    //  R1 (100 in, 11 out) at 0: on the other replica, the same: met.
    //  R2 (20000 in, 2 out) at 1: chunks of 8192, 8192 and 3616 under the 8192-token budget:
    //     10 + 819.2, 10 + 819.2, 10 + 361.6 ms = 2.03 s: TTFT > 1 s: missed.
    //  R3 (10 in, 5 out) at 9.5: TTFT 11 ms: met.
    // Met output tokens 11 + 11 + 5 = 27 over 2 replicas x 10 s = 20 GPU-seconds: 1.35 tokens/s/GPU.
    const r = runWith(
      arrivalsOf([
        [0, 100, 11],
        [0, 100, 11],
        [1, 20000, 2],
        [9.5, 10, 5],
      ]),
      handProfile({ kvCacheTokens: 100_000 }),
      fixedReplicas(2),
    );
    assert.equal(r.requests, 4);
    assert.equal(r.sloMet, 3);
    assert.equal(r.attainmentPct, 75);
    assert.ok(Math.abs((r.ledger.ttft[2] ?? 0) - 2.03) < 1e-6, String(r.ledger.ttft[2]));
    assert.equal(r.measuredSeconds, 10);
    assert.ok(Math.abs(r.goodputRequestsPerSecond - 0.3) < 1e-12);
    assert.ok(Math.abs(r.goodputTokensPerSecond - 2.7) < 1e-12);
    assert.ok(Math.abs(r.sloThroughputPerGpu - 1.35) < 1e-12);
    assert.ok(Math.abs(r.gpuHours * 3600 - 20) < 1e-9);
    assert.ok(Math.abs(r.costDollars - (20 / 3600) * 4) < 1e-9); // $4 per replica-hour
  });

  it("quantiles count a request never served as infinitely late", () => {
    const ledger = new RequestLedger(4);
    // Three served with 5 tokens (ITL 37.5 ms), the fourth never.
    ledger.firstToken(0, 0, 0.1, 10);
    ledger.finish(0, 0, 0.25, 10, 5);
    ledger.firstToken(1, 0, 0.2, 10);
    ledger.finish(1, 0, 0.35, 10, 5);
    ledger.firstToken(2, 0, 0.3, 10);
    ledger.finish(2, 0, 0.45, 10, 5);
    const q = requestQuality(ledger, Int32Array.from([5, 5, 5, 5]), 0, 4, SLO);
    assert.equal(q.unfinished, 1);
    assert.equal(q.ttftP99Seconds, Infinity);
    assert.ok(Math.abs(q.ttftP50Seconds - 0.2) / 0.2 < 0.003, String(q.ttftP50Seconds));
    assert.equal(q.attainmentPct, 75);
  });

  it("LogQuantiles reports a value within 0.3% (its bin's middle)", () => {
    const q = new LogQuantiles();
    for (const v of [0.001, 0.0123, 1.5, 42]) q.add(v);
    const got = [0.25, 0.5, 0.75, 1].map((p) => q.quantile(p));
    [0.001, 0.0123, 1.5, 42].forEach((v, i) => {
      assert.ok(Math.abs((got[i] ?? 0) - v) / v < 0.003, `${got[i]} vs ${v}`);
    });
  });
});

describe("vLLM's histograms", () => {
  it("carry vLLM's bucket bounds: TTFT 22 from 1 ms to 2560 s, ITL 19 from 10 ms to 80 s", () => {
    assert.equal(TTFT_BUCKETS.length, 22);
    assert.deepEqual([TTFT_BUCKETS[0], TTFT_BUCKETS[21]], [0.001, 2560]);
    assert.equal(ITL_BUCKETS.length, 19);
    assert.deepEqual([ITL_BUCKETS[0], ITL_BUCKETS[18]], [0.01, 80]);
  });

  it("le semantics, cumulative counts and histogram_quantile's interpolation", () => {
    const h = new LatencyHistogram(ITL_BUCKETS);
    h.observe(0.01, 10); // exactly on a bound: counts in le=0.01
    h.observe(0.02, 10); // (0.01, 0.025]
    h.observe(100); // +Inf
    assert.equal(h.cumulative(0), 10);
    assert.equal(h.cumulative(1), 20);
    assert.equal(h.cumulative(ITL_BUCKETS.length), 21);
    assert.equal(h.count, 21);
    // Rank 0.5 x 21 = 10.5: 0.5 of the way into (0.01, 0.025]... of its 10: 0.01 + 0.015 x 0.05.
    assert.ok(Math.abs(h.quantile(0.5) - (0.01 + 0.015 * 0.05)) < 1e-12);
  });

  it("a finished request: its mean inter-token latency (e2e - ttft) / (output - 1), 0 for a one-token answer, and its lengths on 1-2-5 bounds", () => {
    assert.deepEqual(lengthBuckets(100), [1, 2, 5, 10, 20, 50, 100]);
    const ledger = new RequestLedger(2, 40_960);
    assert.equal(ledger.promptLengths.bounds.length, 14); // 1, 2, 5 ... 20,000
    ledger.firstToken(0, 10, 10.5, 800);
    ledger.finish(0, 10, 12.5, 800, 41); // 2 s over 40 gaps: 50 ms
    ledger.firstToken(1, 11, 11.2, 3000);
    ledger.finish(1, 11, 11.2, 3000, 1);
    assert.equal(ledger.tpotHistogram.count, 2);
    assert.ok(Math.abs(ledger.tpotHistogram.sum - 0.05) < 1e-6);
    assert.equal(ledger.tpotHistogram.cumulative(0), 1); // the one-token answer's 0, in le=0.01
    assert.equal(ledger.promptLengths.cumulative(lengthBuckets(40_960).indexOf(1000)), 1);
    assert.equal(ledger.outputLengths.cumulative(lengthBuckets(40_960).indexOf(50)), 2);
  });
});

describe("settings", () => {
  const cases: [field: string, over: Record<string, unknown>, message: RegExp][] = [
    ["a negative drain", { drainSeconds: -1 }, /drainSeconds: must be a number >= 0, got -1/],
    [
      "an SLO of 0",
      { slo: { ttftSeconds: 0, itlSeconds: 0.05 } },
      /slo.ttftSeconds: must be a positive number, got 0/,
    ],
    [
      "a NaN provisioning delay",
      { nodeProvisioningSeconds: Number.NaN },
      /nodeProvisioningSeconds: .* got NaN/,
    ],
  ];
  for (const [name, over, message] of cases)
    it(`rejects ${name}, naming the field`, () => {
      assert.throws(() => runWith(arrivalsOf([[0, 1, 1]]), handProfile(), fixedReplicas(1), over), message);
    });
});
