// The loop's schedule: forecast cycles spread their services over time when asked, stop promptly,
// and the timers that drive the cycles do not pile up.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { FakeUpstream, vector } from "../signals/fake-upstream.ts";

describe("loop schedule", () => {
  const up = new FakeUpstream();
  const arrivals: number[] = [];
  let config: ReturnType<typeof parseConfig>;

  before(async () => {
    up.reply = (path) => {
      if (path.includes("query_range")) {
        arrivals.push(performance.now());
        return {
          body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }),
        };
      }
      return { body: vector("3") };
    };
    await up.start();
    const svc = (i: number): [string, unknown] => [
      `s${i}`,
      {
        triggers: {
          rps: {
            source: "prometheus",
            query: "sum(x)",
            historyQuery: `sum(h${i})`,
            target: 10,
            kind: "extensive",
          },
        },
      },
    ];
    config = parseConfig({
      sources: { prometheus: { url: up.url, timeoutSeconds: 1 } },
      services: Object.fromEntries([0, 1, 2, 3].map(svc)),
    });
  });
  after(async () => {
    await up.stop();
  });

  it("spreads a forecast cycle's services evenly over spreadMs", async () => {
    const loop = new ScalerLoop(config, buildSources(config, {}), silentLogger);
    arrivals.length = 0;
    const t0 = performance.now();
    await loop.refreshForecasts(400);
    assert.equal(arrivals.length, 4);
    const offsets = arrivals.map((t) => t - t0).sort((a, b) => a - b);
    assert.ok((offsets[0] ?? 0) < 100, `first at once, got ${offsets.join(", ")}`);
    assert.ok((offsets[3] ?? 0) >= 290, `last after 3/4 of the spread, got ${offsets.join(", ")}`);
  });

  it("stop() ends a spread cycle at once instead of waiting it out", async () => {
    const loop = new ScalerLoop(config, buildSources(config, {}), silentLogger);
    arrivals.length = 0;
    const cycle = loop.refreshForecasts(60_000);
    await new Promise((r) => setTimeout(r, 50));
    const t0 = performance.now();
    loop.stop();
    await cycle;
    assert.ok(performance.now() - t0 < 1000);
    assert.equal(arrivals.length, 1, "only the first service was read");
  });

  it("keeps one pending timer per read and per cycle kind however many cycles have run", async () => {
    const loop = new ScalerLoop(config, buildSources(config, {}), silentLogger);
    loop.start(5);
    await new Promise((r) => setTimeout(r, 400));
    // One per read (4 services x (1 trigger + replica count)), one per cycle kind, one pending decision.
    assert.ok(loop.scheduledTimers <= 8 + 4, `scheduled timers: ${loop.scheduledTimers}`);
    loop.stop();
    assert.equal(loop.scheduledTimers, 0);
  });
});
