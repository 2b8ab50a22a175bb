// The per-source concurrency limit on a fake clock: slow keys wait in a lane that holds at most half
// the slots, a read that turns slow while others wait is cut, a caller that gives up leaves the
// queue; and, through the service loop, a healthy service's signal keeps its age while 120 of its
// neighbours' queries hang.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, type TriggerConfig } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { Limiter } from "../../../src/signals/limit.ts";
import type { Sources } from "../../../src/signals/registry.ts";
import { SourceError } from "../../../src/signals/source.ts";
import { FakeScheduler, settle } from "../service/fake-scheduler.ts";

/** A read that ends when the test says so (or when aborted). */
class Gate {
  readonly started: string[] = [];
  private readonly open = new Map<string, (v: string) => void>();
  read =
    (key: string) =>
    (signal: AbortSignal): Promise<string> =>
      new Promise((resolve, reject) => {
        this.started.push(key);
        this.open.set(key, resolve);
        signal.addEventListener("abort", () => {
          reject(new Error(`${key} aborted`));
        });
      });
  answer(key: string): void {
    this.open.get(key)?.(key);
    this.open.delete(key);
  }
}

const TIMEOUT_MS = 4000; // slow after 1 s

function lanes(clock: FakeScheduler): { source: string; timeoutMs: number; timers: FakeScheduler } {
  return { source: "prometheus", timeoutMs: TIMEOUT_MS, timers: clock };
}

