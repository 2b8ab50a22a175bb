// The simulate and demo flags parsed once at the CLI edge: every flag's good and bad values, the
// conflicts, then the request built from the config and the trace files.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { demoRequest, loadRequest } from "../../../src/cli/load-request.ts";
import {
  hpaTolerancesFrom,
  parseSimulateArgs,
  policiesFrom,
  type PlatformOptions,
  type SimulateArgs,
  type SingleTraceOptions,
} from "../../../src/cli/request.ts";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-request-"));
const START = Date.parse("2026-01-07T03:00:00Z");

/** `hours` of one-minute rows at `perMinute` requests each. */
function traceFile(name: string, hours: number, perMinute = 600): string {
  const rows = ["timestamp,requests"];
  for (let m = 0; m < hours * 60; m++)
    rows.push(`${new Date(START + m * 60_000).toISOString()},${perMinute}`);
  const file = join(dir, name);
  writeFileSync(file, rows.join("\n") + "\n");
  return file;
}

const trace = traceFile("t.csv", 6);
/** A single trace whose path looks like a service list: it exists, so it is one trace. */
const oddTrace = traceFile("svc=a,b=c.csv", 6);
const idle = traceFile("idle.csv", 6, 0);
const vllmConfig = join(root, "examples/vllm-gpu-requests.yaml");
const platformConfig = join(root, "examples/platform.yaml");
const base: SimulateArgs = { trace, config: vllmConfig };

function single(a: SimulateArgs): SingleTraceOptions {
  const o = parseSimulateArgs(a);
  assert.equal(o.kind, "compare");
  return o;
}

function platform(a: SimulateArgs): PlatformOptions {
  const o = parseSimulateArgs(a);
  assert.equal(o.kind, "platform");
  return o;
}

describe("simulate flags: good values", () => {
  it("no optional flag: the defaults the help shows", () => {
    assert.deepEqual(single(base), {
      kind: "compare",
      configPath: vllmConfig,
      tracePath: trace,
      policy: "all",
      given: ["config", "trace"],
      sweep: false,
      headroom: 0.8,
      sloTargetPct: 1,
      hpaTolerances: [0.1],
      run: { scaling: { kind: "as-is" }, sloSeconds: 5, serviceTimeSeconds: 1, scaleToZero: true },
      output: { json: false },
    });
  });
  const cases: [flags: Partial<SimulateArgs>, pick: (o: SingleTraceOptions) => unknown, want: unknown][] = [
    [{ service: "vllmService" }, (o) => o.service, "vllmService"],
    [{ policy: "all" }, (o) => policiesFrom(o.policy), ["ours", "reactive", "static", "oracle"]],
    [{ policy: "reactive, oracle" }, (o) => policiesFrom(o.policy), ["reactive", "oracle"]],
    [{ sweep: true }, (o) => o.sweep, true],
    [{ headroom: "2" }, (o) => o.headroom, 2],
    [{ headroom: "0.05" }, (o) => o.headroom, 0.05],
    [{ capacity: "12.5" }, (o) => o.run.capacity, 12.5],
    [{ scale: "0.5" }, (o) => o.run.scaling, { kind: "factor", factor: 0.5 }],
    [{ peakReplicas: "20" }, (o) => o.run.scaling, { kind: "peak-replicas", replicas: 20 }],
    [{ warmup: "20m" }, (o) => o.run.warmup, { text: "20m", seconds: 1200 }],
    [{ warmup: "90" }, (o) => o.run.warmup, { text: "90", seconds: 5400 }],
    [{ warmup: "7d" }, (o) => o.run.warmup, { text: "7d", seconds: 604800 }],
    [{ sloSeconds: "2.5" }, (o) => o.run.sloSeconds, 2.5],
    [{ serviceTime: "0.2" }, (o) => o.run.serviceTimeSeconds, 0.2],
    [{ sloTarget: "0" }, (o) => o.sloTargetPct, 0],
    [{ sloTarget: "100" }, (o) => o.sloTargetPct, 100],
    [{ scaleToZero: false }, (o) => o.run.scaleToZero, false],
    [{ hpaTolerance: "0" }, (o) => o.hpaTolerances, [0]],
    [{ hpaTolerance: "0.1,0" }, (o) => o.hpaTolerances, [0.1, 0]],
    [{ hpaTolerance: " 0 , 0.1 " }, (o) => o.hpaTolerances, [0, 0.1]],
    [{ hpaTolerance: "1" }, (o) => o.hpaTolerances, [1]],
    [{ json: true }, (o) => o.output, { json: true }],
    [{ report: "out/r.html" }, (o) => o.output, { json: false, reportPath: "out/r.html" }],
    [{ trace: oddTrace }, (o) => o.tracePath, oddTrace],
    [{ trace: "/no/such/file.csv" }, (o) => o.tracePath, "/no/such/file.csv"],
  ];
  for (const [flags, pick, want] of cases)
    it(`${JSON.stringify(flags).replaceAll(dir, "DIR")} -> ${JSON.stringify(want).replaceAll(dir, "DIR")}`, () => {
      assert.deepEqual(pick(single({ ...base, ...flags })), want);
    });
});

