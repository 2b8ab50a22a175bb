import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import { renderPlatformReport } from "../../../src/report/platform.ts";
import { removedBy, simulatePlatform } from "../../../src/sim/platform.ts";
import { defaultSettings } from "../../../src/sim/run.ts";
import { workloadFromSeries } from "../../../src/sim/workload.ts";

const root = new URL("../../../", import.meta.url).pathname;
const config = loadConfigFile(join(root, "examples/platform.yaml"));
const byName = (n: string): NonNullable<(typeof config.services)[number]> => {
  const s = config.services.find((x) => x.name === n);
  if (!s) throw new Error(`no ${n}`);
  return s;
};
const START = Date.parse("2026-01-07T03:00:00Z"); // a Wednesday night in Berlin: no business hours

/** Three hours at `rps` requests/s, per minute. */
function flat(rps: number): ReturnType<typeof workloadFromSeries> {
  const values = new Float64Array(180).fill(rps * 60);
  return workloadFromSeries(`flat ${rps}`, { values, stepSeconds: 60, start: START, unit: "requests" });
}

describe("platform replay", () => {
  // vLLM at 96 req/s needs 12 replicas of 10 x 0.8: 12 x $2.39/h = $28.6/h against a $20/h budget.
  const members = [
    { service: byName("vllmService"), workload: flat(96), capacity: 10 },
    { service: byName("celeryWorker"), workload: flat(16), capacity: 2 },
  ];
  const settings = { ...defaultSettings(config, byName("vllmService"), 10), warmupSeconds: 3600 };
  it("ours: the budget trims the lower priority first and the platform stays within it", () => {
    const r = simulatePlatform(config, members, { policy: "ours", headroom: 0.8, settings });
    const [vllm, celery] = r.services;
    assert.ok(vllm && celery);
    assert.ok(celery.secondsTrimmed > 0 && celery.trims[0]?.rule === "budget", JSON.stringify(celery.trims));
    assert.ok(vllm.trims.length > 0, "celery's minimum leaves vLLM to trim too");
    assert.equal(r.secondsOverBudget, 0);
    assert.ok(r.peakHourlyCost <= 20 + 1e-9, String(r.peakHourlyCost));
    assert.ok(Math.abs(r.totalCostDollars - vllm.costDollars - celery.costDollars) < 1e-6);
    const html = renderPlatformReport({ results: [r] });
    assert.match(html, /<td>celeryWorker<\/td><td>budget<\/td><td>2026-01-07 0\d:\d\d<\/td>/);
  });
  it("reactive KEDA knows no budget: no trims, over budget while vLLM runs 12", () => {
    const r = simulatePlatform(config, members, { policy: "reactive", headroom: 0.8, settings });
    assert.ok(r.services.every((s) => s.trims.length === 0));
    assert.ok(r.secondsOverBudget > 0);
  });
  for (const policy of ["ours", "reactive"] as const)
    it(`${policy}: the $/h series per measured minute agrees with the peak, the budget figure and the cost`, () => {
      const r = simulatePlatform(config, members, { policy, headroom: 0.8, settings });
      const { hourlyCost } = r;
      // 3 h with a 1 h warm-up: 120 measured minutes from 04:00.
      assert.equal(hourlyCost.from, START + 3600_000);
      assert.equal(hourlyCost.total.length, 120);
      assert.equal(Math.max(...hourlyCost.total), r.peakHourlyCost);
      // Minutes over the $20/h budget, from the series, as reported (formatPlatform rounds seconds / 60).
      const overSeconds = hourlyCost.secondsOverBudget.reduce((a, b) => a + b, 0);
      assert.equal(overSeconds, r.secondsOverBudget);
      hourlyCost.total.forEach((v, m) =>
        assert.equal(v > 20 + 1e-9, (hourlyCost.secondsOverBudget[m] ?? 0) > 0, `minute ${m}: $${v}/h`),
      );
      // Each service's price is the one its cost is charged at.
      hourlyCost.services.forEach((s, i) => {
        const charged = r.services[i];
        assert.equal(s.service, charged?.service);
        assert.ok(
          charged && Math.abs(s.pricePerReplicaHour - charged.costDollars / charged.replicaHours) < 1e-9,
        );
      });
      // Steady load: the last measured minute runs the same replicas every second, so its total is
      // the sum of replicas x price (reactive runs vLLM at 12; ours stays within $20/h).
      const last = hourlyCost.total.length - 1;
      const sum = hourlyCost.services.reduce(
        (a, s) => a + (s.replicas[last] ?? 0) * s.pricePerReplicaHour,
        0,
      );
      assert.ok(Math.abs((hourlyCost.total[last] ?? 0) - sum) < 1e-9, `${hourlyCost.total[last]} vs ${sum}`);
      if (policy === "ours") assert.ok(sum <= 20 + 1e-9, String(sum));
      else assert.equal(hourlyCost.services[0]?.replicas[last], 12);
    });
  it("reads the replicas removed from the trim reasons", () => {
    assert.deepEqual(
      removedBy([
        { rule: "reactive", message: "rps: ceil(45 / 10) = 5" },
        { rule: "budget", message: "over maxHourlyCost $20/h by $3.1: 6 -> 4 (priority 40)" },
      ]),
      { rule: "budget", removed: 2 },
    );
    assert.equal(removedBy([{ rule: "reactive", message: "x" }]), undefined);
  });
});
