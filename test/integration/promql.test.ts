// Every dashboard and alert query parses as PromQL and returns data from a real Prometheus that
// has scraped a running scaler (and an exporter standing in for DCGM and kube-state-metrics).
// promtool check metrics passes on the scaler's /metrics.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { DASHBOARDS } from "../../dashboards/definitions.ts";
import { DEFAULT_SELECTION, expressions, interpolate, type Selection } from "../../dashboards/grafana.ts";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { silentLogger } from "../../src/service/log.ts";
import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "../../src/service/keda-grpc.ts";
import { parseConfigText } from "../../src/config/schema.ts";
import { render } from "../chart/helm.ts";
import { Exporter, freePort, instantQuery, labelKey, Prometheus } from "./harness.ts";
import { openMetrics, parseExposition, platform, scrape, type Sample } from "./operator-scrape.ts";

const root = new URL("../../", import.meta.url).pathname;

const alertRules = (
  parse(readFileSync(join(root, "charts/ml-autoscaling/files/alerts.yaml"), "utf8")) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  }
).groups.flatMap((g) => g.rules);

/**
 * The release as this Prometheus sees it: its own scrape job ("test", no namespace label) and the
 * exporter's series below; the dashboards and rules select it as they select a release.
 */
const LIVE: Selection = {
  ...DEFAULT_SELECTION,
  namespace: "",
  job: "test",
  workload_pods: "vllm-0",
  scaled_objects: "ml-autoscaling-api",
};
const liveRule = (expr: string): string =>
  expr
    .replaceAll('namespace="default", job="ml-autoscaling"', 'namespace="", job="test"')
    .replaceAll('scaledObject=~"ml-autoscaling-.+"', `scaledObject=~"${LIVE.scaled_objects ?? ""}"`);

/**
 * One vLLM pod's counters and latency histograms (names as vLLM V1 exports them), advanced by a
 * second's traffic on each call: 3 requests of 1,000 + 200 tokens, first tokens within 0.1-0.5 s,
 * inter-token gaps within 0.02-0.05 s, requests' mean inter-token latency within 0.025-0.05 s.
 */
function vllmSecond(values: Map<string, number>): void {
  const pod = 'namespace="default",pod="vllm-0"';
  const add = (k: string, v: number): void => {
    values.set(k, (values.get(k) ?? 0) + v);
  };
  add(`vllm:prompt_tokens_total{${pod}}`, 3000);
  add(`vllm:generation_tokens_total{${pod}}`, 600);
  for (const [le, n] of [
    ["0.1", 1],
    ["0.5", 3],
    ["+Inf", 3],
  ] as const)
    add(`vllm:time_to_first_token_seconds_bucket{${pod},le="${le}"}`, n);
  add(`vllm:time_to_first_token_seconds_sum{${pod}}`, 0.7);
  add(`vllm:time_to_first_token_seconds_count{${pod}}`, 3);
  for (const [le, n] of [
    ["0.02", 300],
    ["0.05", 597],
    ["+Inf", 597],
  ] as const)
    add(`vllm:inter_token_latency_seconds_bucket{${pod},le="${le}"}`, n);
  add(`vllm:inter_token_latency_seconds_sum{${pod}}`, 15);
  add(`vllm:inter_token_latency_seconds_count{${pod}}`, 597);
  for (const [le, n] of [
    ["0.025", 2],
    ["0.05", 3],
    ["+Inf", 3],
  ] as const)
    add(`vllm:request_time_per_output_token_seconds_bucket{${pod},le="${le}"}`, n);
  add(`vllm:request_time_per_output_token_seconds_sum{${pod}}`, 0.075);
  add(`vllm:request_time_per_output_token_seconds_count{${pod}}`, 3);
}

