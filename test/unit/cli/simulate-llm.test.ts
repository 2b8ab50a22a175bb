// mlas simulate for a service sized in tokens: the flags it takes and refuses, the traces it reads,
// and the warning that ours ran reactive only on a trace too short for any forecast.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MEASURED_HOURS, PEAK_REPLICAS, TOKEN_DAYS, tokenDemoRequest } from "../../../src/cli/demo-tokens.ts";
import { CONSTRUCTED_TRACE, type LlmCompareRequest } from "../../../src/cli/load-llm.ts";
import { loadRequest } from "../../../src/cli/load-request.ts";
import { parseSimulateArgs, type SimulateArgs } from "../../../src/cli/request.ts";
import { runLlmCompare } from "../../../src/cli/simulate-llm.ts";
import { spanSeconds, tokensPerMinute } from "../../../src/sim/llm/arrivals.ts";
import { generateWorkload } from "../../../src/sim/workload.ts";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-simulate-llm-"));
const START = Date.parse("2026-03-02T09:00:00Z");
const tokensConfig = join(root, "examples/vllm-gpu.yaml");
const requestsConfig = join(root, "examples/vllm-gpu-requests.yaml");

/** One request every `every` seconds for `minutes`, 1,000 + 200 tokens each. */
function requestTrace(name: string, minutes: number, every = 0.5): string {
  const rows = ["timestamp,input_tokens,output_tokens"];
  for (let t = 0; t < minutes * 60; t += every)
    rows.push(`${new Date(START + t * 1000).toISOString()},1000,200`);
  const file = join(dir, name);
  writeFileSync(file, rows.join("\n") + "\n");
  return file;
}

/** Requests per minute: 120 a minute for `minutes`. */
function countTrace(name: string, minutes: number): string {
  const rows = ["timestamp,requests"];
  for (let m = 0; m < minutes; m++) rows.push(`${new Date(START + m * 60_000).toISOString()},120`);
  const file = join(dir, name);
  writeFileSync(file, rows.join("\n") + "\n");
  return file;
}

const hour = requestTrace("hour.csv", 60);

function llm(a: SimulateArgs): LlmCompareRequest {
  const r = loadRequest(parseSimulateArgs(a));
  assert.equal(r.kind, "llm");
  return r;
}

