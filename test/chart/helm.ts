// Runs the real helm 3 and helm 4 (installed by scripts/install-helm.sh into .tools/bin) on the chart.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export const root = new URL("../../", import.meta.url).pathname;
export const chart = `${root}charts/ml-autoscaling`;

/** A pinned helm: the version scripts/install-helm.sh builds. */
export interface Helm {
  readonly name: string;
  readonly bin: string;
  readonly version: string;
}

export const HELM3: Helm = { name: "helm 3", bin: `${root}.tools/bin/helm`, version: "v3.21.4" };
export const HELM4: Helm = { name: "helm 4", bin: `${root}.tools/bin/helm4`, version: "v4.3.2" };
/** Every helm the chart is tested with. */
export const HELMS: readonly Helm[] = [HELM3, HELM4];

/** helm template has no cluster: give it a current Kubernetes and KEDA's API. */
export const RENDER = ["--kube-version", "1.31.0", "--api-versions", "keda.sh/v1alpha1/ScaledObject"];

export function helm(
  args: readonly string[],
  cwd?: string,
  which: Helm = HELM3,
): { status: number; stdout: string; stderr: string } {
  if (!existsSync(which.bin))
    throw new Error(`${which.name} is not installed at ${which.bin}: run scripts/install-helm.sh`);
  const r = spawnSync(which.bin, args, { encoding: "utf8", timeout: 60_000, ...(cwd ? { cwd } : {}) });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
};

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

export function render(args: readonly string[], which: Helm = HELM3, release = "mlas"): K8sObject[] {
  const r = helm(["template", release, chart, ...RENDER, ...args], undefined, which);
  if (r.status !== 0) throw new Error(`${which.name} template failed: ${r.stderr}`);
  return parseObjects(r.stdout);
}
