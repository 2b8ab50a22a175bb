// The chart, verified without a cluster: real helm lint and template over the ci/ values matrix,
// every rendered object validated against real schemas, the rendered scaler config parsed by the
// scaler's own parser, the values schema rejecting bad input, and promtool on the alert rules.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import {
  PodMonitor,
  PrometheusRule,
  ServiceMonitor,
} from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { ConfigMap, Pod, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { parse, parseAllDocuments, stringify } from "yaml";
import { wakeFromZeroWarnings } from "../../src/cli/validate.ts";
import { CONFIG_FIELDS, SERVICE_FIELDS, TLS_FIELDS, type Fields } from "../../src/config/fields.ts";
import { WATCHDOG_LIMITS } from "../../src/service/watchdog.ts";
import {
  displayPath,
  fieldAt,
  schemaNode,
  VALUES_KEYS,
  valuesKeySchema,
  valuesRows,
  type SchemaNode,
} from "../../scripts/chart-readme.ts";
import { isValidTimeZone, parseConfig, parseConfigText, type Config } from "../../src/config/schema.ts";
import { chart, helm, HELM3, HELM4, HELMS, render, RENDER, root, type K8sObject } from "./helm.ts";

const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  "apps/v1/Deployment": Deployment,
  "v1/ConfigMap": ConfigMap,
  "v1/Pod": Pod,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "monitoring.coreos.com/v1/ServiceMonitor": ServiceMonitor,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};

const ciFiles = readdirSync(join(chart, "ci")).filter((f) => f.endsWith(".yaml"));
const byFile = new Map<string, K8sObject[]>(ciFiles.map((f) => [f, render(["-f", join(chart, "ci", f)])]));
const find = (objs: K8sObject[], kind: string): K8sObject[] => objs.filter((o) => o.kind === kind);
type Any = Record<string, any>;

describe("helm lint and template over ci/", () => {
  it("has the matrix the issue asks for", () => {
    for (const f of [
      "defaults",
      "all-services",
      "gpu-scale-to-zero",
      "tls",
      "monitoring-off",
      "native-triggers",
    ])
      assert.ok(ciFiles.includes(`${f}-values.yaml`), f);
  });
  for (const f of ciFiles) {
    for (const h of HELMS)
      it(`${f}: lints clean with ${h.name}`, () => {
        const r = helm(
          [
            "lint",
            chart,
            "-f",
            join(chart, "ci", f),
            "--kube-version",
            "1.31.0",
            "--set",
            "keda.checkCRDs=false",
            "--strict",
          ],
          undefined,
          h,
        );
        assert.equal(r.status, 0, r.stdout + r.stderr);
      });
    it(`${f}: helm 4 renders exactly what helm 3 renders`, () => {
      assert.deepEqual(render(["-f", join(chart, "ci", f)], HELM4), byFile.get(f));
    });
    it(`${f}: every rendered object validates against its schema`, () => {
      const objs = byFile.get(f) ?? [];
      assert.ok(objs.length >= 5);
      for (const o of objs) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`];
        assert.ok(Model, `no schema for ${o.apiVersion} ${o.kind}`);
        assert.doesNotThrow(() => {
          new Model(o as never).validate();
        }, `${o.kind}/${o.metadata.name}`);
      }
    });
    it(`${f}: the rendered scaler config parses with the scaler's own parser`, () => {
      const cm = (byFile.get(f) ?? []).find(
        (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config"),
      ) as Any | undefined;
      assert.ok(cm);
      const config = parseConfigText(cm.data["config.yaml"] as string, `${f} ConfigMap`);
      const so = find(byFile.get(f) ?? [], "ScaledObject") as Any[];
      assert.deepEqual(
        config.services
          .flatMap((s) => (s.variants ?? [{ name: "" }]).map((v) => `${s.name}/${v.name}`))
          .sort(),
        so
          .map((s) => `${s.spec.triggers[0].metadata.service}/${s.spec.triggers[0].metadata.variant ?? ""}`)
          .sort(),
        "one ScaledObject per configured service, or per variant of a service with variants",
      );
      assert.deepEqual(wakeFromZeroWarnings(config), [], "every service that may sit at zero can wake");
    });
  }
});

describe("rendered objects", () => {
  const defaults = byFile.get("defaults-values.yaml") ?? [];
  it("one external-push trigger per service, AverageValue with target 1 semantics, and a fallback", () => {
    for (const so of find(defaults, "ScaledObject") as Any[]) {
      const t = so.spec.triggers[0];
      assert.equal(t.type, "external-push");
      assert.equal(t.metricType, "AverageValue");
      assert.equal(t.metadata.scalerAddress, "mlas-ml-autoscaling.default.svc.cluster.local:9090");
      assert.ok(t.metadata.service);
      assert.equal(so.spec.fallback.failureThreshold, 3);
      assert.ok(so.spec.fallback.replicas >= 1);
      assert.equal(
        so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds,
        300,
      );
      assert.equal(so.spec.triggers.length, 1, "no native triggers unless asked");
    }
    const vllm = (find(defaults, "ScaledObject") as Any[]).find(
      (s) => s.spec.triggers[0].metadata.service === "vllmService",
    );
    assert.equal(vllm?.spec.minReplicaCount, 0);
    assert.equal(vllm?.spec.maxReplicaCount, 4);
  });
  it("a service with variants: one ScaledObject per variant, scaling <workload>-<variant> within the variant's bounds, its trigger naming the service and the variant; none for the service's own workload", () => {
    const objs = byFile.get("llm-variants-values.yaml") ?? [];
    const so = (find(objs, "ScaledObject") as Any[]).filter(
      (s) => s.spec.triggers[0].metadata.service === "chat",
    );
    assert.deepEqual(
      so.map((s) => [
        s.metadata.name,
        s.metadata.labels["ml-autoscaling/variant"],
        s.spec.scaleTargetRef.kind,
        s.spec.scaleTargetRef.name,
        s.spec.minReplicaCount,
        s.spec.maxReplicaCount,
        s.spec.fallback.replicas,
        s.spec.triggers[0].metadata.variant,
        s.spec.triggers.length,
      ]),
      [
        ["mlas-ml-autoscaling-chat-h100", "h100", "Deployment", "chat-h100", 0, 8, 1, "h100", 1],
        [
          "mlas-ml-autoscaling-chat-l40s-spot",
          "l40s-spot",
          "Deployment",
          "chat-l40s-spot",
          1,
          6,
          1,
          "l40s-spot",
          1,
        ],
      ],
    );
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as Any;
    const config = parseConfigText(cm.data["config.yaml"] as string, "llm-variants ConfigMap");
    const vllm = config.services.find((s) => s.name === "chat");
    assert.deepEqual(
      vllm?.variants?.map((v) => [v.name, v.workload.name, v.profile.id, v.spotShare]),
      [
        ["h100", "chat-h100", "qwen3-8b/h100_sxm/vllm/tp1", 0],
        ["l40s-spot", "chat-l40s-spot", "qwen3-8b/l40s/vllm/tp1", 1],
      ],
    );
    assert.equal(
      vllm?.scaleDownDelaySeconds,
      600,
      "a scale-down delay with variants holds the split's demand",
    );
  });
  it("native triggers: intensive signals use Value, extensive ones AverageValue", () => {
    const so = find(byFile.get("native-triggers-values.yaml") ?? [], "ScaledObject") as Any[];
    const triggers = so.flatMap((s) => s.spec.triggers as Any[]);
    const by = Object.fromEntries(triggers.map((t) => [t.name, t]));
    assert.equal(by["native-gpu-utilization"]?.metricType, "Value");
    assert.equal(by["native-latency"]?.metricType, "Value");
    assert.equal(by["native-request-rate"]?.metricType, "AverageValue");
    assert.equal(by["native-rabbitmq"]?.type, "rabbitmq");
    assert.equal(by["native-rabbitmq"]?.metadata.mode, "QueueLength");
    assert.equal(by["native-rabbitmq"]?.metadata.vhostName, "/");
  });
  it("TLS: enableTLS on the trigger, a TriggerAuthentication with the CA and client certificate", () => {
    const objs = byFile.get("tls-values.yaml") ?? [];
    const so = find(objs, "ScaledObject")[0] as Any;
    assert.equal(so.spec.triggers[0].metadata.enableTLS, "true");
    assert.equal(so.spec.triggers[0].authenticationRef.name, "mlas-ml-autoscaling-tls");
    const ta = find(objs, "TriggerAuthentication")[0] as Any;
    assert.deepEqual(
      ta.spec.secretTargetRef.map((r: Any) => r.parameter),
      ["caCert", "tlsClientCert", "tlsClientKey"],
    );
    const np = find(objs, "NetworkPolicy")[0] as Any;
    assert.equal(
      np.spec.ingress[0].from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
      "keda",
    );
    assert.equal(np.spec.ingress[0].ports[0].port, "grpc");
  });
  it("every workload runs non-root, read-only, without privilege escalation or capabilities", () => {
    for (const [f, objs] of byFile) {
      for (const d of find(objs, "Deployment") as Any[]) {
        const pod = d.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true, f);
        assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault", f);
        // A token only where the scaler reads the Kubernetes API.
        assert.equal(pod.automountServiceAccountToken, f === "kubernetes-api-values.yaml", f);
        if (f !== "kubernetes-api-values.yaml") assert.equal(find(objs, "Role").length, 0, f);
        for (const c of pod.containers as Any[]) {
          assert.equal(c.securityContext.readOnlyRootFilesystem, true, f);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, f);
          assert.equal(c.securityContext.privileged, false, f);
          assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], f);
          assert.ok(c.resources.requests.cpu && c.resources.requests.memory, f);
          assert.equal(c.livenessProbe.httpGet.path, "/healthz");
          assert.equal(c.readinessProbe.httpGet.path, "/readyz");
        }
        // The scaler's own last resort ends it before the kubelet's SIGKILL (src/service/watchdog.ts).
        const deadline = Math.max(WATCHDOG_LIMITS.killMs, WATCHDOG_LIMITS.stallMs) / 1000;
        assert.ok(pod.terminationGracePeriodSeconds >= deadline + 5, f);
      }
    }
  });
  it("Kubernetes API source: a read-only Role and its binding in each workload namespace, and the config says so", () => {
    const objs = byFile.get("kubernetes-api-values.yaml") ?? [];
    const roles = find(objs, "Role") as Any[];
    assert.deepEqual(roles.map((r) => r.metadata.namespace as string).sort(), ["default", "inference"]);
    for (const r of roles)
      assert.deepEqual(r.rules, [
        { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get", "list"] },
      ]);
    const bindings = find(objs, "RoleBinding") as Any[];
    assert.equal(bindings.length, 2);
    for (const b of bindings) {
      assert.equal(b.roleRef.name, "mlas-ml-autoscaling-replicas");
      assert.deepEqual(b.subjects, [
        { kind: "ServiceAccount", name: "mlas-ml-autoscaling", namespace: "default" },
      ]);
    }
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as Any;
    const config = parseConfigText(cm.data["config.yaml"] as string, "kubernetes-api ConfigMap");
    assert.equal(config.sources.kubernetes?.url, "https://kubernetes.default.svc");
    assert.equal(config.sources.kubernetes?.timeoutSeconds, 3);
    assert.equal(config.services.find((s) => s.name === "vllmService")?.workload.namespace, "inference");
  });
  it("RabbitMQ credentials come from a Secret, mounted as files; none in the ConfigMap", () => {
    const cm = defaults.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as Any;
    assert.ok(!(cm.data["config.yaml"] as string).includes("example-only"));
    const secret = find(defaults, "Secret")[0] as Any;
    assert.equal(Buffer.from(secret.data.password as string, "base64").toString(), "example-only");
    const all = byFile.get("all-services-values.yaml") ?? [];
    assert.equal(find(all, "Secret").length, 0, "existingSecret: the chart creates none");
  });
  it("a PodDisruptionBudget only with more than one replica; dashboards carry the sidecar label", () => {
    assert.equal(find(byFile.get("monitoring-off-values.yaml") ?? [], "PodDisruptionBudget").length, 0);
    assert.equal(find(defaults, "PodDisruptionBudget").length, 1);
    const dashboards = defaults.filter(
      (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
    );
    assert.equal(dashboards.length, 3);
  });
});

