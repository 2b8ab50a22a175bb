// An llm service through the service: its vLLM signals read from a Prometheus answering a table,
// the decision in tokens, and its arithmetic on /api/v1/services and /metrics. The linear test
// profile: 1,000 + 100 tokens a request, TTFT p99 <= 0.5 s, ITL p99 <= 35 ms: 23,537 tokens/s a
// replica (test/unit/llm/capacity.test.ts).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OUTPUT_LENGTH_SIGNALS, PROMPT_LENGTH_SIGNALS } from "../../../src/config/llm.ts";
import { servicesView } from "../../../src/service/http.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { createMetrics } from "../../../src/service/metrics.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { linearLlmConfig } from "../llm/linear-profile.ts";
import { FakeUpstream, vector } from "../signals/fake-upstream.ts";

const T = Date.parse("2026-03-04T15:00:00Z");

/** What the fake Prometheus answers, by a distinctive part of each query. */
const ANSWERS: [part: string, value: string | undefined][] = [
  ["vllm:prompt_tokens_total", "50000"],
  ["vllm:request_prompt_tokens", undefined],
  ["vllm:request_generation_tokens", undefined],
  ["vllm:time_to_first_token_seconds", "0.2"],
  ["vllm:inter_token_latency_seconds", "0.03"],
  ["nginx_ingress_controller_requests", "40"],
  ["kube_deployment_status_replicas_ready", "2"],
];

describe("an llm service on the API and /metrics", () => {
  const prom = new FakeUpstream();
  let loop: ScalerLoop;

  before(async () => {
    await prom.start();
    prom.reply = (path) => {
      const query = new URL(path, "http://x").searchParams.get("query") ?? "";
      const hit = ANSWERS.find(([part]) => query.includes(part));
      if (!hit)
        return { status: 400, body: JSON.stringify({ status: "error", error: `unexpected ${query}` }) };
      return { body: hit[1] === undefined ? vector() : vector(hit[1]) };
    };
    const config = linearLlmConfig(
      {
        maxReplicas: 10,
        triggers: {
          requestRate: {
            source: "prometheus",
            query: 'sum(rate(nginx_ingress_controller_requests{ingress="vllm"}[1m]))',
            target: 10,
            kind: "extensive",
            arrival: true,
          },
        },
      },
      { sources: { prometheus: { url: prom.url } }, predictiveScaling: { enabled: false } },
    );
    loop = new ScalerLoop(config, buildSources(config, {}), silentLogger, () => T);
    await loop.refresh();
  });
  after(async () => {
    loop.stop();
    await prom.stop();
  });

  it("the decision: ceil(50,000 / 22,000) = 3; lengths not measured (empty), the expectation used", () => {
    const d = loop.decision("vllm");
    assert.equal(d?.desiredReplicas, 3);
    assert.equal(d?.llm?.lengthsMeasured.prompt, false);
    assert.equal(d?.llm?.measured.ttftSeconds, 0.2);
  });

  it("/api/v1/services carries the token arithmetic and every vLLM signal with its target", () => {
    const view = servicesView(loop.snapshot(), T) as {
      services: {
        decision: { llm: Record<string, unknown> | null };
        signals: { trigger: string; target: number; value: number | null }[];
      }[];
    };
    const s = view.services[0];
    assert.ok(s?.decision.llm);
    assert.equal(s.decision.llm.demandTokensPerSecond, 50_000);
    assert.equal(s.decision.llm.tokenReplicas, 3);
    assert.deepEqual(
      s.signals.map((x) => [x.trigger, x.value]),
      [
        ["requestRate", 40],
        ["tokens", 50_000],
        ["meanPromptTokens", 0],
        ["meanOutputTokens", 0],
        ...[...PROMPT_LENGTH_SIGNALS, ...OUTPUT_LENGTH_SIGNALS].map((n) => [n, 0]),
        ["ttft", 0.2],
        ["itl", 0.03],
      ],
    );
    assert.deepEqual(
      s.signals.filter((x) => x.trigger === "ttft" || x.trigger === "itl").map((x) => x.target),
      [0.5, 0.035],
    );
  });

  it("/metrics: demand, capacity per replica, the model's TTFT/ITL/KV at the desired count and the targets", async () => {
    const text = await createMetrics(loop).registry.metrics();
    const value = (series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} missing`);
      return Number(line.slice(series.length + 1));
    };
    const svc = 'scaled_service="vllm"';
    assert.equal(value(`mlas_llm_demand_tokens_per_second{${svc}}`), 50_000);
    assert.ok(Math.abs(value(`mlas_llm_replica_capacity_tokens_per_second{${svc}}`) - 23_537) < 1);
    assert.ok(Math.abs(value(`mlas_llm_replica_capacity_requests_per_second{${svc}}`) - 21.397) < 1e-3);
    assert.equal(value(`mlas_llm_mean_request_tokens{${svc},part="prompt"}`), 1000);
    // 50,000 / 1,100 / 3 = 15.15 req/s a replica: ITL p99 = the decode step 10 ms + 10 ms x λ x
    // 0.01 / (1 - 0.03 λ), plus 48 prompts' 20 ms over a request's 99 gaps (test/unit/engine/llm.test.ts).
    const rate = 50_000 / 1100 / 3;
    const itl = 0.01 + (0.01 * rate * 0.01) / (1 - 0.03 * rate) + (48 * 0.02) / 99;
    assert.ok(Math.abs(value(`mlas_llm_predicted_itl_seconds{${svc}}`) - itl) < 1e-7);
    assert.ok(value(`mlas_llm_predicted_ttft_seconds{${svc}}`) > 0);
    assert.ok(value(`mlas_llm_predicted_kv_cache_usage{${svc}}`) > 0);
    assert.equal(value(`mlas_llm_slo_target_seconds{${svc},signal="ttft"}`), 0.5);
    assert.equal(value(`mlas_llm_slo_target_seconds{${svc},signal="itl"}`), 0.035);
  });
});
