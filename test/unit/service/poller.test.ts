// The signal poller and the loop on a fake clock: each read on its own schedule and deadline (a hung
// source only ages its own signals), a failing replica count ages out with a log line and a metric,
// a live busy reading counts as activity, and each decision publishes a snapshot.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, type TriggerConfig } from "../../../src/config/schema.ts";
import { jsonLogger } from "../../../src/service/log.ts";
import { LIVE_BUSY_CATCH_UP_MS, ScalerLoop } from "../../../src/service/loop.ts";
import { createMetrics } from "../../../src/service/metrics.ts";
import type { HistoryReader } from "../../../src/service/history.ts";
import { FakeScheduler } from "./fake-scheduler.ts";
import type { Sources } from "../../../src/signals/registry.ts";

type Behaviour = number | "hang" | "fail";

/** Sources whose every answer is scripted per query; a hung read ends only when aborted. */
function fakeSources(script: Map<string, Behaviour>, reads: string[]): Sources {
  const answer = (q: string, signal: AbortSignal | undefined): Promise<number> => {
    reads.push(q);
    const b = script.get(q) ?? "fail";
    if (typeof b === "number") return Promise.resolve(b);
    if (b === "fail") return Promise.reject(new Error(`prometheus: query ${q} failed`));
    return new Promise((_, reject) => {
      signal?.addEventListener("abort", () => {
        reject(new Error("prometheus: aborted"));
      });
    });
  };
  const prometheus = {
    name: "prometheus",
    read: (t: TriggerConfig, signal: AbortSignal) => answer(t.query ?? "", signal),
    instant: (q: string, o: { signal?: AbortSignal }) => answer(q, o.signal),
  };
  return {
    byType: { prometheus },
    prometheus: prometheus as unknown as NonNullable<Sources["prometheus"]>,
    close: () => Promise.resolve(),
  };
}

const svc = (load: string, extra: Record<string, unknown> = {}): unknown => ({
  minReplicas: 0,
  maxReplicas: 10,
  readyReplicasQuery: `ready_${load}`,
  triggers: { rps: { source: "prometheus", query: load, target: 10, kind: "extensive" } },
  ...extra,
});

function setup(
  services: Record<string, unknown>,
  script: Map<string, Behaviour>,
  history?: HistoryReader,
): { loop: ScalerLoop; clock: FakeScheduler; reads: string[]; logs: string[] } {
  const config = parseConfig({
    sources: {
      prometheus: { url: "http://p:9090", timeoutSeconds: 2 },
      refreshSeconds: 5,
      staleAfterSeconds: 10,
      maxStalenessSeconds: 30,
    },
    predictiveScaling: { enabled: false },
    services,
  });
  const clock = new FakeScheduler();
  const reads: string[] = [];
  const logs: string[] = [];
  const log = jsonLogger(
    "info",
    (l) => logs.push(l),
    () => clock.t,
  );
  // History is read elsewhere: by default it fails at once, as the unreachable http://p:9090 would
  // (the loop's own reader would look the host up for real, and under load its answer came after
  // the fake clock's whole run: no decision, no snapshot, no metrics).
  const noHistory: HistoryReader = {
    run: () => Promise.reject(new Error("prometheus: unreachable in this test")),
  };
  const loop = new ScalerLoop(
    config,
    fakeSources(script, reads),
    log,
    () => clock.t,
    history ?? noHistory,
    clock,
  );
  return { loop, clock, reads, logs };
}