describe("dashboard and alert queries against a real Prometheus scraping a running scaler", () => {
  const exporter = new Exporter();
  const prom = new Prometheus();
  let running: Running;
  let startedAt = 0;
  let vllmTraffic: NodeJS.Timeout | undefined;

  before(async () => {
    startedAt = Date.now() / 1000;
    await exporter.start();
    exporter.values.set('mlas_test_rps{service="api"}', 42);
    // Near the history's level (about 100 and rising now), so that live samples entering the
    // history do not pull the forecast below the reactive count: the predictive floor keeps winning.
    exporter.values.set('mlas_test_rps{service="batch"}', 80);
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="batch"}', 2);
    exporter.values.set('mlas_test_latency{service="api"}', 0.3);
    exporter.values.set(
      'DCGM_FI_DEV_GPU_UTIL{exported_pod="vllm-0",exported_namespace="default",gpu="0"}',
      71,
    );
    exporter.values.set(
      'keda_scaler_detail_errors_total{scaler="ml-autoscaling",scaledObject="ml-autoscaling-api",type="scaledobject",exported_namespace="default"}',
      0,
    );
    exporter.values.set(
      'keda_scaled_object_errors_total{scaledObject="ml-autoscaling-api",exported_namespace="default"}',
      0,
    );
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="api"}', 4);
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="vllm"}', 1);
    exporter.values.set('mlas_test_rps{service="chat"}', 3);
    vllmSecond(exporter.values);
    vllmTraffic = setInterval(() => {
      vllmSecond(exporter.values);
    }, 1000);
    // A service with variants: its arrivals and each variant's Deployment.
    exporter.values.set('mlas_test_rps{service="fleet"}', 5);
    exporter.values.set(
      'kube_deployment_status_replicas_ready{namespace="default",deployment="fleet-h100"}',
      1,
    );
    exporter.values.set(
      'kube_deployment_status_replicas_ready{namespace="default",deployment="fleet-l40s-spot"}',
      1,
    );
    const dir = mkdtempSync(join(tmpdir(), "mlas-promql-"));
    const cfg = join(dir, "config.yaml");
    // The scaler starts first (its reads fail until Prometheus is up, then recover), so that
    // Prometheus can scrape it from its first cycle.
    const promPort = await freePort();
    // Two days of history ending a few minutes ago, so forecasts have something to learn from:
    // a daily cycle around 100 req/s, well above the live values (the predictive floor then wins).
    const step = 60_000;
    const end = Math.floor(Date.now() / step) * step - 6 * step;
    const days = 2 * 1440;
    const hist = Float64Array.from({ length: days }, (_, i) => 100 + 40 * Math.sin((2 * Math.PI * i) / 1440));
    prom.backfill([
      { name: 'mlas_test_rps{service="api"}', startMs: end - days * step, stepSeconds: 60, values: hist },
      { name: 'mlas_test_rps{service="batch"}', startMs: end - days * step, stepSeconds: 60, values: hist },
    ]);
    prom.url = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      cfg,
      `sources:
  prometheus: { url: "${prom.url}", timeoutSeconds: 2 }
  refreshSeconds: 1
predictiveScaling: { refreshSeconds: 5, confidenceThreshold: 0 }
businessRules:
  businessHours: { enabled: true, timezone: UTC }
  costOptimization: { enabled: true, maxHourlyCost: 20, preferSpotInstances: true }
  gpuQuotas: { nvidia-a100: 2 }
services:
  api:
    workload: { name: api }
    minReplicas: 1
    maxReplicas: 4
    loadSignal: rps
    resources: { gpusPerReplica: 1, gpuType: nvidia-a100, cpu: 8, memoryGiB: 32 }
    triggers:
      rps: { source: prometheus, query: 'sum(mlas_test_rps{service="api"})', target: 5, kind: extensive }
      latencyP95: { source: prometheus, query: 'max(mlas_test_latency)', target: 0.5, kind: intensive }
  batch:
    workload: { name: batch }
    minReplicas: 1
    maxReplicas: 60
    priority: 900
    loadSignal: rps
    resources: { cpu: 0.1, memoryGiB: 0.1 }
    triggers:
      rps: { source: prometheus, query: 'sum(mlas_test_rps{service="batch"})', target: 5, kind: extensive }
  chat:
    workload: { name: vllm }
    minReplicas: 1
    maxReplicas: 2
    priority: 0
    resources: { gpusPerReplica: 1, gpuType: nvidia-h100 }
    llm:
      profile: qwen3-8b/h100_sxm/vllm/tp1
      slo: { ttftSeconds: 2, itlSeconds: 0.05 }
      metricsSelector: 'pod="vllm-0"'
    triggers:
      requestRate:
        { source: prometheus, query: 'sum(mlas_test_rps{service="chat"})', target: 10, kind: extensive, arrival: true }
  fleet:
    workload: { name: fleet }
    minReplicas: 1
    maxReplicas: 4
    priority: 1
    llm: { slo: { ttftSeconds: 2, itlSeconds: 0.1 } }
    variants:
      h100: { profile: qwen3-8b/h100_sxm/vllm/tp1, resources: { gpuType: nvidia-h100 } }
      l40s-spot:
        profile: qwen3-8b/l40s/vllm/tp1
        resources: { gpuType: nvidia-l40s }
        spotShare: 1
        preemptionsPerHour: 0.5
    triggers:
      requestRate:
        { source: prometheus, query: 'sum(mlas_test_rps{service="fleet"})', target: 10, kind: extensive, arrival: true }
`,
    );
    running = await startServer({
      config: cfg,
      grpcPort: 0,
      httpPort: 0,
      host: "127.0.0.1",
      log: silentLogger,
    });
    await prom.start([`127.0.0.1:${exporter.port}`, `127.0.0.1:${running.httpPort}`], "1s", promPort);
    // KEDA-like calls, so that the gRPC call metrics exist.
    const { scaler } = loadProtos();
    const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
    const client = new Ctor(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure());
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve) => {
        (client as unknown as { IsActive: (r: unknown, cb: () => void) => void }).IsActive(
          { scalerMetadata: { service: "api" } },
          () => {
            resolve();
          },
        );
      });
    }
    client.close();
    await prom.waitForSeries("mlas_desired_replicas", 30_000);
    // The first forecast cycle runs beside the first decisions; the predictive panels need it done.
    await prom.waitForSeries('mlas_desired_replicas{reason="predictive"}', 60_000);
    // A few scrapes so that rate(), changes() and the like have samples.
    await new Promise((r) => setTimeout(r, 6000));
  });

  after(async () => {
    clearInterval(vllmTraffic);
    await running.stop();
    await prom.stop();
    await exporter.stop();
  });

  const alerts = alertRules.map((a) => ({ ...a, expr: liveRule(a.expr) }));
  const queries: [string, string][] = [
    ...Object.entries(DASHBOARDS).flatMap(([file, d]) =>
      expressions(d, LIVE).map((e): [string, string] => [file, e]),
    ),
    ...alerts.map((a): [string, string] => [`alert ${a.alert}`, a.expr]),
  ];

  it("covers every panel and alert", () => {
    assert.ok(queries.length >= 35, String(queries.length));
  });

  for (const [where, expr] of queries) {
    it(`${where}: ${expr.slice(0, 90)}`, async () => {
      // Alerts are quiet while the scaler is healthy (their selection is checked below).
      const wantData = !where.startsWith("alert ");
      const instant = (await (
        await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`)
      ).json()) as { status: string; error?: string };
      assert.equal(instant.status, "success", instant.error ?? "");
      if (!wantData) return;
      // A panel draws its series over the dashboard's time range, as Grafana asks for it: a series
      // that follows the decision's reason (the predictive floor in force) may come and go between
      // scrapes, so the panel must have data somewhere in the range the scaler has been running.
      const end = Date.now() / 1000;
      const range = (await (
        await fetch(
          `${prom.url}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${startedAt}&end=${end}&step=1`,
        )
      ).json()) as { status: string; error?: string; data?: { result: unknown[] } };
      assert.equal(range.status, "success", range.error ?? "");
      assert.ok((range.data?.result.length ?? 0) > 0, "the panel has no data over the scaler's run");
    });
  }

  it("alert expressions select the series they watch (thresholds aside)", async () => {
    // Strip the comparison: the left-hand side must return data.
    for (const a of alerts) {
      if (a.expr.startsWith("absent(")) continue;
      const lhs = a.expr.split(/ (>=|==|<|>) /)[0] ?? a.expr;
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(lhs)}`)).json()) as {
        data?: { result: unknown[] };
      };
      assert.ok((r.data?.result.length ?? 0) > 0, `${a.alert}: ${lhs} returned no data`);
    }
  });

  it("the scaler fixtures hold the families a running scaler exports, with the same label names", async () => {
    const labelNames = (text: string, source: string): Map<string, string> =>
      new Map(
        parseExposition(text, source).map((x) => [
          x.name,
          Object.keys(x.labels)
            .filter((l) => l !== "le")
            .sort()
            .join(","),
        ]),
      );
    const live = labelNames(
      await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text(),
      "/metrics",
    );
    for (const f of ["mlas-scaler-a.prom", "mlas-scaler-b.prom"]) {
      const text = readFileSync(join(root, "test/fixtures/exporters", f), "utf8");
      for (const [name, labels] of labelNames(text, f)) {
        assert.ok(live.has(name), `${f}: ${name} is not exported by the scaler`);
        assert.equal(labels, live.get(name), `${f}: ${name} label names`);
      }
    }
  });

  it("promtool check metrics passes on /metrics", async () => {
    const text = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

// ---------------------------------------------------------------------------------------------
// The platform as Prometheus Operator scrapes it: every exporter's series, with the target labels
// the operator adds, backfilled into real Prometheus servers, once with one scaler replica and once
// with two.

const STEP_SECONDS = 15;

async function backfilledPrometheus(replicas: 1 | 2, endMs: number): Promise<Prometheus> {
  const prom = new Prometheus();
  const samples = platform(replicas).flatMap(scrape);
  const file = join(prom.dir, "platform.om");
  writeFileSync(file, openMetrics(samples, endMs - 20 * 60_000, endMs, STEP_SECONDS));
  execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", file, join(prom.dir, "data")], {
    stdio: "pipe",
  });
  await prom.start([], "15s");
  return prom;
}

