// mlas simulate --trace svc=FILE[@SCALE],... for services with variants: the platform replay in
// tokens. Its flags (per-service scale, preemption rates and seed), what it refuses, and a short
// replay of two services of examples/llm-variants.yaml reported per service, per variant and in
// total.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import {
  formatLlmPlatform,
  preemptionRates,
  runLlmPlatform,
  type LlmPlatformRequest,
} from "../../../src/cli/llm-platform.ts";
import { loadRequest } from "../../../src/cli/load-request.ts";
import { parseSimulateArgs, type SimulateArgs } from "../../../src/cli/request.ts";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-llm-platform-"));
const START = Date.parse("2026-03-02T09:00:00Z");
const variantsConfig = join(root, "examples/llm-variants.yaml");
const config = loadConfigFile(variantsConfig);

/** One request every `every` seconds for `minutes`, prompt + output tokens each. */
function requestTrace(name: string, minutes: number, every: number, prompt: number, output: number): string {
  const rows = ["timestamp,input_tokens,output_tokens"];
  for (let t = 0; t < minutes * 60; t += every)
    rows.push(`${new Date(START + t * 1000).toISOString()},${prompt},${output}`);
  const file = join(dir, name);
  writeFileSync(file, rows.join("\n") + "\n");
  return file;
}

const chat = requestTrace("chat.csv", 40, 0.25, 1000, 250);
const code = requestTrace("code.csv", 40, 1, 2000, 100);

describe("simulate flags: the platform replay of services with variants", () => {
  it("each service's trace takes its own scale after @", () => {
    const o = parseSimulateArgs({ trace: `chat=${chat}@2.5,code=${code}`, config: variantsConfig });
    assert.equal(o.kind, "platform");
    assert.deepEqual(o.kind === "platform" ? o.traces : [], [
      { service: "chat", path: chat, scale: 2.5 },
      { service: "code", path: code },
    ]);
  });
  const refused: [Partial<SimulateArgs>, RegExp][] = [
    [{ trace: `chat=${chat}@0` }, /^--trace: @SCALE: must be a positive number, got "0"$/],
    [
      { trace: chat, preemptionRate: "1" },
      /^--preemption-rate: only with a platform replay of services with variants/,
    ],
    [{ trace: `chat=${chat}`, preemptionSeed: "-1" }, /^--preemption-seed: must be a whole number/],
    [{ trace: `chat=${chat}`, nodeProvisioning: "x" }, /^--node-provisioning: must be seconds/],
  ];
  for (const [flags, message] of refused)
    it(`${JSON.stringify(flags).replaceAll(dir, "DIR")} is rejected`, () => {
      assert.throws(() => parseSimulateArgs({ config: variantsConfig, trace: chat, ...flags }), {
        name: "UsageError",
        message,
      });
    });

  it("preemption rates: the config's by default, one for every spot GPU type, or per type", () => {
    assert.deepEqual(preemptionRates(undefined, config), { "nvidia-l40s": 0.1, "nvidia-h100": 0.1 });
    assert.deepEqual(preemptionRates("2", config), { "nvidia-l40s": 2, "nvidia-h100": 2 });
    assert.deepEqual(preemptionRates("nvidia-h100=0.5", config), { "nvidia-h100": 0.5 });
    assert.throws(
      () => preemptionRates("nvidia-a100=1", config),
      /^UsageError: --preemption-rate: "nvidia-a100" is no GPU type/,
    );
    assert.throws(() => preemptionRates("-1", config), /must be preemptions per spot replica-hour/);
  });

  it("--headroom is the u the engine plans with (1 unless given)", () => {
    const base: SimulateArgs = { trace: `chat=${chat},code=${code}`, config: variantsConfig };
    assert.equal((loadRequest(parseSimulateArgs(base)) as LlmPlatformRequest).headroom, 1);
    const at = loadRequest(parseSimulateArgs({ ...base, headroom: "0.7" })) as LlmPlatformRequest;
    assert.equal(at.headroom, 0.7);
  });

  for (const [flags, message] of [
    [
      { report: join(dir, "r.html") },
      /^--report: the platform replay of services with variants prints a table or --json/,
    ],
    [
      { capacity: "3" },
      /^--capacity: the platform replay of services with variants sizes each variant from its profile$/,
    ],
  ] as const)
    it(`${JSON.stringify(flags).replaceAll(dir, "DIR")} is refused once the config is read`, () => {
      const base: SimulateArgs = { trace: `chat=${chat},code=${code}`, config: variantsConfig };
      assert.throws(() => loadRequest(parseSimulateArgs({ ...base, ...flags })), {
        name: "UsageError",
        message,
      });
    });

  it("--scale and an unknown policy are refused once the config is read", () => {
    const base: SimulateArgs = { trace: `chat=${chat},code=${code}`, config: variantsConfig };
    assert.throws(
      () => loadRequest(parseSimulateArgs({ ...base, scale: "2" })),
      /^UsageError: --scale, --peak-replicas: give each service's scale in --trace/,
    );
    assert.throws(
      () => loadRequest(parseSimulateArgs({ ...base, policy: "magic" })),
      /--policy: must be one of ours, ours-on-demand, greedy, single-type:nvidia-l40s, single-type:nvidia-h100 or all/,
    );
  });
});

