// The loop under upstream faults, with a scripted clock: a misbehaving Prometheus for one service
// must leave the other untouched; the affected one serves its last good value while it is fresh
// enough, then becomes invalid (UNAVAILABLE to KEDA), and recovers by itself. Replica counts never
// leave [min, max] because of a fault.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { createMetrics } from "../../../src/service/metrics.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { FakeUpstream, vector, type Reply } from "../signals/fake-upstream.ts";

describe("loop under Prometheus faults", () => {
  const up = new FakeUpstream();
  let mode: Reply = { body: vector("45") };
  let now = Date.parse("2026-03-04T03:00:00Z");
  let loop: ScalerLoop;

  before(async () => {
    up.reply = (path) => {
      const q = decodeURIComponent(new URL(path, "http://x").searchParams.get("query") ?? "");
      if (q.includes("kube_deployment")) return { body: vector("3") };
      if (q.includes("load_a")) return mode;
      return { body: vector("20") };
    };
    await up.start();
    const config = parseConfig({
      sources: {
        prometheus: { url: up.url, timeoutSeconds: 0.2 },
        refreshSeconds: 1,
        staleAfterSeconds: 2,
        maxStalenessSeconds: 5,
      },
      predictiveScaling: { enabled: false },
      services: {
        a: {
          minReplicas: 2,
          maxReplicas: 4,
          triggers: { rps: { source: "prometheus", query: "sum(load_a)", target: 10, kind: "extensive" } },
        },
        b: {
          minReplicas: 1,
          maxReplicas: 10,
          triggers: { rps: { source: "prometheus", query: "sum(load_b)", target: 10, kind: "extensive" } },
        },
      },
    });
    loop = new ScalerLoop(config, buildSources(config, {}), silentLogger, () => now);
  });
  after(async () => {
    loop.stop();
    await up.stop();
  });

  const faults: [name: string, reply: Reply][] = [
    ["down (HTTP 503)", { status: 503, body: "down" }],
    ["slower than the timeout", { body: vector("45"), delayMs: 600 }],
    ["answering errors", { body: JSON.stringify({ status: "error", error: "query timed out" }) }],
    ["NaN", { body: vector("NaN") }],
    ["malformed JSON", { body: "<html>" }],
    ["hanging", { hang: true }],
  ];
  for (const [name, reply] of faults) {
    it(`${name}: stale, then invalid, then recovered; b unaffected; never outside [min, max]`, async () => {
      mode = { body: vector("45") };
      let d = await loop.refresh();
      const a0 = d.services.find((s) => s.service === "a");
      assert.equal(a0?.valid, true);
      assert.equal(a0?.desiredReplicas, 4, "ceil(45 / 10) = 5, capped at max 4");

      mode = reply;
      now += 3000;
      d = await loop.refresh();
      let a = d.services.find((s) => s.service === "a");
      assert.equal(a?.valid, true);
      assert.equal(a?.desiredReplicas, 4, "last good value while within maxStaleness");
      assert.ok(
        a?.reasons.some((r) => /rps: stale, using last good value 45 from 3s ago/.test(r.message)),
        JSON.stringify(a?.reasons),
      );
      assert.ok(loop.snapshot().services.get("a")?.signals.get("rps")?.lastError !== undefined);
      const metrics = await createMetrics(loop, () => now).registry.metrics();
      assert.match(
        metrics,
        /mlas_signal_age_seconds\{scaled_service="a",trigger="rps",source="prometheus"\} 3/,
      );

      now += 3000;
      d = await loop.refresh();
      a = d.services.find((s) => s.service === "a");
      assert.equal(a?.valid, false, "past maxStaleness: KEDA's fallback takes over");
      assert.ok(
        a?.reasons.some((r) => /older than maxStalenessSeconds \(5s\): rps \(6s old\)/.test(r.message)),
      );
      assert.ok((a?.desiredReplicas ?? 0) >= 2 && (a?.desiredReplicas ?? 99) <= 4);
      const b = d.services.find((s) => s.service === "b");
      assert.equal(b?.valid, true);
      assert.equal(b?.desiredReplicas, 2);

      mode = { body: vector("25") };
      now += 1000;
      d = await loop.refresh();
      a = d.services.find((s) => s.service === "a");
      assert.equal(a?.valid, true, "recovers by itself");
      assert.equal(a?.desiredReplicas, 3);
      assert.ok(!a?.reasons.some((r) => /stale/.test(r.message)));
    });
  }

  it("an empty answer is a rate of nothing: valid, at the minimum", async () => {
    mode = { body: vector() };
    const d = await loop.refresh();
    const a = d.services.find((s) => s.service === "a");
    assert.equal(a?.valid, true);
    assert.equal(a?.desiredReplicas, 2);
  });
});
