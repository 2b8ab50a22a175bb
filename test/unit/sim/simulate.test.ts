import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import { compare } from "../../../src/sim/compare.ts";
import { withHpaTolerance } from "../../../src/sim/control-plane.ts";
import { defaultSettings, simulatePoint } from "../../../src/sim/run.ts";
import { DEMO_PARAMS, generateWorkload, workloadFromSeries } from "../../../src/sim/workload.ts";

const root = new URL("../../../", import.meta.url).pathname;
const config = loadConfigFile(join(root, "examples/vllm-gpu-requests.yaml"));
const svc = config.services[0];
if (!svc) throw new Error("example has no service");
// Four days: two of forecast history, two measured.
const w = generateWorkload({ ...DEMO_PARAMS, days: 4 });
const settings = { ...defaultSettings(config, svc, 10), warmupSeconds: 2 * 86400 };

describe("simulation runs", () => {
  it("static and oracle meet the SLO; the oracle is the cheapest of the two", () => {
    const st = simulatePoint(w, settings, "static", 0.8, []);
    const or = simulatePoint(w, settings, "oracle", 0.8, []);
    assert.equal(st.sloViolationMinutesPct, 0);
    assert.equal(or.sloViolationMinutesPct, 0);
    assert.ok(or.costDollars < st.costDollars);
    let peak = 0;
    for (const v of w.rate) peak = Math.max(peak, v);
    assert.equal(st.replicaHours, 48 * Math.min(Math.ceil(peak / 8), svc.maxReplicas));
  });
  it("reactive KEDA on a GPU service with 180 s start-up violates the SLO around cold starts", () => {
    const r = simulatePoint(w, settings, "reactive", 0.8, []);
    assert.ok(r.coldStarts > 0 && r.sloViolationMinutesPct > 0, JSON.stringify(r));
    assert.ok(r.p99LatencySeconds > 5);
  });
  it("compares all four policies with forecasts from the past only", () => {
    const c = compare(w, settings, {
      policies: ["ours", "reactive", "static", "oracle"],
      sweep: false,
      headroom: 0.8,
      sloTargetPct: 1,
    });
    assert.deepEqual(
      c.policies.map((p) => p.policy),
      ["ours", "reactive", "static", "oracle"],
    );
    assert.ok(c.forecasts.length > 0);
    assert.ok(
      c.forecasts.every(
        (f) => f.view.generatedAt <= w.start + f.t * 1000 && f.view.start <= w.start + f.t * 1000,
      ),
    );
    const ours = c.policies[0];
    const reactive = c.policies[1];
    assert.ok(ours && reactive);
    assert.ok(
      ours.coldStarts < reactive.coldStarts,
      `ours pre-warms: ${ours.coldStarts} vs ${reactive.coldStarts} cold starts`,
    );
    for (const p of c.policies) assert.ok(Number.isFinite(p.costDollars) && p.costDollars > 0);
  });
});

describe("mlas simulate", () => {
  it("prints the documented JSON for a trace file", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-sim-"));
    const trace = join(dir, "t.csv");
    const rows = ["timestamp,requests"];
    for (let m = 0; m < 3 * 1440; m++)
      rows.push(
        `${new Date(Date.parse("2026-01-05T00:00:00Z") + m * 60_000).toISOString()},${Math.round(600 + 400 * Math.sin((2 * Math.PI * m) / 1440))}`,
      );
    writeFileSync(trace, rows.join("\n") + "\n");
    const r = spawnSync(
      process.execPath,
      [
        join(root, "src/cli/main.ts"),
        "simulate",
        "--trace",
        trace,
        "--config",
        join(root, "examples/orchestrator.yaml"),
        "--policy",
        "reactive,oracle",
        "--json",
        "--warmup",
        "1d",
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(j.trace, "t.csv");
    assert.equal(j.service, "orchestrator");
    const pol = j.policies as Record<string, unknown>[];
    assert.deepEqual(Object.keys(pol[0] ?? {}).sort(), [
      "coldStarts",
      "costDollars",
      "headroom",
      "lateRequestsPct",
      "p95LatencySeconds",
      "p99LatencySeconds",
      "policy",
      "replicaHours",
      "scaleEvents",
      "secondsAtMax",
      "secondsTrimmed",
      "sloViolationMinutesPct",
    ]);
    assert.ok(Array.isArray(j.warnings));
    assert.ok("reactive" in (j.frontier as object));
    assert.ok("oursVsReactive" in (j.costRatioAtEqualSlo as object));
  });
  it("a bad flag or trace is one clear line and exit 1", () => {
    const r = spawnSync(
      process.execPath,
      [
        join(root, "src/cli/main.ts"),
        "simulate",
        "--trace",
        "/nonexistent.csv",
        "--config",
        join(root, "examples/orchestrator.yaml"),
      ],
      { encoding: "utf8" },
    );
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mlas: \/nonexistent.csv: cannot be read: ENOENT/);
    const p = spawnSync(
      process.execPath,
      [
        join(root, "src/cli/main.ts"),
        "simulate",
        "--trace",
        "/x.csv",
        "--config",
        join(root, "examples/orchestrator.yaml"),
        "--policy",
        "magic",
      ],
      { encoding: "utf8" },
    );
    assert.equal(p.status, 1);
    assert.match(p.stderr, /--policy: must be one of ours, reactive, static, oracle or all, got "magic"/);
  });
});

