// Runs the real helm (installed by scripts/install-helm.sh into .tools/bin) on the chart.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export const root = new URL("../../", import.meta.url).pathname;
export const chart = `${root}charts/ml-autoscaling`;
const helmBin = `${root}.tools/bin/helm`;

/** helm template has no cluster: give it a current Kubernetes and KEDA's API. */
export const RENDER = ["--kube-version", "1.31.0", "--api-versions", "keda.sh/v1alpha1/ScaledObject"];

export function helm(
  args: readonly string[],
  cwd?: string,
): { status: number; stdout: string; stderr: string } {
  if (!existsSync(helmBin))
    throw new Error(`helm is not installed at ${helmBin}: run scripts/install-helm.sh`);
  const r = spawnSync(helmBin, args, { encoding: "utf8", timeout: 60_000, ...(cwd ? { cwd } : {}) });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [k: string]: unknown;
};

export function render(args: readonly string[]): K8sObject[] {
  const r = helm(["template", "mlas", chart, ...RENDER, ...args]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}
