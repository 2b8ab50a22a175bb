// What scripts/e2e.sh hands the scenarios: the API server, its admin token, the work folder and the
// ports of KEDA's parts. Read once; a missing variable means the file was run outside scripts/e2e.sh.

import { Kube } from "./kube.ts";

function need(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the end-to-end suite with bash scripts/e2e.sh`);
  return v;
}

export const env = {
  api: need("E2E_API"),
  token: need("E2E_TOKEN"),
  ca: need("E2E_CA"),
  work: need("E2E_WORK"),
  crds: need("E2E_CRDS"),
  adapterPort: Number(need("E2E_ADAPTER_PORT")),
  webhookPort: Number(need("E2E_WEBHOOK_PORT")),
  kedaMetrics: need("E2E_KEDA_METRICS"),
};

export const kube = new Kube(env.api, env.token);
