// The loop's schedule: forecast cycles spread their services over time when asked, stop promptly,
// and the timers that drive the cycles do not pile up. Spreading runs on a fake clock: each history
// read is stamped with the fake time at which it reached the upstream.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { FakeUpstream, vector } from "../signals/fake-upstream.ts";
import { FakeScheduler } from "./fake-scheduler.ts";

/** Waits (real time, for the reads' network round trips) until `cond` holds; fails after 10 s. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    assert.ok(Date.now() < end, `still waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("loop schedule", () => {
  const up = new FakeUpstream();
  const arrivals: number[] = [];
  let clock = new FakeScheduler();
  let config: ReturnType<typeof parseConfig>;

  before(async () => {
    up.reply = (path) => {
      if (path.includes("query_range")) {
        arrivals.push(clock.now());
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

  const fakeLoop = (): ScalerLoop => {
    clock = new FakeScheduler();
    arrivals.length = 0;
    return new ScalerLoop(
      config,
      buildSources(config, {}),
      silentLogger,
      () => clock.now(),
      undefined,
      clock,
    );
  };

  it("spreads a forecast cycle's services evenly over spreadMs", async () => {
    const loop = fakeLoop();
    const t0 = clock.now();
    const cycle = loop.refreshForecasts(400);
    await until(() => arrivals.length === 1, "the first read");
    for (let n = 2; n <= 4; n++) {
      await clock.advance(100);
      await until(() => arrivals.length === n, `read ${String(n)}`);
    }
    await cycle;
    assert.deepEqual(
      arrivals.map((t) => t - t0),
      [0, 100, 200, 300],
    );
  });

  it("stop() ends a spread cycle at once instead of waiting it out", async () => {
    const loop = fakeLoop();
    const cycle = loop.refreshForecasts(60_000);
    await until(() => arrivals.length === 1, "the first read");
    loop.stop();
    // The fake clock never moves: the cycle ends only because stop() ended its waits.
    await cycle;
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
