import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parsePlatformTraces, runPlatform } from "../../../src/cli/platform.ts";
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
    const html = renderPlatformReport([r]);
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

describe("platform traces flag", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlas-platform-"));
  const file = join(dir, "a.csv");
  writeFileSync(file, "timestamp,requests\n");
  const cases: [string, RegExp | [string, string][]][] = [
    [`vllmService=${file}`, [["vllmService", file]]],
    [
      `vllmService=${file},orchestrator=${file}`,
      [
        ["vllmService", file],
        ["orchestrator", file],
      ],
    ],
    [`nope=${file}`, /no enabled service "nope".*have: celeryWorker, vllmService, orchestrator/],
    [`vllmService=${file},vllmService=${file}`, /named twice/],
    [`vllmService=`, /expected service=FILE/],
    [`=${file}`, /expected service=FILE/],
    [`vllmService=${join(dir, "missing.csv")}`, /no such file/],
  ];
  for (const [flag, want] of cases) {
    it(`--trace ${flag.replaceAll(dir, "DIR")}`, () => {
      if (want instanceof RegExp) assert.throws(() => parsePlatformTraces(flag, config), want);
      else assert.deepEqual(parsePlatformTraces(flag, config), want);
    });
  }
});

describe("platform replay flags", () => {
  const dir = mkdtempSync(join(tmpdir(), "mlas-platform-flags-"));
  const file = join(dir, "a.csv");
  writeFileSync(file, "timestamp,requests\n2026-01-07T03:00:00Z,60\n2026-01-07T03:01:00Z,60\n");
  const flags = {
    policy: "all",
    sweep: false,
    headroom: "0.8",
    sloSeconds: "2",
    serviceTime: "1",
    sloTarget: "1",
  };
  it("takes one HPA tolerance and refuses two", () => {
    assert.throws(
      () => runPlatform(config, `vllmService=${file}`, { ...flags, hpaTolerance: "0.1,0" }, 0.8),
      /--hpa-tolerance: the platform replay takes one value, got "0.1,0"/,
    );
    assert.throws(
      () => runPlatform(config, `vllmService=${file}`, { ...flags, hpaTolerance: "2" }, 0.8),
      /--hpa-tolerance: each value must be a number from 0 to 1/,
    );
  });
});
