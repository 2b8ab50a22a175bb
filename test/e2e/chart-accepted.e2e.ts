// Scenario 7: every object the chart renders for each charts/ml-autoscaling/ci/*.yaml values file is
// accepted by the real API server with dryRun=All and strict field validation, with KEDA's CRDs
// installed and its validating webhook live (failurePolicy Fail: a webhook that does not answer
// rejects the request). Namespaces the values name are created first, as a user must. Then helm 3
// and helm 4 each install a release of the chart, side by side (the same release name in two
// namespaces, a second release in one of them), and a render as Argo CD does it, with this
// cluster's API versions, is accepted.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, it } from "node:test";
import { helm, HELM3, HELM4, parseObjects, type Helm } from "../chart/helm.ts";
import { env, kube } from "./env.ts";
import { KubeError, type KubeObject } from "./kube.ts";
import { createDeployment, ensureNamespace, root } from "./harness.ts";

const chart = join(root, "charts/ml-autoscaling");
const ciFiles = readdirSync(join(chart, "ci"))
  .filter((f) => f.endsWith(".yaml"))
  .sort();
const release = "accept";
const releaseNs = "e2e-chart";

async function render(file: string): Promise<KubeObject[]> {
  const version = ((await kube.request("GET", "/version")) as { gitVersion: string }).gitVersion;
  const r = helm([
    "template",
    release,
    chart,
    "--namespace",
    releaseNs,
    "--kube-version",
    version,
    "--api-versions",
    "keda.sh/v1alpha1/ScaledObject",
    "--api-versions",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "--api-versions",
    "monitoring.coreos.com/v1/PrometheusRule",
    "-f",
    join(chart, "ci", file),
  ]);
  if (r.status !== 0) throw new Error(`helm template -f ci/${file} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

describe("scenario 7: the chart's objects are accepted by the real API server", () => {
  assert.ok(ciFiles.length >= 5, `ci/ has ${ciFiles.length} values files`);
  for (const file of ciFiles) {
    it(`ci/${file}: every object passes dryRun=All with strict field validation`, async () => {
      const objs = await render(file);
      assert.ok(
        objs.some((o) => o.kind === "ScaledObject"),
        "renders at least one ScaledObject",
      );
      for (const ns of new Set(objs.map((o) => o.metadata.namespace ?? releaseNs))) await ensureNamespace(ns);
      const accepted: string[] = [];
      for (const o of objs) {
        try {
          await kube.apply(o, { dryRun: true });
        } catch (e) {
          throw new Error(
            `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name} rejected: ${(e as Error).message}`,
            { cause: e },
          );
        }
        accepted.push(o.kind);
      }
      assert.equal(accepted.length, objs.length);
    });
  }

  it("the webhook is live: a second ScaledObject for the same workload is rejected by KEDA's webhook", async () => {
    const objs = await render("defaults-values.yaml");
    const so = objs.find((o) => o.kind === "ScaledObject");
    assert.ok(so);
    const target = (so.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
    const ns = so.metadata.namespace ?? releaseNs;
    await ensureNamespace(ns);
    await createDeployment(ns, target, 2);
    await kube.apply(so);
    try {
      const duplicate = { ...so, metadata: { ...so.metadata, name: `${so.metadata.name}-duplicate` } };
      await assert.rejects(
        kube.apply(duplicate, { dryRun: true }),
        (e: unknown) =>
          e instanceof KubeError &&
          e.status === 403 &&
          /vscaledobject\.kb\.io/.test(e.body) &&
          /already managed/.test(e.body),
      );
    } finally {
      await kube.delete("keda.sh/v1alpha1", "ScaledObject", so.metadata.name, ns);
    }
  });

  describe("releases installed with helm 3 and helm 4, side by side", () => {
    const kubeconfig = join(env.work, "admin.kubeconfig");
    const image = ["--set", "scaler.image.repository=registry.example/ml-autoscaling"];
    const releases: { helm: Helm; name: string; namespace: string; set?: string[] }[] = [
      { helm: HELM3, name: "ml-autoscaling", namespace: "e2e-team-a" },
      { helm: HELM4, name: "ml-autoscaling", namespace: "e2e-team-b" },
      // A second release in one namespace scales other workloads (KEDA's webhook refuses two
      // ScaledObjects for one workload).
      {
        helm: HELM4,
        name: "ml-b",
        namespace: "e2e-team-a",
        set: ["celeryWorker", "orchestrator", "vllmService"].map(
          (s) => `services.${s}.workload.name=${s.toLowerCase()}-b`,
        ),
      },
    ];
    const run = (h: Helm, args: string[]): { status: number; stdout: string; stderr: string } =>
      helm([...args, "--kubeconfig", kubeconfig], root, h);

    it("on a namespace without the RabbitMQ Secret, helm 4 --dry-run=server stops at the cluster check (a live cluster)", async () => {
      await ensureNamespace("e2e-no-secret");
      const r = run(HELM4, [
        "install",
        "ml-autoscaling",
        "./charts/ml-autoscaling",
        "--namespace",
        "e2e-no-secret",
        "--dry-run=server",
        ...image,
      ]);
      assert.notEqual(r.status, 0);
      assert.match(
        r.stderr,
        /sources\.rabbitmq\.existingSecret: Secret "rabbitmq-default-user" not found in namespace e2e-no-secret/,
      );
      // Argo CD's way (no lookups, the cluster's API versions) renders, and clusterChecks=false installs.
      const off = run(HELM4, [
        "install",
        "ml-autoscaling",
        "./charts/ml-autoscaling",
        "--namespace",
        "e2e-no-secret",
        "--dry-run=server",
        "--set",
        "clusterChecks=false",
        ...image,
      ]);
      assert.equal(off.status, 0, off.stderr);
    });

    for (const r of releases)
      it(`${r.helm.name} installs ${r.name} in ${r.namespace}; the API server and KEDA's webhook admit every object`, async () => {
        await ensureNamespace(r.namespace);
        await kube.apply({
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "rabbitmq-default-user", namespace: r.namespace },
          stringData: { username: "monitor", password: "from-the-operator" },
        });
        const out = run(r.helm, [
          "install",
          r.name,
          "./charts/ml-autoscaling",
          "--namespace",
          r.namespace,
          ...image,
          ...(r.set ?? []).flatMap((x) => ["--set", x]),
        ]);
        assert.equal(out.status, 0, out.stderr);
        assert.match(out.stdout, /STATUS: deployed/);
        const objs = parseObjects(
          run(r.helm, ["get", "manifest", r.name, "--namespace", r.namespace]).stdout,
        );
        assert.ok(objs.length >= 10, `${objs.length} objects`);
        for (const o of objs)
          assert.ok(
            await kube.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace ?? r.namespace),
            `${o.kind} ${o.metadata.name} is not in the cluster`,
          );
      });

    it("the releases' dashboards and alerts do not collide", () => {
      const all = releases.map((r) =>
        parseObjects(run(r.helm, ["get", "manifest", r.name, "--namespace", r.namespace]).stdout),
      );
      const uids = all.flatMap((objs) =>
        objs
          .filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1")
          .flatMap((o) => Object.values((o as unknown as { data: Record<string, string> }).data))
          .map((text) => (JSON.parse(text) as { uid: string }).uid),
      );
      assert.equal(uids.length, 9);
      assert.equal(new Set(uids).size, 9);
      const rules = all.map((objs) =>
        JSON.stringify(
          (objs.find((o) => o.kind === "PrometheusRule") as { spec: unknown } | undefined)?.spec,
        ),
      );
      assert.match(rules[0] ?? "", /namespace=\\"e2e-team-a\\", job=\\"ml-autoscaling\\"/);
      assert.match(rules[1] ?? "", /namespace=\\"e2e-team-b\\", job=\\"ml-autoscaling\\"/);
      assert.match(rules[2] ?? "", /namespace=\\"e2e-team-a\\", job=\\"ml-b-ml-autoscaling\\"/);
    });

    it("rendered as Argo CD renders (helm template with this cluster's API versions, no lookups), every object is accepted", async () => {
      // Discovery: every group/version and group/version/kind the API server serves, as Argo CD passes them.
      const apiVersions: string[] = [];
      const groups = (await kube.request("GET", "/apis")) as {
        groups: { preferredVersion: { groupVersion: string }; versions: { groupVersion: string }[] }[];
      };
      const groupVersions = ["v1", ...groups.groups.flatMap((g) => g.versions.map((v) => v.groupVersion))];
      for (const gv of groupVersions) {
        const list = (await kube.request("GET", gv === "v1" ? "/api/v1" : `/apis/${gv}`)) as {
          resources: { name: string; kind: string }[];
        };
        apiVersions.push(
          gv,
          ...list.resources.filter((x) => !x.name.includes("/")).map((x) => `${gv}/${x.kind}`),
        );
      }
      assert.ok(apiVersions.includes("apiregistration.k8s.io/v1"), "the aggregator's API is served");
      const version = ((await kube.request("GET", "/version")) as { gitVersion: string }).gitVersion;
      for (const h of [HELM3, HELM4]) {
        const r = helm(
          [
            "template",
            "ml-autoscaling",
            "./charts/ml-autoscaling",
            "--namespace",
            "e2e-team-a",
            "--kube-version",
            version,
            ...apiVersions.flatMap((a) => ["--api-versions", a]),
            "--include-crds",
            ...image,
          ],
          root,
          h,
        );
        assert.equal(r.status, 0, `${h.name}: ${r.stderr}`);
        for (const o of parseObjects(r.stdout)) await kube.apply(o, { dryRun: true });
      }
    });

    it("helm uninstall removes each release", () => {
      for (const r of releases) {
        const out = run(r.helm, ["uninstall", r.name, "--namespace", r.namespace]);
        assert.equal(out.status, 0, out.stderr);
      }
    });
  });
});