describe("simulate flags: bad values and conflicts", () => {
  const cases: [flags: Partial<SimulateArgs>, message: RegExp][] = [
    [{ trace: "" }, /^--trace: must name a file, got ""$/],
    [{ config: " " }, /^--config: must name a file, got " "$/],
    [{ report: "" }, /^--report: must name a file, got ""$/],
    [{ headroom: "0" }, /^--headroom: must be in \(0, 2\], got "0"$/],
    [{ headroom: "2.5" }, /--headroom: .* got "2.5"/],
    [{ headroom: "abc" }, /--headroom: .* got "abc"/],
    [{ capacity: "-1" }, /^--capacity: must be a positive number, got "-1"$/],
    [{ capacity: "x" }, /--capacity: .* got "x"/],
    [{ scale: "0" }, /^--scale: must be a positive number, got "0"$/],
    [{ scale: "Infinity" }, /--scale: .* got "Infinity"/],
    [{ peakReplicas: "-3" }, /^--peak-replicas: must be a positive number, got "-3"$/],
    [{ scale: "2", peakReplicas: "10" }, /^--scale and --peak-replicas: give one, not both$/],
    [{ warmup: "10x" }, /^--warmup: expected a duration such as 30m, 2h or 90s, got "10x"$/],
    [{ warmup: "0m" }, /^--warmup: must be positive, got "0m"$/],
    [{ sloSeconds: "0" }, /^--slo-seconds: must be a positive number, got "0"$/],
    [{ serviceTime: "nan" }, /^--service-time: must be a positive number, got "nan"$/],
    [{ sloTarget: "101" }, /^--slo-target: must be a percentage, got "101"$/],
    [{ sloTarget: "x" }, /--slo-target: .* got "x"/],
    [{ hpaTolerance: "-0.1" }, /^--hpa-tolerance: each value must be a number from 0 to 1.*got "-0.1"$/],
    [{ hpaTolerance: "1.5" }, /--hpa-tolerance: .*got "1.5"/],
    [{ hpaTolerance: "abc" }, /--hpa-tolerance: .*got "abc"/],
    [{ hpaTolerance: "" }, /--hpa-tolerance: .*got ""/],
    [{ hpaTolerance: "0.1," }, /--hpa-tolerance: .*got ""/],
    [{ hpaTolerance: "0,0" }, /^--hpa-tolerance: 0 is given twice in "0,0"$/],
    [
      { hpaTolerance: "0,0.05,0.1" },
      /^--hpa-tolerance: at most two values \(such as 0.1,0\), got "0,0.05,0.1"$/,
    ],
  ];
  for (const [flags, message] of cases)
    it(`${JSON.stringify(flags)} is rejected`, () => {
      assert.throws(() => parseSimulateArgs({ ...base, ...flags }), { name: "UsageError", message });
    });
  // --policy's names depend on the service (sized in requests or in tokens): checked once the config is read.
  const policyCases: [flags: Partial<SimulateArgs>, message: RegExp][] = [
    [{ policy: "magic" }, /^--policy: must be one of ours, reactive, static, oracle or all, got "magic"$/],
    [{ policy: "ours,magic" }, /--policy: .* got "magic"/],
    [{ policy: "" }, /--policy: .* got ""/],
    [{ policy: "ours,reactive,ours" }, /^--policy: ours is given twice in "ours,reactive,ours"$/],
  ];
  for (const [flags, message] of policyCases)
    it(`${JSON.stringify(flags)} is rejected once the config is read`, () => {
      assert.throws(() => loadRequest(parseSimulateArgs({ ...base, ...flags })), {
        name: "UsageError",
        message,
      });
    });
  it("hpaTolerancesFrom without the flag is the controller default", () => {
    assert.deepEqual(hpaTolerancesFrom(undefined), [0.1]);
  });
});

