// A service with variants through the service: each variant's ready replicas read from its own
// Deployment (a Prometheus answering a table), the split on them, each variant's verdict for its
// ScaledObject, and the per-variant series on /metrics. The linear test profile on both variants:
// 22,000 tokens/s a replica (test/unit/llm/capacity.test.ts); L40S $1.80/h, H100 $6.90/h.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { createMetrics } from "../../../src/service/metrics.ts";
import { VerdictTable, verdictKeys } from "../../../src/service/verdicts.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { LINEAR } from "../llm/linear-profile.ts";
import { FakeUpstream, vector } from "../signals/fake-upstream.ts";

const T = Date.parse("2026-03-04T15:00:00Z");

/** What the fake Prometheus answers, by a distinctive part of each query. */
const ANSWERS: [part: string, value: string | undefined][] = [
  ["vllm:prompt_tokens_total", "60000"],
  ["vllm:request_prompt_tokens", undefined],
  ["vllm:request_generation_tokens", undefined],
  ["vllm:time_to_first_token_seconds", "0.2"],
  ["vllm:inter_token_latency_seconds", "0.03"],
  ["nginx_ingress_controller_requests", "40"],
  ['deployment="chat-h100"', "3"],
  ['deployment="chat-l40s"', "0"],
  ["kube_pod_status_phase", undefined],
];

describe("a service with variants on the service", () => {
  const prom = new FakeUpstream();
  let loop: ScalerLoop;
  let queries: string[] = [];

  before(async () => {
    await prom.start();
    prom.reply = (path) => {
      const query = new URL(path, "http://x").searchParams.get("query") ?? "";
      queries.push(query);
      const hit = ANSWERS.find(([part]) => query.includes(part));
      if (!hit)
        return { status: 400, body: JSON.stringify({ status: "error", error: `unexpected ${query}` }) };
      return { body: hit[1] === undefined ? vector() : vector(hit[1]) };
    };
    const config = parseConfig(
      {
        sources: { prometheus: { url: prom.url } },
        predictiveScaling: { enabled: false },
        businessRules: {
          costOptimization: {
            gpuHourlyPrices: { "nvidia-l40s": 1.8, "nvidia-h100": 6.9 },
            gpuSpotHourlyPrices: { "nvidia-l40s": 0.6 },
            cpuHourlyPrice: 0,
            memoryGiBHourlyPrice: 0,
          },
        },
        services: {
          chat: {
            workload: { name: "chat", namespace: "inference" },
            minReplicas: 1,
            maxReplicas: 10,
            llm: {
              slo: { ttftSeconds: 0.5, itlSeconds: 0.035 },
              meanPromptTokens: 1000,
              meanOutputTokens: 100,
            },
            variants: {
              l40s: {
                profile: "linear.json",
                resources: { gpuType: "nvidia-l40s" },
                podStartupSeconds: 60,
                spotShare: 1,
                preemptionsPerHour: 0.5,
              },
              h100: { profile: "linear.json", resources: { gpuType: "nvidia-h100" }, podStartupSeconds: 60 },
            },
            triggers: {
              requestRate: {
                source: "prometheus",
                query: 'sum(rate(nginx_ingress_controller_requests{ingress="chat"}[1m]))',
                target: 10,
                kind: "extensive",
                arrival: true,
              },
            },
          },
        },
      },
      { load: () => LINEAR },
    );
    queries = [];
    loop = new ScalerLoop(config, buildSources(config, {}), silentLogger, () => T);
    await loop.refresh();
  });
  after(async () => {
    loop.stop();
    await prom.stop();
  });

  it("reads each variant's ready replicas from its own Deployment, never the service's workload", () => {
    assert.ok(queries.some((q) => q.includes('deployment="chat-h100"')));
    assert.ok(queries.some((q) => q.includes('deployment="chat-l40s"')));
    assert.ok(!queries.some((q) => q.includes('deployment="chat"')));
  });

  it("the split sees the 3 ready H100s: 60,000 tokens/s now needs them all, held until the L40S serve at +60 s; 3 spot L40S at $0.60/h (66,000) take over, and a fourth hedges their preemptions", () => {
    const d = loop.decision("chat");
    assert.ok(d?.valid);
    const v = d.variants?.variants ?? [];
    assert.deepEqual(
      v.map((x) => [x.variant, x.readyReplicas]),
      [
        ["l40s", 0],
        ["h100", 3],
      ],
    );
    assert.deepEqual(
      v.map((x) => [x.variant, x.desiredReplicas, x.keptReplicas, x.heldReplicas, x.hedgeReplicas]),
      [
        ["l40s", 4, 4, 0, 1],
        ["h100", 3, 0, 3, 0],
      ],
    );
  });

  it("each variant's verdict is its own count, for its ScaledObject", () => {
    const table = new VerdictTable(verdictKeys(loop.config.services));
    table.project(loop.snapshot());
    const d = loop.decision("chat");
    for (const v of d?.variants?.variants ?? [])
      assert.equal(table.verdict(`chat/${v.variant}`)?.desiredReplicas, v.desiredReplicas);
    assert.equal(table.ready(), true);
  });

  it("/metrics: per variant its replicas, cost by capacity type, spot replicas and their expected preemptions", async () => {
    const text = await createMetrics(loop).registry.metrics();
    const value = (series: string): number => {
      const line = text.split("\n").find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} missing`);
      return Number(line.slice(series.length + 1));
    };
    const d = loop.decision("chat");
    const l40s = d?.variants?.variants.find((x) => x.variant === "l40s");
    assert.ok(l40s);
    const at = 'scaled_service="chat",variant="l40s",gpu_type="nvidia-l40s"';
    assert.equal(value(`mlas_variant_desired_replicas{${at}}`), l40s.desiredReplicas);
    assert.equal(value(`mlas_variant_ready_replicas{${at}}`), 0);
    assert.equal(value(`mlas_variant_spot_replicas{${at}}`), l40s.desiredReplicas);
    assert.ok(
      Math.abs(
        value(`mlas_variant_hourly_cost_dollars{${at},capacity_type="spot"}`) - 0.6 * l40s.desiredReplicas,
      ) < 1e-9,
    );
    assert.equal(value(`mlas_variant_hourly_cost_dollars{${at},capacity_type="on_demand"}`), 0);
    assert.equal(value(`mlas_variant_expected_preemptions_per_hour{${at}}`), 0.5 * l40s.desiredReplicas);
    const h100 = 'scaled_service="chat",variant="h100",gpu_type="nvidia-h100"';
    assert.equal(value(`mlas_variant_ready_replicas{${h100}}`), 3);
    assert.equal(value(`mlas_variant_hourly_cost_dollars{${h100},capacity_type="on_demand"}`), 3 * 6.9);
    assert.equal(
      value('mlas_hourly_cost_on_demand_equivalent_dollars{scaled_service="chat"}'),
      3 * 6.9 + l40s.desiredReplicas * 1.8,
    );
    // Paid: the 3 H100 pods running are held whatever the split answers them (rules/held.ts).
    const h100Desired = d?.variants?.variants.find((x) => x.variant === "h100")?.desiredReplicas ?? 0;
    assert.ok(
      Math.abs(
        value("mlas_budget_paid_hourly_cost_dollars") -
          (Math.max(h100Desired, 3) * 6.9 + l40s.desiredReplicas * 0.6),
      ) < 1e-9,
    );
  });
});
