// Several releases of the chart in one Prometheus: every query of a release's dashboards, as the
// chart renders them with that release selected, returns the same series and values as from a
// Prometheus that holds only that release. The platform's series come from the recorded exporter
// expositions with Prometheus Operator's target labels (test/integration/operator-scrape.ts),
// backfilled into real Prometheus servers with promtool; the other releases' scalers export
// different numbers, so a query that merged them would change.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { instantQuery, labelKey, Prometheus, type InstantSeries } from "../integration/harness.ts";
import {
  openMetrics,
  platform,
  scrape,
  type Sample,
  type ScrapeSpec,
} from "../integration/operator-scrape.ts";
import { interpolate } from "../../dashboards/grafana.ts";
import { render, type K8sObject } from "./helm.ts";

const STEP_SECONDS = 15;

interface Release {
  readonly name: string;
  readonly namespace: string;
  /** The job Prometheus Operator gives its scaler's targets: the chart's fullname. */
  readonly job: string;
  readonly workloadNamespace: string;
  /** Suffix of its workloads' names (two releases in one namespace scale different workloads). */
  readonly workloadSuffix: string;
}

const A: Release = {
  name: "ml-autoscaling",
  namespace: "default",
  job: "ml-autoscaling",
  workloadNamespace: "default",
  workloadSuffix: "",
};
// The same release name in another namespace, its vLLM in a third.
const B: Release = {
  name: "ml-autoscaling",
  namespace: "team-b",
  job: "ml-autoscaling",
  workloadNamespace: "inference",
  workloadSuffix: "",
};
// Another release in the same namespace.
const C: Release = {
  name: "ml-b",
  namespace: "default",
  job: "ml-b-ml-autoscaling",
  workloadNamespace: "default",
  workloadSuffix: "-b",
};

/** Another release's scaler replica: the recorded scaler's series, other numbers, its own target labels. */
function scaler(r: Release, suffix: string, ip: string, scale: number): Sample[] {
  const spec: ScrapeSpec = {
    fixture: `mlas-scaler-${suffix}.prom`,
    target: {
      job: r.job,
      instance: ip,
      namespace: r.namespace,
      pod: `${r.job}-5c6d7e8f9-${suffix}${suffix}x9k`,
      service: r.job,
      endpoint: "http",
      container: "scaler",
    },
    honorLabels: false,
  };
  return scrape(spec).map((s) => ({ ...s, value: s.value * scale + (s.cumulative ? 0 : 1) }));
}

/** KEDA's, dcgm-exporter's and vLLM's series for another release's ScaledObjects, GPU pods and vLLM pods. */
function otherExporters(base: readonly Sample[], r: Release, scale: number): Sample[] {
  return base.flatMap((s): Sample[] => {
    if (s.name.startsWith("keda_") && (s.labels.scaledObject ?? "").startsWith("ml-autoscaling-"))
      return [
        {
          ...s,
          labels: {
            ...s.labels,
            exported_namespace: r.workloadNamespace,
            scaledObject: (s.labels.scaledObject ?? "").replace("ml-autoscaling", r.job),
          },
          value: s.value * scale + 1,
        },
      ];
    if (s.name === "DCGM_FI_DEV_GPU_UTIL" && s.labels.exported_pod !== undefined)
      return [
        {
          ...s,
          labels: {
            ...s.labels,
            exported_namespace: r.workloadNamespace,
            exported_pod: s.labels.exported_pod.replace(/^vllm-/, `vllm${r.workloadSuffix}-`),
          },
          value: s.value / 2,
        },
      ];
    if (s.name.startsWith("vllm:") && s.labels.pod !== undefined)
      return [
        {
          ...s,
          labels: {
            ...s.labels,
            namespace: r.workloadNamespace,
            pod: s.labels.pod.replace(/^vllm-/, `vllm${r.workloadSuffix}-`),
          },
          value: s.value * scale,
        },
      ];
    return [];
  });
}