describe("signal poller on a fake clock", () => {
  it("a hung source ages only its own signals: the healthy service is read every refreshSeconds", async () => {
    const script = new Map<string, Behaviour>([
      ["fast", 35],
      ["ready_fast", 4],
      ["slow", "hang"],
      ["ready_slow", 2],
    ]);
    const { loop, clock, reads } = setup({ a: svc("fast"), b: svc("slow") }, script);
    loop.start(60_000);
    await clock.advance(60_000);
    loop.stop();
    // Reads at 0, 5, ..., 60 s: each on its own timer, none waiting for the hung one.
    assert.ok(reads.filter((q) => q === "fast").length >= 12, reads.join(","));
    const d = loop.decisions();
    const a = d?.services.find((s) => s.service === "a");
    const b = d?.services.find((s) => s.service === "b");
    assert.equal(a?.valid, true);
    assert.equal(a?.desiredReplicas, 4);
    assert.equal(b?.valid, false, "b's only signal never arrives");
    // The hung read is cut at its deadline (timeout + slack) and retried: about every 7.5 s.
    assert.ok(reads.filter((q) => q === "slow").length >= 7, reads.join(","));
    assert.ok((loop.snapshot().services.get("b")?.signals.get("rps")?.errors ?? 0) >= 7);
  });

  it("a failing replica count ages out after maxStalenessSeconds, with a log line and a metric", async () => {
    const script = new Map<string, Behaviour>([
      ["load", 35],
      ["ready_load", 4],
    ]);
    const { loop, clock, logs } = setup({ a: svc("load") }, script);
    const metrics = createMetrics(loop, () => clock.t);
    loop.start(60_000);
    await clock.advance(1_000);
    assert.equal(loop.observations(clock.t).a?.readyReplicas, 4);
    script.set("ready_load", "fail");
    await clock.advance(29_000);
    assert.equal(loop.observations(clock.t).a?.readyReplicas, 4, "still within maxStalenessSeconds");
    assert.ok(
      logs.some((l) => l.includes('"replica count read failed"')),
      "the failure is logged",
    );
    await clock.advance(5_000);
    assert.equal(loop.observations(clock.t).a?.readyReplicas, undefined, "past maxStalenessSeconds");
    assert.equal(logs.filter((l) => l.includes("replica count older than maxStalenessSeconds")).length, 1);
    const text = await metrics.registry.metrics();
    assert.match(text, /mlas_replicas_age_seconds\{scaled_service="a"\} 3\d/);
    assert.match(text, /mlas_replicas_errors_total\{scaled_service="a"\} [1-9]/);
    script.set("ready_load", 5);
    await clock.advance(6_000);
    assert.equal(loop.observations(clock.t).a?.readyReplicas, 5);
    assert.ok(logs.some((l) => l.includes("replica count fresh again")));
    loop.stop();
  });

  it("an intensive reading ages with the replica count it is scaled by", async () => {
    const script = new Map<string, Behaviour>([
      ["util", 90],
      ["ready_util", 3],
    ]);
    const { loop, clock } = setup(
      {
        g: {
          minReplicas: 1,
          maxReplicas: 10,
          readyReplicasQuery: "ready_util",
          triggers: { u: { source: "prometheus", query: "util", target: 60, kind: "intensive" } },
        },
      },
      script,
    );
    loop.start(60_000);
    await clock.advance(1_000);
    assert.equal(loop.decisions()?.services[0]?.valid, true);
    script.set("ready_util", "fail");
    await clock.advance(35_000);
    const g = loop.decisions()?.services[0];
    assert.equal(g?.valid, false, JSON.stringify(g?.reasons));
    loop.stop();
  });

  it("a live busy reading counts as activity until the history has caught up with it", async () => {
    const script = new Map<string, Behaviour>([
      ["load", 35],
      ["ready_load", 4],
    ]);
    // History (from the store) says: a week known, not one busy minute in it.
    const weekIdle: HistoryReader = { run: () => Promise.resolve({ historyFrom: week0 }) };
    const { loop, clock } = setup({ a: svc("load", { scaleToZeroAfterMinutes: 5 }) }, script, weekIdle);
    const week0 = clock.t - 7 * 86_400_000;
    await loop.refreshForecasts();
    await loop.refresh();
    assert.equal(loop.observations(clock.t).a?.idleSeconds, 0, "busy now");
    script.set("load", 0);
    clock.t += 1000;
    await loop.refresh();
    assert.equal(
      loop.observations(clock.t).a?.idleSeconds,
      1,
      "idle since the live busy reading, not for a week",
    );
    const d = loop.decisions()?.services[0];
    assert.equal(d?.active, true, "one second after load 35 it is not scaled to zero");
    assert.ok((d?.desiredReplicas ?? 0) >= 1, JSON.stringify(d));
    // A history read made well after the burst, with no busy minute in it: history decides again.
    clock.t += LIVE_BUSY_CATCH_UP_MS;
    await loop.refreshForecasts();
    assert.equal(loop.observations(clock.t).a?.idleSeconds, 7 * 86_400 + 1 + LIVE_BUSY_CATCH_UP_MS / 1000);
  });

  it("signal errors are a counter", async () => {
    const { loop } = setup({ a: svc("nope") }, new Map());
    await loop.refresh();
    await loop.refresh();
    const text = await createMetrics(loop).registry.metrics();
    assert.match(text, /# TYPE mlas_signal_errors_total counter/);
    assert.match(text, /mlas_signal_errors_total\{scaled_service="a",trigger="rps",source="prometheus"\} 2/);
  });

  it("each decision publishes a new snapshot; one already taken never changes", async () => {
    const script = new Map<string, Behaviour>([
      ["load", 35],
      ["ready_load", 4],
    ]);
    const { loop, clock } = setup({ a: svc("load") }, script);
    const empty = loop.snapshot();
    assert.equal(empty.ready, false);
    await loop.refresh();
    const first = loop.snapshot();
    assert.notEqual(first, empty);
    assert.equal(first.ready, true);
    assert.equal(first.services.get("a")?.signals.get("rps")?.reading?.value, 35);
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.services.get("a")));
    script.set("load", 75);
    clock.t += 1000;
    await loop.refresh();
    assert.equal(first.services.get("a")?.signals.get("rps")?.reading?.value, 35, "unchanged");
    assert.equal(first.services.get("a")?.decision?.desiredReplicas, 4);
    assert.equal(loop.snapshot().services.get("a")?.signals.get("rps")?.reading?.value, 75);
    assert.equal(loop.snapshot().services.get("a")?.decision?.desiredReplicas, 8);
  });
});
