// Scenario 4: what the real KEDA does when the scaler cannot answer.
// - Signals stale (Prometheus down) beyond maxStalenessSeconds: the scaler answers UNAVAILABLE,
//   KEDA counts the failures and, after fallback.failureThreshold, serves the fallback replicas
//   (the chart's `fallback`, behavior static in e2e/values.yaml). Prometheus back: the fallback ends.
// - The scaler process unreachable: GetMetricSpec fails before KEDA's fallback logic runs, so the
//   fallback never engages; the HPA keeps the last count and KEDA counts errors (keda_scaled_object_errors_total).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Exporter, Prometheus } from "../integration/harness.ts";
import { kube } from "./env.ts";
import { condition, waitFor } from "./kube.ts";
import {
  applyScaledObjects,
  startChartScaler,
  createDeployment,
  ensureNamespace,
  hpa,
  kedaMetric,
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

const ns = "e2e-faults";
const so = "faults-ml-autoscaling-api";
const maxStalenessSeconds = 10;
const fallbackReplicas = 5;
const exporter = new Exporter();
const prometheus = new Prometheus();
let promPort = 0;
let scaler: Scaler;

before(async () => {
  exporter.values.set('vllm:num_requests_waiting{model_name="e2e"}', 25);
  await exporter.start();
  await prometheus.start([`127.0.0.1:${exporter.port}`]);
  promPort = Number(new URL(prometheus.url).port);
  await prometheus.waitForSeries("vllm:num_requests_waiting");
  const ports = await scalerPorts();
  const objs = await renderChart("faults", ns, {
    scaler: { ...ports, address: `127.0.0.1:${ports.grpcPort}` },
    sources: { prometheus: { url: prometheus.url }, maxStalenessSeconds },
    services: {
      api: {
        enabled: true,
        workload: { name: "api" },
        minReplicas: 1,
        maxReplicas: 10,
        fallbackReplicas,
        loadSignal: "waiting",
        triggers: {
          waiting: {
            source: "prometheus",
            kind: "extensive",
            query: 'sum(vllm:num_requests_waiting{model_name="e2e"})',
            targetValue: 10,
          },
        },
      },
    },
  });
  await ensureNamespace(ns);
  await createDeployment(ns, "api", 1);
  scaler = await startChartScaler(objs, "faults");
  await applyScaledObjects(objs, ns, so);
});

after(async () => {
  await kube.delete("keda.sh/v1alpha1", "ScaledObject", so, ns);
  await stopEach([() => scaler.stop(), () => prometheus.stop(), () => exporter.stop()]);
});

describe("scenario 4: stale signals and an unreachable scaler", () => {
  it("25 waiting requests at 10 per replica: 3 replicas", async () => {
    await waitReplicas(ns, "api", 3, 60_000);
    assert.notEqual(condition(await scaledObject(ns, so), "Fallback")?.status, "True");
  });

  it("Prometheus down: after maxStalenessSeconds the scaler answers UNAVAILABLE and KEDA's fallback engages", async () => {
    const unavailableBefore =
      (await scaler.metric("mlas_grpc_requests_total", { method: "GetMetrics", code: "UNAVAILABLE" })) ?? 0;
    const downAt = Date.now();
    await prometheus.stop();
    const at = await waitReplicas(ns, "api", fallbackReplicas, 90_000);
    const fallbackCondition = condition(await scaledObject(ns, so), "Fallback");
    console.log(
      `e2e: Prometheus down -> fallback replicas ${fallbackReplicas} in ${seconds(at - downAt)} s (maxStalenessSeconds ${maxStalenessSeconds}, failureThreshold 2, pollingInterval 2 s)`,
    );
    assert.ok(at - downAt >= maxStalenessSeconds * 1000, `the fallback came after ${seconds(at - downAt)} s`);
    assert.equal(fallbackCondition?.status, "True", JSON.stringify(fallbackCondition));
    const unavailable =
      (await scaler.metric("mlas_grpc_requests_total", { method: "GetMetrics", code: "UNAVAILABLE" })) ?? 0;
    assert.ok(unavailable > unavailableBefore, `UNAVAILABLE answers counted: ${unavailable}`);
    assert.equal(await scaler.metric("mlas_decision_valid", { service: "api" }), 0);
  });

  it("Prometheus back: the fallback ends and the scaler's count returns", async () => {
    await prometheus.start([`127.0.0.1:${exporter.port}`], "1s", promPort);
    await waitReplicas(ns, "api", 3, 90_000);
    await waitCondition(ns, so, "Fallback", "False", 30_000);
    assert.equal(await scaler.metric("mlas_decision_valid", { service: "api" }), 1);
  });

  it("the scaler unreachable: no fallback, the HPA holds the last count, KEDA counts errors", async () => {
    const errorsBefore = await kedaMetric("keda_scaled_object_errors_total", { scaledObject: so });
    await scaler.stop();
    // Six polling intervals and three HPA syncs.
    await new Promise((r) => setTimeout(r, 15_000));
    assert.equal(await replicas(ns, "api"), 3);
    const obj = await scaledObject(ns, so);
    assert.notEqual(
      condition(obj, "Fallback")?.status,
      "True",
      "KEDA's fallback does not cover an unreachable scaler",
    );
    const scalingActive = condition(await hpa(ns, so), "ScalingActive");
    assert.equal(scalingActive?.status, "False", JSON.stringify(scalingActive));
    const errors = await waitFor(
      "KEDA to count the failures",
      async () => {
        const n = await kedaMetric("keda_scaled_object_errors_total", { scaledObject: so });
        return n > errorsBefore ? n : undefined;
      },
      10_000,
    );
    console.log(
      `e2e: scaler unreachable for 15 s: replicas held at 3, Fallback=${condition(obj, "Fallback")?.status ?? "absent"}, Active=${condition(obj, "Active")?.status ?? "absent"}, HPA ScalingActive=False (${scalingActive?.reason ?? ""}), keda_scaled_object_errors_total +${errors - errorsBefore}`,
    );
  });
});