const exporters = platform(2).flatMap(scrape); // release A's scalers and every exporter
const only = {
  A: exporters,
  B: [
    ...scaler(B, "a", "10.0.10.2:8080", 3),
    ...scaler(B, "b", "10.0.10.3:8080", 3),
    ...otherExporters(exporters, B, 3),
  ],
  C: [
    ...scaler(C, "a", "10.0.11.2:8080", 5),
    ...scaler(C, "b", "10.0.11.3:8080", 5),
    ...otherExporters(exporters, C, 5),
  ],
};

async function backfilled(samples: readonly Sample[], endMs: number, extra = ""): Promise<Prometheus> {
  const prom = new Prometheus();
  const files = [["platform.om", openMetrics(samples, endMs - 20 * 60_000, endMs, STEP_SECONDS)]];
  if (extra !== "") files.push(["events.om", extra]);
  for (const [name, text] of files) {
    const file = join(prom.dir, name ?? "");
    writeFileSync(file, text ?? "");
    execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", file, join(prom.dir, "data")], {
      stdio: "pipe",
    });
  }
  await prom.start([], "15s");
  return prom;
}

type Series = InstantSeries;

/** An instant query at the end of the backfilled data (a fixed time, so rates compare). */
const instant = (url: string, expr: string, atMs: number): Promise<Series[]> =>
  instantQuery(url, expr, atMs / 1000);

const same = (a: Series[], b: Series[]): boolean => {
  if (a.length !== b.length) return false;
  const byKey = new Map(a.map((s) => [labelKey(s.metric), s.value]));
  return b.every((s) => {
    const v = byKey.get(labelKey(s.metric));
    return v !== undefined && Math.abs(v - s.value) <= 1e-9 * Math.max(1, Math.abs(v));
  });
};