describe("simulate: a service sized in tokens", () => {
  it("a per-request trace replays its own lengths as real arrivals; every token policy by default", () => {
    const r = llm({ trace: hour, config: tokensConfig });
    assert.equal(r.trace.origin, "real");
    assert.equal(r.trace.times.length, 7200);
    assert.deepEqual(r.policies, [
      "ours",
      "dynamo-planner",
      "reactive-waiting",
      "reactive-waiting-floor",
      "reactive-requests",
      "static",
      "oracle",
    ]);
    // The default warm-up is half the trace: 30 of its 60 minutes are measured.
    assert.equal(r.window.measureFromSeconds, 1800);
    assert.equal(r.targetAttainmentPct, 99);
  });

  it("a rate trace is given the llm block's expected lengths (1,024 + 256), constructed arrivals, with a note", () => {
    const r = llm({ trace: countTrace("counts.csv", 90), config: tokensConfig });
    assert.equal(r.trace.origin, "constructed");
    assert.equal(r.trace.inputTokens[0], 1024);
    assert.equal(r.trace.outputTokens[0], 256);
    assert.match(r.notes.join("\n"), /counts requests, not tokens/);
  });

  it("--scale 2 doubles a per-request trace's requests, keeping their lengths", () => {
    const r = llm({ trace: hour, config: tokensConfig, scale: "2" });
    assert.equal(r.trace.times.length, 14_400);
    assert.equal(r.trace.inputTokens[1], 1000);
  });

  it("the control plane holds pods as the config's keda block says (the chart renders both from it)", () => {
    const plain = llm({ trace: hour, config: tokensConfig }).controlPlane;
    assert.equal(plain.scaleDownStabilizationSeconds, 300);
    assert.equal(plain.cooldownSeconds, 300);
    const held = join(dir, "keda.yaml");
    writeFileSync(
      held,
      `${readFileSync(tokensConfig, "utf8")}\nkeda:\n  cooldownPeriod: 600\n  scaleDownStabilizationWindowSeconds: 120\n`,
    );
    const r = llm({ trace: hour, config: held, hpaTolerance: "0" }).controlPlane;
    assert.equal(r.scaleDownStabilizationSeconds, 120);
    assert.equal(r.cooldownSeconds, 600);
    assert.equal(r.tolerance, 0);
  });

  const refused: [flags: Partial<SimulateArgs>, message: RegExp][] = [
    [{ capacity: "10" }, /^--capacity: services\.vllmService is sized in tokens \(llm\): /],
    [{ sloSeconds: "2" }, /^--slo-seconds: services\.vllmService is sized in tokens/],
    [{ headroom: "0.8" }, /^--headroom: services\.vllmService is sized in tokens/],
    [{ hpaTolerance: "0.1,0" }, /^--hpa-tolerance: the token simulator takes one value/],
    [{ days: "3" }, new RegExp(`^--days: only with --trace ${CONSTRUCTED_TRACE}$`)],
    [
      { policy: "reactive" },
      /^--policy: must be one of ours, dynamo-planner, reactive-waiting, reactive-waiting-floor, reactive-requests, static, oracle or all, got "reactive"$/,
    ],
    [
      { policy: "ours,oracle", baseline: "reactive-waiting" },
      /^--baseline: must be one of the policies run \(ours, oracle\), got "reactive-waiting"$/,
    ],
    [{ baseline: "" }, /^--baseline: /],
    [{ warmup: "60m" }, /^--warmup: 60m leaves no minute to measure in a trace of 1\.0 hours$/],
  ];
  for (const [flags, message] of refused)
    it(`${JSON.stringify(flags)} is refused before anything runs`, () => {
      assert.throws(() => loadRequest(parseSimulateArgs({ trace: hour, config: tokensConfig, ...flags })), {
        name: "UsageError",
        message,
      });
    });

  it("--baseline names the policy the costs are divided by", () => {
    const r = llm({
      trace: hour,
      config: tokensConfig,
      policy: "ours,reactive-waiting-floor",
      baseline: "reactive-waiting-floor",
    });
    assert.equal(r.baseline, "reactive-waiting-floor");
    assert.equal(llm({ trace: hour, config: tokensConfig }).baseline, undefined);
  });

  it("--days out of 1-7 is refused", () => {
    assert.throws(() => parseSimulateArgs({ trace: CONSTRUCTED_TRACE, config: tokensConfig, days: "8" }), {
      name: "UsageError",
      message: /^--days: must be a whole number of days from 1 to 7, got "8"$/,
    });
  });

  it("the constructed trace is refused for a service sized in requests", () => {
    assert.throws(
      () => loadRequest(parseSimulateArgs({ trace: CONSTRUCTED_TRACE, config: requestsConfig })),
      {
        name: "UsageError",
        message:
          /^--trace: "constructed:burstgpt-azure" is a per-request trace for a service sized in tokens/,
      },
    );
  });

  it("--baseline is refused for a service sized in requests", () => {
    assert.throws(
      () => loadRequest(parseSimulateArgs({ trace: hour, config: requestsConfig, baseline: "reactive" })),
      {
        name: "UsageError",
        message: /^--baseline: only for a service sized in tokens \(an llm block\); services\./,
      },
    );
  });

  it("a service with variants is refused, naming the field and the platform replay", () => {
    const hour = requestTrace("variants-hour.csv", 60);
    const config = join(root, "examples/llm-variants.yaml");
    assert.throws(() => loadRequest(parseSimulateArgs({ trace: hour, config, service: "chat" })), {
      name: "UsageError",
      message:
        /^services\.[\w-]+\.variants: a service with variants replays in the platform replay: --trace [\w-]+=FILE/,
    });
  });

  it("the constructed trace names the shared file it misses", () => {
    assert.throws(
      () =>
        loadRequest(parseSimulateArgs({ trace: CONSTRUCTED_TRACE, config: tokensConfig, sharedTraces: dir })),
      { name: "UsageError", message: /^--shared-traces: .* no ".*burstgpt-week1-tokens-per-minute\.csv"$/ },
    );
  });

  it("a one-hour trace: the table, and the warning that ours ran reactive only", () => {
    const r = llm({ trace: hour, config: tokensConfig, policy: "ours,static" });
    const lines: string[] = [];
    const c = runLlmCompare(r, (s) => lines.push(s));
    const text = lines.join("\n");
    assert.match(text, /^ours\s+1\s/m);
    assert.match(text, /^static\s/m);
    assert.match(
      text,
      /^warning: ours ran reactive only: the trace spans 60 minutes: a forecast needs an hour of history before it, so none could be fitted; /m,
    );
    assert.ok(c.cautions.some((w) => w.startsWith("ours ran reactive only")));
  });
});

describe("demo: the vLLM service in tokens", () => {
  it("the last 2 days of the built-in workload at the llm block's lengths, the last 4 hours measured, against reactive KEDA on the request rate", () => {
    const r = tokenDemoRequest(generateWorkload(), tokensConfig);
    assert.equal(r.trace.origin, "constructed");
    assert.equal(r.trace.inputTokens[0], 1024);
    assert.equal(r.trace.outputTokens[0], 256);
    assert.equal(spanSeconds(r.trace) <= TOKEN_DAYS * 86_400, true);
    // The window replays an hour before the measured 4 hours.
    assert.equal(r.window.measureFromSeconds, 3600);
    assert.equal(spanSeconds(r.window.arrivals) - r.window.measureFromSeconds <= MEASURED_HOURS * 3600, true);
    assert.equal(r.baseline, "reactive-requests");
    // The busiest minute needs PEAK_REPLICAS replicas of the measured capacity.
    const peak = Math.max(...tokensPerMinute(r.trace)) / r.capacity.tokensPerSecond;
    assert.ok(Math.abs(peak - PEAK_REPLICAS) < 0.05, `peak ${peak} replicas`);
  });
});
