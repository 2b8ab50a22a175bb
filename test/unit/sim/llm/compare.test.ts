// The comparison end to end on a small workload: every policy, ours in tokens included, on
// the same arrivals, profile and control plane.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_CONTROL_PLANE } from "../../../../src/sim/control-plane.ts";
import { measureReplicaCapacity, poissonArrivals } from "../../../../src/sim/llm/capacity.ts";
import { compareLlm, formatLlmComparison } from "../../../../src/sim/llm/compare.ts";
import { LLM_POLICIES } from "../../../../src/sim/llm/policies.ts";
import { defaultLlmSettings } from "../../../../src/sim/llm/simulate.ts";
import { arrivalsOf, handProfile, llmConfig, PRICE } from "./fixtures.ts";

describe("compareLlm", () => {
  it("runs every policy on the same workload; the oracle costs no more than static peak", () => {
    const slo = { ttftSeconds: 1, itlSeconds: 0.05 };
    const profile = handProfile({
      loadSeconds: 30,
      contextMsPerToken: 0.0002,
      maxBatchedTokens: 2048,
      maxSeqs: 32,
    });
    const mix = arrivalsOf([
      [0, 400, 60],
      [0, 1200, 20],
      [0, 200, 150],
    ]);
    const capacity = measureReplicaCapacity(profile, mix, slo, { targetPct: 99, seconds: 300 });
    // 40 minutes: 10 quiet, 20 at 3 replicas' worth, 10 quiet.
    const quiet = poissonArrivals(mix, capacity.requestsPerSecond * 0.5, 600, 2);
    const busy = poissonArrivals(mix, capacity.requestsPerSecond * 3, 1200, 3);
    const rows: [number, number, number][] = [];
    const add = (a: typeof quiet, offset: number) =>
      a.times.forEach((t, i) => rows.push([t + offset, a.inputTokens[i] ?? 1, a.outputTokens[i] ?? 1]));
    add(quiet, 0);
    add(busy, 600);
    add(quiet, 1800);
    const config = llmConfig(profile, { minReplicas: 1, maxReplicas: 10 });
    const service = config.services[0];
    if (!service) throw new Error("no service");
    const c = compareLlm(
      {
        arrivals: arrivalsOf(rows),
        settings: defaultLlmSettings(profile, PRICE, slo, 10),
        service,
        config,
        controlPlane: DEFAULT_CONTROL_PLANE,
        capacity,
        forecasts: [],
        historyFrom: 0,
      },
      { policies: LLM_POLICIES.map((p) => p.name), sweep: false, targetAttainmentPct: 99, keepSeries: true },
    );
    // Every policy, in the registry's order (test/unit/cli/simulate-llm.test.ts spells the list out).
    assert.deepEqual(
      c.rows.map((r) => r.policy),
      LLM_POLICIES.map((p) => p.name),
    );
    const by = Object.fromEntries(c.rows.map((r) => [r.policy, r]));
    assert.ok((by.oracle?.costDollars ?? Infinity) < (by.static?.costDollars ?? 0));
    assert.ok((by.static?.peakReplicas ?? 0) >= 3);
    for (const r of c.rows) {
      assert.equal(r.requests, rows.length);
      assert.ok(r.attainmentPct > 0 && r.attainmentPct <= 100, `${r.policy} ${r.attainmentPct}`);
    }
    assert.ok((by.ours?.peakReplicas ?? 0) >= 2, "ours scales up in tokens");
    assert.match(formatLlmComparison(c), /cost at the compared level \(/);
    // The shown run's series per measured minute, for the report: 40 minutes.
    assert.deepEqual(
      Object.keys(c.series ?? {}),
      c.rows.map((r) => r.policy),
    );
    for (const s of Object.values(c.series ?? {})) assert.equal(s.ttftP99Seconds.length, 40);
  });
});
