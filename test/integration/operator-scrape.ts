// History as Prometheus Operator would have scraped it, built from one scrape of each exporter
// (test/fixtures/exporters/*.prom): target labels added, clashing scraped labels renamed
// exported_<name> unless the ServiceMonitor honours labels (what Prometheus does with
// honor_labels: false), written as OpenMetrics for `promtool tsdb create-blocks-from openmetrics`.

import { readFileSync } from "node:fs";

const fixtures = new URL("../fixtures/exporters/", import.meta.url).pathname;

/** The labels Prometheus Operator puts on every target of a ServiceMonitor. */
export interface OperatorTarget {
  readonly job: string;
  readonly instance: string;
  readonly namespace: string;
  readonly pod: string;
  readonly service: string;
  readonly endpoint: string;
  readonly container: string;
}

export interface ScrapeSpec {
  /** File under test/fixtures/exporters. */
  readonly fixture: string;
  readonly target: OperatorTarget;
  /** ServiceMonitor honorLabels: true keeps the scraped value of a clashing label. */
  readonly honorLabels: boolean;
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Counters and histogram series: the value is a per-second rate to integrate. */
  readonly cumulative: boolean;
}

const LINE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format (one scrape, no timestamps). */
export function parseExposition(text: string, source: string): Sample[] {
  const types = new Map<string, string>();
  const out: Sample[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1] ?? "", type[2] ?? "");
    if (line.startsWith("#")) return;
    const m = LINE.exec(line);
    if (!m) throw new Error(`${source}:${i + 1}: not a sample: ${line}`);
    const name = m[1] ?? "";
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(LABEL)) labels[l[1] ?? ""] = l[2] ?? "";
    const family = types.has(name) ? name : name.replace(/_(bucket|count|sum|total)$/, "");
    const t = types.get(family) ?? types.get(name);
    if (t === undefined) throw new Error(`${source}:${i + 1}: ${name} has no # TYPE line`);
    out.push({ name, labels, value: Number(m[3]), cumulative: t === "counter" || t === "histogram" });
  });
  return out;
}

/** What Prometheus stores for a sample scraped from the target. */
export function withTargetLabels(s: Sample, spec: ScrapeSpec): Sample {
  const labels: Record<string, string> = {};
  const target = spec.target as unknown as Record<string, string>;
  for (const [k, v] of Object.entries(s.labels)) {
    if (k in target && !spec.honorLabels) labels[`exported_${k}`] = v;
    else labels[k] = v;
  }
  for (const [k, v] of Object.entries(target)) if (!(k in labels)) labels[k] = v;
  return { ...s, labels };
}

export function scrape(spec: ScrapeSpec): Sample[] {
  const text = readFileSync(`${fixtures}${spec.fixture}`, "utf8");
  return parseExposition(text, spec.fixture).map((s) => withTargetLabels(s, spec));
}

const escape = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * OpenMetrics for promtool: each sample name is its own family of type unknown (counter and
 * histogram semantics do not matter to PromQL), one sample per step from startMs to endMs.
 */
