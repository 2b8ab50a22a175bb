// Scenario 7: every object the chart renders for each charts/ml-autoscaling/ci/*.yaml values file is
// accepted by the real API server with dryRun=All and strict field validation, with KEDA's CRDs
// installed and its validating webhook live (failurePolicy Fail: a webhook that does not answer
// rejects the request). Namespaces the values name are created first, as a user must.

import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, it } from "node:test";
import { helm } from "../chart/helm.ts";
import { kube } from "./env.ts";
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
});
