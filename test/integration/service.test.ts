// The scaler as KEDA sees it, against a real Prometheus (history backfilled with promtool from the
// shared NASA trace, live values scraped from an exporter) and a real RabbitMQ broker. A gRPC
// client built from the repository's proto plays KEDA.

import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { loadProtos } from "../../src/service/keda-grpc.ts";
import { jsonLogger } from "../../src/service/log.ts";
import { ScalerLoop } from "../../src/service/loop.ts";
import { buildSources } from "../../src/signals/registry.ts";
import { loadTrace } from "../../src/traces/parse.ts";
import { Exporter, Prometheus, publish, rabbit, requireRabbit } from "./harness.ts";

const traces = new URL("../../../shared/traces/", import.meta.url).pathname;
const PASSWORD = "mlas-S3cret-Pa55word-9f2c";
const QUEUE = `mlas-test-${process.pid}`;

type Client = grpc.Client & Record<string, (...a: unknown[]) => unknown>;

function unary<T>(client: Client, method: string, req: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    (
      client[method] as (
        r: unknown,
        m: grpc.Metadata,
        o: grpc.CallOptions,
        cb: (e: grpc.ServiceError | null, v: T) => void,
      ) => void
    ).call(client, req, new grpc.Metadata(), { deadline: Date.now() + 3000 }, (e, v) => {
      if (e) reject(e);
      else resolve(v);
    });
  });
}

