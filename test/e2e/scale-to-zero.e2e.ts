// Scenario 3: N -> 0 after the service has been idle for scaleToZeroAfterMinutes and KEDA's
// cooldownPeriod has passed since the scaler last answered "active", and not before either.
// The idle time comes from the queue depth's history in a real Prometheus (as the rabbitmq_prometheus
// plugin exports it); e2e/values.yaml sets cooldownPeriod 10 s and pollingInterval 2 s.

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
  QueueDepthExporter,
  renderChart,
  replicas,
  scaledObject,
  Scaler,
  scalerPorts,
  seconds,
  waitReplicas,
  stopEach,
} from "./harness.ts";

const ns = "e2e-scale-to-zero";
const queue = `e2e-zero-${process.pid}`;
const so = "zero-ml-autoscaling-batch";
const idleMinutes = 1;
const cooldownSeconds = 10;
const pollingSeconds = 2;
const exporter = new Exporter();
const prometheus = new Prometheus();
const depth = new QueueDepthExporter(exporter, queue);
let scaler: Scaler;

before(async () => {
  await requireRabbit();
  await rabbit("PUT", `/api/queues/%2F/${queue}`, { durable: false, auto_delete: false });
  await rabbit("DELETE", `/api/queues/%2F/${queue}/contents`);
  depth.start();
  await exporter.start();
  await prometheus.start([`127.0.0.1:${exporter.port}`]);
  const ports = await scalerPorts();
  const objs = await renderChart("zero", ns, {
    keda: { cooldownPeriod: cooldownSeconds, pollingInterval: pollingSeconds },
    scaler: { ...ports, address: `127.0.0.1:${ports.grpcPort}` },
    sources: { prometheus: { url: prometheus.url } },
    services: {
      batch: {
        enabled: true,
        workload: { name: "batch" },
        minReplicas: 0,
        maxReplicas: 10,
        scaleToZeroAfterMinutes: idleMinutes,
        loadSignal: "rabbitmq",
        triggers: {
          rabbitmq: {
            queueName: queue,
            queueLength: 5,
            historyQuery: `sum(rabbitmq_queue_messages_ready{queue="${queue}"})`,
          },
        },
      },
    },
  });
  await ensureNamespace(ns);
  await createDeployment(ns, "batch");
  scaler = await startChartScaler(objs, "zero");
  await applyScaledObjects(objs, ns, so);
});

after(async () => {
  await kube.delete("keda.sh/v1alpha1", "ScaledObject", so, ns);
  depth.stop();
  await rabbit("DELETE", `/api/queues/%2F/${queue}`).catch(() => undefined);
  await stopEach([() => scaler.stop(), () => prometheus.stop(), () => exporter.stop()]);
});

describe("scenario 3: N -> 0 after scaleToZeroAfterMinutes and KEDA's cooldown", () => {
  it("8 queued messages: 2 replicas, held while the history records them", async () => {
    await publish(queue, 8);
    await waitReplicas(ns, "batch", 2, 60_000);
    // The management API refreshes queue statistics every 5 s; let the history see the load.
    await new Promise((r) => setTimeout(r, 12_000));
    assert.equal(await replicas(ns, "batch"), 2);
  });

  it("once idle, stays above zero for scaleToZeroAfterMinutes, then KEDA scales to zero after its cooldown", async () => {
    await rabbit("DELETE", `/api/queues/%2F/${queue}/contents`);
    const idleAt = Date.now();
    let inactiveAt: number | undefined;
    let zeroAt: number | undefined;
    const seen: string[] = [];
    while (zeroAt === undefined && Date.now() - idleAt < (idleMinutes * 60 + 150) * 1000) {
      const [n, active] = await Promise.all([
        replicas(ns, "batch"),
        scaler.metric("mlas_active", { service: "batch" }),
      ]);
      const t = Date.now();
      if (active === 0 && inactiveAt === undefined) inactiveAt = t;
      if (n === 0) zeroAt = t;
      if (seen.at(-1)?.split(" ")[1] !== `${n}/${active}`)
        seen.push(`+${seconds(t - idleAt)}s ${n}/${active}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    console.log(`e2e: after the queue emptied (replicas/active): ${seen.join(", ")}`);
    assert.ok(inactiveAt !== undefined, "the scaler reported the service inactive");
    assert.ok(zeroAt !== undefined, "KEDA scaled to zero");
    console.log(
      `e2e: idle -> scaler inactive ${seconds(inactiveAt - idleAt)} s, -> replicas 0 ${seconds(zeroAt - idleAt)} s (scaleToZeroAfterMinutes ${idleMinutes}, cooldownPeriod ${cooldownSeconds} s)`,
    );
    // Not before: the scaler keeps the service up for the whole idle window...
    assert.ok(
      inactiveAt - idleAt >= idleMinutes * 60_000 - 1000,
      `inactive after ${seconds(inactiveAt - idleAt)} s`,
    );
    // ...and KEDA waits its cooldown after its last active poll (a polling interval and this loop's
    // sampling of slack).
    assert.ok(
      zeroAt - inactiveAt >= (cooldownSeconds - pollingSeconds - 1) * 1000,
      `zero ${seconds(zeroAt - inactiveAt)} s after inactive`,
    );
    assert.equal(
      await scaler.metric("mlas_desired_replicas", { service: "batch", reason: "scale-to-zero" }),
      0,
    );
    assert.equal(condition(await scaledObject(ns, so), "Active")?.status, "False");
  });
});
