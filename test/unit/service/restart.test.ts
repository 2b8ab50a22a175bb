// Replicas and restarts agree, on a fake clock: loops started at different moments (one stopped and
// a new one started, as after kill -9) read the same store (a history reader over one workload) and
// the same live values. Forecast cycles lie on the origins' grid and take effect at the same moment,
// so once a loop has decided, its decisions and forecasts equal those of a loop that ran all along.
// Also: the first decision waits for the first forecast cycle (at most one interval), and idle time
// without history counts from the first live reading.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig, type Config, type TriggerConfig } from "../../../src/config/schema.ts";
import { summarizeHistory } from "../../../src/pipeline/forecast.ts";
import { FORECAST_APPLY, FORECAST_SETTLE, ForecastScheduler } from "../../../src/service/forecasts.ts";
import type { HistoryReader } from "../../../src/service/history.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import type { Sources } from "../../../src/signals/registry.ts";
import { FakeScheduler } from "./fake-scheduler.ts";

const MIN = 60_000;
const START = Date.parse("2026-03-04T10:00:50Z");
const DAY = 1440;

/** Load per minute since the epoch: a daily wave with a ripple, per service. */
const load = (service: number, minute: number): number =>
  (20 + 8 * service) *
  (1 + 0.6 * Math.sin((2 * Math.PI * minute) / DAY) + 0.15 * Math.sin((2 * Math.PI * minute) / 37));

/** The store: each service's history, minute by minute up to the read's time, two days back. */
const store: HistoryReader = {
  run: (task) => {
    const service = Number(/h(\d+)/.exec(task.query)?.[1]);
    const end = Math.floor(task.now / MIN);
    const from = end - 2 * DAY;
    const values = Float64Array.from({ length: end - from + 1 }, (_, k) => load(service, from + k));
    const predict = task.predict ? { horizonSteps: task.horizonSteps, quantile: task.quantile } : undefined;
    return Promise.resolve(
      summarizeHistory(
        { values, stepSeconds: 60, start: from * MIN },
        task.activationLoad,
        task.now,
        predict,
      ),
    );
  },
};

/**
 * Live values held still: a live value that changes is seen by each replica at its own read, a
 * difference of one refresh that no store can remove.
 */
function liveSources(at: number): Sources {
  const read = (t: TriggerConfig): Promise<number> => {
    const q = t.query ?? "";
    if (q.startsWith("ready")) return Promise.resolve(3);
    return Promise.resolve(load(Number(/live(\d+)/.exec(q)?.[1]), Math.floor(at / MIN)));
  };
  const prometheus = {
    name: "prometheus",
    read,
    instant: (q: string) => read({ query: q } as TriggerConfig),
  };
  return {
    byType: { prometheus },
    prometheus: prometheus as unknown as NonNullable<Sources["prometheus"]>,
    close: () => Promise.resolve(),
  };
}

const config: Config = parseConfig({
  sources: { prometheus: { url: "http://p:9090" }, refreshSeconds: 5 },
  predictiveScaling: { lookbackHours: 48, refreshSeconds: 60, confidenceThreshold: 0.3 },
  services: Object.fromEntries(
    [0, 1, 2, 3].map((i) => [
      `s${i}`,
      {
        minReplicas: 1,
        maxReplicas: 100,
        podStartupSeconds: 95,
        readyReplicasQuery: `ready${i}`,
        triggers: {
          rps: {
            source: "prometheus",
            query: `live${i}`,
            historyQuery: `h${i}`,
            target: 4,
            kind: "extensive",
          },
        },
      },
    ]),
  ),
});

function startLoop(clock: FakeScheduler, history: HistoryReader = store): ScalerLoop {
  const loop = new ScalerLoop(config, liveSources(START), silentLogger, () => clock.now(), history, clock);
  loop.start(60_000);
  return loop;
}

/** What must be equal on two replicas: each service's decision and the forecast it used. */
function view(loop: ScalerLoop): string {
  return [...loop.snapshot().services.values()]
    .map(
      (s) =>
        `${s.service.name}: ${s.decision?.desiredReplicas} by ${s.decision?.reason}, predictive ${s.decision?.predictiveReplicas}, forecast of ${s.forecast?.generatedAt}`,
    )
    .join("; ");
}

describe("the forecast cycles' grid", () => {
  const fs = new ForecastScheduler(
    config,
    silentLogger,
    new FakeScheduler(),
    new Map(),
    new AbortController().signal,
  );
  const at = (hms: string): number => Date.parse(`2026-03-04T${hms}Z`);
  const iso = (t: number): string => new Date(t).toISOString().slice(11, 19);
  it(`a 60 s interval: read ${FORECAST_SETTLE * 60} s after the origin, in effect ${FORECAST_APPLY * 60} s after it`, () => {
    const cases: [now: string, inEffect: string, applyAt: string][] = [
      ["10:00:30", "09:59:00", "09:59:48"],
      ["10:00:48", "10:00:00", "10:00:48"],
      ["10:00:47", "09:59:00", "09:59:48"],
    ];
    for (const [now, origin, applyAt] of cases) {
      const c = fs.inEffect(at(now));
      assert.deepEqual([iso(c.origin), iso(c.applyAt)], [origin, applyAt], now);
    }
    const next: [last: string, now: string, origin: string, startIn: number][] = [
      ["09:59:00", "10:00:30", "10:00:00", 0], // a restart at 10:00:30: the next origin at once
      ["10:00:00", "10:00:40", "10:01:00", 30_000], // the usual: at 10:01:10
      ["10:00:00", "10:02:55", "10:02:00", 0], // overran: the latest settled origin
    ];
    for (const [last, now, origin, startIn] of next) {
      const n = fs.next({ origin: at(last), applyAt: at(last) + 48_000 }, at(now));
      assert.deepEqual([iso(n.cycle.origin), n.startInMs], [origin, startIn], `${last} at ${now}`);
    }
  });
});

