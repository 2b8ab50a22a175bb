// The scale-down delay (rules/scale-down-delay.ts): a lower count waits scaleDownDelaySeconds; a
// rise acts at once; a held count never holds itself up.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decide, nextState } from "../../../src/engine/decide.ts";
import { EMPTY_STATE, type EngineState, type ServiceDecision } from "../../../src/engine/types.ts";
import { servicesView } from "../../../src/service/http.ts";
import type { LoopSnapshot } from "../../../src/service/snapshot.ts";
import { configOf, obs, serviceDoc, T0 } from "../helpers.ts";

const delayed = (delay: number) =>
  configOf({ svc: serviceDoc({ maxReplicas: 20, scaleDownDelaySeconds: delay }) });

/** Decisions once a minute at the given request rates (rps target 10 a replica), from T0. */
function run(delay: number, rates: readonly number[]): ServiceDecision[] {
  const config = delayed(delay);
  let state: EngineState = EMPTY_STATE;
  return rates.map((rps, i) => {
    const now = T0 + i * 60_000;
    const d = decide(config, { svc: obs({ rps, gpu: 10 }, {}, now) }, state, now);
    state = nextState(config, d, state);
    const s = d.services[0];
    assert.ok(s);
    return s;
  });
}

describe("the scale-down delay", () => {
  // 90 req/s asks ceil(90 / 10) = 9 at minute 0; 10 req/s asks 1 from minute 1.
  const burstThenLull = [90, ...Array<number>(16).fill(10)];

  it("900 s: the 9 asked at minute 0 stood until minute 1, so it holds through minute 15 (window from minute 0) and not at minute 16", () => {
    const d = run(900, burstThenLull);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1],
    );
    assert.equal(d[1]?.reason, "hold");
    assert.equal(d[1]?.askedBeforeDelay, 1);
    assert.match(
      d[1]?.reasons.map((r) => r.message).join("\n") ?? "",
      /scale-down delay: holding 9, the highest count asked within the last 900 s \(1 asked now\)/,
    );
    assert.equal(d[16]?.askedBeforeDelay, 1);
    assert.equal(d[16]?.reason, "reactive");
  });

  it("0 (the default) changes nothing: 1 from minute 1, and the decision carries no count before a delay", () => {
    const d = run(0, burstThenLull);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [9, ...Array<number>(16).fill(1)],
    );
    assert.equal(d[0]?.askedBeforeDelay, undefined);
  });

  it("a rise acts at once, and the delay then holds the higher count", () => {
    const d = run(600, [20, 10, 150, 10, 10]);
    assert.deepEqual(
      d.map((s) => s.desiredReplicas),
      [2, 2, 15, 15, 15],
    );
    assert.equal(d[2]?.reason, "reactive");
  });

  it("keeps the answers it needs past the HPA's window: 1,800 s against its 300", () => {
    const d = run(1800, [90, ...Array<number>(30).fill(10), 10]);
    assert.equal(d[30]?.desiredReplicas, 9, "minute 30: the window opens at minute 0, where the 9 stood");
    assert.equal(d[31]?.desiredReplicas, 1);
  });

  it("/api/v1/services shows the count asked before the delay beside the one answered", () => {
    const config = delayed(900);
    const first = decide(config, { svc: obs({ rps: 90, gpu: 10 }) }, EMPTY_STATE, T0);
    const now = T0 + 60_000;
    const d = decide(
      config,
      { svc: obs({ rps: 10, gpu: 10 }, {}, now) },
      nextState(config, first, EMPTY_STATE),
      now,
    );
    const service = config.services[0];
    const decision = d.services[0];
    assert.ok(service && decision);
    const snap: LoopSnapshot = {
      decisions: d,
      services: new Map([["svc", { service, decision, readyErrors: 0, signals: new Map() }]]),
      ready: true,
      quantile: 0.95,
    };
    const view = servicesView(snap, now) as {
      services: { decision: { desiredReplicas: number; reason: string; askedBeforeDelay: number | null } }[];
    };
    assert.deepEqual(
      view.services[0]?.decision && {
        desiredReplicas: view.services[0].decision.desiredReplicas,
        reason: view.services[0].decision.reason,
        askedBeforeDelay: view.services[0].decision.askedBeforeDelay,
      },
      { desiredReplicas: 9, reason: "hold", askedBeforeDelay: 1 },
    );
  });
});
