// The vLLM signals an llm service reads (src/config/llm.ts), run by the scaler's own Prometheus
// client in a real Prometheus holding two recorded vLLM scrapes (test/fixtures/vllm/README.md) as
// Prometheus Operator would have scraped them: target labels added, counters and histogram
// series backfilled so that rate() returns the recorded value. Each expected value is worked from
// the recording by hand.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { OUTPUT_LENGTH_SIGNALS, PROMPT_LENGTH_SIGNALS } from "../../src/config/llm.ts";
import { parseConfig, type Config, type ServiceConfig } from "../../src/config/schema.ts";
import { silentLogger } from "../../src/service/log.ts";
import { ScalerLoop } from "../../src/service/loop.ts";
import { PrometheusClient } from "../../src/signals/prometheus.ts";
import { buildSources } from "../../src/signals/registry.ts";
import { Prometheus } from "./harness.ts";
import { openMetrics, scrape, type OperatorTarget, type ScrapeSpec } from "./operator-scrape.ts";

const STEP_SECONDS = 15;

const target = (namespace: string, pod: string, ip: string): OperatorTarget => ({
  job: "vllm",
  instance: ip,
  namespace,
  pod,
  service: "vllm",
  endpoint: "http",
  container: "vllm",
});

/** The scrapes: a V1 server, another Deployment whose name starts the same, and a V0 server. */
const SCRAPES: readonly ScrapeSpec[] = [
  {
    fixture: "../vllm/v1-scrape.prom",
    target: target("inference", "vllm-7d9f8b6c5d-x2k4p", "10.0.4.10:8000"),
    honorLabels: false,
  },
  {
    fixture: "../vllm/v1-scrape.prom",
    target: target("inference", "vllm-embed-5b6c7d8e9f-k2m3n", "10.0.4.11:8000"),
    honorLabels: false,
  },
  {
    fixture: "../vllm/v0-scrape.prom",
    target: target("legacy", "vllm-6c7d8e9f0a-p4q5r", "10.0.5.10:8000"),
    honorLabels: false,
  },
];

function configFor(prometheusUrl: string): Config {
  const service = (namespace: string): Record<string, unknown> => ({
    workload: { name: "vllm", namespace },
    minReplicas: 1,
    maxReplicas: 10,
    readyReplicasQuery: "vector(1)",
    resources: { gpusPerReplica: 1, gpuType: "nvidia-h100" },
    llm: { profile: "qwen3-8b/h100_sxm/vllm/tp1", slo: { ttftSeconds: 2, itlSeconds: 0.05 } },
    triggers: {
      kvCacheUsage: {
        source: "prometheus",
        query: `avg(vllm:kv_cache_usage_perc{namespace="${namespace}"})`,
        target: 0.8,
        kind: "intensive",
      },
    },
  });
  return parseConfig({
    sources: { prometheus: { url: prometheusUrl } },
    predictiveScaling: { enabled: false },
    services: { current: service("inference"), legacy: service("legacy") },
  });
}

