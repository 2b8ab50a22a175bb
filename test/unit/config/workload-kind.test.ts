// Any workload with a /scale subresource: kinds beyond Deployment and StatefulSet need their own
// ready-replicas query and cannot use the Kubernetes API source.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/config/read.ts";
import { configOf, serviceDoc } from "../helpers.ts";

describe("config: workload kinds", () => {
  const cases: [
    name: string,
    workload: Record<string, unknown>,
    extra: Record<string, unknown>,
    top: Record<string, unknown>,
    error?: RegExp,
  ][] = [
    ["a Deployment gets kube-state-metrics' query", { kind: "Deployment", name: "api" }, {}, {}],
    [
      "a Rollout with its own query",
      { kind: "Rollout", name: "api" },
      { readyReplicasQuery: 'sum(rollout_info_replicas_available{rollout="api"})' },
      {},
    ],
    [
      "a LeaderWorkerSet without a query",
      { kind: "LeaderWorkerSet", name: "vllm" },
      {},
      {},
      /services\.s\.readyReplicasQuery: is required for a LeaderWorkerSet workload/,
    ],
    [
      "a Rollout with the Kubernetes API source",
      { kind: "Rollout", name: "api" },
      { readyReplicasQuery: "sum(up)" },
      { sources: { prometheus: { url: "http://127.0.0.1:9090" }, kubernetes: {} } },
      /services\.s\.workload\.kind: sources\.kubernetes reads Deployments and StatefulSets only, got "Rollout"/,
    ],
    [
      "a lower-case kind",
      { kind: "deployment", name: "api" },
      {},
      {},
      /services\.s\.workload\.kind: must be a Kubernetes kind/,
    ],
  ];
  for (const [name, workload, extra, top, error] of cases) {
    it(name, () => {
      const parse = (): unknown => configOf({ s: serviceDoc({ workload, ...extra }) }, top);
      if (error) assert.throws(parse, (e: unknown) => e instanceof ConfigError && error.test(e.message));
      else assert.doesNotThrow(parse);
    });
  }
  it("the default query names the Deployment", () => {
    const c = configOf({ s: serviceDoc({ workload: { name: "api", namespace: "ml" } }) });
    assert.equal(
      c.services[0]?.readyReplicasQuery,
      'sum(kube_deployment_status_replicas_ready{namespace="ml",deployment="api"})',
    );
  });
});