describe("Limiter", () => {
  it("without lanes: first come, first served, and a caller that gives up leaves the queue", async () => {
    const limiter = new Limiter(1);
    const gate = new Gate();
    const a = limiter.run("a", gate.read("a"));
    const gaveUp = new AbortController();
    const b = limiter.run("b", gate.read("b"), gaveUp.signal);
    const c = limiter.run("c", gate.read("c"));
    gaveUp.abort();
    await assert.rejects(b, /aborted while waiting for a slot/);
    gate.answer("a");
    assert.equal(await a, "a");
    await settle();
    gate.answer("c");
    assert.equal(await c, "c");
    assert.deepEqual(gate.started, ["a", "c"]);
  });

  it("a key that was slow waits in the slow lane, which holds at most half the slots", async () => {
    const clock = new FakeScheduler();
    const limiter = new Limiter(4, lanes(clock));
    const gate = new Gate();
    // Two slow keys learn their lane: each answers after 2 s (slow, but answering).
    const first = [limiter.run("s1", gate.read("s1")), limiter.run("s2", gate.read("s2"))];
    await clock.advance(2000);
    gate.answer("s1");
    gate.answer("s2");
    await Promise.all(first);
    const slow = ["s1", "s2", "s3"].map((k) => limiter.run(k, gate.read(k)));
    // s1 and s2 fill the slow lane's 2 slots; s3 (unknown: fast lane) takes a third.
    await settle();
    assert.deepEqual(gate.started.slice(2), ["s1", "s2", "s3"]);
    assert.equal(limiter.state.slowRunning, 2);
    // A fourth slot is free for a fast read; a slow read waits for the lane.
    const fast = limiter.run("f", gate.read("f"));
    const s1Again = limiter.run("s1", gate.read("s1"));
    await settle();
    assert.deepEqual(gate.started.slice(5), ["f"]);
    gate.answer("f");
    assert.equal(await fast, "f");
    await settle();
    assert.deepEqual(gate.started.slice(6), [], "the slow lane is full: s1 waits though a slot is free");
    for (const k of ["s1", "s2", "s3"]) gate.answer(k);
    await Promise.all(slow);
    await settle();
    gate.answer("s1");
    assert.equal(await s1Again, "s1");
  });

  it("a fast-lane read past slowAfterMs is cut when others wait, and its key turns slow", async () => {
    const clock = new FakeScheduler();
    const limiter = new Limiter(2, lanes(clock));
    const gate = new Gate();
    const outcome = (p: Promise<string>): Promise<unknown> =>
      p.then(
        (v) => v,
        (e: unknown) => e,
      );
    const h1 = outcome(limiter.run("h1", gate.read("h1")));
    const h2 = outcome(limiter.run("h2", gate.read("h2")));
    const healthy = limiter.run("ok", gate.read("ok"));
    await clock.advance(900);
    assert.deepEqual(gate.started, ["h1", "h2"], "nothing is cut before slowAfterMs");
    await clock.advance(200);
    const cut = await h1;
    assert.ok(cut instanceof SourceError);
    assert.match(
      cut.message,
      /prometheus: no answer after 1000 ms while other reads waited: cut to free its slot \(reads slower than 1000 ms share 1 of 2\)/,
    );
    assert.deepEqual(gate.started, ["h1", "h2", "ok"]);
    gate.answer("ok");
    assert.equal(await healthy, "ok");
    assert.equal(limiter.state.slowKeys, 2, "both hung keys are slow now");
    // No one waits: h2 is not cut and runs on until its caller gives up.
    await clock.advance(5000);
    assert.equal(limiter.state.running, 1);
    gate.answer("h2");
    assert.equal(await h2, "h2");
  });

  it("a slow-lane read is never cut; a slow key that answers fast is fast again", async () => {
    const clock = new FakeScheduler();
    const limiter = new Limiter(2, lanes(clock));
    const gate = new Gate();
    const learn = limiter.run("s", gate.read("s"));
    await clock.advance(1500);
    gate.answer("s");
    await learn;
    const inLane = limiter.run("s", gate.read("s"));
    await clock.advance(500);
    const f1 = limiter.run("f1", gate.read("f1")).then(
      (v) => v,
      (e: unknown) => e,
    );
    const f2 = limiter.run("f2", gate.read("f2"));
    await clock.advance(1100);
    // s has run 1.6 s, f1 1.1 s: the overdue fast-lane read is cut, the older slow-lane one is not.
    assert.match(String(await f1), /cut to free its slot/);
    assert.deepEqual(gate.started, ["s", "s", "f1", "f2"]);
    gate.answer("f2");
    assert.equal(await f2, "f2");
    await clock.advance(2000);
    gate.answer("s");
    assert.equal(await inLane, "s");
    const quick = limiter.run("s", gate.read("s"));
    await settle();
    gate.answer("s");
    await quick;
    assert.equal(limiter.state.slowKeys, 1, "s is fast again; f1 (cut) is slow");
  });

  it("in the slow lane, keys that answer go before keys that did not", async () => {
    const clock = new FakeScheduler();
    const limiter = new Limiter(2, lanes(clock));
    const gate = new Gate();
    // "dead" never answers (its caller gives up after 4 s), "slow" answers after 2 s.
    const deadCaller = new AbortController();
    const dead = limiter.run("dead", gate.read("dead"), deadCaller.signal).catch(() => undefined);
    const slow = limiter.run("slow", gate.read("slow"));
    await clock.advance(2000);
    gate.answer("slow");
    await slow;
    await clock.advance(2000);
    deadCaller.abort();
    await dead;
    // The lane (1 of 2 slots) is busy; dead queues before slow, slow starts first.
    const blocker = limiter.run("slow", gate.read("slow"));
    const queued = [limiter.run("dead", gate.read("dead")), limiter.run("slow", gate.read("slow"))];
    await settle();
    assert.equal(limiter.state.waiting, 2, "a slot is free, the slow lane is not");
    gate.answer("slow");
    await blocker;
    await settle();
    assert.deepEqual(gate.started.slice(-2), ["slow", "slow"]);
    gate.answer("slow");
    await settle();
    assert.equal(gate.started.at(-1), "dead");
    gate.answer("dead");
    await Promise.all(queued);
  });
});

/**
 * 120 services whose queries hang and one healthy service (listed last, the worst place in the
 * queue), through one source with 16 slots and a 5 s timeout, every read each 5 s: the healthy
 * signal's age, sampled every second for three minutes.
 */
