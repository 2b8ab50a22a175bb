// Records test/fixtures/exporters/mlas-scaler-{a,b}.prom from two real scaler replicas (startServer,
// the code the image runs) configured by the chart: its default services, the service with variants
// of ci/llm-variants-values.yaml, the budget on. The replicas read a real Prometheus backfilled with the
// other exporter fixtures as Prometheus Operator scrapes them (operator-scrape.ts), and a RabbitMQ
// node of the recorder's own holding 40 messages in the celery queue. Each replica's /metrics is
// scraped twice, KEDA-like gRPC calls spread over the replicas in between; gauges keep the second
// scrape's value, counter and histogram series become their per-second rate between the scrapes
// (what operator-scrape.ts integrates back into history).
//
//   node test/integration/record-scaler-fixtures.ts

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { parse, stringify } from "yaml";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { loadProtos } from "../../src/service/keda-grpc.ts";
import { silentLogger } from "../../src/service/log.ts";
import { render } from "../chart/helm.ts";
import { Prometheus } from "./harness.ts";
import {
  openMetrics,
  parseExposition,
  platform,
  scrape,
  withTargetLabels,
  type Sample,
} from "./operator-scrape.ts";
import { RabbitNode } from "./rabbit-node.ts";

const OUT = new URL("../fixtures/exporters/", import.meta.url).pathname;

/**
 * Chart values on top of the defaults and ci/llm-variants-values.yaml (the service chat, served by
 * an H100 variant on demand and an L40S variant on spot): the budget on and GPU quotas.
 */
const RECORDING_VALUES = {
  businessRules: {
    costOptimization: { enabled: true, maxHourlyCost: 100 },
    gpuQuotas: { "nvidia-h100": 8, "nvidia-l40s": 8 },
  },
};
const VARIANTS_VALUES = new URL("../../charts/ml-autoscaling/ci/llm-variants-values.yaml", import.meta.url)
  .pathname;

/** Seconds between the two scrapes of each replica. */
const INTERVAL_SECONDS = 10;
/** KEDA's calls to each replica within the interval: replica a takes 3 of every 5. */
const CALLS: Readonly<Record<"a" | "b", Readonly<Record<string, number>>>> = {
  a: { GetMetricSpec: 3, IsActive: 3, GetMetrics: 6 },
  b: { GetMetricSpec: 2, IsActive: 2, GetMetrics: 4 },
};

/**
 * What the platform fixtures lack for the service chat, in the shape of their own series: its
 * arrivals at ingress-nginx (the vllm Ingress's series, 5 requests/s to the chat Ingress) and its
 * variants' Deployments at kube-state-metrics, one ready pod each.
 */
function chatSeries(): Sample[] {
  const specs = platform(1);
  const ingress = specs.find((s) => s.fixture === "ingress-nginx.prom");
  const ksm = specs.find((s) => s.fixture === "kube-state-metrics.prom");
  if (!ingress || !ksm) throw new Error("the platform has no ingress-nginx or kube-state-metrics");
  const requests = parseExposition(
    readFileSync(join(OUT, "ingress-nginx.prom"), "utf8"),
    "ingress-nginx.prom",
  )
    .filter((s) => s.name === "nginx_ingress_controller_requests" && s.labels.ingress === "vllm")
    .filter((s) => s.labels.status === "200")
    .map((s) => ({ ...s, labels: { ...s.labels, ingress: "chat", service: "chat" }, value: 5 }));
  const deployments = ["chat-h100", "chat-l40s-spot"].flatMap((deployment) =>
    [
      "kube_deployment_status_replicas_ready",
      "kube_deployment_status_replicas",
      "kube_deployment_spec_replicas",
    ].map((name): Sample => ({
      name,
      labels: { namespace: "default", deployment },
      value: 1,
      cumulative: false,
    })),
  );
  return [
    ...requests.map((s) => withTargetLabels(s, ingress)),
    ...deployments.map((s) => withTargetLabels(s, ksm)),
  ];
}

/**
 * Six hours of the platform's exporters (the scaler's own fixtures left out) scraped every 15 s,
 * up to a quarter of an hour from now: the replicas' reads of the present and of the past all find
 * samples while the recording runs.
 */
async function platformPrometheus(): Promise<Prometheus> {
  const prom = new Prometheus();
  const samples = [
    ...platform(1)
      .filter((s) => !s.fixture.startsWith("mlas-scaler-"))
      .flatMap(scrape),
    ...chatSeries(),
  ];
  const nowMs = Math.floor(Date.now() / 60_000) * 60_000;
  const file = join(prom.dir, "platform.om");
  writeFileSync(file, openMetrics(samples, nowMs - 6 * 3_600_000, nowMs + 15 * 60_000, 15));
  execFileSync("promtool", ["tsdb", "create-blocks-from", "openmetrics", file, join(prom.dir, "data")], {
    stdio: "pipe",
  });
  await prom.start([], "15s");
  return prom;
}

