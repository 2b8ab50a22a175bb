// Scenario 1: activation from zero by push (external-push). The real KEDA operator keeps a
// StreamIsActive stream open to `mlas serve`; the first queued RabbitMQ message, and a rise of a
// request rate in a real Prometheus, must each take a Deployment from 0 to 1 replica.
// Prints the two latencies measured.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Exporter, Prometheus, publish, rabbit, requireRabbit } from "../integration/harness.ts";
import { kube } from "./env.ts";
import { condition } from "./kube.ts";
import {
  applyScaledObjects,
  startChartScaler,
  createDeployment,
  ensureNamespace,
  hpa,
  QueueDepthExporter,
  renderChart,
  replicas,
  scaledObject,
  Scaler,
  scalerPorts,
  seconds,
  waitCondition,
  waitReplicas,
  stopEach,
} from "./harness.ts";

const ns = "e2e-activation";
const queue = `e2e-activation-${process.pid}`;
const exporter = new Exporter();
const prometheus = new Prometheus();
let scaler: Scaler;
let requests = 0;
let rate = 0;
const ticker = setInterval(() => {
  requests += rate / 10;
  exporter.values.set('http_requests_total{service="e2e-web"}', Math.floor(requests));
}, 100);
// The queue's depth as the rabbitmq_prometheus plugin exports it, for the scaler's idle history.
const depth = new QueueDepthExporter(exporter, queue);

const so = { queue: "act-ml-autoscaling-queue", web: "act-ml-autoscaling-web" };

before(async () => {
  await requireRabbit();
  await rabbit("PUT", `/api/queues/%2F/${queue}`, { durable: false, auto_delete: false });
  await rabbit("DELETE", `/api/queues/%2F/${queue}/contents`);
  exporter.values.set('http_requests_total{service="e2e-web"}', 0);
  depth.start();
  await exporter.start();
  // Two idle hours before the test, at the live scrape's 1 s step (the request rate's 5 s window
  // needs two samples): idleness is known only from history (a fresh series says nothing about
  // it), so without them the scaler keeps both services at 1 for scaleToZeroAfterMinutes.
  const idle = {
    startMs: Date.now() - 2 * 3600_000,
    stepSeconds: 1,
    values: new Float64Array(2 * 3600 - 60),
  };
  prometheus.backfill([
    { name: `rabbitmq_queue_messages_ready{queue="${queue}"}`, ...idle },
    { name: 'http_requests_total{service="e2e-web"}', ...idle },
  ]);
  await prometheus.start([`127.0.0.1:${exporter.port}`]);
  await prometheus.waitForSeries('http_requests_total{service="e2e-web"}');

  const ports = await scalerPorts();
  const objs = await renderChart("act", ns, {
    scaler: { ...ports, address: `127.0.0.1:${ports.grpcPort}` },
    sources: { prometheus: { url: prometheus.url } },
    services: {
      queue: {
        enabled: true,
        workload: { name: "queue-worker" },
        minReplicas: 0,
        maxReplicas: 10,
        scaleToZeroAfterMinutes: 1,
        loadSignal: "rabbitmq",
        triggers: {
          rabbitmq: {
            queueName: queue,
            queueLength: 5,
            historyQuery: `sum(rabbitmq_queue_messages_ready{queue="${queue}"})`,
          },
        },
      },
      web: {
        enabled: true,
        workload: { name: "web" },
        minReplicas: 0,
        maxReplicas: 10,
        scaleToZeroAfterMinutes: 1,
        loadSignal: "requestRate",
        triggers: {
          requestRate: { targetValue: 10, query: 'sum(rate(http_requests_total{service="e2e-web"}[5s]))' },
        },
      },
    },
  });
  await ensureNamespace(ns);
  await createDeployment(ns, "queue-worker");
  await createDeployment(ns, "web");
  scaler = await startChartScaler(objs, "activation");
  await applyScaledObjects(objs, ns, so.queue);
  await waitCondition(ns, so.web, "Ready", "True", 30_000);
});

after(async () => {
  clearInterval(ticker);
  depth.stop();
  for (const name of Object.values(so)) await kube.delete("keda.sh/v1alpha1", "ScaledObject", name, ns);
  await rabbit("DELETE", `/api/queues/%2F/${queue}`).catch(() => undefined);
  await stopEach([() => scaler.stop(), () => prometheus.stop(), () => exporter.stop()]);
});

describe("scenario 1: activation from zero by push", () => {
  it("the chart's ScaledObjects use external-push, and nothing scales while idle", async () => {
    for (const name of Object.values(so)) {
      const obj = await scaledObject(ns, name);
      const trigger = (obj?.spec as { triggers: { type: string }[] }).triggers[0];
      assert.equal(trigger?.type, "external-push");
    }
    await new Promise((r) => setTimeout(r, 4000));
    assert.equal(await replicas(ns, "queue-worker"), 0);
    assert.equal(await replicas(ns, "web"), 0);
    assert.equal(condition(await scaledObject(ns, so.queue), "Active")?.status, "False");
  });

  it("the first queued RabbitMQ message takes the Deployment from 0 to 1", async () => {
    const t0 = Date.now();
    await publish(queue, 1);
    const at = await waitReplicas(ns, "queue-worker", 1, 60_000);
    console.log(`e2e: first queued message -> replicas 1 in ${seconds(at - t0)} s`);
    await waitCondition(ns, so.queue, "Active", "True", 10_000);
    assert.equal(await scaler.metric("mlas_desired_replicas", { service: "queue" }), 1);
    const streams = await scaler.metric("mlas_grpc_requests_total", { method: "StreamIsActive" });
    assert.ok((streams ?? 0) >= 1, `KEDA opened a StreamIsActive stream (counted ${String(streams)})`);
    // KEDA created the HPA for 1 -> N; with one replica wanted it holds at 1.
    const h = await hpa(ns, so.queue);
    assert.ok(h, "KEDA created the HPA");
    assert.equal((h.spec as { minReplicas: number }).minReplicas, 1);
  });

  it("a request-rate rise in Prometheus takes the Deployment from 0 to 1", async () => {
    const t0 = Date.now();
    rate = 5;
    const at = await waitReplicas(ns, "web", 1, 60_000);
    console.log(
      `e2e: request-rate rise (0 -> 5/s, 5 s rate window, 1 s scrape) -> replicas 1 in ${seconds(at - t0)} s`,
    );
    assert.equal(await scaler.metric("mlas_desired_replicas", { service: "web" }), 1);
    await waitCondition(ns, so.web, "Active", "True", 10_000);
  });
});