describe("replicas and restarts on one store (fake clock)", () => {
  it("a replica started later, and one restarted, agree with one that ran all along", async () => {
    const clock = new FakeScheduler();
    clock.t = START;
    const a = startLoop(clock);
    await clock.advance(31_000); // 10:01:21
    let b = startLoop(clock);
    await clock.advance(150_000); // 10:03:51
    b.stop(); // killed
    await clock.advance(20_000); // 10:04:11
    b = startLoop(clock); // restarted
    let compared = 0;
    let predictive = 0;
    const generated = new Set<number>();
    for (let s = 0; s < 300; s++) {
      await clock.advance(1000);
      if (b.decisions() === undefined) continue;
      // Both decide now: each also decides on its own when its reads land, at its own moments, and
      // a plan whose window crosses a forecast step between two such moments differs until the
      // later one (within a decision interval). Here the inputs are compared, at one instant.
      a.decideNow();
      b.decideNow();
      assert.equal(view(b), view(a), `at ${new Date(clock.t).toISOString()}`);
      compared++;
      for (const sv of a.snapshot().services.values()) {
        if (sv.decision?.reason === "predictive") predictive++;
        if (sv.forecast) generated.add(sv.forecast.generatedAt);
      }
    }
    a.stop();
    b.stop();
    assert.ok(compared >= 290, `compared ${compared} seconds`);
    assert.ok(predictive > 0, "the forecasts set some of the decisions compared");
    assert.ok(generated.size >= 5, `forecasts of ${generated.size} origins were compared`);
  });

  it("the first decision waits for the first forecast cycle, at most one interval", async () => {
    const clock = new FakeScheduler();
    const never: HistoryReader = { run: () => new Promise(() => undefined) };
    const loop = startLoop(clock, never);
    await clock.advance(59_000);
    assert.equal(loop.decisions(), undefined, "no decision without the first forecasts");
    assert.equal(loop.snapshot().ready, false);
    await clock.advance(2_000);
    assert.equal(loop.snapshot().ready, true, "after one interval it decides without them");
    loop.stop();
    const quick = startLoop(clock);
    await clock.advance(1_000);
    assert.equal(quick.snapshot().ready, true);
    assert.ok(quick.snapshot().services.get("s0")?.forecast, "decided with the forecasts");
    quick.stop();
  });

  it("an empty history (a history query the store has nothing for) is not a week of idleness", async () => {
    const clock = new FakeScheduler();
    const empty: HistoryReader = {
      run: (task) => {
        const end = Math.floor(task.now / MIN);
        const values = new Float64Array(7 * DAY + 1).fill(Number.NaN);
        const h = { values, stepSeconds: 60, start: (end - 7 * DAY) * MIN };
        return Promise.resolve(summarizeHistory(h, task.activationLoad, task.now));
      },
    };
    const c = parseConfig({
      sources: { prometheus: { url: "http://p:9090" }, refreshSeconds: 5 },
      predictiveScaling: { enabled: false },
      services: {
        w: {
          minReplicas: 0,
          maxReplicas: 5,
          scaleToZeroAfterMinutes: 2,
          readyReplicasQuery: "ready0",
          triggers: { rps: { source: "prometheus", query: "live0", target: 5, kind: "extensive" } },
        },
      },
    });
    const idle: Sources = {
      ...liveSources(START),
      byType: { prometheus: { name: "prometheus", read: () => Promise.resolve(0) } },
    };
    const loop = new ScalerLoop(c, idle, silentLogger, () => clock.now(), empty, clock);
    loop.start(60_000);
    await clock.advance(30_000);
    assert.equal(loop.decision("w")?.desiredReplicas, 1, JSON.stringify(loop.decision("w")?.reasons));
    await clock.advance(100_000);
    assert.equal(loop.decision("w")?.desiredReplicas, 0, "idle for 2 minutes of live readings");
    loop.stop();
  });

  it("without history, idle time counts from the first live reading: a restarted replica scales to zero too", async () => {
    const clock = new FakeScheduler();
    const zero: Sources = {
      byType: { rabbitmq: { name: "rabbitmq", read: () => Promise.resolve(0) } },
      close: () => Promise.resolve(),
    };
    const c = parseConfig({
      sources: { rabbitmq: { managementUrl: "http://r:15672" }, refreshSeconds: 5 },
      services: {
        w: {
          minReplicas: 0,
          maxReplicas: 5,
          scaleToZeroAfterMinutes: 2,
          triggers: { q: { source: "rabbitmq", queue: "jobs", target: 5, kind: "extensive" } },
        },
      },
    });
    const loop = new ScalerLoop(c, zero, silentLogger, () => clock.now(), undefined, clock);
    loop.start(60_000);
    await clock.advance(60_000);
    assert.equal(loop.decision("w")?.desiredReplicas, 1, JSON.stringify(loop.decision("w")?.reasons));
    assert.match(
      loop
        .decision("w")
        ?.reasons.map((r) => r.message)
        .join("; ") ?? "",
      /idle 1m < scaleToZeroAfterMinutes 2m/,
    );
    await clock.advance(61_000);
    assert.equal(loop.decision("w")?.desiredReplicas, 0, JSON.stringify(loop.decision("w")?.reasons));
    loop.stop();
  });
});