describe("values schema and template checks reject bad values with a readable message", () => {
  const cases: [name: string, args: string[], msg: RegExp][] = [
    [
      "a string where a number goes",
      ["--set-string", "services.vllmService.maxReplicas=four"],
      /maxReplicas.*(integer|number)/i,
    ],
    ["a negative minimum", ["--set", "services.vllmService.minReplicas=-1"], /minReplicas.*minimum/i],
    [
      "an unknown key",
      ["--set", "services.vllmService.maxReplica=3"],
      /additional properties.*maxReplica|maxReplica.*not allowed/i,
    ],
    [
      "an impossible spot discount",
      ["--set", "businessRules.costOptimization.spotDiscountPercentage=150"],
      /spotDiscountPercentage/i,
    ],
    ["a bad log level", ["--set", "scaler.logLevel=loud"], /logLevel/i],
    [
      "a zero Kubernetes API timeout",
      ["--set", "sources.kubernetes.timeoutSeconds=0"],
      /kubernetes.timeoutSeconds/i,
    ],
    ["a bad fallback behavior", ["--set", "keda.fallback.behavior=sometimes"], /behavior/i],
    [
      "a custom trigger without a kind",
      [
        "--set",
        "services.vllmService.triggers.foo.source=prometheus",
        "--set",
        "services.vllmService.triggers.foo.query=up",
        "--set",
        "services.vllmService.triggers.foo.targetValue=1",
      ],
      /triggers.foo.kind: required/,
    ],
    [
      "an llm profile that is neither a shipped id nor a .json file",
      ["--set", "services.vllmService.llm.profile=llama-3-70b"],
      /llm\/profile|llm.profile|profile.*(pattern|does not match)/i,
    ],
    [
      "an llm block without its SLO's targets",
      ["--set", "services.vllmService.llm.slo=null"],
      /llm'?: missing propert(y|ies) 'slo'/,
    ],
    [
      "an llm KV headroom above 0.9",
      ["--set", "services.vllmService.llm.kvCacheHeadroom=0.95"],
      /kvCacheHeadroom/i,
    ],
    [
      "RabbitMQ with neither a Secret nor credentials",
      ["--set", "sources.rabbitmq.existingSecret="],
      /sources\.rabbitmq\.existingSecret: set it to a Secret with keys username and password/,
    ],
    [
      "a RabbitMQ username without a password",
      ["--set", "sources.rabbitmq.username=monitor"],
      /sources\.rabbitmq: set both username and password, or neither/,
    ],
    [
      "an unknown top-level key is still rejected beside global",
      ["--set", "global.imageRegistry=r.example", "--set", "imageRegistry=r.example"],
      /additional properties.*imageRegistry|imageRegistry.*not allowed/i,
    ],
    // A service's name is a label value of its ScaledObject: it must end in a letter or digit.
    // The schema reports such a key at the map that holds it, not at a random path of the values.
    [
      "a service key ending in '-', at its path",
      ["--set", "services.vllm-.enabled=true"],
      /at '\/services': additional properties 'vllm-' not allowed/,
    ],
    [
      "a service key ending in '_', at its path",
      ["--set", "services.vllm_.enabled=true"],
      /at '\/services': additional properties 'vllm_' not allowed/,
    ],
    [
      "a service key holding a dot, at its path",
      ["--set", "services.vllm\\.service.enabled=true"],
      /at '\/services': additional properties 'vllm\.service' not allowed/,
    ],
    [
      "a trigger key ending in '-', at its path",
      ["--set", "services.orchestrator.triggers.rps-.targetValue=1"],
      /at '\/services\/orchestrator\/triggers': additional properties 'rps-' not allowed/,
    ],
    ["an image digest that is not one", ["--set", "scaler.image.digest=latest"], /digest/],
    // A service with variants (ci/llm-variants-values.yaml): what the scaler would refuse, at install.
    [
      "a variant's spot share above 1",
      ["-f", join(chart, "ci/llm-variants-values.yaml"), "--set", "services.chat.variants.h100.spotShare=2"],
      /variants\/h100\/spotShare|variants\.h100\.spotShare/,
    ],
    [
      "a variant name with upper case",
      [
        "-f",
        join(chart, "ci/llm-variants-values.yaml"),
        "--set",
        "services.chat.variants.H100.profile=qwen3-8b/h100_sxm/vllm/tp1",
      ],
      /additional properties 'H100' not allowed/,
    ],
    [
      "a variant without a profile",
      [
        "-f",
        join(chart, "ci/llm-variants-values.yaml"),
        "--set",
        "services.chat.variants.b200.resources.gpuType=nvidia-b200",
      ],
      /b200'?: missing propert(y|ies) 'profile'/,
    ],
    [
      "an unknown variant key",
      ["-f", join(chart, "ci/llm-variants-values.yaml"), "--set", "services.chat.variants.h100.gpu=h100"],
      /additional properties 'gpu' not allowed/,
    ],
    [
      "a service with variants setting its own spot preference (set per variant)",
      ["-f", join(chart, "ci/llm-variants-values.yaml"), "--set", "services.chat.preferSpotInstances=true"],
      /at '\/services\/chat\/preferSpotInstances': false schema/,
    ],
    [
      "a service with variants setting its own start-up time (set per variant)",
      ["-f", join(chart, "ci/llm-variants-values.yaml"), "--set", "services.chat.podStartupSeconds=30"],
      /at '\/services\/chat\/podStartupSeconds': false schema/,
    ],
    [
      "a scale-down delay past a day",
      ["--set", "services.vllmService.scaleDownDelaySeconds=90000"],
      /scaleDownDelaySeconds/,
    ],
    [
      "the default vllmService given variants keeps its service-level spot share",
      [
        "--set",
        "services.vllmService.variants.h100.profile=qwen3-8b/h100_sxm/vllm/tp1",
        "--set",
        "services.vllmService.variants.h100.resources.gpuType=nvidia-h100",
        "--set",
        "services.vllmService.llm.profile=null",
        "--set",
        "services.vllmService.resources=null",
      ],
      /at '\/services\/vllmService\/spotShare': false schema/,
    ],
    [
      "a variant's negative preemption rate",
      [
        "-f",
        join(chart, "ci/llm-variants-values.yaml"),
        "--set",
        "services.chat.variants.l40s-spot.preemptionsPerHour=-1",
      ],
      /preemptionsPerHour/,
    ],
    [
      "an HPA scale-down window above Kubernetes' 3600 s (the scaler reads it too)",
      ["--set", "keda.hpaBehavior.scaleDown.stabilizationWindowSeconds=3601"],
      /stabilizationWindowSeconds/,
    ],
    [
      "an alert that does not exist in prometheusRule.disabled",
      ["--set", "monitoring.prometheusRule.disabled.MlasNope=true"],
      /additional properties 'MlasNope' not allowed/,
    ],
  ];
  for (const [name, args, msg] of cases)
    for (const h of HELMS)
      it(`${name} (${h.name})`, () => {
        const r = helm(["template", "mlas", chart, ...RENDER, ...args], undefined, h);
        assert.notEqual(r.status, 0, `accepted: ${name}`);
        assert.match(r.stderr, msg);
      });
});