describe("simulate flags: a platform replay (--trace service=FILE,...)", () => {
  const pbase: SimulateArgs = {
    trace: `vllmService=${trace},orchestrator=${idle}`,
    config: platformConfig,
  };
  it("names each service's trace, one headroom, one tolerance", () => {
    assert.deepEqual(platform({ ...pbase, headroom: "0.6", hpaTolerance: "0", peakReplicas: "10" }), {
      kind: "platform",
      configPath: platformConfig,
      traces: [
        { service: "vllmService", path: trace },
        { service: "orchestrator", path: idle },
      ],
      given: ["config", "headroom", "hpaTolerance", "peakReplicas", "trace"],
      headroom: 0.6,
      hpaTolerance: 0,
      run: {
        scaling: { kind: "peak-replicas", replicas: 10 },
        sloSeconds: 5,
        serviceTimeSeconds: 1,
        scaleToZero: true,
      },
      output: { json: false },
    });
  });
  const cases: [flags: Partial<SimulateArgs>, message: RegExp][] = [
    [{ hpaTolerance: "0.1,0" }, /^--hpa-tolerance: the platform replay takes one value, got "0.1,0"$/],
    [{ hpaTolerance: "2" }, /^--hpa-tolerance: each value must be a number from 0 to 1/],
    [{ headroom: "3" }, /^--headroom: must be in \(0, 2\], got "3"$/],
    [{ capacity: "0" }, /^--capacity: must be a positive number, got "0"$/],
    [{ service: "vllmService" }, /^--service: a platform replay .* does not take it/],
    [{ sweep: true }, /^--sweep: a platform replay/],
    [{ sloTarget: "1" }, /^--slo-target: a platform replay/],
    [{ scaleToZero: false }, /^--no-scale-to-zero: a platform replay/],
    [{ baseline: "reactive-waiting" }, /^--baseline: a platform replay/],
    [
      { trace: `vllmService=${trace},vllmService=${trace}` },
      /^--trace: service "vllmService" is named twice$/,
    ],
    [{ trace: "vllmService=" }, /^--trace: expected service=FILE\[,service=FILE...\], got "vllmService="$/],
    [{ trace: "=x.csv" }, /^--trace: expected service=FILE.*got "=x.csv"$/],
    [{ trace: `vllmService=${trace},${trace}` }, /^--trace: expected service=FILE.*got "/],
  ];
  for (const [flags, message] of cases)
    it(`${JSON.stringify(flags).replaceAll(dir, "DIR")} is rejected`, () => {
      assert.throws(() => parseSimulateArgs({ ...pbase, ...flags }), { name: "UsageError", message });
    });
});

describe("simulate request: the config and the traces", () => {
  it("a report under directories still to be made is accepted", () => {
    const req = loadRequest(single({ ...base, report: join(dir, "new", "deeper", "r.html") }));
    assert.equal(req.output.reportPath, join(dir, "new", "deeper", "r.html"));
  });
  it("one trace: the workload, the service's capacity, half the trace as warm-up, the first tolerance", () => {
    const req = loadRequest(single({ ...base, hpaTolerance: "0,0.1" }));
    assert.equal(req.kind, "compare");
    assert.equal(req.workload.name, "t.csv");
    assert.equal(req.workload.rate.length, 6 * 3600);
    assert.equal(req.settings.service.name, "vllmService");
    assert.equal(req.settings.capacity, 10);
    assert.equal(req.settings.warmupSeconds, 3 * 3600);
    assert.equal(req.settings.controlPlane.tolerance, 0);
    assert.deepEqual(req.hpaTolerances, [0, 0.1]);
  });
  it("every run flag reaches the settings", () => {
    const req = loadRequest(
      single({
        ...base,
        capacity: "5",
        peakReplicas: "4",
        warmup: "1h",
        sloSeconds: "3",
        serviceTime: "0.5",
        scaleToZero: false,
      }),
    );
    assert.equal(req.kind, "compare");
    assert.equal(req.workload.name, "t.csv (scaled: peak minute = 4 replicas x 5 req/s)");
    // 600 per minute = 10 req/s, scaled to 4 x 5 = 20 req/s.
    assert.ok(Math.abs((req.workload.rate[100] ?? 0) - 20) < 1e-4);
    assert.equal(req.settings.capacity, 5);
    assert.equal(req.settings.warmupSeconds, 3600);
    assert.equal(req.settings.sloSeconds, 3);
    assert.equal(req.settings.serviceTimeSeconds, 0.5);
    assert.equal(req.settings.service.minReplicas, 1);
  });
  const bad: [name: string, flags: Partial<SimulateArgs>, message: RegExp][] = [
    [
      "a warm-up longer than the trace",
      { warmup: "6h" },
      /^--warmup: 6h leaves no minute to measure in a trace of 6.0 hours$/,
    ],
    [
      "an unknown service",
      { service: "nope" },
      /^--service: no enabled service "nope" \(have: vllmService\)$/,
    ],
    [
      "no service named in a config with three",
      { config: platformConfig },
      /^--service: the config has 3 enabled services/,
    ],
    ["a missing trace", { trace: join(dir, "missing.csv") }, /missing.csv: cannot be read: ENOENT/],
    [
      "a trace with no traffic to scale",
      { trace: idle, peakReplicas: "10" },
      /idle.csv: the trace has no traffic to scale$/,
    ],
    ["a report path that is a directory", { report: dir }, /^--report: ".*" is a directory; name a file$/],
    [
      "a report path under a file",
      { report: join(trace, "r.html") },
      /^--report: cannot write under ".*t\.csv": it is a file, not a directory$/,
    ],
    [
      "a rate past the simulator's limit",
      { scale: "1e15" },
      /more than the simulator's limit of 1e15 requests\/s/,
    ],
  ];
  for (const [name, flags, message] of bad)
    it(`${name} is rejected`, () => {
      assert.throws(() => loadRequest(parseSimulateArgs({ ...base, ...flags })), { message });
    });

  it("platform: every service on the first trace's clock, the first service's settings, one tolerance", () => {
    const later = traceFile("later.csv", 4);
    const req = loadRequest(
      platform({
        trace: `orchestrator=${trace},vllmService=${later}`,
        config: platformConfig,
        hpaTolerance: "0",
      }),
    );
    assert.equal(req.kind, "platform");
    assert.deepEqual(
      req.members.map((m) => [m.service.name, m.workload.name, m.workload.start]),
      [
        ["orchestrator", "t.csv", START],
        ["vllmService", "later.csv", START],
      ],
    );
    assert.equal(req.settings.service.name, "orchestrator");
    assert.equal(req.settings.warmupSeconds, 2 * 3600, "half the shortest trace");
    assert.equal(req.settings.controlPlane.tolerance, 0);
  });
  const platformBad: [trace: string, message: RegExp][] = [
    [
      `nope=${trace}`,
      /^--trace: no enabled service "nope" in the config \(have: celeryWorker, vllmService, orchestrator\)$/,
    ],
    [`vllmService=${join(dir, "missing.csv")}`, /^--trace: vllmService: no such file ".*missing.csv"$/],
  ];
  for (const [t, message] of platformBad)
    it(`platform --trace ${t.replaceAll(dir, "DIR")} is rejected`, () => {
      assert.throws(() => loadRequest(parseSimulateArgs({ trace: t, config: platformConfig })), {
        name: "UsageError",
        message,
      });
    });
});

describe("demo request", () => {
  it("the built-in week on examples/vllm-gpu-requests.yaml, with and without scale to zero", () => {
    const req = demoRequest({ report: "out/x.html" });
    assert.equal(req.configPath, vllmConfig);
    assert.equal(req.service.name, "vllmService");
    assert.equal(req.workload.rate.length, 14 * 86400);
    assert.equal(req.settings.warmupSeconds, 7 * 86400);
    assert.equal(req.settings.service.minReplicas, 0);
    assert.equal(req.noScaleToZero.service.minReplicas, 1);
    assert.equal(req.reportPath, join(process.cwd(), "out/x.html"));
  });
  it("--trace: scaled so the peak minute needs 10 replicas", () => {
    const req = demoRequest({ trace, report: "r.html" });
    assert.match(req.workload.name, /^t\.csv \(scaled: peak minute = 10 replicas x 10 req\/s\)$/);
  });
  it("--report naming a directory is refused before the config is read", () => {
    assert.throws(() => demoRequest({ config: join(dir, "none.yaml"), report: dir }), {
      name: "UsageError",
      message: /^--report: ".*" is a directory; name a file$/,
    });
  });
  it("a service sized in tokens (examples/vllm-gpu.yaml) goes to the token simulator alone; the request simulator's platform replay refuses it", () => {
    const message =
      "--config: services.vllmService is sized in tokens (llm): the request simulator replays request counts and cannot size it; replay a request-based config such as examples/vllm-gpu-requests.yaml";
    const tokens = join(root, "examples/vllm-gpu.yaml");
    assert.equal(loadRequest(parseSimulateArgs({ trace, config: tokens })).kind, "llm");
    assert.throws(() => demoRequest({ config: tokens, report: "r.html" }), { name: "UsageError", message });
    assert.throws(() => loadRequest(parseSimulateArgs({ trace: `vllmService=${trace}`, config: tokens })), {
      name: "UsageError",
      message,
    });
  });
  it("--config with a missing file is a config error", () => {
    assert.throws(() => demoRequest({ config: join(dir, "none.yaml"), report: "r.html" }), {
      name: "ConfigError",
    });
  });
});

describe("mlas simulate: flags from argv", () => {
  const mlas = (...args: string[]) =>
    spawnSync(process.execPath, [join(root, "src/cli/main.ts"), "simulate", ...args], { encoding: "utf8" });
  it("a default-valued flag given to a platform replay is rejected like any other", () => {
    const r = mlas("--trace", `vllmService=${trace}`, "--config", platformConfig, "--policy", "all");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^mlas: --policy: a platform replay/);
  });
  it("a file path with '=' and ',' in it is one trace", () => {
    const r = mlas(
      "--trace",
      oddTrace,
      "--config",
      vllmConfig,
      "--policy",
      "reactive",
      "--warmup",
      "5h",
      "--json",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { trace: string }).trace, "svc=a,b=c.csv");
  });
});