/** Every query of a release's rendered dashboards, as Grafana sends it with their default selection. */
function dashboardQueries(r: Release): { where: string; expr: string }[] {
  const workloads = Object.entries({
    vllmService: "vllm",
    celeryWorker: "celery-worker",
    orchestrator: "orchestrator",
  }).flatMap(([service, workload]) => [
    "--set",
    `services.${service}.workload.name=${workload}${r.workloadSuffix}`,
  ]);
  const objs: K8sObject[] = render(
    [
      "--namespace",
      r.namespace,
      "--set",
      `services.vllmService.workload.namespace=${r.workloadNamespace}`,
      ...workloads,
    ],
    undefined,
    r.name,
  );
  return objs
    .filter((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1")
    .flatMap((o) => Object.values((o as unknown as { data: Record<string, string> }).data))
    .flatMap((text) => {
      const d = JSON.parse(text) as {
        title: string;
        templating: { list: { name: string; query?: unknown; current?: { value?: unknown } }[] };
        panels: { title: string; targets: { expr: string }[] }[];
      };
      // The release's default selection: its namespace and job, every service, its constants.
      const selection: Record<string, string> = { service: ".*" };
      for (const v of d.templating.list)
        if (typeof v.current?.value === "string") selection[v.name] = v.current.value;
      return d.panels.flatMap((p) =>
        p.targets.map((t) => ({ where: `${d.title} / ${p.title}`, expr: interpolate(t.expr, selection) })),
      );
    });
}

/**
 * Release D's vllmService changes its desired replicas with its reason: reactive 2, predictive 4
 * (10 min later), reactive 3 (20 min later). Two scale events; each reason's series alone changes
 * at most once.
 */
function scaleEvents(endMs: number): string {
  const labels = (reason: string): string =>
    `mlas_desired_replicas{container="scaler",endpoint="http",instance="10.0.12.2:8080",job="ml-events",namespace="default",pod="ml-events-1",reason="${reason}",scaled_service="vllmService",service="ml-events"}`;
  const start = endMs - 40 * 60_000;
  const lines = ["# TYPE mlas_desired_replicas unknown"];
  for (let t = start; t <= endMs; t += STEP_SECONDS * 1000) {
    const minute = (t - start) / 60_000;
    const [reason, value] = minute < 10 ? ["reactive", 2] : minute < 20 ? ["predictive", 4] : ["reactive", 3];
    lines.push(`${labels(reason)} ${value} ${t / 1000}`);
  }
  return `${lines.join("\n")}\n# EOF\n`;
}

describe("several releases in one Prometheus, with Prometheus Operator's target labels", () => {
  const servers: Partial<Record<"A" | "B" | "C" | "many", Prometheus>> = {};
  const endMs = Math.floor(Date.now() / 1000) * 1000 - 10_000;

  before(async () => {
    [servers.A, servers.B, servers.C, servers.many] = await Promise.all([
      backfilled(only.A, endMs),
      backfilled(only.B, endMs),
      backfilled(only.C, endMs),
      backfilled([...only.A, ...only.B, ...only.C], endMs, scaleEvents(endMs)),
    ]);
  });
  after(async () => {
    await Promise.all(Object.values(servers).map((p) => p.stop()));
  });

  for (const [name, release] of [
    ["A", A],
    ["B", B],
    ["C", C],
  ] as const) {
    const queries = dashboardQueries(release);
    it(`release ${name} (${release.namespace}/${release.job}): ${queries.length} queries, each as with its release alone`, async () => {
      const alone = servers[name];
      const many = servers.many;
      assert.ok(alone && many);
      const changed: string[] = [];
      let withData = 0;
      for (const q of queries) {
        const [a, m] = await Promise.all([
          instant(alone.url, q.expr, endMs),
          instant(many.url, q.expr, endMs),
        ]);
        if (a.length > 0) withData++;
        if (!same(a, m)) changed.push(`${q.where}: ${q.expr}`);
      }
      assert.deepEqual(
        changed,
        [],
        `${changed.length} of ${queries.length} queries changed with other releases present`,
      );
      assert.equal(withData, queries.length, "every query returns data for its release");
    });
  }

  it("the releases' numbers differ, so a merge would show", async () => {
    const many = servers.many;
    assert.ok(many);
    const desired = await instant(
      many.url,
      'max by (namespace, job) (mlas_desired_replicas{scaled_service="celeryWorker"})',
      endMs,
    );
    // Release A's recorded count; B's and C's scalers export it x3 + 1 and x5 + 1 (scaler() above).
    const a = exporters.find(
      (s) => s.name === "mlas_desired_replicas" && s.labels.scaled_service === "celeryWorker",
    )?.value;
    assert.ok(a !== undefined && a > 0);
    assert.deepEqual(desired.map((s) => [s.metric.namespace, s.metric.job, s.value]).sort(), [
      ["default", "ml-autoscaling", a],
      ["default", "ml-b-ml-autoscaling", a * 5 + 1],
      ["team-b", "ml-autoscaling", a * 3 + 1],
    ]);
  });

  it("Scale events per hour counts changes of the desired count across reasons (2), where changes() per series gives 1", async () => {
    const many = servers.many;
    assert.ok(many);
    const panel = dashboardQueries(A).find((q) => q.where.endsWith("/ Scale events per hour"));
    assert.ok(panel);
    const expr = panel.expr.replace(
      'namespace="default", job="ml-autoscaling"',
      'namespace="default", job="ml-events"',
    );
    assert.deepEqual(
      (await instant(many.url, expr, endMs)).map((s) => [s.metric.scaled_service, s.value]),
      [["vllmService", 2]],
    );
    const perSeries = 'max by (scaled_service) (changes(mlas_desired_replicas{job="ml-events"}[1h]))';
    assert.deepEqual(
      (await instant(many.url, perSeries, endMs)).map((s) => s.value),
      [1],
    );
  });
});
