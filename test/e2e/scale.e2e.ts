// Scenario 2: 1 -> N by the real HPA through KEDA's metrics adapter, with the exact desired count.
// The scaler's trigger reports the desired count at target 1, so without the chart's per-HPA
// tolerance (Kubernetes >= 1.35) the HPA's 10% default swallows +/-1 changes above 10 replicas.
// The queue depth drives the count: queueLength 1 means one replica per ready message.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Exporter, Prometheus, publish, rabbit, requireRabbit } from "../integration/harness.ts";
import { kube } from "./env.ts";
import { condition, waitFor, type KubeObject } from "./kube.ts";
import {
  applyScaledObjects,
  startChartScaler,
  createDeployment,
  ensureNamespace,
  hpa,
  ofKind,
  QueueDepthExporter,
  renderChart,
  replicas,
  Scaler,
  scalerPorts,
  waitReplicas,
  stopEach,
} from "./harness.ts";

const ns = "e2e-scale";
const queue = `e2e-scale-${process.pid}`;
const so = "scale-ml-autoscaling-worker";
const exporter = new Exporter();
const prometheus = new Prometheus();
const depth = new QueueDepthExporter(exporter, queue);
let scaler: Scaler;
let values: Record<string, unknown>;

type HpaStatus = { desiredReplicas?: number; currentReplicas?: number };
type HpaBehavior = { scaleUp?: { tolerance?: string }; scaleDown?: { tolerance?: string } };

async function hpaStatus(): Promise<HpaStatus> {
  return (await hpa(ns, so))?.status ?? {};
}

/** The value KEDA's metrics adapter serves the HPA (external.metrics.k8s.io, through the aggregator). */
async function externalMetric(): Promise<number> {
  const h = await hpa(ns, so);
  const metric = (h?.spec as { metrics: { external: { metric: { name: string } } }[] }).metrics[0]?.external
    .metric.name;
  assert.ok(metric, "the HPA has an external metric");
  const list = (await kube.request(
    "GET",
    `/apis/external.metrics.k8s.io/v1beta1/namespaces/${ns}/${metric}?labelSelector=${encodeURIComponent(`scaledobject.keda.sh/name=${so}`)}`,
  )) as { items: { value: string }[] };
  const v = list.items[0]?.value ?? "";
  // Quantities: "13" or "13000m".
  return v.endsWith("m") ? Number(v.slice(0, -1)) / 1000 : Number(v);
}

async function consume(n: number): Promise<void> {
  await rabbit("POST", `/api/queues/%2F/${queue}/get`, {
    count: n,
    ackmode: "ack_requeue_false",
    encoding: "auto",
  });
}

/** The count the scaler reports, the value the adapter serves, the HPA's desired count and the Deployment all agree. */
async function expectExact(want: number, timeoutMs = 60_000): Promise<void> {
  await waitReplicas(ns, "worker", want, timeoutMs);
  assert.equal(await scaler.metric("mlas_desired_replicas", { service: "worker" }), want);
  assert.equal(await externalMetric(), want);
  const status = await waitFor(
    `HPA desiredReplicas = ${want}`,
    async () => {
      const s = await hpaStatus();
      return s.desiredReplicas === want ? s : undefined;
    },
    15_000,
  );
  assert.equal(status.desiredReplicas, want);
  const h = await hpa(ns, so);
  assert.equal(condition(h, "AbleToScale")?.status, "True");
  assert.equal(condition(h, "ScalingActive")?.status, "True", JSON.stringify(condition(h, "ScalingActive")));
}

before(async () => {
  await requireRabbit();
  await rabbit("PUT", `/api/queues/%2F/${queue}`, { durable: false, auto_delete: false });
  await rabbit("DELETE", `/api/queues/%2F/${queue}/contents`);
  depth.start();
  await exporter.start();
  await prometheus.start([`127.0.0.1:${exporter.port}`]);
  const ports = await scalerPorts();
  values = {
    scaler: { ...ports, address: `127.0.0.1:${ports.grpcPort}` },
    sources: { prometheus: { url: prometheus.url } },
    services: {
      worker: {
        enabled: true,
        workload: { name: "worker" },
        minReplicas: 1,
        maxReplicas: 30,
        loadSignal: "rabbitmq",
        triggers: {
          rabbitmq: {
            queueName: queue,
            queueLength: 1,
            historyQuery: `sum(rabbitmq_queue_messages_ready{queue="${queue}"})`,
          },
        },
      },
    },
  };
  const objs = await renderChart("scale", ns, values);
  await ensureNamespace(ns);
  await createDeployment(ns, "worker", 1);
  scaler = await startChartScaler(objs, "scale");
  await applyScaledObjects(objs, ns, so);
});

after(async () => {
  await kube.delete("keda.sh/v1alpha1", "ScaledObject", so, ns);
  depth.stop();
  await rabbit("DELETE", `/api/queues/%2F/${queue}`).catch(() => undefined);
  await stopEach([() => scaler.stop(), () => prometheus.stop(), () => exporter.stop()]);
});

describe("scenario 2: 1 -> N by the HPA through KEDA's metrics adapter", () => {
  it("the chart set tolerance 0 on the HPA KEDA created (Kubernetes 1.36)", async () => {
    const h = await waitFor("KEDA's HPA", () => hpa(ns, so), 30_000);
    const behavior = (h.spec as { behavior: HpaBehavior }).behavior;
    assert.equal(behavior.scaleUp?.tolerance, "0");
    assert.equal(behavior.scaleDown?.tolerance, "0");
    await expectExact(1);
  });

  it("12 ready messages: exactly 12 replicas", async () => {
    await publish(queue, 12);
    await expectExact(12);
  });

  it("+1 above 10 (13 at 12, inside the default 10%): exactly 13", async () => {
    await publish(queue, 1);
    await expectExact(13);
  });

  it("-1 above 10 (12 at 13): exactly 12", async () => {
    await consume(1);
    await expectExact(12);
  });

  it("without the tolerance (Kubernetes < 1.35 behaviour) the HPA swallows the +1", async () => {
    const objs = await renderChart("scale", ns, { ...values, keda: { hpaTolerance: "" } });
    const [updated] = ofKind(objs, "ScaledObject") as [KubeObject];
    await kube.apply(updated);
    await waitFor(
      "the HPA without a tolerance",
      async () => {
        const b = ((await hpa(ns, so))?.spec as { behavior: HpaBehavior }).behavior;
        return b.scaleUp?.tolerance === undefined ? true : undefined;
      },
      30_000,
    );
    await publish(queue, 1);
    await waitFor(
      "the scaler to want 13",
      async () =>
        (await scaler.metric("mlas_desired_replicas", { service: "worker" })) === 13 ? true : undefined,
      20_000,
    );
    assert.equal(
      await waitFor(
        "the adapter to serve 13",
        async () => ((await externalMetric()) === 13 ? true : undefined),
        20_000,
      ),
      true,
    );
    // Three HPA syncs (5 s each): 13 / 12 = 1.083 is within 0.1, so nothing moves.
    await new Promise((r) => setTimeout(r, 16_000));
    assert.equal(await replicas(ns, "worker"), 12);
    assert.equal((await hpaStatus()).desiredReplicas, 12);
  });
});
