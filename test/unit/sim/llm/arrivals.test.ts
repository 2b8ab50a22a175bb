// Per-request arrivals: from a request trace, and the constructed multi-day trace.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { arrivalsFromTrace, perSecondRate } from "../../../../src/sim/llm/arrivals.ts";
import {
  CONSTRUCTED_SEED,
  constructTrace,
  scaleForPeak,
  type LengthPool,
} from "../../../../src/sim/llm/constructed-trace.ts";
import { loadTrace, parseTraceText, type Series } from "../../../../src/traces/parse.ts";

const traces = process.env.MLAS_TRACES ?? new URL("../../../../../shared/traces/", import.meta.url).pathname;

describe("arrivals from a request trace", () => {
  it("times in seconds from the first request's minute; tokens as integers; origin real", () => {
    const t = parseTraceText(
      "timestamp,input_tokens,output_tokens\n2026-01-05T10:00:30Z,100,5\n2026-01-05T10:01:15.5Z,7,1\n",
      "t.csv",
    );
    const a = arrivalsFromTrace(t);
    assert.deepEqual([...a.times], [30, 75.5]);
    assert.deepEqual([...a.inputTokens], [100, 7]);
    assert.equal(a.origin, "real");
  });

  const bad: [name: string, row: string, message: RegExp][] = [
    ["an empty prompt", "2026-01-05T10:00:00Z,0,5", /t.csv:3: input_tokens must be a whole number from 1/],
    ["no output", "2026-01-05T10:00:00Z,5,0", /t.csv:3: output_tokens must be a whole number from 1/],
    ["a fractional count", "2026-01-05T10:00:00Z,5.5,3", /input_tokens .* got 5.5/],
  ];
  for (const [name, row, message] of bad) {
    it(`rejects ${name}, naming the line`, () => {
      const t = parseTraceText(
        `timestamp,input_tokens,output_tokens\n2026-01-05T09:59:00Z,1,1\n${row}\n`,
        "t.csv",
      );
      assert.throws(() => arrivalsFromTrace(t), message);
    });
  }

  it("per-second rates are the minute's mean: 120 requests of 1,000 tokens in minute 1 -> 2/s, 2,000 tokens/s", () => {
    const rows = Array.from(
      { length: 120 },
      (_, i) => `2026-01-05T10:01:${String(i >> 1).padStart(2, "0")}Z,900,100`,
    );
    const t = parseTraceText(
      ["timestamp,input_tokens,output_tokens", "2026-01-05T10:00:00Z,1,1", ...rows].join("\n"),
      "t.csv",
    );
    const a = arrivalsFromTrace(t);
    assert.equal(perSecondRate(a, false)[90], 2);
    assert.equal(perSecondRate(a, true)[90], 2000);
  });
});

function pool(rows: [number, number][]): LengthPool {
  return {
    name: "pool.csv",
    requests: {
      times: new Float64Array(rows.length),
      inputTokens: Float64Array.from(rows.map((r) => r[0])),
      outputTokens: Float64Array.from(rows.map((r) => r[1])),
    },
  };
}

function volume(perMinute: number[]): { name: string; series: Series } {
  return {
    name: "volume.csv",
    series: { start: 0, stepSeconds: 60, values: Float64Array.from(perMinute), unit: "tokens" },
  };
}

describe("the constructed trace (volume per minute, lengths from a pool)", () => {
  it("each minute's tokens land within half a request of volume x scale; arrivals sorted inside their minute", () => {
    const p = pool([
      [900, 100],
      [90, 10],
      [400, 100],
    ]);
    const a = constructTrace(volume([10_000, 0, Number.NaN, 2_500]), [p], { scale: 2, seed: 7 });
    assert.equal(a.origin, "constructed");
    assert.match(a.provenance, /seed 7/);
    const perMinute = [0, 0, 0, 0];
    for (let i = 0; i < a.times.length; i++) {
      const m = Math.floor((a.times[i] ?? 0) / 60);
      perMinute[m] = (perMinute[m] ?? 0) + (a.inputTokens[i] ?? 0) + (a.outputTokens[i] ?? 0);
      if (i > 0) assert.ok((a.times[i] ?? 0) >= (a.times[i - 1] ?? 0), "sorted");
    }
    assert.ok(Math.abs((perMinute[0] ?? 0) - 20_000) <= 500, String(perMinute[0]));
    assert.equal(perMinute[1], 0);
    assert.equal(perMinute[2], 0, "a gap carries no arrivals");
    assert.ok(Math.abs((perMinute[3] ?? 0) - 5_000) <= 500, String(perMinute[3]));
  });

  it("the same seed gives the same trace; another seed another", () => {
    const p = pool([
      [900, 100],
      [90, 10],
    ]);
    const v = volume([5000, 5000]);
    const a = constructTrace(v, [p], { scale: 1, seed: 3 });
    const b = constructTrace(v, [p], { scale: 1, seed: 3 });
    const c = constructTrace(v, [p], { scale: 1, seed: 4 });
    assert.deepEqual([...a.times], [...b.times]);
    assert.notDeepEqual([...a.times], [...c.times]);
  });

  it("scale for a peak: 20 replicas of 20,000 tokens/s at a 32,406-token minute -> 740.6", () => {
    assert.ok(Math.abs(scaleForPeak(volume([100, 32_406]).series, 20_000, 20) - 740.603) < 1e-3);
  });

  it("from the shared BurstGPT week and Azure 2023 traces: a week of arrivals (when the traces are present)", (t) => {
    const burst = `${traces}burstgpt-week1-tokens-per-minute.csv`;
    if (!existsSync(burst)) {
      t.diagnostic(`no shared traces under ${traces}: checked on synthetic pools only`);
      return;
    }
    const pools = ["azure-llm-2023-code.csv", "azure-llm-2023-conv.csv"].map((f) => {
      const tr = loadTrace(`${traces}${f}`);
      if (!tr.requests) throw new Error(`${f} is not a request trace`);
      return { name: f, requests: tr.requests };
    });
    const v = loadTrace(burst);
    const a = constructTrace({ name: "burstgpt", series: v.series }, pools, {
      scale: 1,
      seed: CONSTRUCTED_SEED,
    });
    assert.ok((a.times[a.times.length - 1] ?? 0) > 6.9 * 86400, "spans the week");
    // 1,682 tokens per minute on average over 10,080 minutes, about 1,590 tokens per request.
    assert.ok(a.times.length > 5000 && a.times.length < 20000, String(a.times.length));
  });
});