export function openMetrics(
  samples: readonly Sample[],
  startMs: number,
  endMs: number,
  stepSeconds: number,
): string {
  const byName = new Map<string, Sample[]>();
  for (const s of samples) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out: string[] = [];
  const steps = Math.floor((endMs - startMs) / (stepSeconds * 1000));
  for (const [name, ss] of byName) {
    out.push(`# TYPE ${name} unknown`);
    for (const s of ss) {
      const labels = Object.entries(s.labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}="${escape(v)}"`)
        .join(",");
      for (let i = 0; i <= steps; i++) {
        const v = s.cumulative ? s.value * i * stepSeconds : s.value;
        out.push(`${name}{${labels}} ${v} ${(startMs + i * stepSeconds * 1000) / 1000}`);
      }
    }
  }
  out.push("# EOF");
  return `${out.join("\n")}\n`;
}

const target = (
  namespace: string,
  service: string,
  pod: string,
  container: string,
  endpoint: string,
  ip: string,
): OperatorTarget => ({ job: service, instance: ip, namespace, pod, service, endpoint, container });

/**
 * The platform: every exporter behind its ServiceMonitor as its usual chart sets it up
 * (kube-state-metrics honours labels, as kube-prometheus-stack configures it; the others do not),
 * and two replicas of the scaler. `scalerReplicas` picks how many scaler replicas were scraped.
 */
export function platform(scalerReplicas: 1 | 2): ScrapeSpec[] {
  const scaler = (suffix: string, ip: string): ScrapeSpec => ({
    fixture: `mlas-scaler-${suffix}.prom`,
    target: target(
      "default",
      "ml-autoscaling",
      `ml-autoscaling-6f7c9d8b5-${suffix}${suffix}x9k`,
      "scaler",
      "http",
      ip,
    ),
    honorLabels: false,
  });
  return [
    {
      fixture: "dcgm-exporter.prom",
      target: target(
        "gpu-operator",
        "nvidia-dcgm-exporter",
        "nvidia-dcgm-exporter-t8v2q",
        "nvidia-dcgm-exporter",
        "gpu-metrics",
        "10.0.3.7:9400",
      ),
      honorLabels: false,
    },
    ...["x2k4p", "q8z7m"].map((p, i): ScrapeSpec => ({
      fixture: "vllm.prom",
      target: target("default", "vllm", `vllm-7d9f8b6c5d-${p}`, "vllm", "http", `10.0.4.${i + 10}:8000`),
      honorLabels: false,
    })),
    {
      fixture: "ingress-nginx.prom",
      target: target(
        "ingress-nginx",
        "ingress-nginx-controller-metrics",
        "ingress-nginx-controller-6b8f9d7c4-m5n6p",
        "controller",
        "metrics",
        "10.0.1.5:10254",
      ),
      honorLabels: false,
    },
    {
      fixture: "rabbitmq-aggregated.prom",
      target: target("default", "rabbitmq", "rabbitmq-server-0", "rabbitmq", "prometheus", "10.0.5.2:15692"),
      honorLabels: false,
    },
    {
      fixture: "rabbitmq-detailed.prom",
      target: target(
        "default",
        "rabbitmq",
        "rabbitmq-server-0",
        "rabbitmq",
        "prometheus-detailed",
        "10.0.5.2:15692",
      ),
      honorLabels: false,
    },
    {
      fixture: "kube-state-metrics.prom",
      target: target(
        "monitoring",
        "kube-state-metrics",
        "kube-state-metrics-7b9c5d6f8-kq2lm",
        "kube-state-metrics",
        "http",
        "10.0.2.9:8080",
      ),
      honorLabels: true,
    },
    {
      fixture: "celery-exporter.prom",
      target: target(
        "default",
        "celery-exporter",
        "celery-exporter-84d6f7b9c-r4s5t",
        "celery-exporter",
        "http",
        "10.0.6.3:9808",
      ),
      honorLabels: false,
    },
    ...["b7w2x", "c9y3z"].map((p, i): ScrapeSpec => ({
      fixture: "orchestrator.prom",
      target: target(
        "default",
        "orchestrator",
        `orchestrator-5f6g7h8j9-${p}`,
        "orchestrator",
        "http",
        `10.0.7.${i + 2}:8080`,
      ),
      honorLabels: false,
    })),
    {
      fixture: "keda-operator.prom",
      target: target(
        "keda",
        "keda-operator",
        "keda-operator-5d8c7b9f6-w3e4r",
        "keda-operator",
        "metrics",
        "10.0.8.4:8080",
      ),
      honorLabels: false,
    },
    scaler("a", "10.0.9.2:8080"),
    ...(scalerReplicas === 2 ? [scaler("b", "10.0.9.3:8080")] : []),
  ];
}
