// `helm install ml-autoscaling ./charts/ml-autoscaling`, verbatim, against a real API server, with
// helm 3 and helm 4: it stops with one line naming what to set while the platform lacks something,
// and installs once KEDA's and Prometheus Operator's CRDs and the RabbitMQ Secret exist. Rendered as
// Argo CD renders (helm template with this cluster's API versions, where lookups answer nothing)
// it renders while the Secret exists; clusterChecks=false installs where it does not.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApiServer } from "./cluster.ts";
import { helm, HELM3, HELM4, HELMS, root, type Helm } from "./helm.ts";

describe("helm install ml-autoscaling ./charts/ml-autoscaling, verbatim, against a real API server", () => {
  const api = new ApiServer();
  const install = (
    extra: string[] = [],
    which: Helm = HELM3,
  ): { status: number; stdout: string; stderr: string } =>
    helm(
      ["install", "ml-autoscaling", "./charts/ml-autoscaling", "--kubeconfig", api.kubeconfig, ...extra],
      root,
      which,
    );

  before(async () => {
    await api.start();
  });
  after(async () => {
    await api.stop();
  });

  for (const h of HELMS)
    it(`on a bare cluster: one line naming KEDA, Prometheus Operator and the RabbitMQ Secret; nothing created (${h.name})`, () => {
      const r = install([], h);
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
      'sources.rabbitmq.existingSecret: Secret "rabbitmq-default-user" not found in namespace default; set sources.rabbitmq.existingSecret=<Secret with keys username and password> (or sources.rabbitmq.username and sources.rabbitmq.password), or services.celeryWorker.enabled=false; where the Secret is created with this release (a GitOps sync), set clusterChecks=false; scaler.image.repository: no ml-autoscaling image is published; build it (scripts/build-image.sh), push it to your registry and set scaler.image.repository (and scaler.image.tag)',
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
    const r = install(["--set", "scaler.image.repository=registry.example/ml-autoscaling"]);
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

  // Argo CD passes every group/version and group/version/kind the cluster serves.
  const clusterApiVersions = (): string[] => {
    const groupVersions = api.kubectl(["api-versions"]).trim().split("\n");
    const kinds = api
      .kubectl(["api-resources", "--no-headers", "-o", "wide"])
      .trim()
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .flatMap((cols) => {
        // NAME [SHORTNAMES] APIVERSION NAMESPACED KIND VERBS...: APIVERSION holds no comma-free "true/false".
        const at = cols.findIndex((c) => c === "true" || c === "false");
        return at >= 2 ? [`${cols[at - 1] ?? ""}/${cols[at + 1] ?? ""}`] : [];
      });
    return [...groupVersions, ...kinds];
  };

  for (const h of HELMS)
    it(`rendered as Argo CD renders, with this cluster's API versions: the defaults render while the Secret exists (${h.name})`, () => {
      const apis = clusterApiVersions();
      assert.ok(apis.includes("apiregistration.k8s.io/v1"), "the cluster serves the aggregator's API");
      assert.ok(apis.includes("keda.sh/v1alpha1/ScaledObject"), apis.join(" "));
      const version = JSON.parse(api.kubectl(["version", "-o", "json"])) as {
        serverVersion: { gitVersion: string };
      };
      const r = helm(
        [
          "template",
          "./charts/ml-autoscaling",
          "--name-template",
          "ml-autoscaling",
          "--namespace",
          "default",
          "--kube-version",
          version.serverVersion.gitVersion,
          ...apis.flatMap((a) => ["--api-versions", a]),
          "--include-crds",
          "--set",
          "scaler.image.repository=registry.example/ml-autoscaling",
        ],
        root,
        h,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /kind: ScaledObject/);
    });

  it("helm 4 installs a second release beside helm 3's; clusterChecks=false installs where the Secret is missing", () => {
    api.kubectl(["create", "namespace", "team-b"]);
    const image = ["--set", "scaler.image.repository=registry.example/ml-autoscaling"];
    const missing = install(["--namespace", "team-b", ...image], HELM4);
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /Secret "rabbitmq-default-user" not found in namespace team-b/);
    const r = install(["--namespace", "team-b", "--set", "clusterChecks=false", ...image], HELM4);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /STATUS: deployed/);
    const so = api.kubectl([
      "get",
      "scaledobjects",
      "-A",
      "-o",
      "jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name} {end}",
    ]);
    for (const want of ["default/ml-autoscaling-vllm-service", "team-b/ml-autoscaling-vllm-service"])
      assert.ok(so.includes(want), so);
    const list = helm(["list", "-A", "--kubeconfig", api.kubeconfig, "-o", "json"], root, HELM4);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { name: string; namespace: string; status: string }[])
        .map((x) => `${x.namespace}/${x.name} ${x.status}`)
        .sort(),
      ["default/ml-autoscaling deployed", "team-b/ml-autoscaling deployed"],
    );
  });
});
