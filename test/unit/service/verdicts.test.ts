// The verdict table the gRPC thread answers from: what a decision becomes for KEDA, which changes
// are forwarded, and who hears about them.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServiceDecision } from "../../../src/engine/types.ts";
import type { LoopSnapshot, ServiceSnapshot } from "../../../src/service/snapshot.ts";
import {
  VerdictTable,
  variantKey,
  verdictKeys,
  verdictOf,
  verdictsOf,
  type Verdict,
} from "../../../src/service/verdicts.ts";

function decision(service: string, over: Partial<ServiceDecision> = {}): ServiceDecision {
  return {
    service,
    valid: true,
    desiredReplicas: 3,
    active: true,
    reason: "reactive",
    reasons: [{ rule: "reactive", message: "load 30 / target 10" }],
    businessHours: false,
    hourlyCost: { onDemand: 0, spot: 0 },
    changed: true,
    ...over,
  };
}

describe("verdictOf", () => {
  const cases: [string, Partial<ServiceDecision>, Verdict][] = [
    ["a valid decision", {}, { valid: true, active: true, desiredReplicas: 3 }],
    [
      "zero is inactive",
      { desiredReplicas: 0, active: false },
      { valid: true, active: false, desiredReplicas: 0 },
    ],
    ["a fraction is floored", { desiredReplicas: 2.7 }, { valid: true, active: true, desiredReplicas: 2 }],
    [
      "NaN never reaches KEDA",
      { desiredReplicas: Number.NaN },
      { valid: true, active: true, desiredReplicas: 0 },
    ],
    [
      "negative never reaches KEDA",
      { desiredReplicas: -4 },
      { valid: true, active: true, desiredReplicas: 0 },
    ],
    [
      "Infinity never reaches KEDA",
      { desiredReplicas: Number.POSITIVE_INFINITY },
      { valid: true, active: true, desiredReplicas: 0 },
    ],
    [
      "an invalid decision carries the invalid rule's message",
      {
        valid: false,
        reasons: [
          { rule: "reactive", message: "x" },
          { rule: "invalid", message: "signal rps is 700 s old (max 600 s)" },
        ],
      },
      { valid: false, active: true, desiredReplicas: 3, problem: "signal rps is 700 s old (max 600 s)" },
    ],
    [
      "an invalid decision without a message still says so",
      { valid: false, reasons: [] },
      { valid: false, active: true, desiredReplicas: 3, problem: "decision invalid" },
    ],
  ];
  for (const [name, over, want] of cases)
    it(name, () => {
      assert.deepEqual(verdictOf(decision("a", over)), want);
    });
});

describe("VerdictTable", () => {
  it("is ready once every service has a verdict, valid or not", () => {
    const t = new VerdictTable(["a", "b"]);
    assert.equal(t.ready(), false);
    t.update([decision("a")]);
    assert.equal(t.ready(), false);
    t.update([decision("b", { valid: false })]);
    assert.equal(t.ready(), true);
  });

  it("returns and announces only what changed what KEDA sees", () => {
    const t = new VerdictTable(["a", "b"]);
    const heard: [string, Verdict][] = [];
    t.watch("a", (v) => heard.push(["a", v]));
    t.watch("b", (v) => heard.push(["b", v]));
    assert.deepEqual(
      t.update([decision("a"), decision("b")]).map(([s]) => s),
      ["a", "b"],
    );
    // A new reason or cost with the same count, activity and validity is no change for KEDA.
    assert.deepEqual(t.update([decision("a", { reason: "predictive" }), decision("b")]), []);
    assert.deepEqual(
      t
        .update([decision("a", { desiredReplicas: 4 }), decision("b")])
        .map(([s, v]) => [s, v.desiredReplicas]),
      [["a", 4]],
    );
    assert.deepEqual(
      heard.map(([s, v]) => [s, v.desiredReplicas]),
      [
        ["a", 3],
        ["b", 3],
        ["a", 4],
      ],
    );
  });

  it("ignores services it does not know", () => {
    const t = new VerdictTable(["a"]);
    assert.deepEqual(t.apply([["zzz", { valid: true, active: true, desiredReplicas: 1 }]]), []);
    assert.equal(t.verdict("zzz"), undefined);
  });

  it("stops calling a watcher once it unsubscribes, without dropping the others", () => {
    const t = new VerdictTable(["a"]);
    const calls: string[] = [];
    const stop1 = t.watch("a", () => calls.push("1"));
    stop1();
    const stop2 = t.watch("a", () => calls.push("2"));
    stop1(); // a second stop of an old watcher must not remove the new one
    t.update([decision("a")]);
    stop2();
    t.update([decision("a", { desiredReplicas: 5 })]);
    assert.deepEqual(calls, ["2"]);
  });
});