async function healthyAgeUnderHungReads(
  withLanes: boolean,
): Promise<{ firstReadingAt: number; maxAgeAfter: number }> {
  const clock = new FakeScheduler();
  const t0 = clock.t;
  const limiter = new Limiter(
    16,
    withLanes ? { source: "prometheus", timeoutMs: 5000, timers: clock } : undefined,
  );
  const answer = (q: string, signal: AbortSignal): Promise<number> =>
    limiter.run(
      q,
      (slot) =>
        new Promise<number>((resolve, reject) => {
          const cut = (): void => {
            reject(new SourceError("prometheus", "aborted"));
          };
          slot.addEventListener("abort", cut, { once: true });
          // The source's own timeout.
          const h = clock.after(5000, () => {
            reject(new SourceError("prometheus", "no answer within 5000 ms"));
          });
          if (!q.startsWith("hung")) {
            clock.cancel(h);
            resolve(3);
          }
        }),
      signal,
    );
  const prometheus = {
    name: "prometheus",
    read: (t: TriggerConfig, signal: AbortSignal) => answer(t.query ?? "", signal),
    instant: (q: string, o: { signal?: AbortSignal }) => answer(q, o.signal ?? new AbortController().signal),
  };
  const sources: Sources = {
    byType: { prometheus },
    prometheus: prometheus as unknown as NonNullable<Sources["prometheus"]>,
    close: () => Promise.resolve(),
  };
  const services: Record<string, unknown> = {};
  const svc = (query: string, ready: string): unknown => ({
    minReplicas: 1,
    maxReplicas: 10,
    readyReplicasQuery: ready,
    triggers: { rps: { source: "prometheus", query, target: 10, kind: "extensive" } },
  });
  for (let i = 0; i < 120; i++) services[`s${i}`] = svc(`hung_${i}`, `ready_${i}`);
  services.healthy = svc("healthy_rps", "ready_healthy");
  const config = parseConfig({
    sources: {
      prometheus: { url: "http://p:9090", timeoutSeconds: 5, maxConcurrency: 16 },
      refreshSeconds: 5,
      staleAfterSeconds: 30,
      maxStalenessSeconds: 300,
    },
    predictiveScaling: { enabled: false },
    services,
  });
  // History (idle time) is read elsewhere: a week known, answered at once.
  const history = { run: () => Promise.resolve({ historyFrom: t0 - 7 * 86_400_000 }) };
  const loop = new ScalerLoop(config, sources, silentLogger, () => clock.t, history, clock);
  loop.start(60_000);
  let firstReadingAt = Number.NaN;
  let maxAgeAfter = 0;
  for (let s = 1; s <= 180; s++) {
    await clock.advance(1000);
    const r = loop.snapshot().services.get("healthy")?.signals.get("rps")?.reading;
    if (r === undefined) continue;
    if (Number.isNaN(firstReadingAt)) firstReadingAt = (r.observedAt - t0) / 1000;
    maxAgeAfter = Math.max(maxAgeAfter, (clock.t - r.observedAt) / 1000);
  }
  loop.stop();
  return { firstReadingAt, maxAgeAfter };
}

describe("a healthy service under 120 hung queries (16 slots, 5 s timeout, 5 s refresh)", () => {
  it("keeps its signal's age within refreshSeconds + 1 s once read, and is read within 20 s", async () => {
    const fair = await healthyAgeUnderHungReads(true);
    console.log(
      `with lanes: first reading at ${fair.firstReadingAt} s, max age after it ${fair.maxAgeAfter} s`,
    );
    assert.ok(fair.firstReadingAt <= 20, JSON.stringify(fair));
    assert.ok(fair.maxAgeAfter <= 6, JSON.stringify(fair));
  });
  it("first come, first served (the limit without lanes) lets the hung reads age it far more", async () => {
    const fifo = await healthyAgeUnderHungReads(false);
    console.log(
      `first come, first served: first reading at ${fifo.firstReadingAt} s, max age after it ${fifo.maxAgeAfter} s`,
    );
    assert.ok(
      !(fifo.maxAgeAfter <= 6 && fifo.firstReadingAt <= 20),
      `the scenario must show the problem: ${JSON.stringify(fifo)}`,
    );
  });
});