async function until(what: string, fn: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("scaler service with real Prometheus and RabbitMQ", () => {
  const prom = new Prometheus();
  const exporter = new Exporter();
  const logs: string[] = [];
  let running: Running;
  let client: Client;
  let configPath: string;
  const ref = (service: string, extra: Record<string, string> = {}) => ({
    name: "so",
    namespace: "default",
    scalerMetadata: { scalerAddress: "mlas:9090", service, ...extra },
  });

  before(async () => {
    await requireRabbit();
    await rabbit("PUT", "/api/users/mlas-test", { password: PASSWORD, tags: "monitoring" });
    await rabbit("PUT", "/api/permissions/%2F/mlas-test", { configure: ".*", write: ".*", read: ".*" });
    // Durable, so that it survives the broker restart in the last test.
    await rabbit("PUT", `/api/queues/%2F/${QUEUE}`, { durable: true, auto_delete: false });

    // History: the last week of the NASA trace (requests/min -> requests/s, x15), ending 10 min ago.
    const nasa = loadTrace(join(traces, "nasa-http-1995-07.csv")).series.values;
    const week = 7 * 1440;
    const step = 60_000;
    const end = Math.floor(Date.now() / step) * step - 10 * step;
    const start = end - week * step;
    const api = Float64Array.from(nasa.subarray(nasa.length - week), (v) => (v / 60) * 15);
    prom.backfill([
      { name: 'mlas_test_load{service="api"}', startMs: start, stepSeconds: 60, values: api },
      {
        name: 'mlas_test_load{service="worker"}',
        startMs: start,
        stepSeconds: 60,
        values: new Float64Array(week),
      },
    ]);
    exporter.values.set('mlas_test_load{service="api"}', 45);
    exporter.values.set('mlas_test_load{service="worker"}', 0);
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="api"}', 3);
    exporter.values.set('kube_deployment_status_replicas_ready{namespace="default",deployment="worker"}', 0);
    await exporter.start();
    await prom.start([`127.0.0.1:${exporter.port}`]);
    await prom.waitForSeries('mlas_test_load{service="api",job="test"}');

    const dir = mkdtempSync(join(tmpdir(), "mlas-svc-"));
    writeFileSync(join(dir, "user"), "mlas-test\n");
    writeFileSync(join(dir, "password"), `${PASSWORD}\n`);
    configPath = join(dir, "config.yaml");
    writeFileSync(
      configPath,
      `logLevel: debug
sources:
  prometheus: { url: "${prom.url}", timeoutSeconds: 2 }
  rabbitmq: { managementUrl: "http://127.0.0.1:15672", amqpUrl: "amqp://127.0.0.1:5672", timeoutSeconds: 2, usernameFile: "${join(dir, "user")}", passwordFile: "${join(dir, "password")}" }
  refreshSeconds: 1
  staleAfterSeconds: 2
  maxStalenessSeconds: 5
predictiveScaling: { refreshSeconds: 5 }
services:
  api:
    minReplicas: 1
    maxReplicas: 30
    loadSignal: rps
    triggers:
      rps: { source: prometheus, query: 'sum(mlas_test_load{service="api"})', target: 10, kind: extensive }
  worker:
    minReplicas: 0
    maxReplicas: 10
    scaleToZeroAfterMinutes: 15
    loadSignal: queue
    triggers:
      queue: { source: rabbitmq, queue: "${QUEUE}", metric: messages_ready, target: 5, kind: extensive, historyQuery: 'sum(mlas_test_load{service="worker"})' }
`,
    );
    running = await startServer({
      config: configPath,
      grpcPort: 0,
      httpPort: 0,
      host: "127.0.0.1",
      log: jsonLogger("debug", (l) => logs.push(l)),
      wakeEveryMs: 200,
    });
    const { scaler } = loadProtos();
    const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
    client = new Ctor(
      `127.0.0.1:${running.grpcPort}`,
      grpc.credentials.createInsecure(),
    ) as unknown as Client;
    await until(
      "readyz",
      async () => (await fetch(`http://127.0.0.1:${running.httpPort}/readyz`)).status === 200,
    );
    await until(
      "a forecast for api",
      () => running.loop.snapshot().services.get("api")?.forecast !== undefined,
    );
  });

  after(async () => {
    client.close();
    await running.stop();
    await prom.stop();
    await exporter.stop();
    await rabbit("DELETE", `/api/queues/%2F/${QUEUE}`).catch(() => undefined);
    await rabbit("DELETE", "/api/users/mlas-test").catch(() => undefined);
  });

  it("GetMetricSpec announces one metric with target 1, in both fields", async () => {
    const r = await unary<{
      metricSpecs: { metricName: string; targetSize: number; targetSizeFloat: number }[];
    }>(client, "GetMetricSpec", ref("api"));
    assert.deepEqual(r.metricSpecs, [{ metricName: "mlas-api", targetSize: 1, targetSizeFloat: 1 }]);
  });

  it("GetMetrics returns the engine's desired replicas for live load 45 req/s at 10 per replica", async () => {
    await until(
      "a decision from live data",
      () => (running.loop.decision("api")?.reactiveReplicas ?? 0) === 5,
    );
    const r = await unary<{
      metricValues: { metricName: string; metricValue: number; metricValueFloat: number }[];
    }>(client, "GetMetrics", { scaledObjectRef: ref("api"), metricName: "mlas-api" });
    const v = r.metricValues[0];
    assert.ok(v);
    assert.equal(v.metricName, "mlas-api");
    assert.equal(v.metricValue, v.metricValueFloat);
    assert.ok(
      Number.isInteger(v.metricValue) && v.metricValue >= 5,
      `reactive floor is ceil(45 / 10) = 5, got ${v.metricValue}`,
    );
    assert.equal(v.metricValue, running.loop.decision("api")?.desiredReplicas);
    const active = await unary<{ result: boolean }>(client, "IsActive", ref("api"));
    assert.equal(active.result, true);
  });

  it("the forecast comes from the backfilled history and is exported", async () => {
    type ForecastBody = { points?: unknown[]; confidence: number; patterns: { daily: { present: boolean } } };
    const read = async (): Promise<ForecastBody> =>
      (await (
        await fetch(`http://127.0.0.1:${running.httpPort}/api/v1/services/api/forecast`)
      ).json()) as ForecastBody;
    // The first forecast cycle fits a week of history on the forecast thread: on a loaded machine
    // it may still be running when this test starts.
    let f = await read();
    await until("the first forecast", async () => (f = await read()).points !== undefined, 60_000);
    assert.equal(f.points?.length, 30);
    assert.ok(f.confidence > 0 && f.confidence <= 1);
    assert.equal(
      f.patterns.daily.present,
      true,
      "NASA's daily cycle is found in the history read from Prometheus",
    );
    const metrics = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
    for (const m of [
      "mlas_desired_replicas{",
      "mlas_forecast_confidence{",
      "mlas_pattern_strength{",
      "mlas_signal_age_seconds{",
      "mlas_hourly_cost_dollars{",
      "mlas_grpc_requests_total{",
    ])
      assert.ok(metrics.includes(m), `missing ${m}`);
  });

  it("bad metadata is INVALID_ARGUMENT naming the key and value, and the server keeps serving", async () => {
    await assert.rejects(
      unary(client, "GetMetrics", { scaledObjectRef: ref("nope"), metricName: "x" }),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.INVALID_ARGUMENT &&
        /scalerMetadata.service: no enabled service named "nope"/.test(e.details),
    );
    await assert.rejects(
      unary(client, "IsActive", ref("api", { serivce: "typo" })),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.INVALID_ARGUMENT && /scalerMetadata.serivce: unknown key/.test(e.details),
    );
    await assert.rejects(
      unary(client, "IsActive", { name: "so", scalerMetadata: {} }),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.INVALID_ARGUMENT && /scalerMetadata.service: is required/.test(e.details),
    );
    const ok = await unary<{ result: boolean }>(client, "IsActive", ref("api"));
    assert.equal(ok.result, true);
  });

  it("a worker idle for a week sits at zero; StreamIsActive pushes true soon after messages arrive", async () => {
    await until("worker inactive", () => running.loop.decision("worker")?.active === false);
    const inactive = await unary<{ result: boolean }>(client, "IsActive", ref("worker"));
    assert.equal(inactive.result, false);
    const call = (
      client.StreamIsActive as (r: unknown) => grpc.ClientReadableStream<{ result: boolean }>
    ).call(client, ref("worker"));
    const seen: { result: boolean; at: number }[] = [];
    call.on("data", (m: { result: boolean }) => seen.push({ ...m, at: Date.now() }));
    call.on("error", () => undefined);
    await until("the stream's first message", () => seen.length > 0, 5000);
    assert.equal(seen[0]?.result, false, "the current state is sent at once");
    const t0 = Date.now();
    await publish(QUEUE, 1);
    await until("push activation", () => seen.some((m) => m.result), 15_000);
    const latency = (seen.find((m) => m.result)?.at ?? 0) - t0;
    // messages_ready is read by AMQP passive declare (the management API would lag by its 5 s
    // statistics interval); services at zero are checked every 200 ms here (500 ms by default).
    assert.ok(latency < 1000, `pushed ${latency} ms after publishing`);
    console.log(`push activation ${latency} ms after the first message was published`);
    await publish(QUEUE, 11);
    await until(
      "ceil(12 / 5) = 3 replicas",
      () => running.loop.decision("worker")?.desiredReplicas === 3,
      5000,
    );
    call.cancel();
  });

  it("two instances on the same store agree, and so does a restarted one", async () => {
    const config = loadConfigFile(configPath);
    const at = Date.now();
    const opened: ReturnType<typeof buildSources>[] = [];
    const make = (): ScalerLoop => {
      const src = buildSources(config, process.env);
      opened.push(src);
      return new ScalerLoop(
        config,
        src,
        jsonLogger("error", () => undefined),
        () => at,
      );
    };
    const a = make();
    const b = make();
    await Promise.all([a.refreshForecasts(), b.refreshForecasts()]);
    const [da, db] = await Promise.all([a.refresh(), b.refresh()]);
    const strip = (d: typeof da) =>
      d.services.map((s) => ({
        service: s.service,
        desired: s.desiredReplicas,
        reason: s.reason,
        active: s.active,
      }));
    assert.deepEqual(strip(da), strip(db));
    const restarted = make();
    await restarted.refreshForecasts();
    assert.deepEqual(strip(await restarted.refresh()), strip(da));
    a.stop();
    b.stop();
    restarted.stop();
    await Promise.all(opened.map((o) => o.close()));
  });

  it("when Prometheus goes away, api serves its last value until maxStaleness, then UNAVAILABLE; the worker is unaffected", async () => {
    const before = running.loop.decision("api")?.desiredReplicas;
    await prom.stop();
    await until(
      "stale reason",
      () =>
        running.loop.decision("api")?.reasons.some((r) => /stale, using last good value/.test(r.message)) ??
        false,
      10_000,
    );
    assert.equal(running.loop.decision("api")?.valid, true);
    assert.equal(running.loop.decision("api")?.desiredReplicas, before);
    await until("api invalid", () => running.loop.decision("api")?.valid === false, 15_000);
    await assert.rejects(
      unary(client, "GetMetrics", { scaledObjectRef: ref("api"), metricName: "mlas-api" }),
      (e: grpc.ServiceError) =>
        e.code === grpc.status.UNAVAILABLE && /older than maxStalenessSeconds/.test(e.details),
    );
    const w = await unary<{ metricValues: { metricValue: number }[] }>(client, "GetMetrics", {
      scaledObjectRef: ref("worker"),
      metricName: "mlas-worker",
    });
    assert.equal(w.metricValues[0]?.metricValue, 3);
    const metrics = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
    assert.match(metrics, /mlas_decision_valid\{scaled_service="api"\} 0/);
  });

  it("credentials never appear in logs, errors or the API", async () => {
    const api = await (await fetch(`http://127.0.0.1:${running.httpPort}/api/v1/services`)).text();
    const metrics = await (await fetch(`http://127.0.0.1:${running.httpPort}/metrics`)).text();
    assert.ok(logs.length > 5);
    for (const [what, text] of [
      ["logs", logs.join("\n")],
      ["api", api],
      ["metrics", metrics],
    ] as const) {
      assert.ok(!text.includes(PASSWORD), `${what} leaked the password`);
      assert.ok(
        !text.includes(Buffer.from(`mlas-test:${PASSWORD}`).toString("base64")),
        `${what} leaked the basic-auth header`,
      );
    }
  });
  it("Prometheus back: api recovers by itself", async () => {
    await prom.start([`127.0.0.1:${exporter.port}`], "1s", Number(new URL(prom.url).port));
    // A restarted Prometheus answers before its first scrape of the exporter (an empty result,
    // read as 0): recovery is the decision valid again at the exporter's level.
    await until(
      "api valid again at its load",
      () =>
        running.loop.decision("api")?.valid === true &&
        (running.loop.decision("api")?.desiredReplicas ?? 0) >= 5,
      20_000,
    );
    const r = await unary<{ metricValues: { metricValue: number }[] }>(client, "GetMetrics", {
      scaledObjectRef: ref("api"),
      metricName: "mlas-api",
    });
    assert.ok((r.metricValues[0]?.metricValue ?? 0) >= 5);
  });

  it("RabbitMQ down and back: the worker falls back, then recovers; api is unaffected", () => {
    // Asynchronously: the scaler runs in this process, and a synchronous call would stall its
    // timers for the seconds stop_app takes (in production the scaler has a process of its own).
    return (async () => {
      await promisify(execFile)("rabbitmqctl", ["stop_app"]);
      try {
        await until("worker invalid", () => running.loop.decision("worker")?.valid === false, 20_000);
        assert.equal(running.loop.decision("api")?.valid, true, JSON.stringify(running.loop.decision("api")));
        await assert.rejects(
          unary(client, "IsActive", ref("worker")),
          (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
        );
      } finally {
        execFileSync("rabbitmqctl", ["start_app"], { stdio: "ignore" });
      }
      await requireRabbit();
      await until("worker valid again", () => running.loop.decision("worker")?.valid === true, 30_000);
      const r = await unary<{ metricValues: { metricValue: number }[] }>(client, "GetMetrics", {
        scaledObjectRef: ref("worker"),
        metricName: "mlas-worker",
      });
      assert.ok(Number.isInteger(r.metricValues[0]?.metricValue));
    })();
  });

  it("the scaler restarted while a KEDA stream is open: the stream ends, the new instance serves it again", async () => {
    const stream = (c: Client) =>
      (c.StreamIsActive as (r: unknown) => grpc.ClientReadableStream<{ result: boolean }>).call(
        c,
        ref("api"),
      );
    const first = stream(client);
    const firstSeen: boolean[] = [];
    let ended = false;
    first.on("data", (m: { result: boolean }) => firstSeen.push(m.result));
    first.on("error", () => {
      ended = true;
    });
    first.on("end", () => {
      ended = true;
    });
    await until("the first stream's state", () => firstSeen.length > 0, 5000);
    const port = running.grpcPort;
    await running.stop();
    await until("the stream to end on shutdown", () => ended, 10_000);
    running = await startServer({
      config: configPath,
      grpcPort: port,
      httpPort: 0,
      host: "127.0.0.1",
      log: jsonLogger("debug", (l) => logs.push(l)),
      wakeEveryMs: 200,
    });
    // KEDA reconnects with backoff; a new stream on the same address gets the current state at once.
    const again = stream(client);
    const seen: boolean[] = [];
    again.on("data", (m: { result: boolean }) => seen.push(m.result));
    again.on("error", () => undefined);
    await until("the restarted scaler's first answer", () => seen.length > 0, 20_000);
    assert.equal(seen[0], true);
    again.cancel();
  });

  it("a gRPC port already in use is a clear error at start, and the first server keeps serving", async () => {
    await assert.rejects(
      startServer({
        config: configPath,
        grpcPort: running.grpcPort,
        httpPort: 0,
        host: "127.0.0.1",
        log: jsonLogger("debug", (l) => logs.push(l)),
      }),
      /gRPC port \d+ on 127\.0\.0\.1: in use/,
    );
    const r = await unary(client, "GetMetricSpec", ref("api"));
    assert.ok(r);
  });
});