describe("VerdictTable.project", () => {
  it("takes each service's published decision from the snapshot; services without one wait", () => {
    const t = new VerdictTable(["a", "b"]);
    const snapshot = (decided: Record<string, ServiceDecision | undefined>): LoopSnapshot => ({
      services: new Map(
        Object.entries(decided).map(([name, d]) => [
          name,
          { signals: new Map(), readyErrors: 0, ...(d ? { decision: d } : {}) } as unknown as ServiceSnapshot,
        ]),
      ),
      ready: false,
      quantile: 0.95,
    });
    assert.deepEqual(t.project(snapshot({ a: decision("a", { desiredReplicas: 4 }), b: undefined })), [
      ["a", { valid: true, active: true, desiredReplicas: 4 }],
    ]);
    assert.equal(t.ready(), false);
    // The same snapshot again changes nothing; a new decision for b is forwarded alone.
    assert.deepEqual(t.project(snapshot({ a: decision("a", { desiredReplicas: 4 }), b: undefined })), []);
    assert.deepEqual(t.project(snapshot({ a: decision("a", { desiredReplicas: 4 }), b: decision("b") })), [
      ["b", { valid: true, active: true, desiredReplicas: 3 }],
    ]);
    assert.equal(t.ready(), true);
  });
});

describe("verdicts of a service with variants", () => {
  const split = (counts: Record<string, number>): Partial<ServiceDecision> => ({
    desiredReplicas: Object.values(counts).reduce((a, b) => a + b, 0),
    variants: {
      variants: Object.entries(counts).map(([variant, desiredReplicas]) => ({ variant, desiredReplicas })),
    } as unknown as NonNullable<ServiceDecision["variants"]>,
  });

  it("keys each variant <service>/<variant> beside its service", () => {
    assert.deepEqual(
      verdictKeys([{ name: "chat", variants: [{ name: "l40s" }, { name: "h100" }] }, { name: "api" }]),
      ["chat", "chat/l40s", "chat/h100", "api"],
    );
    assert.equal(variantKey("chat", "h100"), "chat/h100");
  });

  it("a split of 3 L40S + 0 H100: chat 3, chat/l40s 3 (active), chat/h100 0 (inactive); ready once all three have one", () => {
    const t = new VerdictTable(["chat", "chat/l40s", "chat/h100"]);
    assert.equal(t.ready(), false);
    t.update([decision("chat", split({ l40s: 3, h100: 0 }))]);
    assert.equal(t.ready(), true);
    assert.deepEqual(t.verdict("chat"), { valid: true, active: true, desiredReplicas: 3 });
    assert.deepEqual(t.verdict("chat/l40s"), { valid: true, active: true, desiredReplicas: 3 });
    assert.deepEqual(t.verdict("chat/h100"), { valid: true, active: false, desiredReplicas: 0 });
  });

  it("an invalid decision makes every variant invalid with the service's problem (KEDA's fallback applies to each)", () => {
    const t = new VerdictTable(["chat", "chat/l40s"]);
    t.update([
      decision("chat", {
        valid: false,
        reasons: [{ rule: "invalid", message: "signal tokens is 700 s old" }],
      }),
    ]);
    assert.deepEqual(t.verdict("chat/l40s"), {
      valid: false,
      active: true,
      desiredReplicas: 0,
      problem: "signal tokens is 700 s old",
    });
  });

  it("a valid decision without the variant in its split: that variant is invalid, named", () => {
    assert.deepEqual(verdictsOf(decision("chat", split({ l40s: 2 })), ["h100"]), [
      ["chat", { valid: true, active: true, desiredReplicas: 2 }],
      ["chat/h100", { valid: false, active: true, desiredReplicas: 0, problem: "no split for variant h100" }],
    ]);
  });
});
