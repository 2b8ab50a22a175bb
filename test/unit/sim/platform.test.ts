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
