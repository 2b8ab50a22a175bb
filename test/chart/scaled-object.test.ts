// The ScaledObject settings the end-to-end suite relies on: where KEDA dials the scaler
// (scaler.address, clusterDomain) and the HPA tolerance set per ScaledObject on Kubernetes >= 1.35.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { chart, helm, type K8sObject } from "./helm.ts";

type Rules = { tolerance?: string; stabilizationWindowSeconds?: number };
type Spec = {
  triggers: { type: string; metadata: Record<string, string> }[];
  advanced: { horizontalPodAutoscalerConfig: { behavior: { scaleUp: Rules; scaleDown: Rules } } };
};

function scaledObjects(kubeVersion: string, args: readonly string[]): Map<string, Spec> {
  const r = helm([
    "template",
    "mlas",
    chart,
    "--namespace",
    "ml",
    "--kube-version",
    kubeVersion,
    "--api-versions",
    "keda.sh/v1alpha1/ScaledObject",
    "-f",
    join(chart, "ci/defaults-values.yaml"),
    ...args,
  ]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  const objs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o?.kind === "ScaledObject");
  return new Map(objs.map((o) => [o.metadata.name, o["spec"] as Spec]));
}

const orchestrator = "mlas-ml-autoscaling-orchestrator";

describe("scalerAddress", () => {
  const cases: [name: string, args: string[], want: string][] = [
    [
      "defaults to the Service's DNS name in cluster.local",
      [],
      "mlas-ml-autoscaling.ml.svc.cluster.local:9090",
    ],
    [
      "follows clusterDomain and grpcPort",
      ["--set", "clusterDomain=k8s.example.internal", "--set", "scaler.grpcPort=7000"],
      "mlas-ml-autoscaling.ml.svc.k8s.example.internal:7000",
    ],
    ["scaler.address wins over both", ["--set", "scaler.address=10.0.0.7:9443"], "10.0.0.7:9443"],
  ];
  for (const [name, args, want] of cases) {
    it(`${name}: ${want}`, () => {
      const sos = scaledObjects("1.36.3", args);
      assert.equal(sos.size, 3);
      for (const [soName, spec] of sos)
        assert.equal(spec.triggers[0]?.metadata["scalerAddress"], want, soName);
    });
  }
});

describe("HPA tolerance", () => {
  const cases: [name: string, kubeVersion: string, args: string[], want: string | undefined][] = [
    ["Kubernetes 1.36: tolerance 0 both ways (the default)", "1.36.3", [], "0"],
    ["Kubernetes 1.35.0: the first release with the field", "1.35.0", [], "0"],
    ["Kubernetes 1.34: the field does not exist, not set", "1.34.2", [], undefined],
    ["a value of the user's", "1.36.3", ["--set-string", "keda.hpaTolerance=0.02"], "0.02"],
    ["empty: never set", "1.36.3", ["--set-string", "keda.hpaTolerance="], undefined],
  ];
  for (const [name, version, args, want] of cases) {
    it(name, () => {
      for (const [soName, spec] of scaledObjects(version, args)) {
        const b = spec.advanced.horizontalPodAutoscalerConfig.behavior;
        assert.equal(b.scaleUp.tolerance, want, `${soName} scaleUp`);
        assert.equal(b.scaleDown.tolerance, want, `${soName} scaleDown`);
        // The rest of hpaBehavior is passed through untouched.
        assert.equal(b.scaleDown.stabilizationWindowSeconds, 300);
      }
    });
  }

  it("a tolerance set in hpaBehavior is kept; the other direction gets hpaTolerance", () => {
    const b = scaledObjects("1.36.3", ["--set-string", "keda.hpaBehavior.scaleDown.tolerance=0.05"]).get(
      orchestrator,
    )?.advanced.horizontalPodAutoscalerConfig.behavior;
    assert.equal(b?.scaleDown.tolerance, "0.05");
    assert.equal(b?.scaleUp.tolerance, "0");
  });

  it("services with native triggers keep the cluster's tolerance (their intensive signals need it)", () => {
    const sos = scaledObjects("1.36.3", ["--set", "services.orchestrator.nativeTriggers=true"]);
    assert.equal(
      sos.get(orchestrator)?.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.tolerance,
      undefined,
    );
    assert.equal(
      sos.get("mlas-ml-autoscaling-celery-worker")?.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp
        .tolerance,
      "0",
    );
  });
});

describe("the values schema rejects bad addresses and tolerances", () => {
  const cases: [name: string, args: string[], msg: RegExp][] = [
    ["a negative tolerance", ["--set-string", "keda.hpaTolerance=-0.1"], /hpaTolerance/],
    ["a tolerance that is not a number", ["--set-string", "keda.hpaTolerance=ten"], /hpaTolerance/],
    ["a cluster domain with an underscore", ["--set", "clusterDomain=my_cluster.local"], /clusterDomain/],
    ["an address without a port", ["--set", "scaler.address=scaler.example"], /address/],
  ];
  for (const [name, args, msg] of cases) {
    it(name, () => {
      const r = helm([
        "template",
        "mlas",
        chart,
        "--kube-version",
        "1.36.3",
        "--api-versions",
        "keda.sh/v1alpha1/ScaledObject",
        "-f",
        join(chart, "ci/defaults-values.yaml"),
        ...args,
      ]);
      assert.notEqual(r.status, 0, `accepted: ${name}`);
      assert.match(r.stderr, msg);
    });
  }
});
