// `helm install ml-autoscaling ./charts/ml-autoscaling`, verbatim, against a real API server: it
// stops with one line naming what to set while the platform lacks something, and installs once
// KEDA's and Prometheus Operator's CRDs and the RabbitMQ Secret exist.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiServer } from "./cluster.ts";
import { helm, root } from "./helm.ts";

describe("helm install ml-autoscaling ./charts/ml-autoscaling, verbatim, against a real API server", () => {
  const api = new ApiServer();
  const install = (...extra: string[]): { status: number; stdout: string; stderr: string } =>
    helm(
      ["install", "ml-autoscaling", "./charts/ml-autoscaling", "--kubeconfig", api.kubeconfig, ...extra],
      root,
    );

  before(async () => {
    await api.start();
  });
  after(async () => {
    await api.stop();
  });

  it("on a bare cluster: one line naming KEDA, Prometheus Operator and the RabbitMQ Secret; nothing created", () => {
    const r = install();
    assert.notEqual(r.status, 0);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    const line = lines[0] ?? "";
    assert.match(
      line,
      /^Error: INSTALLATION FAILED: execution error at \(ml-autoscaling\/templates\/validate\.yaml/,
    );
    assert.match(
      line,
      /sources\.rabbitmq\.existingSecret: Secret "rabbitmq-default-user" not found in namespace default/,
    );
    assert.match(line, /keda: KEDA's CRDs \(keda\.sh\/v1alpha1\) are not installed/);
    assert.match(line, /monitoring\.serviceMonitor\.enabled: Prometheus Operator's CRDs/);
    assert.match(
      line,
      /scaler\.image\.repository: no ml-autoscaling image is published; build it \(scripts\/build-image\.sh\)/,
    );
    assert.equal(api.kubectl(["get", "deployments", "-o", "name"]).trim(), "");
    assert.equal(api.kubectl(["get", "secrets", "-l", "owner=helm", "-o", "name"]).trim(), "");
  });

  it("with the CRDs but no RabbitMQ Secret: one line saying exactly what to set, image included", () => {
    api.applyCRDs("keda");
    api.applyCRDs("prometheus-operator");
    const r = install();
    assert.notEqual(r.status, 0);
    const line = r.stderr.trim();
    assert.match(
      line,
      /^Error: INSTALLATION FAILED: execution error at \(ml-autoscaling\/templates\/validate\.yaml:\d+:\d+\): invalid values: /,
    );
    assert.equal(
      line.replace(/^.*invalid values: /, ""),
      'sources.rabbitmq.existingSecret: Secret "rabbitmq-default-user" not found in namespace default; set sources.rabbitmq.existingSecret=<Secret with keys username and password> (or sources.rabbitmq.username and sources.rabbitmq.password), or services.celeryWorker.enabled=false; scaler.image.repository: no ml-autoscaling image is published; build it (scripts/build-image.sh), push it to your registry and set scaler.image.repository (and scaler.image.tag)',
    );
  });

  it("with the RabbitMQ Cluster Operator's Secret and a pushed image: installs; the API server admits every object", () => {
    api.kubectl([
      "create",
      "secret",
      "generic",
      "rabbitmq-default-user",
      "--from-literal=username=monitor",
      "--from-literal=password=from-the-operator",
    ]);
    const r = install("--set", "scaler.image.repository=registry.example/ml-autoscaling");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      api.kubectl([
        "get",
        "deployment",
        "ml-autoscaling",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ]),
      "registry.example/ml-autoscaling:0.1.0",
    );
    assert.match(r.stdout, /STATUS: deployed/);
    const names = api
      .kubectl([
        "get",
        "deployments,services,configmaps,scaledobjects,servicemonitors,prometheusrules",
        "-o",
        "name",
      ])
      .split("\n");
    for (const want of [
      "deployment.apps/ml-autoscaling",
      "service/ml-autoscaling",
      "configmap/ml-autoscaling-config",
      "scaledobject.keda.sh/ml-autoscaling-vllm-service",
      "scaledobject.keda.sh/ml-autoscaling-celery-worker",
      "scaledobject.keda.sh/ml-autoscaling-orchestrator",
      "servicemonitor.monitoring.coreos.com/ml-autoscaling",
      "prometheusrule.monitoring.coreos.com/ml-autoscaling",
    ])
      assert.ok(names.includes(want), `${want} missing from ${names.join(" ")}`);
  });
});
