// services.<name>.llm: every problem is named by its field path; the profile resolves once, from a
// shipped id or a file; the vLLM signals are derived from the workload.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/config/read.ts";
import { parseConfig, type Config } from "../../../src/config/schema.ts";

type Doc = Record<string, unknown>;

function configOf(llm: Doc | undefined, service: Doc = {}): Config {
  return parseConfig({
    sources: { prometheus: {}, rabbitmq: {} },
    services: {
      vllm: {
        workload: { name: "vllm", namespace: "inference" },
        minReplicas: 0,
        resources: { gpusPerReplica: 1, gpuType: "nvidia-h100" },
        triggers: {
          requestRate: {
            source: "prometheus",
            query: "sum(rate(x[1m]))",
            target: 10,
            kind: "extensive",
            arrival: true,
          },
        },
        ...(llm !== undefined ? { llm } : {}),
        ...service,
      },
    },
  });
}

const QWEN = { profile: "qwen3-8b/h100_sxm/vllm/tp1", slo: { ttftSeconds: 2, itlSeconds: 0.05 } };

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("config: an llm service", () => {
  it("a shipped profile: start-up its load time rounded up (53.7 -> 54 s), the selector of a Deployment's pods", () => {
    const s = configOf(QWEN).services[0];
    assert.ok(s?.llm);
    assert.equal(s.llm.profile.id, "qwen3-8b/h100_sxm/vllm/tp1");
    assert.equal(s.podStartupSeconds, 54);
    assert.equal(s.llm.metricsSelector, 'namespace="inference",pod=~"vllm-[a-z0-9]+-[a-z0-9]+"');
    assert.deepEqual(s.llm.slo, { ttftSeconds: 2, itlSeconds: 0.05, percentile: 0.99 });
    assert.equal(s.llm.meanPromptTokens, 1024);
    assert.equal(s.llm.kvCacheHeadroom, 0.1);
  });

  it("the default requests trigger is the first arrival trigger that reads a rate: a queue's length is not one", () => {
    const s = configOf(QWEN, {
      triggers: {
        jobs: { source: "rabbitmq", queue: "jobs", target: 5, kind: "extensive" },
        requestRate: {
          source: "prometheus",
          query: "sum(rate(x[1m]))",
          target: 10,
          kind: "extensive",
          arrival: true,
        },
      },
    }).services[0];
    assert.equal(s?.llm?.requestsTrigger, "requestRate");
  });

  it("podStartupSeconds given is kept", () => {
    assert.equal(configOf(QWEN, { podStartupSeconds: 180 }).services[0]?.podStartupSeconds, 180);
  });

  it("a StatefulSet's pods are <name>-<ordinal>, another kind's <name>-anything", () => {
    const sts = configOf(QWEN, { workload: { kind: "StatefulSet", name: "vllm", namespace: "ml" } });
    assert.equal(sts.services[0]?.llm?.metricsSelector, 'namespace="ml",pod=~"vllm-[0-9]+"');
    const lws = configOf(QWEN, {
      workload: { kind: "LeaderWorkerSet", name: "vllm", namespace: "ml" },
      readyReplicasQuery: "sum(up)",
    });
    assert.equal(lws.services[0]?.llm?.metricsSelector, 'namespace="ml",pod=~"vllm-.*"');
  });

  it("the vLLM signals by their current names, under the selector", () => {
    const s = configOf({ ...QWEN, metricsSelector: 'model_name="Qwen/Qwen3-8B"' }).services[0];
    const q = Object.fromEntries((s?.triggers ?? []).map((t) => [t.name, t.query]));
    assert.equal(
      q.tokens,
      'sum(rate(vllm:prompt_tokens_total{model_name="Qwen/Qwen3-8B"}[1m])) + sum(rate(vllm:generation_tokens_total{model_name="Qwen/Qwen3-8B"}[1m]))',
    );
    assert.equal(
      q.ttft,
      'histogram_quantile(0.99, sum by (le) (rate(vllm:time_to_first_token_seconds_bucket{model_name="Qwen/Qwen3-8B"}[2m]))) > 0',
    );
    assert.match(
      q.itl ?? "",
      /vllm:inter_token_latency_seconds_bucket.* or rate\(vllm:time_per_output_token_seconds_bucket/,
    );
    assert.match(
      q.meanPromptTokens ?? "",
      /vllm:request_prompt_tokens_sum.*\/ sum\(rate\(vllm:request_prompt_tokens_count/,
    );
    const history = s?.triggers.find((t) => t.name === "tokens")?.historyQuery;
    assert.equal(history, `(${q.tokens}) or vector(0)`);
  });

  it("a profile file is read and checked (a relative path from the working directory)", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-llm-"));
    const file = join(dir, "mine.json");
    const shipped = new URL("../../../profiles/qwen3-8b__h100_sxm__vllm__tp1.json", import.meta.url);
    const doc = JSON.parse(readFileSync(shipped, "utf8")) as Doc;
    writeFileSync(file, JSON.stringify({ ...doc, id: "my-cluster/qwen3-8b" }));
    assert.equal(configOf({ ...QWEN, profile: file }).services[0]?.llm?.profile.id, "my-cluster/qwen3-8b");
    writeFileSync(file, JSON.stringify({ ...doc, kvCacheTokens: -1 }));
    assert.deepEqual(
      problems(() => configOf({ ...QWEN, profile: file })),
      [`services.vllm.llm.profile: does not load: ${file}: kvCacheTokens: must be >= 1, got -1`],
    );
  });

  const bad: [name: string, llm: Doc, service: Doc, expected: string[]][] = [
    [
      "an unknown profile id",
      { ...QWEN, profile: "llama-70b/h100" },
      {},
      [
        'services.vllm.llm.profile: must be a shipped profile id (qwen3-8b/h100_sxm/vllm/tp1, qwen3-8b/h200_sxm/vllm/tp1, qwen3-8b/b200_sxm/vllm/tp1, qwen3-8b/l40s/vllm/tp1, qwen3-32b/h100_sxm/vllm/tp2, qwen3-32b/h200_sxm/vllm/tp1, qwen3-32b/b200_sxm/vllm/tp1, qwen3-32b/l40s/vllm/tp4, qwen3-30b-a3b/h100_sxm/vllm/tp2, qwen3-30b-a3b/h200_sxm/vllm/tp1, qwen3-30b-a3b/b200_sxm/vllm/tp1, qwen3-30b-a3b/l40s/vllm/tp4) or the path of a profile file ending in .json, got "llama-70b/h100"',
      ],
    ],
    [
      "a missing profile file",
      { ...QWEN, profile: "/nonexistent/p.json" },
      {},
      ["services.vllm.llm.profile: does not load: /nonexistent/p.json: cannot read: ENOENT"],
    ],
    [
      "no SLO",
      { profile: QWEN.profile },
      {},
      [
        "services.vllm.llm.slo.ttftSeconds: is required: the time-to-first-token target in seconds",
        "services.vllm.llm.slo.itlSeconds: is required: the inter-token latency target in seconds",
      ],
    ],
    [
      "an ITL target one request alone misses (the decode step alone is 6.4 ms)",
      { ...QWEN, slo: { ttftSeconds: 2, itlSeconds: 0.005 } },
      {},
      [
        "services.vllm.llm.slo.itlSeconds: 0.005s is below what one request alone gets on qwen3-8b/h100_sxm/vllm/tp1 at 1024 prompt and 256 output tokens: no replica count meets it",
      ],
    ],
    [
      "a GPU count the profile does not hold",
      QWEN,
      { resources: { gpusPerReplica: 2, gpuType: "nvidia-h100" } },
      [
        "services.vllm.resources.gpusPerReplica: must be the 1 GPU(s) one replica of qwen3-8b/h100_sxm/vllm/tp1 holds, got 2",
      ],
    ],
    [
      "a load signal or capacity of its own",
      QWEN,
      { loadSignal: "requestRate", capacityPerReplica: 5 },
      [
        "services.vllm.loadSignal: an llm service forecasts its token load and takes its capacity from the profile: leave loadSignal unset",
        "services.vllm.capacityPerReplica: an llm service forecasts its token load and takes its capacity from the profile: leave capacityPerReplica unset",
      ],
    ],
    [
      "a trigger named like a signal the llm block reads",
      QWEN,
      {
        triggers: {
          ttft: { source: "prometheus", query: "up", target: 1, kind: "intensive" },
          requestRate: { source: "prometheus", query: "up", target: 1, kind: "extensive", arrival: true },
        },
      },
      ["services.vllm.triggers.ttft: the llm block reads a signal of this name: rename the trigger"],
    ],
    [
      "a requests trigger that is not one of the service's",
      { ...QWEN, requestsTrigger: "ingress" },
      {},
      [
        'services.vllm.llm.requestsTrigger: must name one of the service\'s triggers (requestRate), got "ingress"',
      ],
    ],
    [
      "a requests trigger that reads a queue's length, not a rate",
      { ...QWEN, requestsTrigger: "jobs" },
      { triggers: { jobs: { source: "rabbitmq", queue: "jobs", target: 5, kind: "extensive" } } },
      [
        'services.vllm.llm.requestsTrigger: must name a trigger that reads a rate of requests (extensive; a queue\'s publish_rate, not its length), "jobs" does not',
      ],
    ],
    [
      "a metrics selector that is not label matchers",
      { ...QWEN, metricsSelector: 'namespace="a"} or vector(1) #' },
      {},
      [
        'services.vllm.llm.metricsSelector: must be PromQL label matchers such as namespace="inference",pod=~"vllm-.*", got "namespace=\\"a\\"} or vector(1) #"',
      ],
    ],
    [
      "a KV headroom above 0.9",
      { ...QWEN, kvCacheHeadroom: 0.95 },
      {},
      ["services.vllm.llm.kvCacheHeadroom: must be <= 0.9, got 0.95"],
    ],
  ];
  for (const [name, llm, service, expected] of bad)
    it(`rejects ${name}, naming the field`, () => {
      assert.deepEqual(
        problems(() => configOf(llm, service)),
        expected,
      );
    });

  it("the parsed config is frozen, and the profile still times steps", () => {
    const c = configOf(QWEN);
    const p = c.services[0]?.llm?.profile;
    assert.ok(p && Object.isFrozen(p));
    const step = p.stepSeconds({
      prefillTokens: 512,
      prefillSeqs: 1,
      prefillContextTokens: 0,
      decodeSeqs: 32,
      decodeContextTokens: 32 * 1152,
    });
    assert.ok(Math.abs(step - 0.01653) < 5e-6, String(step));
  });

  it("the profile the engine gets carries the file's per-request overhead (Qwen3-8B: 36 layers x 0.8 ms)", () => {
    const p = configOf(QWEN).services[0]?.llm?.profile;
    assert.equal(p?.requestOverheadSeconds, 0.0288);
  });
});