describe("HPA tolerance in the simulator", () => {
  // 150 and 160 req/s alternating every 20 minutes at 10 req/s per replica and headroom 1: reactive
  // KEDA asks for 15, then 16. At tolerance 0.1 the HPA swallows the +/-1; at 0 it follows.
  const orchestrator = loadConfigFile(join(root, "examples/orchestrator.yaml"));
  const service = orchestrator.services[0];
  if (!service) throw new Error("example has no service");
  const minutes = 8 * 60;
  const values = Float64Array.from(
    { length: minutes },
    (_, m) => (Math.floor(m / 20) % 2 === 0 ? 150 : 160) * 60,
  );
  const alternating = workloadFromSeries(
    "alternating",
    { start: Date.parse("2026-01-05T00:00:00Z"), stepSeconds: 60, values, unit: "requests" },
    1,
  );
  const base = { ...defaultSettings(orchestrator, service, 10), warmupSeconds: 3600 };
  const run = (tolerance: number) =>
    simulatePoint(
      alternating,
      { ...base, controlPlane: withHpaTolerance(tolerance) },
      "reactive",
      1,
      [],
      true,
    );
  it("+/-1 above 10 replicas: held at 0.1, followed at 0", () => {
    const legacy = run(0.1);
    const exact = run(0);
    const counts = (r: ReturnType<typeof run>) => new Set(Array.from(r.series?.alive ?? []));
    assert.ok(exact.scaleEvents >= 10, `at 0 every change is applied: ${exact.scaleEvents} scale events`);
    assert.ok(legacy.scaleEvents <= 1, `at 0.1 the count holds: ${legacy.scaleEvents} scale events`);
    assert.deepEqual([...counts(exact)].sort(), [15, 16]);
    assert.equal(counts(legacy).size, 1);
  });
  it("mlas simulate --hpa-tolerance 0.1,0 reports both settings", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-tol-"));
    const trace = join(dir, "t.csv");
    const rows = ["timestamp,requests"];
    for (let m = 0; m < 2 * 1440; m++)
      rows.push(
        `${new Date(Date.parse("2026-01-05T00:00:00Z") + m * 60_000).toISOString()},${m % 40 < 20 ? 9000 : 9600}`,
      );
    writeFileSync(trace, rows.join("\n") + "\n");
    const args = (...extra: string[]): string[] => [
      join(root, "src/cli/main.ts"),
      "simulate",
      "--trace",
      trace,
      "--config",
      join(root, "examples/orchestrator.yaml"),
      "--policy",
      "reactive",
      "--warmup",
      "1d",
      ...extra,
    ];
    const j = spawnSync(process.execPath, args("--hpa-tolerance", "0.1,0", "--json"), { encoding: "utf8" });
    assert.equal(j.status, 0, j.stderr);
    const runs = JSON.parse(j.stdout) as { hpaTolerance: number; hpaToleranceNote: string }[];
    assert.deepEqual(
      runs.map((r) => r.hpaTolerance),
      [0.1, 0],
    );
    assert.match(runs[1]?.hpaToleranceNote ?? "", /Kubernetes >= 1\.35/);
    const text = spawnSync(process.execPath, args("--hpa-tolerance", "0"), { encoding: "utf8" });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /HPA tolerance 0 \(Kubernetes >= 1\.35/);
    const wrong = spawnSync(process.execPath, args("--hpa-tolerance", "2"), { encoding: "utf8" });
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, /^mlas: --hpa-tolerance: each value must be a number from 0 to 1/);
  });
});
