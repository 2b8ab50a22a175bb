// What a controller reads from the simulated fleet each second, as vLLM would export it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Cluster } from "../../../../src/sim/cluster.ts";
import type { LiveMetrics } from "../../../../src/sim/llm/live-metrics.ts";
import { arrivalsOf, handProfile, runWith } from "./fixtures.ts";

describe("live metrics", () => {
  it("running, waiting, KV usage and token counters at second 1; finished output tokens at 4", () => {
    // max_num_seqs 1: A (105 in, 300 out) runs, B waits. A's prefill: 10 + 10.5 = 20.5 ms; then a
    // decode step every 10 ms. By t = 1: decode steps started at 0.0205 + 0.01 j < 1 -> 98 (A holds
    // 105 + 98 = 203 tokens: 13 of 100 blocks), ended by 1 -> 97: generated 1 + 97 = 98 tokens.
    const seen: Record<string, number> = {};
    const controller = {
      step(t: number, live: LiveMetrics, cluster: Cluster) {
        if (t === 0) cluster.setReplicas(1, t, true);
        if (t === 1)
          Object.assign(seen, {
            arrivals: live.arrivals,
            running: live.running(),
            waiting: live.waiting(),
            kv: live.kvCacheUsageMean(),
            kvMax: live.kvCacheUsageMax(),
            prompt: live.promptTokens,
            generated: live.generationTokens,
            exporters: live.exporters,
            ttftCount: live.ttft.count,
          });
        // A finishes at 0.0205 + 299 x 0.01 = 3.01 s, B (admitted then) at 3.01 + 0.015 + 9 x 0.01.
        if (t === 4)
          Object.assign(seen, { finishedOutput: live.finishedOutputTokens, e2eCount: live.e2e.count });
      },
      desired: () => 1,
    };
    runWith(
      arrivalsOf([
        [0, 105, 300],
        [0, 50, 10],
        [5, 10, 1], // keeps the run going past second 4
      ]),
      handProfile({ kvCacheTokens: 1600, maxSeqs: 1 }),
      controller,
    );
    assert.deepEqual(seen, {
      arrivals: 2,
      running: 1,
      waiting: 1,
      kv: 0.13,
      kvMax: 0.13,
      prompt: 105,
      generated: 98,
      exporters: 1,
      ttftCount: 1,
      finishedOutput: 310,
      e2eCount: 2,
    });
  });
});