describe("an llm service's vLLM signals in a real Prometheus, on recorded vLLM scrapes", () => {
  const prom = new Prometheus();
  let config: Config;
  let client: PrometheusClient;

  before(async () => {
    const endMs = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    const file = join(prom.dir, "vllm.om");
    writeFileSync(file, openMetrics(SCRAPES.flatMap(scrape), endMs - 20 * 60_000, endMs, STEP_SECONDS));
    execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", file, join(prom.dir, "data")], {
      stdio: "pipe",
    });
    await prom.start([], "15s");
    config = configFor(prom.url);
    client = new PrometheusClient({ url: prom.url, timeoutSeconds: 5, maxConcurrency: 4 });
  });
  after(async () => {
    client.close();
    await prom.stop();
  });

  const svc = (name: string): ServiceConfig => {
    const s = config.services.find((x) => x.name === name);
    assert.ok(s);
    return s;
  };
  /** Each llm signal as the scaler reads it (an empty result reads as 0, "not measured"). */
  const readAll = async (name: string): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    for (const t of svc(name).triggers) {
      if (t.query === undefined) continue;
      out[t.name] = await client.instant(t.query, { empty: "zero" });
      if (t.historyQuery !== undefined && t.historyQuery !== t.query)
        out[`${t.name}.history`] = await client.instant(t.historyQuery, { empty: "zero" });
    }
    return out;
  };
  const near = (actual: Record<string, number>, expected: Record<string, number>): void => {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      assert.ok(
        Math.abs((actual[k] ?? Number.NaN) - v) <= 1e-9 * Math.max(1, v),
        `${k}: ${actual[k]} != ${v}`,
      );
  };

  it("V0 scrape (every bucket recorded): tokens, mean lengths, TTFT p99 and ITL p99 under its older name", async () => {
    near(await readAll("legacy"), {
      // 5,453,083 prompt + 155,722 generated tokens/s (the recorded counters read as rates).
      tokens: 5_608_805,
      "tokens.history": 5_608_805,
      // request_prompt_tokens 3,928,691 / 6,226; request_generation_tokens 124,321 / 6,226.
      meanPromptTokens: 3_928_691 / 6226,
      meanOutputTokens: 124_321 / 6226,
      // The length quantiles (0.1, 0.3, 0.5, 0.7, 0.88, 0.98) on the 1-2-5 buckets: rank q x 6,226
      // in (200, 500] (520 to 1,345 requests) for 0.1, in (500, 1,000] (1,345 to 6,186) above.
      promptTokensP10: 200 + ((0.1 * 6226 - 520) / (1345 - 520)) * 300,
      promptTokensP30: 500 + ((0.3 * 6226 - 1345) / (6186 - 1345)) * 500,
      promptTokensP50: 500 + ((0.5 * 6226 - 1345) / (6186 - 1345)) * 500,
      promptTokensP70: 500 + ((0.7 * 6226 - 1345) / (6186 - 1345)) * 500,
      promptTokensP88: 500 + ((0.88 * 6226 - 1345) / (6186 - 1345)) * 500,
      promptTokensP98: 500 + ((0.98 * 6226 - 1345) / (6186 - 1345)) * 500,
      // Output lengths: 1,466 requests <= 1, 2,103 <= 2, 3,701 <= 5, 4,945 <= 10, 5,676 <= 20,
      // 6,047 <= 50, 6,129 <= 100 (the lowest bucket interpolated from 0).
      outputTokensP10: ((0.1 * 6226) / 1466) * 1,
      outputTokensP30: 1 + ((0.3 * 6226 - 1466) / (2103 - 1466)) * 1,
      outputTokensP50: 2 + ((0.5 * 6226 - 2103) / (3701 - 2103)) * 3,
      outputTokensP70: 5 + ((0.7 * 6226 - 3701) / (4945 - 3701)) * 5,
      outputTokensP88: 10 + ((0.88 * 6226 - 4945) / (5676 - 4945)) * 10,
      outputTokensP98: 50 + ((0.98 * 6226 - 6047) / (6129 - 6047)) * 50,
      // rank 0.99 x 8,499 = 8,414.01 in (2.5, 5]: 2.5 + (8,414.01 - 8,297) / (8,432 - 8,297) x 2.5.
      ttft: 2.5 + ((0.99 * 8499 - 8297) / (8432 - 8297)) * 2.5,
      // No vllm:request_time_per_output_token_seconds in this version: the single gaps' histogram,
      // vllm:time_per_output_token_seconds (no inter_token_latency here): rank 145,750.77 in
      // (0.3, 0.4]: 0.3 + (145,750.77 - 142,037) / (147,174 - 142,037) x 0.1.
      itl: 0.3 + ((0.99 * 147_223 - 142_037) / (147_174 - 142_037)) * 0.1,
      // vllm:gpu_cache_usage_perc is this version's name: the current name is empty here.
      kvCacheUsage: 0,
    });
  });

  it("V1 scrape: 80 + 500 tokens/s of the vllm Deployment's pod, not vllm-embed's (which would double it)", async () => {
    near(await readAll("current"), {
      tokens: 580,
      "tokens.history": 580,
      // The recording lists no request-length or latency bucket lines: not measured.
      meanPromptTokens: 0,
      meanOutputTokens: 0,
      ...Object.fromEntries([...PROMPT_LENGTH_SIGNALS, ...OUTPUT_LENGTH_SIGNALS].map((n) => [n, 0])),
      ttft: 0,
      itl: 0,
      kvCacheUsage: 0,
    });
  });

  it("running and waiting requests and the current KV-cache and ITL names exist with vLLM's own labels", async () => {
    const sel = 'namespace="inference",pod=~"vllm-[a-z0-9]+-[a-z0-9]+"';
    for (const [q, v] of [
      [`sum(vllm:num_requests_running{${sel}})`, 0],
      [`sum(vllm:num_requests_waiting{${sel}})`, 0],
      [`count(vllm:kv_cache_usage_perc{${sel},engine="0",model_name="Qwen/Qwen3-0.6B"})`, 1],
      [`sum(rate(vllm:inter_token_latency_seconds_count{${sel}}[2m]))`, 490],
      ['sum(vllm:num_requests_running{namespace="legacy"})', 3],
      ['sum(vllm:num_requests_waiting{namespace="legacy"})', 2],
    ] as const)
      assert.ok(Math.abs((await client.instant(q, { empty: "error" })) - v) <= 1e-9 * Math.max(1, v), q);
  });

  it("the scaler decides from them: 580 tokens/s over one replica's 30,075 tokens/s at the expected lengths = 1", async () => {
    const only: Config = { ...config, services: [svc("current")] };
    const loop = new ScalerLoop(only, buildSources(only, {}), silentLogger);
    try {
      await loop.refresh();
      const d = loop.decision("current");
      assert.equal(d?.valid, true);
      assert.equal(d?.desiredReplicas, 1);
      assert.ok(Math.abs((d?.llm?.demandTokensPerSecond ?? 0) - 580) < 1e-9);
      assert.deepEqual(d?.llm?.lengthsMeasured, { prompt: false, output: false });
      assert.equal(Math.round(d?.llm?.capacityPerReplica.tokensPerSecond ?? 0), 30_075);
    } finally {
      loop.stop();
    }
  });
});