describe("simulate flags: recorded spot preemptions (--preemption-trace)", () => {
  const spot = join(dir, "spot.json");
  writeFileSync(spot, JSON.stringify({ metadata: { gap_seconds: 60 }, data: [1, 1, 0, 1, 1, 1, 0, 0] }));
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ metadata: { gap_seconds: 60 }, data: [1, -1] }));
  const base: SimulateArgs = { trace: `chat=${chat},code=${code}`, config: variantsConfig };
  it("each file's drops are the events of its GPU type, said in words", () => {
    const req = loadRequest(
      parseSimulateArgs({ ...base, preemptionTrace: `nvidia-h100=${spot}` }),
    ) as LlmPlatformRequest;
    assert.deepEqual(req.input.preemption.events, { "nvidia-h100": [120, 360] });
    assert.deepEqual(req.recorded, [
      "nvidia-h100 <- spot.json: 2 preemptions over 0.1 h, 0.1 instance-hours held (24.000 per instance-hour), from the run's second 0",
    ]);
  });
  const refused: [string, RegExp][] = [
    [`nvidia-a100=${spot}`, /^--preemption-trace: "nvidia-a100" is no GPU type of a spot variant/],
    [`nvidia-h100=${bad}`, /^--preemption-trace: bad.json: data\[1\]: must be a whole number/],
    [`nvidia-h100=${join(dir, "none.json")}`, /^--preemption-trace: .*none.json/],
    [spot, /^--preemption-trace: expected gpuType=FILE/],
  ];
  for (const [flag, message] of refused)
    it(`${flag.replaceAll(dir, "DIR")} is rejected`, () => {
      assert.throws(() => loadRequest(parseSimulateArgs({ ...base, preemptionTrace: flag })), {
        name: "UsageError",
        message,
      });
    });
});

describe("mlas simulate: the platform replay of services with variants", () => {
  it("replays two services on their own traces, per service, per variant and in total", () => {
    const req = loadRequest(
      parseSimulateArgs({
        trace: `chat=${chat},code=${code}@2`,
        config: variantsConfig,
        policy: "ours,greedy",
        preemptionRate: "nvidia-h100=6",
        warmup: "10m",
      }),
    ) as LlmPlatformRequest;
    assert.equal(req.kind, "llm-platform");
    const run = runLlmPlatform(req);
    assert.deepEqual(
      run.runs.map((r) => [r.with.policy, r.without?.policy]),
      [
        ["ours", "ours (no preemption)"],
        ["greedy", "greedy (no preemption)"],
      ],
    );
    for (const { with: r } of run.runs) {
      assert.equal(r.measuredSeconds, 30 * 60);
      assert.deepEqual(
        r.services.map((s) => [s.service, s.variants.map((v) => v.variant)]),
        [
          ["chat", ["l40s", "l40s-spot", "h100"]],
          ["code", ["h100", "h100-spot"]],
        ],
      );
      const sum = r.services.reduce((x, s) => x + s.dollars, 0);
      assert.ok(Math.abs(sum - r.dollars) < 1e-9);
      assert.ok(r.dollars > 0 && r.requests > 8000, `${r.dollars} ${r.requests}`);
      assert.equal(r.secondsOverBudget, 0);
    }
    const ours = run.runs[0]?.with;
    assert.ok(ours);
    assert.ok((ours.services[1]?.preemptions ?? 0) > 0, "the code service's spot H100s were preempted");
    const text = formatLlmPlatform(run);
    assert.match(text, /^platform replay in tokens: chat <- chat.csv .*; code <- code.csv/);
    assert.match(text, /spot preemptions per spot replica-hour: nvidia-h100 6 \(seed 20261206\)/);
    assert.match(text, /\n {4}h100-spot +nvidia-h100 +spot 100%/);
    assert.match(text, /\n {4}h100 +nvidia-h100 +on-demand /);
    assert.match(
      text,
      /against a budget of \$120\/h: the decisions stayed within it, the pods paid exceeded it for 0 s/,
    );
  });
});
