// Applies what KEDA needs before it starts: its CRDs (and prometheus-operator's ServiceMonitor and
// PrometheusRule CRDs, for scenario 7), the controllers' RBAC, the external metrics APIService and
// the validating webhook registration. Run by scripts/e2e.sh.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { env, kube } from "./env.ts";
import { condition, waitFor, type KubeObject } from "./kube.ts";

const root = new URL("../../", import.meta.url).pathname;

function docs(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

const crds: KubeObject[] = [];
for (const dir of ["keda", "prometheus-operator"]) {
  for (const f of readdirSync(join(env.crds, dir)).sort())
    crds.push(...docs(readFileSync(join(env.crds, dir, f), "utf8")));
}
crds.push(...docs(readFileSync(join(root, "e2e/manifests/scale-workload-crds.yaml"), "utf8")));
for (const crd of crds) await kube.apply(crd);
for (const crd of crds) {
  await waitFor(
    `CRD ${crd.metadata.name} established`,
    async () => {
      const got = await kube.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd.metadata.name);
      return condition(got, "Established")?.status === "True" ? true : undefined;
    },
    30_000,
  );
}

const caBundle = readFileSync(env.ca).toString("base64");
const manifest = readFileSync(join(root, "e2e/manifests/control-plane.yaml"), "utf8")
  .replaceAll("__ADAPTER_PORT__", String(env.adapterPort))
  .replaceAll("__WEBHOOK_PORT__", String(env.webhookPort))
  .replaceAll("__CA_BUNDLE__", caBundle);
for (const obj of docs(manifest)) await kube.apply(obj);
console.log(`e2e: bootstrap applied ${crds.length} CRDs and the control plane's objects`);