/** The chart's rendered scaler config, pointed at the recorder's Prometheus and RabbitMQ. */
function recordingConfig(dir: string, promUrl: string, rabbit: RabbitNode): string {
  const values = join(dir, "values.yaml");
  writeFileSync(values, stringify(RECORDING_VALUES));
  const cm = render(["-f", VARIANTS_VALUES, "-f", values, "--set", "sources.rabbitmq.existingSecret=x"]).find(
    (o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config"),
  ) as { data: Record<string, string> } | undefined;
  if (!cm) throw new Error("the chart rendered no scaler ConfigMap");
  const config = parse(cm.data["config.yaml"] ?? "") as {
    server: Record<string, unknown>;
    sources: { prometheus: { url: string }; rabbitmq: Record<string, string> };
  };
  config.server = { ...config.server, grpcPort: 0, httpPort: 0, bindAddress: "127.0.0.1" };
  config.sources.prometheus.url = promUrl;
  writeFileSync(join(dir, "username"), "guest");
  writeFileSync(join(dir, "password"), "guest");
  config.sources.rabbitmq = {
    ...config.sources.rabbitmq,
    managementUrl: rabbit.managementUrl,
    usernameFile: join(dir, "username"),
    passwordFile: join(dir, "password"),
  };
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify(config));
  return file;
}

type Client = grpc.Client & Record<string, unknown>;

function call(client: Client, method: string, service: string): Promise<void> {
  const ref = { name: `ml-autoscaling-${service}`, namespace: "default", scalerMetadata: { service } };
  const req = method === "GetMetrics" ? { scaledObjectRef: ref, metricName: `mlas-${service}` } : ref;
  return new Promise((resolve, reject) => {
    (client[method] as (r: unknown, cb: (e: grpc.ServiceError | null) => void) => void).call(
      client,
      req,
      (e) => {
        if (e) reject(e);
        else resolve();
      },
    );
  });
}

async function kedaCalls(running: Running, calls: Readonly<Record<string, number>>): Promise<void> {
  const { scaler } = loadProtos();
  const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
  const client = new Ctor(`127.0.0.1:${running.grpcPort}`, grpc.credentials.createInsecure()) as Client;
  try {
    for (const [method, n] of Object.entries(calls))
      for (let i = 0; i < n; i++) await call(client, method, "orchestrator");
  } finally {
    client.close();
  }
}

const metrics = async (r: Running): Promise<string> =>
  (await fetch(`http://127.0.0.1:${r.httpPort}/metrics`)).text();

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{.*\})?\s+(\S+)$/;

/** The second scrape, its counter and histogram series replaced by their rate since the first. */
export function withRates(first: string, second: string, seconds: number): string {
  const before = new Map<string, number>();
  for (const line of first.split("\n")) {
    const m = SAMPLE.exec(line);
    if (m) before.set(`${m[1]}${m[2] ?? ""}`, Number(m[3]));
  }
  const types = new Map<string, string>();
  return second
    .split("\n")
    .map((line) => {
      const type = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (type) types.set(type[1] ?? "", type[2] ?? "");
      const m = SAMPLE.exec(line);
      if (!m) return line;
      const name = m[1] ?? "";
      const family = types.has(name) ? name : name.replace(/_(bucket|count|sum|total)$/, "");
      const t = types.get(family);
      if (t !== "counter" && t !== "histogram") return line;
      const key = `${name}${m[2] ?? ""}`;
      const rate = (Number(m[3]) - (before.get(key) ?? 0)) / seconds;
      return `${key} ${Number(rate.toPrecision(6))}`;
    })
    .join("\n");
}

/** Waits until every service has a valid decision and a forecast on both replicas. */
async function settled(replicas: readonly Running[]): Promise<void> {
  const until = Date.now() + 180_000;
  for (;;) {
    const texts = await Promise.all(replicas.map(metrics));
    const ready = texts.every(
      (t) =>
        !/^mlas_decision_valid\{[^}]*\} 0$/m.test(t) &&
        ["celeryWorker", "chat", "orchestrator", "vllmService"].every((s) =>
          t.includes(`mlas_forecast_value{scaled_service="${s}",quantity="mean"}`),
        ),
    );
    if (ready) return;
    if (Date.now() > until) throw new Error(`no valid decisions and forecasts within 180 s:\n${texts[0]}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function record(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "mlas-record-scaler-"));
  const rabbit = new RabbitNode([]);
  const prom = await platformPrometheus();
  const replicas: Running[] = [];
  try {
    await rabbit.start();
    await rabbit.api("PUT", "/api/queues/%2F/celery", { durable: true, auto_delete: false });
    await rabbit.publish("celery", 40);
    const config = recordingConfig(dir, prom.url, rabbit);
    for (let i = 0; i < 2; i++)
      replicas.push(
        await startServer({ config, grpcPort: 0, httpPort: 0, host: "127.0.0.1", log: silentLogger }),
      );
    await settled(replicas);
    const started = Date.now();
    const first = await Promise.all(replicas.map(metrics));
    await Promise.all(replicas.map((r, i) => kedaCalls(r, i === 0 ? CALLS.a : CALLS.b)));
    await new Promise((r) => setTimeout(r, started + INTERVAL_SECONDS * 1000 - Date.now()));
    const second = await Promise.all(replicas.map(metrics));
    const seconds = (Date.now() - started) / 1000;
    for (const [i, suffix] of (["a", "b"] as const).entries()) {
      const header = [
        `# Fixture: scaler replica ${suffix}'s /metrics, recorded by test/integration/record-scaler-fixtures.ts`,
        `# (README.md). Counter and histogram series: per-second rates over ${seconds.toFixed(3)} s.`,
      ];
      const text = withRates(first[i] ?? "", second[i] ?? "", seconds);
      writeFileSync(`${OUT}mlas-scaler-${suffix}.prom`, `${header.join("\n")}\n${text.trimEnd()}\n`);
      console.log(`wrote ${OUT}mlas-scaler-${suffix}.prom`);
    }
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await prom.stop();
    await rabbit.stop();
  }
}

if (import.meta.main) await record();