/** Panels whose series count events that each replica sees part of: summing over replicas is right. */
const SUMMED_OVER_REPLICAS = /mlas_grpc_requests_total/;
/**
 * Panels of ages, which each replica measures on its own refresh cycle: the older replica's shows,
 * up to the recording's sources.refreshSeconds (5 s) above the other's.
 */
const AGE_PER_REPLICA = /_age_seconds/;
const AGE_SPREAD_SECONDS = 5;

/** One replica's recorded samples of a family (the fixture's numbers). */
function recorded(replica: "a" | "b", name: string): Sample[] {
  const f = `mlas-scaler-${replica}.prom`;
  return parseExposition(readFileSync(join(root, "test/fixtures/exporters", f), "utf8"), f).filter(
    (s) => s.name === name,
  );
}

/** Replica a's recorded family, the largest value for each value of `label`. */
function recordedBy(name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of recorded("a", name)) {
    const k = s.labels[label] ?? "";
    out[k] = Math.max(out[k] ?? -Infinity, s.value);
  }
  return out;
}

const total = (samples: readonly Sample[]): number => samples.reduce((sum, s) => sum + s.value, 0);

describe("under Prometheus Operator, with two scaler replicas and the real exporters' series", () => {
  let one: Prometheus;
  let two: Prometheus;
  // The backfill's last sample (epoch ms): every instant query of this block is evaluated there.
  let endMs = 0;
  const panelQueries = Object.entries(DASHBOARDS).flatMap(([file, d]) =>
    expressions(d).map((e): [string, string] => [file, e]),
  );

  before(async () => {
    endMs = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    [one, two] = await Promise.all([backfilledPrometheus(1, endMs), backfilledPrometheus(2, endMs)]);
  });
  after(async () => {
    await Promise.all([one.stop(), two.stop()]);
  });

  for (const [file, expr] of panelQueries) {
    it(`${file}: ${expr.slice(0, 80)} returns series that a second replica does not change`, async () => {
      const [a, b] = await Promise.all([
        instantQuery(one.url, expr, endMs / 1000),
        instantQuery(two.url, expr, endMs / 1000),
      ]);
      assert.ok(b.length > 0, "returned no data");
      for (const s of b)
        for (const l of ["pod", "instance", "job"])
          assert.ok(!(l in s.metric), `a series keeps the scrape target's ${l}: ${labelKey(s.metric)}`);
      if (SUMMED_OVER_REPLICAS.test(expr)) return;
      const byKey = new Map(a.map((s) => [labelKey(s.metric), s.value]));
      assert.equal(b.length, a.length, "a second replica adds series");
      const tolerance = (v: number): number =>
        AGE_PER_REPLICA.test(expr) ? AGE_SPREAD_SECONDS : 1e-9 * Math.max(1, Math.abs(v));
      for (const s of b) {
        const v = byKey.get(labelKey(s.metric));
        assert.ok(v !== undefined, `only with two replicas: ${labelKey(s.metric)}`);
        assert.ok(Math.abs(v - s.value) <= tolerance(v), `${labelKey(s.metric)}: ${v} vs ${s.value}`);
      }
    });
  }

  it("the $service variable lists each scaled service once", async () => {
    const r = (await (
      await fetch(`${two.url}/api/v1/label/scaled_service/values?match[]=mlas_desired_replicas`)
    ).json()) as { data: string[] };
    assert.deepEqual(r.data, ["celeryWorker", "chat", "orchestrator", "vllmService"]);
  });

  const values = async (expr: string, label: string): Promise<Record<string, number>> =>
    Object.fromEntries(
      (await instantQuery(two.url, expr, endMs / 1000)).map((s) => [s.metric[label] ?? "", s.value]),
    );

  it("replicas, cost and GPUs are one replica's numbers, not their sum", async () => {
    assert.deepEqual(
      await values(`max by (scaled_service) (mlas_desired_replicas{scaled_service=~".*"})`, "scaled_service"),
      recordedBy("mlas_desired_replicas", "scaled_service"),
    );
    assert.deepEqual(
      await values("max by (gpu_type) (mlas_gpus_used)", "gpu_type"),
      recordedBy("mlas_gpus_used", "gpu_type"),
    );
    assert.deepEqual(
      await values("max by (gpu_type) (mlas_gpus_taken)", "gpu_type"),
      recordedBy("mlas_gpus_taken", "gpu_type"),
    );
    assert.deepEqual(
      await values(
        'max by (capacity_type) (mlas_hourly_cost_dollars{scaled_service="vllmService"})',
        "capacity_type",
      ),
      Object.fromEntries(
        recorded("a", "mlas_hourly_cost_dollars")
          .filter((s) => s.labels.scaled_service === "vllmService")
          .map((s) => [s.labels.capacity_type, s.value]),
      ),
    );
    const calls = await values(
      'sum by (method) (rate(mlas_grpc_requests_total{method="GetMetrics"}[5m]))',
      "method",
    );
    const getMetrics = (r: "a" | "b"): number =>
      total(recorded(r, "mlas_grpc_requests_total").filter((s) => s.labels.method === "GetMetrics"));
    assert.ok(
      Math.abs((calls.GetMetrics ?? 0) - (getMetrics("a") + getMetrics("b"))) < 1e-9,
      "KEDA's calls add up over the replicas it spreads them on",
    );
  });

  it("the paid, desired and budget lines are the release's totals from one replica, paid above desired while pods are held", async () => {
    const panel = DASHBOARDS["cost.json"]?.panels.find((p) =>
      p.title.startsWith("Hourly cost paid and desired"),
    );
    assert.ok(panel);
    const [paid, desired, budget] = await Promise.all(
      panel.targets.map(async (t) => {
        const r = await instantQuery(two.url, interpolate(t.expr, DEFAULT_SELECTION), endMs / 1000);
        assert.equal(r.length, 1, `${t.legend}: ${t.expr}`);
        return r[0]?.value ?? Number.NaN;
      }),
    );
    const near = (a: number | undefined, b: number): boolean =>
      Math.abs((a ?? Number.NaN) - b) < 1e-9 * Math.max(1, b);
    const recordedPaid = total(recorded("a", "mlas_budget_paid_hourly_cost_dollars"));
    const recordedDesired = total(recorded("a", "mlas_hourly_cost_dollars"));
    assert.ok(near(paid, recordedPaid), `paid ${paid} != ${recordedPaid}`);
    assert.ok(near(desired, recordedDesired), `desired ${desired} != ${recordedDesired}`);
    assert.ok(near(budget, total(recorded("a", "mlas_budget_max_hourly_cost_dollars"))), `budget ${budget}`);
    // The recording's chat-h100 runs a pod its answer no longer asks for (6.98 USD/h on demand).
    assert.ok((paid ?? 0) > (desired ?? 0), `paid ${paid} <= desired ${desired}`);
  });

  it("GPU utilisation per workload pod comes from dcgm-exporter's exported_pod", async () => {
    const r = await values(
      'avg by (exported_namespace, exported_pod) (DCGM_FI_DEV_GPU_UTIL{exported_pod!=""})',
      "exported_pod",
    );
    assert.deepEqual(r, { "vllm-7d9f8b6c5d-q8z7m": 90, "vllm-7d9f8b6c5d-x2k4p": 70 });
  });

  it("what the defaults read before no longer matches nothing silently: each old query is empty here", async () => {
    for (const old of [
      "avg(vllm:gpu_cache_usage_perc)",
      'avg(DCGM_FI_DEV_GPU_UTIL{pod=~"vllm-.*"})',
      'histogram_quantile(0.95, sum by (le) (rate(celery_task_runtime_seconds_bucket{queue="celery"}[2m])))',
      'sum(rabbitmq_queue_messages_ready{queue="celery"})',
    ])
      assert.deepEqual(await instantQuery(two.url, old), [], old);
    // A label of ours named like a target label collapses under the operator: it is overwritten.
    assert.deepEqual(
      (await instantQuery(two.url, "count by (service) (mlas_desired_replicas)")).map(
        (s) => s.metric.service,
      ),
      ["ml-autoscaling"],
    );
  });

  it("every default trigger query of the chart returns one series with the exporter's value", async () => {
    const objs = render(["--set", "sources.rabbitmq.existingSecret=x"]);
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as
      { data: Record<string, string> } | undefined;
    assert.ok(cm);
    const config = parseConfigText(cm.data["config.yaml"] ?? "", "chart defaults");
    const expected: Record<string, number> = {
      "celeryWorker.latency": 9.75,
      "celeryWorker.rabbitmq.history": 40,
      "celeryWorker.ready": 3,
      "orchestrator.requestRate": 120,
      "orchestrator.latency": 0.375,
      "orchestrator.ready": 4,
      "vllmService.requestRate": 12.5,
      // The llm block's vLLM signals over the two pods: 2 x (2,048 + 512) tokens/s; 2 x 2,048 / (2 x 2)
      // prompt and 2 x 512 / 4 output tokens a request; TTFT p99 at rank 3.96 of 4 in (0.75, 1]: 0.75 +
      // 0.16 / 0.2 x 0.25; ITL p99, a request's mean (vllm:request_time_per_output_token_seconds), at
      // rank 3.96 of 4 in (0.05, 0.075]: 0.05 + 0.16 / 0.2 x 0.025 (the single gaps' would be 0.0672).
      // Length quantiles at rank q x 4 (2 a pod): prompts 0.4 <= 200, 1.2 <= 500, 2.4 <= 1,000, 3.6 <=
      // 2,000, 4 <= 5,000; outputs 0.8 <= 100, 1.6 <= 200, 3.6 <= 500, 4 <= 1,000.
      "vllmService.tokens": 5120,
      "vllmService.tokens.history": 5120,
      "vllmService.meanPromptTokens": 1024,
      "vllmService.meanOutputTokens": 256,
      "vllmService.promptTokensP10": 100 + (100 * 0.4) / 0.4,
      "vllmService.promptTokensP30": 200 + (300 * (1.2 - 0.4)) / 0.8,
      "vllmService.promptTokensP50": 500 + (500 * (2 - 1.2)) / 1.2,
      "vllmService.promptTokensP70": 1000 + (1000 * (2.8 - 2.4)) / 1.2,
      "vllmService.promptTokensP88": 1000 + (1000 * (3.52 - 2.4)) / 1.2,
      "vllmService.promptTokensP98": 2000 + (3000 * (3.92 - 3.6)) / 0.4,
      "vllmService.outputTokensP10": (100 * 0.4) / 0.8,
      "vllmService.outputTokensP30": 100 + (100 * (1.2 - 0.8)) / 0.8,
      "vllmService.outputTokensP50": 200 + (300 * (2 - 1.6)) / 2,
      "vllmService.outputTokensP70": 200 + (300 * (2.8 - 1.6)) / 2,
      "vllmService.outputTokensP88": 200 + (300 * (3.52 - 1.6)) / 2,
      "vllmService.outputTokensP98": 500 + (500 * (3.92 - 3.6)) / 0.4,
      "vllmService.ttft": 0.95,
      "vllmService.itl": 0.05 + (0.025 * (3.96 - 3.8)) / 0.2,
      "vllmService.kvCacheUsage": 0.7,
      "vllmService.gpuUtilization": 80,
      "vllmService.ready": 2,
    };
    const seen = new Set<string>();
    const check = async (name: string, expr: string): Promise<void> => {
      const r = await instantQuery(two.url, expr, endMs / 1000);
      assert.equal(r.length, 1, `${name}: ${expr} returned ${r.length} series`);
      const want = expected[name];
      assert.ok(want !== undefined, `${name}: no expected value for ${expr}`);
      assert.ok(
        Math.abs((r[0]?.value ?? Number.NaN) - want) < 1e-9 * Math.max(1, want),
        `${name}: ${r[0]?.value} != ${want}`,
      );
      seen.add(name);
    };
    for (const s of config.services) {
      await check(`${s.name}.ready`, s.readyReplicasQuery);
      for (const t of s.triggers) {
        if (t.query !== undefined) await check(`${s.name}.${t.name}`, t.query);
        if (t.historyQuery !== undefined && t.historyQuery !== t.query)
          await check(`${s.name}.${t.name}.history`, t.historyQuery);
      }
    }
    assert.deepEqual([...seen].sort(), Object.keys(expected).sort());
  });

  it("KEDA alerts see only this release's ScaledObjects failing", async () => {
    const exprOf = (name: string): string => alertRules.find((a) => a.alert === name)?.expr ?? "";
    assert.deepEqual(
      (await instantQuery(two.url, exprOf("MlasKedaScalerErrors"))).map((s) => s.metric.scaledObject),
      ["ml-autoscaling-vllm-service"],
    );
    assert.deepEqual(
      (await instantQuery(two.url, exprOf("MlasKedaScaledObjectErrors"))).map((s) => s.metric.scaledObject),
      ["ml-autoscaling-vllm-service"],
    );
  });
});
