import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import { renderReport } from "../../../src/report/html.ts";
import { compare, configWarnings, formatComparison } from "../../../src/sim/compare.ts";
import { defaultSettings, simulatePoint } from "../../../src/sim/run.ts";
import { workloadFromSeries } from "../../../src/sim/workload.ts";

const root = new URL("../../../", import.meta.url).pathname;
const config = loadConfigFile(join(root, "examples/vllm-gpu-requests.yaml"));
const svc = config.services[0];
if (!svc) throw new Error("example has no service");

/** Two hours of one-minute steps at `rps` requests/s. */
function flat(rps: number): ReturnType<typeof workloadFromSeries> {
  const values = new Float64Array(120).fill(rps * 60);
  return workloadFromSeries("flat", {
    values,
    stepSeconds: 60,
    start: Date.parse("2026-01-05T00:00:00Z"),
    unit: "requests",
  });
}

const settings = { ...defaultSettings(config, svc, 10), warmupSeconds: 1800 };
const quiet = { policy: "ours" as const, headroom: 0.8, secondsAtMax: 0, secondsTrimmed: 0 };

describe("simulate warns when the result measures the config", () => {
  const cases: {
    name: string;
    rps: number;
    runs: Parameters<typeof configWarnings>[2];
    says: RegExp[];
  }[] = [
    {
      name: "peak 15 req/s = 1.5 replicas of 10: ties, suggest --peak-replicas",
      rps: 15,
      runs: [],
      says: [/1\.50 replicas.*--peak-replicas/],
    },
    { name: "peak 50 req/s = 5 replicas, nothing binds: no warning", rps: 50, runs: [quiet], says: [] },
    {
      name: "maxReplicas binds for ours at 0.4 for 5 min",
      rps: 50,
      runs: [{ ...quiet, headroom: 0.4, secondsAtMax: 300 }],
      says: [
        new RegExp(
          `maxReplicas ${svc.maxReplicas} binds at the compared point \\(headroom, time at the cap\\): ours at 0.4 \\(5 min\\);`,
        ),
      ],
    },
    {
      name: "the budget trims ours at 0.5 for 2 min",
      rps: 50,
      runs: [{ ...quiet, headroom: 0.5, secondsTrimmed: 120 }],
      says: [
        /budget or a GPU quota trims at the compared point \(headroom, time trimmed\): ours at 0.5 \(2 min\);/,
      ],
    },
    {
      name: "ours and reactive both at the cap: one line naming both",
      rps: 50,
      runs: [
        { ...quiet, headroom: 0.4, secondsAtMax: 600 },
        { ...quiet, policy: "reactive", headroom: 0.4, secondsAtMax: 1200 },
        { ...quiet, policy: "reactive", headroom: 0.5, secondsAtMax: 60 },
      ],
      says: [/ours at 0\.4 \(10 min\); reactive at 0\.4 \(20 min\), 0\.5 \(1 min\); there the cap/],
    },
    {
      name: "static at its cap is provisioning, not binding",
      rps: 50,
      runs: [{ ...quiet, policy: "static", secondsAtMax: 7200 }],
      says: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = configWarnings(flat(c.rps), settings, c.runs);
      assert.equal(got.length, c.says.length, got.join("\n"));
      c.says.forEach((re, i) => assert.match(got[i] ?? "", re));
    });
  }
  it("a run counts its seconds at maxReplicas; the table prints the warning", () => {
    const busy = flat(10 * (svc.maxReplicas + 2));
    const r = simulatePoint(busy, settings, "reactive", 1, []);
    assert.ok(r.secondsAtMax > 0, JSON.stringify(r));
    const c = compare(busy, settings, { policies: ["reactive"], sweep: false, headroom: 1, sloTargetPct: 1 });
    assert.match(formatComparison(c), /warning: this measures the config, not the policy: maxReplicas/);
    const html = renderReport({
      title: "t",
      workload: busy,
      comparison: c,
      capacity: 10,
      warmupSeconds: settings.warmupSeconds,
      notes: [],
    });
    assert.match(html, /<p class="warning">Warning: this measures the config, not the policy: maxReplicas/);
  });
});