describe("an llm profile given as a file path", () => {
  // helm cannot read a file in the scaler's pod: the path's form is all the schema checks; the
  // scaler reads and checks the file when it starts (and mlas validate does).
  it("a path ending in .json renders into the scaler's config as given", () => {
    const objs = render(["--set", "services.vllmService.llm.profile=/etc/mlas/profiles/mine.json"]);
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as Any;
    const doc = parse(cm.data["config.yaml"] as string) as Any;
    assert.equal(doc.services.vllmService.llm.profile, "/etc/mlas/profiles/mine.json");
  });
});

describe("values the scaler would crash-loop on stop helm, naming the field (one line for all)", () => {
  // Each of these rendered and installed, then the scaler refused its config at start-up.
  const cases: [name: string, set: string[], message: string][] = [
    [
      "min above max",
      ["services.orchestrator.minReplicas=40"],
      "services.orchestrator.maxReplicas: must be >= minReplicas (40), got 30",
    ],
    [
      "business hours ending before they start",
      ["businessRules.businessHours.startHour=18", "businessRules.businessHours.endHour=8"],
      "businessRules.businessHours.endHour: must be > startHour (18), got 8",
    ],
    [
      "an unknown time zone",
      ["businessRules.businessHours.timezone=Europe/Atlantis"],
      'businessRules.businessHours.timezone: "Europe/Atlantis" is not an IANA time zone',
    ],
    [
      "a load signal that names no trigger",
      ["services.vllmService.loadSignal=tokens"],
      'services.vllmService.loadSignal: must name one of the service\'s triggers (gpuUtilization, kvCacheUsage, requestRate), got "tokens"',
    ],
    [
      "an impossible holiday",
      ["businessRules.businessHours.holidays={2026-02-30}"],
      'businessRules.businessHours.holidays[0]: "2026-02-30" is not a date (YYYY-MM-DD)',
    ],
    [
      "staleness bounds reversed",
      ["sources.staleAfterSeconds=600", "sources.maxStalenessSeconds=300"],
      "sources.maxStalenessSeconds: must be >= sources.staleAfterSeconds (600), got 300",
    ],
    [
      "a business-hours floor above max",
      ["services.vllmService.businessHoursMinReplicas=9"],
      "services.vllmService.businessHoursMinReplicas: must be <= maxReplicas (4), got 9",
    ],
    [
      "gRPC and HTTP on one port",
      ["scaler.httpPort=9090"],
      "scaler.httpPort: must differ from scaler.grpcPort (both 9090)",
    ],
    [
      "two service names that map to one ScaledObject name",
      [
        "services.vllm-service.enabled=true",
        "services.vllm-service.minReplicas=0",
        "services.vllm-service.maxReplicas=2",
        "services.vllm-service.triggers.requestRate.targetValue=1",
        "services.vllm-service.triggers.requestRate.query=up",
        "services.vllm-service.triggers.requestRate.arrival=true",
      ],
      'services.vllmService: its ScaledObject name "mlas-ml-autoscaling-vllm-service" is the same as services.vllm-service\'s; rename one of them',
    ],
    [
      "a service named like another service's variant's ScaledObject",
      [
        "services.chat.enabled=true",
        "services.chat.workload.name=chat",
        "services.chat.llm.slo.ttftSeconds=2",
        "services.chat.llm.slo.itlSeconds=1",
        "services.chat.minReplicas=0",
        "services.chat.maxReplicas=4",
        "services.chat.variants.h100.profile=qwen3-8b/h100_sxm/vllm/tp1",
        "services.chat.variants.h100.resources.gpuType=nvidia-h100",
        "services.chat.triggers.requestRate.targetValue=1",
        "services.chat.triggers.requestRate.query=up",
        "services.chat.triggers.requestRate.arrival=true",
        "services.chat-h100.enabled=true",
        "services.chat-h100.minReplicas=0",
        "services.chat-h100.maxReplicas=2",
        "services.chat-h100.triggers.requestRate.targetValue=1",
        "services.chat-h100.triggers.requestRate.query=up",
        "services.chat-h100.triggers.requestRate.arrival=true",
      ],
      'services.chat-h100: its ScaledObject name "mlas-ml-autoscaling-chat-h100" is the same as services.chat.variants.h100\'s; rename one of them',
    ],
    [
      "a ServiceMonitor and a PodMonitor both",
      ["monitoring.podMonitor.enabled=true"],
      "monitoring.podMonitor.enabled: set only one of monitoring.serviceMonitor.enabled and monitoring.podMonitor.enabled",
    ],
  ];
  for (const [name, set, message] of cases)
    for (const h of HELMS)
      it(`${name} (${h.name})`, () => {
        const r = helm(
          ["template", "mlas", chart, ...RENDER, ...set.flatMap((x) => ["--set", x])],
          undefined,
          h,
        );
        assert.notEqual(r.status, 0, `accepted: ${name}`);
        const line = r.stderr.split("\n")[0] ?? "";
        assert.ok(line.includes(`invalid values: ${message}`) || line.includes(`; ${message}`), line);
      });
  it("a release name long enough to make names collide says to shorten it", () => {
    // helm allows 53 characters; <release>-ml-autoscaling is cut to 63, and so is every
    // <fullname>-<service> and <fullname>-<dashboard> after it.
    const release = "a".repeat(53);
    const fullname = `${release}-ml-autosc`;
    const r = helm(["template", release, chart, ...RENDER]);
    assert.notEqual(r.status, 0, "accepted");
    const line = r.stderr.split("\n")[0] ?? "";
    assert.ok(
      line.includes(
        `services.vllmService: its ScaledObject name "${fullname}" is the same as services.celeryWorker's: names are cut to 63 characters, so the release name "${release}" (objects named ${fullname}-...) is too long: shorten it or set fullnameOverride`,
      ),
      line,
    );
    assert.match(
      line,
      /monitoring\.dashboards: the dashboards' ConfigMap names collide: names are cut to 63 characters/,
    );
    // Long, but not so long that two names meet: it installs.
    assert.equal(helm(["template", "a".repeat(40), chart, ...RENDER]).status, 0);
  });
  it("all problems come in one line", () => {
    const set = cases.slice(0, 8).flatMap(([, s]) => s);
    const r = helm(["template", "mlas", chart, ...RENDER, ...set.flatMap((x) => ["--set", x])]);
    const line = r.stderr.split("\n")[0] ?? "";
    for (const [, , message] of cases.slice(0, 8)) assert.ok(line.includes(message), message);
  });
  it("the scaler's parser rejects the same values in a rendered config, naming the field", () => {
    const cm = (byFile.get("defaults-values.yaml") ?? []).find(
      (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config"),
    ) as Any;
    const doc = parse(cm.data["config.yaml"] as string) as Any;
    doc.services.orchestrator.minReplicas = 40;
    doc.businessRules.businessHours.timezone = "Europe/Atlantis";
    doc.sources.staleAfterSeconds = 600;
    assert.throws(
      () => parseConfig(doc),
      (e: unknown) => {
        const m = (e as Error).message;
        return (
          m.includes("services.orchestrator.maxReplicas: must be >= minReplicas (40), got 30") &&
          m.includes("businessRules.businessHours.timezone") &&
          m.includes("sources.maxStalenessSeconds: must be >= staleAfterSeconds (600), got 300")
        );
      },
    );
  });
});

describe("alert rules", () => {
  it("promtool check rules passes on the rule file and on the rendered PrometheusRule", () => {
    execFileSync("promtool", ["check", "rules", join(chart, "files/alerts.yaml")], { stdio: "pipe" });
    const pr = find(byFile.get("defaults-values.yaml") ?? [], "PrometheusRule")[0] as Any;
    const dir = mkdtempSync(join(tmpdir(), "mlas-rules-"));
    writeFileSync(join(dir, "rules.yaml"), stringify(pr.spec));
    const out = execFileSync("promtool", ["check", "rules", join(dir, "rules.yaml")], { encoding: "utf8" });
    assert.match(out, /SUCCESS: 10 rules found/);
    const maxRule = (pr.spec.groups[0].rules as Any[]).find((r) => r.alert === "MlasMaxReplicasReached");
    assert.equal(maxRule?.for, "30m");
  });
});

type AlertRule = { alert: string; expr: string; annotations: Record<string, string> };
const alertRules = (
  parse(readFileSync(join(chart, "files/alerts.yaml"), "utf8")) as { groups: { rules: AlertRule[] }[] }
).groups.flatMap((g) => g.rules);

describe("alert rules fire and stay quiet when they should (promtool test rules)", () => {
  const unitFile = join(chart, "../../test/chart/alerts.test.yaml");
  it("promtool test rules passes", () => {
    const r = spawnSync("promtool", ["test", "rules", unitFile], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
  it("monitoring.prometheusRule.disabled takes exactly the chart's alert names", () => {
    const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")) as Any;
    const disabled = schema.properties.monitoring.properties.prometheusRule.properties.disabled as Any;
    assert.deepEqual(Object.keys(disabled.properties as Any).sort(), alertRules.map((r) => r.alert).sort());
    assert.equal(disabled.additionalProperties, false);
  });
  it("every alert has a case where it fires and one where it stays quiet", () => {
    const cases = (
      parse(readFileSync(unitFile, "utf8")) as {
        tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test);
    for (const a of alertRules) {
      const mine = cases.filter((c) => c.alertname === a.alert);
      assert.ok(
        mine.some((c) => c.exp_alerts.length > 0),
        `${a.alert}: no case where it fires`,
      );
      assert.ok(
        mine.some((c) => c.exp_alerts.length === 0),
        `${a.alert}: no case where it stays quiet`,
      );
    }
  });
  it("each runbook_url is a section of the chart README", () => {
    const readme = readFileSync(join(chart, "README.md"), "utf8");
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'.
    const anchors = new Set(
      [...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        (m[1] ?? "")
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const a of alertRules) {
      const url = a.annotations.runbook_url ?? "";
      const [base, anchor] = url.split("#");
      assert.equal(
        base,
        "https://github.com/ml-autoscaling/ml-autoscaling/blob/main/charts/ml-autoscaling/README.md",
        a.alert,
      );
      assert.ok(
        anchor !== undefined && anchors.has(anchor),
        `${a.alert}: no README section #${anchor ?? ""}`,
      );
    }
  });
});

describe("chart conventions (ci/conventions-values.yaml sets them all)", () => {
  const objs = byFile.get("conventions-values.yaml") ?? [];
  const one = (kind: string, name?: string): Any => {
    const o = objs.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
    assert.ok(o, `${kind} ${name ?? ""} not rendered`);
    return o;
  };
  // The same values with the ServiceMonitor instead of the PodMonitor.
  const withServiceMonitor = render([
    "-f",
    join(chart, "ci", "conventions-values.yaml"),
    "--set",
    "monitoring.podMonitor.enabled=false",
    "--set",
    "monitoring.serviceMonitor.enabled=true",
  ]);
  const cases: [name: string, check: () => void][] = [
    [
      "fullnameOverride names every object",
      () => {
        assert.equal(one("Deployment").metadata.name, "autoscaler");
        assert.ok(one("ScaledObject", "autoscaler-vllm-service"));
      },
    ],
    [
      "pod labels and annotations, priorityClassName, topology spread (templated)",
      () => {
        const pod = one("Deployment").spec.template;
        assert.equal(pod.metadata.labels.team, "ml-platform");
        assert.equal(pod.metadata.annotations["example.com/owner"], "ml-platform");
        assert.equal(pod.spec.priorityClassName, "ml-platform-high");
        assert.equal(
          pod.spec.topologySpreadConstraints[0].labelSelector.matchLabels["app.kubernetes.io/name"],
          "ml-autoscaling",
        );
      },
    ],
    [
      "security contexts and extra env are overridable",
      () => {
        const pod = one("Deployment").spec.template.spec;
        assert.equal(pod.securityContext.runAsUser, 10001);
        assert.deepEqual(pod.containers[0].env, [
          { name: "NODE_EXTRA_CA_CERTS", value: "/etc/ssl/certs/ca-certificates.crt" },
        ]);
      },
    ],
    [
      "Service annotations",
      () => assert.equal(one("Service").metadata.annotations["example.com/scrape"], "false"),
    ],
    [
      "ServiceMonitor namespace, scrape timeout, honorLabels and relabelings",
      () => {
        const sm = withServiceMonitor.find((o) => o.kind === "ServiceMonitor") as Any;
        assert.equal(sm.metadata.namespace, "monitoring");
        assert.deepEqual(sm.spec.namespaceSelector, { matchNames: ["ml-platform"] });
        const ep = sm.spec.endpoints[0];
        assert.equal(ep.scrapeTimeout, "15s");
        assert.equal(ep.honorLabels, false);
        assert.equal(ep.relabelings[0].targetLabel, "cluster");
        assert.equal(ep.metricRelabelings[0].action, "drop");
      },
    ],
    [
      "PrometheusRule namespace, extra rule groups, runbook base URL, this release's scaler and ScaledObjects, a disabled alert, extra labels",
      () => {
        const pr = one("PrometheusRule");
        assert.equal(pr.metadata.namespace, "monitoring");
        const groups = pr.spec.groups as Any[];
        assert.deepEqual(
          groups.map((g) => g.name),
          ["ml-autoscaling", "ml-autoscaling-team"],
        );
        const rules = (groups[0]?.rules ?? []) as Any[];
        assert.equal(
          rules.find((r) => r.alert === "MlasScalerDown")?.annotations.runbook_url,
          "https://runbooks.example.com/ml-autoscaling#mlasscalerdown",
        );
        assert.equal(
          rules.find((r) => r.alert === "MlasScalerDown")?.expr,
          'absent(mlas_desired_replicas{namespace="ml-platform", job="autoscaler"})',
        );
        for (const r of rules.filter((x) => (x.alert as string).startsWith("MlasKeda")))
          assert.ok(
            (r.expr as string).includes(
              'exported_namespace=~"ml-platform", scaledObject=~"autoscaler-celery-worker|autoscaler-orchestrator|autoscaler-vllm-service"',
            ),
            r.expr,
          );
        for (const r of rules.filter((x) => !(x.alert as string).startsWith("MlasKeda")))
          assert.ok((r.expr as string).includes('namespace="ml-platform", job="autoscaler"'), r.alert);
        assert.equal(rules.length, alertRules.length - 1);
        assert.ok(!rules.some((r) => r.alert === "MlasBudgetExceeded"), "disabled");
        for (const r of rules) {
          assert.equal(r.labels.team, "ml-platform", r.alert);
          assert.ok(["info", "warning", "critical"].includes(r.labels.severity), r.alert);
        }
      },
    ],
    [
      "PodMonitor: the scaler pods, with the ServiceMonitor's job (the fullname) set first",
      () => {
        const pm = one("PodMonitor");
        assert.equal(pm.metadata.namespace, "monitoring");
        assert.equal(pm.metadata.labels.release, "kube-prometheus-stack");
        assert.deepEqual(pm.spec.namespaceSelector, { matchNames: ["ml-platform"] });
        const ep = pm.spec.podMetricsEndpoints[0];
        assert.deepEqual(ep.relabelings[0], {
          action: "replace",
          targetLabel: "job",
          replacement: "autoscaler",
        });
        assert.equal(ep.port, "http");
        const podLabels = one("Deployment").spec.template.metadata.labels;
        for (const [k, v] of Object.entries(pm.spec.selector.matchLabels as Record<string, string>))
          assert.equal(podLabels[k], v, k);
        assert.equal(find(objs, "ServiceMonitor").length, 0);
      },
    ],
    [
      "namespaceOverride places every namespaced object of the release",
      () => {
        for (const o of objs) {
          if (["PodMonitor", "PrometheusRule"].includes(o.kind)) continue; // their own namespace values
          assert.equal(o.metadata.namespace, "ml-platform", `${o.kind}/${o.metadata.name}`);
        }
        const cm = one("ConfigMap", "autoscaler-config");
        assert.match(cm.data["config.yaml"] as string, /namespace: ml-platform/);
        const env = Object.fromEntries(
          (one("Pod").spec.containers[0].env as Any[]).map((e) => [e.name, e.value]),
        );
        assert.equal(env.MLAS_HTTP_URL, "http://autoscaler.ml-platform.svc:8080");
      },
    ],
    [
      "commonLabels (templated) on every object the chart renders and on the scaler pods",
      () => {
        for (const o of objs.filter(
          (x) => x.metadata.labels?.["app.kubernetes.io/part-of"] === "ml-autoscaling",
        )) {
          assert.equal(o.metadata.labels?.["cost-center"], "ml", `${o.kind}/${o.metadata.name}`);
          assert.equal(o.metadata.labels?.["release-of"], "mlas", `${o.kind}/${o.metadata.name}`);
        }
        assert.equal(one("Deployment").spec.template.metadata.labels["cost-center"], "ml");
      },
    ],
    [
      "image: global.imageRegistry before the repository, pulled by digest",
      () => {
        const want =
          "registry.example/ml/ml-autoscaling@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert.equal(one("Deployment").spec.template.spec.containers[0].image, want);
        assert.equal(one("Pod").spec.containers[0].image, want);
      },
    ],
    [
      "imagePullSecrets: global's and the scaler's, names or {name}, each once, on the scaler and the test pod",
      () => {
        const want = [{ name: "platform-pull" }, { name: "shared-pull" }];
        assert.deepEqual(one("Deployment").spec.template.spec.imagePullSecrets, want);
        assert.deepEqual(one("Pod").spec.imagePullSecrets, want);
      },
    ],
    [
      "ServiceAccount annotations (workload identity)",
      () =>
        assert.equal(
          one("ServiceAccount", "autoscaler").metadata.annotations["eks.amazonaws.com/role-arn"],
          "arn:aws:iam::123456789012:role/ml-autoscaling",
        ),
    ],
    [
      "extra volumes and mounts beside the chart's",
      () => {
        const pod = one("Deployment").spec.template.spec;
        assert.deepEqual(
          (pod.volumes as Any[]).map((v) => v.name),
          ["config", "tmp", "rabbitmq", "tls", "ca-bundle"],
        );
        assert.deepEqual((pod.containers[0].volumeMounts as Any[]).at(-1), {
          name: "ca-bundle",
          mountPath: "/etc/ssl/platform",
          readOnly: true,
        });
      },
    ],
    [
      "extraObjects, as maps or strings, rendered as templates",
      () => {
        assert.equal(one("ConfigMap", "autoscaler-ca-bundle").metadata.namespace, "ml-platform");
        assert.equal(one("ServiceAccount", "mlas-extra").metadata.namespace, "ml-platform");
      },
    ],
    [
      "probes: each set over its default, null for none",
      () => {
        const c = one("Deployment").spec.template.spec.containers[0];
        assert.deepEqual(c.livenessProbe, {
          httpGet: { path: "/healthz", port: "http" },
          periodSeconds: 20,
          timeoutSeconds: 3,
          failureThreshold: 3,
        });
        assert.equal(c.readinessProbe.httpGet.path, "/readyz");
        assert.equal(c.startupProbe, undefined);
      },
    ],
    [
      "PodDisruptionBudget: maxUnavailable replaces minAvailable",
      () => {
        const pdb = one("PodDisruptionBudget");
        assert.equal(pdb.spec.maxUnavailable, "50%");
        assert.equal(pdb.spec.minAvailable, undefined);
      },
    ],
    [
      "NetworkPolicy: the release's helm test pod reaches both ports; extra ingress rules follow KEDA's and monitoring's",
      () => {
        const np = one("NetworkPolicy");
        const testPod = one("Pod");
        const ingress = np.spec.ingress as Any[];
        const admitting = ingress.filter((rule) =>
          (rule.from as Any[]).some(
            (peer) =>
              peer.namespaceSelector === undefined &&
              Object.entries(peer.podSelector?.matchLabels ?? { none: "" }).every(
                ([k, v]) => testPod.metadata.labels[k] === v,
              ),
          ),
        );
        assert.equal(admitting.length, 1, "one rule admits the test pod (same namespace, its labels)");
        assert.deepEqual(
          ((admitting[0] as Any).ports as Any[]).map((p) => p.port).sort(),
          ["grpc", "http"],
          "the test pod calls /readyz (http) and the gRPC service",
        );
        // The scaler's pods carry those port names.
        const ports = (one("Deployment").spec.template.spec.containers[0].ports as Any[]).map((p) => p.name);
        assert.deepEqual(ports.sort(), ["grpc", "http"]);
        assert.equal(
          ingress.at(-1)?.from[0].namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
          "gateway",
        );
      },
    ],
    [
      "dashboards carry the Grafana folder annotation",
      () => {
        const dashboards = objs.filter(
          (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
        );
        assert.equal(dashboards.length, 3);
        for (const d of dashboards as Any[])
          assert.equal(d.metadata.annotations.grafana_folder, "ML Platform");
      },
    ],
    [
      "any workload with a /scale subresource: LeaderWorkerSet and Argo Rollouts",
      () => {
        const ref = (n: string): Any => one("ScaledObject", n).spec.scaleTargetRef;
        assert.deepEqual(ref("autoscaler-vllm-service"), {
          apiVersion: "leaderworkerset.x-k8s.io/v1",
          kind: "LeaderWorkerSet",
          name: "vllm-multinode",
        });
        assert.deepEqual(ref("autoscaler-orchestrator"), {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          name: "orchestrator",
        });
      },
    ],
    [
      "vhostName on the native RabbitMQ trigger",
      () => {
        const t = (one("ScaledObject", "autoscaler-celery-worker").spec.triggers as Any[]).find(
          (x) => x.type === "rabbitmq",
        );
        assert.equal(t?.metadata.vhostName, "jobs");
      },
    ],
    [
      "TLS: the Secret is mounted as a directory (no subPath), so the kubelet swaps renewed files in place",
      () => {
        const d = one("Deployment");
        const m = (d.spec.template.spec.containers[0].volumeMounts as Any[]).find((v) => v.name === "tls");
        assert.deepEqual(m, { name: "tls", mountPath: "/etc/mlas/tls", readOnly: true });
        const v = (d.spec.template.spec.volumes as Any[]).find((x) => x.name === "tls");
        assert.equal(v?.secret.secretName, "scaler-tls");
        assert.equal(d.metadata.annotations?.["secret.reloader.stakater.com/reload"], undefined);
      },
    ],
    [
      "helm test: a hook pod in the scaler's image that calls it over TLS with the client certificate",
      () => {
        const pod = one("Pod");
        assert.equal(pod.metadata.annotations["helm.sh/hook"], "test");
        const c = pod.spec.containers[0];
        assert.deepEqual(c.command, ["node", "/app/helm-test/helm-test.ts"]);
        const env = Object.fromEntries((c.env as Any[]).map((e) => [e.name, e.value]));
        assert.equal(env.MLAS_GRPC_ADDRESS, "autoscaler.ml-platform.svc:9090");
        assert.equal(env.MLAS_SERVICES, "celeryWorker,orchestrator,vllmService");
        assert.equal(env.MLAS_TLS_CERT, "/etc/mlas/client-tls/tls.crt");
      },
    ],
  ];
  for (const [name, check] of cases) it(name, check);
});

describe("GitOps: rendered as Argo CD renders, without a cluster", () => {
  // Argo CD runs helm template with the cluster's API versions and Kubernetes version; lookups
  // answer nothing there. The API versions of a cluster with KEDA and Prometheus Operator.
  const clusterApis = [
    "v1",
    "apps/v1",
    "apiregistration.k8s.io/v1",
    "policy/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
    "keda.sh/v1alpha1",
    "keda.sh/v1alpha1/ScaledObject",
    "keda.sh/v1alpha1/TriggerAuthentication",
    "monitoring.coreos.com/v1",
    "monitoring.coreos.com/v1/ServiceMonitor",
    "monitoring.coreos.com/v1/PrometheusRule",
  ].flatMap((a) => ["--api-versions", a]);
  const argo = [
    "template",
    "--name-template",
    "ml-autoscaling",
    chart,
    "--namespace",
    "apps",
    "--kube-version",
    "1.36.3",
    ...clusterApis,
    "--include-crds",
  ];
  for (const h of HELMS) {
    it(`${h.name}: the default values render (no Secret lookup, no cluster inferred from the API versions)`, () => {
      const r = helm(
        [...argo, "--set", "scaler.image.repository=registry.example/ml-autoscaling"],
        undefined,
        h,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.includes("kind: ScaledObject"));
    });
    it(`${h.name}: clusterChecks=false renders too, and the value checks still run`, () => {
      const ok = helm([...argo, "--set", "clusterChecks=false"], undefined, h);
      assert.equal(ok.status, 0, ok.stderr);
      const bad = helm(
        [...argo, "--set", "clusterChecks=false", "--set", "services.orchestrator.minReplicas=40"],
        undefined,
        h,
      );
      assert.match(bad.stderr, /services\.orchestrator\.maxReplicas: must be >= minReplicas \(40\), got 30/);
    });
  }
  it("helm 4 install --dry-run=client renders without a cluster; NOTES name the address KEDA dials and what keda.enabled=false leaves out", () => {
    const dryRun = (...set: string[]): { status: number; stdout: string; stderr: string } =>
      helm(
        [
          "install",
          "ml-autoscaling",
          chart,
          "--dry-run=client",
          "--namespace",
          "apps",
          "--kubeconfig",
          join(tmpdir(), "mlas-no-cluster.kubeconfig"),
          ...set.flatMap((x) => ["--set", x]),
        ],
        undefined,
        HELM4,
      );
    const r = dryRun("clusterDomain=corp.example");
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /STATUS: pending-install/);
    assert.match(r.stdout, /kind: Deployment/);
    assert.match(
      r.stdout,
      /KEDA asks the scaler at ml-autoscaling\.apps\.svc\.corp\.example:9090 \(plaintext\)/,
    );
    assert.match(r.stdout, /apps\/ml-autoscaling-vllm-service -> Deployment\/vllm/);
    assert.match(r.stdout, /helm repo add kedacore https:\/\/kedacore\.github\.io\/charts/);
    const off = dryRun("keda.enabled=false", "scaler.address=mlas.example:9090");
    assert.equal(off.status, 0, off.stderr);
    assert.doesNotMatch(off.stdout, /kind: ScaledObject/);
    assert.match(
      off.stdout,
      /keda\.enabled=false: no ScaledObject or TriggerAuthentication is rendered, so nothing is scaled/,
    );
    assert.match(off.stdout, /scalerAddress mlas\.example:9090/);
  });
});

describe("several releases in one cluster", () => {
  const a = render(["--namespace", "default"], undefined, "ml-autoscaling");
  const b = render(
    ["--namespace", "team-b", "--set", "services.vllmService.workload.namespace=inference"],
    undefined,
    "ml-autoscaling",
  );
  const c = render(["--namespace", "default"], undefined, "ml-b");
  type Dashboard = { key: string; json: Any };
  const dashboards = (objs: K8sObject[]): Dashboard[] =>
    objs
      .filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1")
      .flatMap((o) => Object.entries((o as Any).data as Record<string, string>))
      .map(([key, text]) => ({ key, json: JSON.parse(text) as Any }));
  it("each release's dashboards have their own uid, title and file name (the sidecar writes them into one folder)", () => {
    const all = [a, b, c].flatMap(dashboards);
    assert.equal(all.length, 9);
    for (const field of [
      (d: Dashboard) => d.key,
      (d: Dashboard) => d.json.uid,
      (d: Dashboard) => d.json.title,
    ])
      assert.equal(new Set(all.map(field)).size, 9);
    for (const d of all) assert.ok((d.json.uid as string).length <= 40, `Grafana's uid limit: ${d.json.uid}`);
    assert.deepEqual(
      dashboards(a)
        .map((d) => d.json.title)
        .sort(),
      [
        "ML Autoscaling Overview (default/ml-autoscaling)",
        "ML Cost Optimization (default/ml-autoscaling)",
        "ML Predictive Scaling (default/ml-autoscaling)",
      ],
    );
  });
  it("each release's dashboards select that release by default: its namespace and job; its workloads' namespaces and pods and its ScaledObjects as constants", () => {
    for (const [objs, ns, job, workloads, objects] of [
      [
        a,
        "default",
        "ml-autoscaling",
        "default",
        "ml-autoscaling-celery-worker|ml-autoscaling-orchestrator|ml-autoscaling-vllm-service",
      ],
      [
        b,
        "team-b",
        "ml-autoscaling",
        "inference|team-b",
        "ml-autoscaling-celery-worker|ml-autoscaling-orchestrator|ml-autoscaling-vllm-service",
      ],
      [
        c,
        "default",
        "ml-b-ml-autoscaling",
        "default",
        "ml-b-ml-autoscaling-celery-worker|ml-b-ml-autoscaling-orchestrator|ml-b-ml-autoscaling-vllm-service",
      ],
    ] as const)
      for (const d of dashboards(objs)) {
        const vars = Object.fromEntries((d.json.templating.list as Any[]).map((v) => [v.name, v]));
        assert.equal(vars.namespace.current.value, ns);
        assert.equal(vars.job.current.value, job);
        assert.equal(vars.workload_namespaces.query, workloads);
        assert.equal(
          vars.workload_pods.query,
          "(celery-worker-[a-z0-9]+-[a-z0-9]{5}|orchestrator-[a-z0-9]+-[a-z0-9]{5}|vllm-[a-z0-9]+-[a-z0-9]{5})",
        );
        assert.equal(vars.scaled_objects.query, objects);
        for (const k of ["workload_namespaces", "workload_pods", "scaled_objects"])
          assert.equal(vars[k].current.value, vars[k].query, k);
      }
  });
  it("every dashboard query selects one release: by namespace and job, or by its workloads and ScaledObjects", () => {
    for (const d of dashboards(a))
      for (const p of d.json.panels as Any[])
        for (const t of p.targets as Any[]) {
          const expr = t.expr as string;
          // vLLM's own series are scraped from the workload pods (the operator's namespace and pod).
          const scoped =
            expr.includes('namespace="$namespace", job="$job"') ||
            expr.includes('namespace=~"$workload_namespaces", pod=~"$workload_pods"') ||
            (expr.includes('exported_namespace=~"$workload_namespaces"') &&
              (expr.includes('scaledObject=~"$scaled_objects"') ||
                expr.includes('exported_pod=~"$workload_pods"')));
          assert.ok(scoped, `${d.json.title} / ${p.title}: ${expr}`);
        }
  });

  it("promtool: two releases' rules side by side; one release dies, only its MlasScalerDown fires; each at max alerts once", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-releases-"));
    const spec = (objs: K8sObject[]): Any => (objs.find((o) => o.kind === "PrometheusRule") as Any).spec;
    writeFileSync(join(dir, "a.yaml"), stringify(spec(a)));
    writeFileSync(join(dir, "c.yaml"), stringify(spec(c)));
    const target = (ns: string, job: string, pod: string): string =>
      `job="${job}",instance="10.0.0.1:8080",namespace="${ns}",pod="${pod}",service="${job}",endpoint="http",container="scaler"`;
    const ta = target("default", "ml-autoscaling", "ml-autoscaling-6f7c9d8b5-a");
    const tc = target("default", "ml-b-ml-autoscaling", "ml-b-ml-autoscaling-5e6f7a8b9-a");
    const down = (ns: string, job: string): Any => ({
      exp_labels: { severity: "critical", namespace: ns, job },
      exp_annotations: {
        summary: `The ml-autoscaling scaler ${ns}/${job} is not reporting`,
        description:
          "No scaler answers Prometheus; KEDA's fallback replicas apply to every service after failureThreshold polls.",
        runbook_url:
          "https://github.com/ml-autoscaling/ml-autoscaling/blob/main/charts/ml-autoscaling/README.md#mlasscalerdown",
      },
    });
    const atMax = (ns: string, job: string): Any => ({
      exp_labels: { severity: "warning", namespace: ns, job, scaled_service: "vllmService" },
      exp_annotations: {
        summary: "vllmService has wanted its maxReplicas for a long time",
        description:
          "The engine asks for maxReplicas; demand may exceed what the service may get. Raise maxReplicas or capacity.",
        runbook_url:
          "https://github.com/ml-autoscaling/ml-autoscaling/blob/main/charts/ml-autoscaling/README.md#mlasmaxreplicasreached",
      },
    });
    const tests = {
      rule_files: ["a.yaml", "c.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: "1m",
          input_series: [
            {
              series: `mlas_desired_replicas{scaled_service="vllmService",reason="reactive",${ta}}`,
              values: "2x5 stale",
            },
            {
              series: `mlas_desired_replicas{scaled_service="vllmService",reason="reactive",${tc}}`,
              values: "2x30",
            },
          ],
          alert_rule_test: [
            {
              eval_time: "20m",
              alertname: "MlasScalerDown",
              exp_alerts: [down("default", "ml-autoscaling")],
            },
          ],
        },
        {
          interval: "1m",
          input_series: [
            {
              series: `mlas_desired_replicas{scaled_service="vllmService",reason="reactive",${ta}}`,
              values: "2x30",
            },
            {
              series: `mlas_desired_replicas{scaled_service="vllmService",reason="reactive",${tc}}`,
              values: "2x5 stale",
            },
          ],
          alert_rule_test: [
            {
              eval_time: "20m",
              alertname: "MlasScalerDown",
              exp_alerts: [down("default", "ml-b-ml-autoscaling")],
            },
          ],
        },
        {
          interval: "1m",
          input_series: [ta, tc].flatMap((t) => [
            {
              series: `mlas_desired_replicas{scaled_service="vllmService",reason="reactive",${t}}`,
              values: "4x40",
            },
            { series: `mlas_max_replicas{scaled_service="vllmService",${t}}`, values: "4x40" },
          ]),
          alert_rule_test: [
            {
              eval_time: "35m",
              alertname: "MlasMaxReplicasReached",
              exp_alerts: [atMax("default", "ml-autoscaling"), atMax("default", "ml-b-ml-autoscaling")],
            },
          ],
        },
      ],
    };
    writeFileSync(join(dir, "test.yaml"), stringify(tests));
    const r = spawnSync("promtool", ["test", "rules", join(dir, "test.yaml")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

describe("the seed's commands, verbatim from the repository root", () => {
  it("helm template ml-autoscaling charts/ml-autoscaling renders offline with the built-in Kubernetes version", () => {
    const r = helm(["template", "ml-autoscaling", "charts/ml-autoscaling"], root);
    assert.equal(r.status, 0, r.stderr);
    const kinds = parseAllDocuments(r.stdout)
      .map((d) => (d.toJS() as K8sObject | null)?.kind)
      .filter((k) => k !== undefined);
    assert.ok(kinds.includes("ScaledObject") && kinds.includes("Deployment"), kinds.join(", "));
    const v = helm(["version", "--template", "{{.Version}}"]);
    assert.equal(v.stdout, HELM3.version);
  });
  it("helm was built with helm's release ldflags: its default Kubernetes is current, not v1.20", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-caps-"));
    writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: caps\nversion: 0.1.0\n");
    execFileSync("mkdir", ["-p", join(dir, "templates")]);
    writeFileSync(
      join(dir, "templates", "caps.yaml"),
      "kind: Caps\nversion: {{ .Capabilities.KubeVersion.Version }}\n",
    );
    const caps = helm(["template", "caps", dir]);
    assert.equal(caps.status, 0, caps.stderr);
    const minor = Number(/version: v1\.(\d+)\.0/.exec(caps.stdout)?.[1]);
    assert.ok(minor >= 35, caps.stdout);
  });
  it("global is tolerated, so the chart can be a subchart", () => {
    const r = helm(["template", "ml-autoscaling", chart, "--set", "global.imageRegistry=registry.example"]);
    assert.equal(r.status, 0, r.stderr);
  });
});

describe("time zones", () => {
  it("every zone the chart accepts is one the scaler accepts", () => {
    const zones = readFileSync(join(chart, "files/timezones.txt"), "utf8").trim().split("\n");
    assert.ok(zones.length > 400);
    for (const z of zones) assert.ok(isValidTimeZone(z), z);
  });
});

describe("chart README", () => {
  it("its values table is what scripts/chart-readme.ts generates from values.yaml", () => {
    execFileSync(process.execPath, [join(chart, "../../scripts/chart-readme.ts"), "--check"], {
      stdio: "pipe",
    });
  });
});

describe("dashboards", () => {
  it("the checked-in JSON is what dashboards/definitions.ts generates", () => {
    execFileSync(process.execPath, [join(chart, "../../dashboards/generate.ts"), "--check"], {
      stdio: "pipe",
    });
  });

  it("the budget is a line of its own on every cost panel that draws it, never stacked on the costs", () => {
    type Panel = {
      title: string;
      targets: { refId: string; expr: string }[];
      fieldConfig: {
        overrides: {
          matcher: { id: string; options: string };
          properties: { id: string; value: unknown }[];
        }[];
      };
    };
    const cost = JSON.parse(readFileSync(join(chart, "dashboards/cost.json"), "utf8")) as { panels: Panel[] };
    const checked = cost.panels.flatMap((p) =>
      p.targets
        .filter((t) => /^max\(mlas_budget_max_hourly_cost_dollars\{[^}]*\}\)$/.test(t.expr))
        .filter(() => p.title !== "Budget")
        .map((t) => {
          const o = p.fieldConfig.overrides.find(
            (x) => x.matcher.id === "byFrameRefID" && x.matcher.options === t.refId,
          );
          const stacking = o?.properties.find((x) => x.id === "custom.stacking")?.value;
          assert.deepEqual(stacking, { mode: "none", group: "A" }, `${p.title}: the budget (${t.refId})`);
          return p.title;
        }),
    );
    assert.deepEqual(checked, [
      "Hourly cost paid and desired, against the budget",
      "Hourly cost by variant, against the budget",
    ]);
  });
});

/** The parsed config in the document's shape (names and nesting as in the YAML), for comparing with declarations. */
function docView(c: Config): Any {
  const { days, ...bh } = c.businessHours;
  return {
    logLevel: c.logLevel,
    server: c.server,
    sources: c.sources,
    predictiveScaling: c.predictiveScaling,
    businessRules: {
      businessHours: { ...bh, days: days.map((d) => ["sun", "mon", "tue", "wed", "thu", "fri", "sat"][d]) },
      costOptimization: c.cost,
      gpuQuotas: c.gpuQuotas,
    },
    services: Object.fromEntries(
      c.services.map(({ name, loadTrigger, triggers, ...s }) => [
        name,
        {
          ...s,
          loadSignal: loadTrigger,
          triggers: Object.fromEntries(
            triggers.map(({ name: t, rabbitMetric, ...x }) => [t, { ...x, metric: rabbitMetric }]),
          ),
        },
      ]),
    ),
  };
}

/** Every field with a fixed default, under `value` (a parsed section in the document's shape), is that default. */
function assertDeclaredDefaults(value: Any, fields: Fields, path: string, skip: readonly string[]): number {
  let checked = 0;
  for (const [name, f] of Object.entries(fields)) {
    const p = path === "" ? name : `${path}.${name}`;
    if (skip.includes(p)) continue;
    const v = value[name] as Any | undefined;
    if (f.type === "object" && v !== undefined) checked += assertDeclaredDefaults(v, f.fields, p, skip);
    else if (f.type === "record" && f.values.type === "object" && v !== undefined)
      for (const [k, entry] of Object.entries(v))
        checked += assertDeclaredDefaults(entry as Any, f.values.fields, `${p}.${k}`, skip);
    else if ("default" in f && f.default !== undefined) {
      assert.deepEqual(v, f.default, p);
      checked++;
    }
  }
  return checked;
}

describe("the chart's defaults are the code's defaults, for every declared field", () => {
  // The chart's own choices, each for a reason: where it mounts the RabbitMQ credentials.
  const mounts = (c: Config): Any => ({
    ...docView(c),
    sources: {
      ...c.sources,
      ...(c.sources.rabbitmq
        ? { rabbitmq: { ...c.sources.rabbitmq, usernameFile: "", passwordFile: "" } }
        : {}),
    },
  });
  const configOf = (objs: K8sObject[]): { text: string; doc: Any } => {
    const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as Any;
    return { text: cm.data["config.yaml"] as string, doc: parse(cm.data["config.yaml"] as string) as Any };
  };

  it("values.yaml's global settings render to the code's defaults (the shipped services aside)", () => {
    const { text, doc } = configOf(render(["--set", "sources.kubernetes.enabled=true"]));
    const fromChart = parseConfigText(text, "chart defaults");
    // The same services; every other setting left to the code, but the example budget, which the
    // code has no default for.
    const fromCode = parseConfig({
      services: doc.services,
      sources: { prometheus: {}, rabbitmq: {}, kubernetes: {} },
      businessRules: {
        costOptimization: { maxHourlyCost: doc.businessRules.costOptimization.maxHourlyCost },
      },
    });
    assert.deepEqual(mounts(fromChart), mounts(fromCode));
    const checked = assertDeclaredDefaults(docView(fromChart), CONFIG_FIELDS, "", [
      "services",
      "sources.rabbitmq.usernameFile",
    ]);
    assert.ok(checked >= 35, `${checked} fields checked`);
  });

  it("the scaler reads KEDA's cooldown and the HPA's scale-down window as the chart sets them on the ScaledObjects", () => {
    const objs = render([
      "--set",
      "keda.cooldownPeriod=120",
      "--set",
      "keda.hpaBehavior.scaleDown.stabilizationWindowSeconds=90",
    ]);
    const keda = parseConfigText(configOf(objs).text, "keda").keda;
    assert.deepEqual(keda, { cooldownPeriod: 120, scaleDownStabilizationWindowSeconds: 90 });
    const so = objs.find((o) => o.kind === "ScaledObject") as Any;
    assert.equal(so.spec.cooldownPeriod, 120);
    assert.equal(
      so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds,
      90,
    );
  });

  it("with TLS on, the server's TLS fields the chart does not set are the code's defaults", () => {
    const { text } = configOf(render(["-f", join(chart, "ci", "tls-values.yaml")]));
    const tls = parseConfigText(text, "tls").server.tls as Any;
    assert.ok(tls);
    assert.equal(assertDeclaredDefaults(tls, TLS_FIELDS, "server.tls", []), 1);
    assert.equal(tls.reloadCheckSeconds, TLS_FIELDS.reloadCheckSeconds.default);
  });

  it("a service given only what the chart requires renders to the code's defaults for every other field", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-minimal-"));
    const values = join(dir, "values.yaml");
    writeFileSync(
      values,
      stringify({
        services: {
          celeryWorker: { enabled: false },
          orchestrator: { enabled: false },
          vllmService: null,
          apiGateway: {
            enabled: true,
            minReplicas: 1,
            maxReplicas: 10,
            workload: { name: "api-gateway" },
            triggers: { requestRate: { query: "sum(rate(http_requests_total[1m]))", targetValue: 5 } },
          },
          batch: {
            enabled: true,
            minReplicas: 1,
            maxReplicas: 10,
            workload: { name: "batch" },
            triggers: { jobs: { source: "rabbitmq", kind: "extensive", queueName: "jobs", queueLength: 5 } },
          },
        },
      }),
    );
    const { text } = configOf(render(["-f", values]));
    const fromChart = parseConfigText(text, "minimal service");
    const fromCode = parseConfig({
      sources: { prometheus: {}, rabbitmq: {} },
      services: {
        apiGateway: {
          minReplicas: 1,
          maxReplicas: 10,
          workload: { name: "api-gateway" },
          triggers: {
            requestRate: {
              source: "prometheus",
              kind: "extensive",
              query: "sum(rate(http_requests_total[1m]))",
              target: 5,
            },
          },
        },
        batch: {
          minReplicas: 1,
          maxReplicas: 10,
          workload: { name: "batch" },
          triggers: { jobs: { source: "rabbitmq", kind: "extensive", queue: "jobs", target: 5 } },
        },
      },
    });
    assert.deepEqual(docView(fromChart).services, docView(fromCode).services);
    let checked = 0;
    for (const [name, svc] of Object.entries(docView(fromChart).services as Any))
      checked += assertDeclaredDefaults(svc as Any, SERVICE_FIELDS, `services.${name}`, [
        `services.${name}.minReplicas`,
      ]);
    assert.ok(checked >= 20, `${checked} fields checked`);
  });
});

describe("scaler config keys (src/config/fields.ts) in values.yaml, values.schema.json and the README", () => {
  const rows = new Map(valuesRows().map((r) => [r.path, r]));
  const schema = JSON.parse(readFileSync(join(chart, "values.schema.json"), "utf8")) as SchemaNode;
  it("every chart value is a declared config field or a chart setting, and every config field the chart sets is mapped", () => {
    assert.ok(VALUES_KEYS.length >= 60, `${VALUES_KEYS.length}`);
    for (const k of VALUES_KEYS) assert.doesNotThrow(() => fieldAt(k.config), k.config);
  });
  // The values the chart ships that differ from the code's fixed default, each for a reason.
  const shippedOtherwise: Record<string, string> = {
    "businessRules.costOptimization.maxHourlyCost":
      "the code has no default budget; the chart ships an example",
    "sources.rabbitmq.amqpUrl": '"" is unset in the chart',
    "scaler.tls.requireClientCert": "the chart renders it explicitly (false) beside the CA it mounts",
  };
  for (const k of VALUES_KEYS.filter((x) => !x.values.includes("*"))) {
    it(`${k.values}: values.yaml documents it with the declaration's doc and ships the code's default`, () => {
      const row = rows.get(k.values);
      assert.ok(row, `${k.values} is not in values.yaml`);
      const f = fieldAt(k.config);
      assert.equal(row.doc, f.doc, `${k.values} doc`);
      if (!(k.values in shippedOtherwise) && "default" in f && f.default !== undefined)
        assert.deepEqual(row.value, f.default, `${k.values} default`);
    });
  }
  for (const k of VALUES_KEYS)
    it(`${k.values}: values.schema.json states the declared type and range`, () => {
      const parent = k.values.split(".").slice(0, -1).join(".");
      const node = (parent === "" ? schema : schemaNode(schema, parent)) as Any;
      assert.deepEqual(node.properties[k.values.split(".").pop() ?? ""], valuesKeySchema(k));
    });
  it("the README's values table lists every scaler config key, then the chart settings apart", () => {
    const readme = readFileSync(join(chart, "README.md"), "utf8");
    for (const k of VALUES_KEYS) {
      const key = displayPath(k.values);
      assert.ok(readme.includes(`| \`${key}\` |`), key);
    }
    assert.ok(readme.indexOf("### Scaler configuration") < readme.indexOf("### Chart settings"));
    assert.ok(readme.includes("| `scaler.image.repository` |"));
    assert.ok(
      !readme.includes("| `predictiveScaling.enabled` | `true` | Forecast"),
      "config keys are not in the chart table",
    );
  });
});
