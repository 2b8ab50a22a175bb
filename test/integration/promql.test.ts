// Every dashboard and alert query parses as PromQL and returns data from a real Prometheus that
// has scraped a running scaler (and an exporter standing in for DCGM and kube-state-metrics).
// promtool check metrics passes on the scaler's /metrics.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parse } from "yaml";
import { DASHBOARDS } from "../../dashboards/definitions.ts";
import { expressions } from "../../dashboards/grafana.ts";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { silentLogger } from "../../src/service/log.ts";
import * as grpc from "@grpc/grpc-js";
import { loadProtos } from "../../src/service/keda-grpc.ts";
import { Exporter, freePort, Prometheus } from "./harness.ts";

const root = new URL("../../", import.meta.url).pathname;

/** Queries that are empty by design while the scaler is healthy. */
const EMPTY_WHEN_HEALTHY = new Set(["absent(mlas_desired_replicas)"]);

describe("dashboard and alert queries against a real Prometheus scraping a running scaler", () => {
  const exporter = new Exporter();
  const prom = new Prometheus();
  let running: Running;

  before(async () => {
    await exporter.start();
    exporter.values.set('mlas_test_rps{service="api"}', 42);
    exporter.values.set('mlas_test_rps{service="batch"}', 10);
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="batch"}', 2);
    exporter.values.set('mlas_test_latency{service="api"}', 0.3);
    exporter.values.set(
      'DCGM_FI_DEV_GPU_UTIL{exported_pod="vllm-0",exported_namespace="default",gpu="0"}',
      71,
    );
    exporter.values.set(
      'keda_scaler_detail_errors_total{scaler="ml-autoscaling",scaledObject="ml-autoscaling-api",type="scaledobject"}',
      0,
    );
    exporter.values.set('keda_scaled_object_errors_total{scaledObject="ml-autoscaling-api"}', 0);
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="api"}', 4);
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
    // A few scrapes so that rate(), changes() and the like have samples.
    await new Promise((r) => setTimeout(r, 6000));
  });

  after(async () => {
    await running.stop();
    await prom.stop();
    await exporter.stop();
  });

  const alerts = (
    parse(readFileSync(join(root, "charts/ml-autoscaling/files/alerts.yaml"), "utf8")) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    }
  ).groups.flatMap((g) => g.rules);
  const queries: [string, string][] = [
    ...Object.entries(DASHBOARDS).flatMap(([file, d]) =>
      expressions(d).map((e): [string, string] => [file, e]),
    ),
    ...alerts.map((a): [string, string] => [`alert ${a.alert}`, a.expr]),
  ];

  it("covers every panel and alert", () => {
    assert.ok(queries.length >= 35, String(queries.length));
  });

  for (const [where, expr] of queries) {
    it(`${where}: ${expr.slice(0, 90)}`, async () => {
      const r = (await (
        await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`)
      ).json()) as { status: string; error?: string; data?: { result: unknown[] } };
      assert.equal(r.status, "success", r.error ?? "");
      if (!EMPTY_WHEN_HEALTHY.has(expr) && !where.startsWith("alert "))
        assert.ok((r.data?.result.length ?? 0) > 0, "returned no data");
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

  it("promtool check metrics passes on /metrics", async () => {
    const text = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
    const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});
