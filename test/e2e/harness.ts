// What every end-to-end scenario does: render the chart with e2e/values.yaml plus the scenario's
// services, apply what it renders to the real API server, run the project's scaler (`mlas serve`)
// with the config from the chart's ConfigMap, and read the objects KEDA and the HPA act on.
// Pods never start (no kubelet): the Deployment's spec.replicas and the HPA are what is asserted.

import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, parse as parseYaml, stringify } from "yaml";
import { helm } from "../chart/helm.ts";
import { freePorts, rabbit, type Exporter } from "../integration/harness.ts";
import { env, kube } from "./env.ts";
import { condition, waitFor, type KubeObject } from "./kube.ts";

export const root = new URL("../../", import.meta.url).pathname;
const node = join(root, "node_modules/.bin/node");

/** The API server's version, so the chart's capability checks see the real cluster. */
async function serverVersion(): Promise<string> {
  const v = (await kube.request("GET", "/version")) as { gitVersion: string };
  return v.gitVersion;
}

/** Renders the chart: e2e/values.yaml, then the scenario's values (JSON is YAML). */
export async function renderChart(
  release: string,
  namespace: string,
  values: unknown,
): Promise<KubeObject[]> {
  const file = join(env.work, `values-${release}.yaml`);
  writeFileSync(file, JSON.stringify(values));
  const r = helm([
    "template",
    release,
    join(root, "charts/ml-autoscaling"),
    "--namespace",
    namespace,
    "--kube-version",
    await serverVersion(),
    "--api-versions",
    "keda.sh/v1alpha1/ScaledObject",
    "-f",
    join(root, "e2e/values.yaml"),
    "-f",
    file,
  ]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
}

export async function ensureNamespace(name: string): Promise<void> {
  await kube.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
}

/** A workload for KEDA to scale. Its pods never run (no kubelet); spec.replicas is what KEDA and the HPA set. */
export async function createDeployment(namespace: string, name: string, replicas = 0): Promise<void> {
  await kube.apply({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: "registry.invalid/e2e/never-pulled:0" }] },
      },
    },
  });
}

export async function replicas(namespace: string, name: string): Promise<number> {
  const d = await kube.get("apps/v1", "Deployment", name, namespace);
  return (d?.spec as { replicas?: number } | undefined)?.replicas ?? 0;
}

/** Waits until the Deployment's spec.replicas equals `want`; returns when it did. */
export async function waitReplicas(
  namespace: string,
  name: string,
  want: number,
  timeoutMs: number,
): Promise<number> {
  return waitFor(
    `${namespace}/${name} spec.replicas = ${want}`,
    async () => ((await replicas(namespace, name)) === want ? Date.now() : undefined),
    timeoutMs,
    100,
  );
}

export async function scaledObject(namespace: string, name: string): Promise<KubeObject | undefined> {
  return kube.get("keda.sh/v1alpha1", "ScaledObject", name, namespace);
}

export async function waitCondition(
  namespace: string,
  name: string,
  type: string,
  status: string,
  timeoutMs: number,
): Promise<KubeObject> {
  return waitFor(
    `ScaledObject ${namespace}/${name} ${type}=${status}`,
    async () => {
      const so = await scaledObject(namespace, name);
      return condition(so, type)?.status === status ? so : undefined;
    },
    timeoutMs,
  );
}

export async function hpa(namespace: string, scaledObjectName: string): Promise<KubeObject | undefined> {
  return kube.get("autoscaling/v2", "HorizontalPodAutoscaler", `keda-hpa-${scaledObjectName}`, namespace);
}

/** Applies every object of kinds the scenario needs, in dependency order. */
export async function applyRendered(objs: readonly KubeObject[], kinds: readonly string[]): Promise<void> {
  for (const kind of kinds) for (const o of objs.filter((x) => x.kind === kind)) await kube.apply(o);
}

export function ofKind(objs: readonly KubeObject[], kind: string): KubeObject[] {
  return objs.filter((o) => o.kind === kind);
}

/** Records a PID so scripts/e2e.sh stops it even if this test process dies first. */
function recordPid(pid: number | undefined): void {
  if (pid !== undefined) appendFileSync(join(env.work, "scenario-pids"), `${pid}\n`);
}

export interface ScalerFiles {
  /** Files the pod would have mounted, by their path in the chart's config (e.g. /etc/mlas/tls/tls.crt). */
  readonly mounts?: Readonly<Record<string, string>>;
}

/**
 * The scaler config the chart rendered into its ConfigMap, with the pod's mounts mapped to local
 * files and the in-cluster Kubernetes API (service account token, CA) replaced by this API server.
 */
export async function scalerConfig(
  objs: readonly KubeObject[],
  name: string,
  files: ScalerFiles = {},
): Promise<Record<string, unknown>> {
  const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config"));
  if (!cm) throw new Error("the chart rendered no scaler ConfigMap");
  const config = parseYaml((cm.data as Record<string, string>)["config.yaml"] ?? "") as Record<
    string,
    unknown
  >;
  const dir = join(env.work, `scaler-${name}`);
  mkdirSync(dir, { recursive: true });
  const secret = objs.find((o) => o.kind === "Secret" && o.metadata.name.endsWith("-rabbitmq"));
  const mounts: Record<string, string> = { ...files.mounts };
  if (secret) {
    for (const [k, v] of Object.entries(secret.data as Record<string, string>)) {
      const f = join(dir, `rabbitmq-${k}`);
      writeFileSync(f, Buffer.from(v, "base64"));
      mounts[`/etc/mlas/rabbitmq/${k}`] = f;
    }
  }
  const remap = (v: unknown): unknown => {
    if (typeof v === "string" && v.startsWith("/etc/mlas/")) {
      const to = mounts[v];
      if (!to) throw new Error(`the scaler config names ${v}: the scenario must provide that mount`);
      return to;
    }
    if (Array.isArray(v)) return v.map(remap);
    if (v && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, remap(x)]));
    return v;
  };
  const out = remap(config) as Record<string, unknown>;
  const sources = out.sources as Record<string, unknown>;
  if (sources.kubernetes) {
    sources.kubernetes = {
      ...sources.kubernetes,
      url: env.api,
      caFile: env.ca,
      tokenFile: await serviceAccountToken(objs, dir),
    };
  }
  return out;
}

/** A token for the chart's ServiceAccount (TokenRequest API), so the chart's Role is what authorises the scaler. */
async function serviceAccountToken(objs: readonly KubeObject[], dir: string): Promise<string> {
  const sa = objs.find((o) => o.kind === "ServiceAccount");
  if (!sa) throw new Error("the chart rendered no ServiceAccount");
  const ns = sa.metadata.namespace ?? "default";
  const r = (await kube.request(
    "POST",
    `/api/v1/namespaces/${ns}/serviceaccounts/${sa.metadata.name}/token`,
    JSON.stringify({
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: { expirationSeconds: 3600 },
    }),
    "application/json",
  )) as { status: { token: string } };
  const f = join(dir, "token");
  writeFileSync(f, r.status.token);
  return f;
}

/** One `mlas serve` process, started the way the chart's Deployment starts it. */
export class Scaler {
  readonly name: string;
  grpcPort = 0;
  httpPort = 0;
  private proc: ChildProcess | undefined;
  private readonly configFile: string;
  private readonly host: string | undefined;

  /** `mlas serve` as the chart runs it; with `host`, bound to that address only (`--bind-address`). */
  constructor(name: string, config: Record<string, unknown>, host?: string) {
    this.name = name;
    this.configFile = join(env.work, `scaler-${name}`, "config.yaml");
    mkdirSync(join(env.work, `scaler-${name}`), { recursive: true });
    writeFileSync(this.configFile, stringify(config));
    const server = config.server as { grpcPort: number; httpPort: number };
    this.grpcPort = server.grpcPort;
    this.httpPort = server.httpPort;
    this.host = host;
  }

  get url(): string {
    return `http://${this.host ?? "127.0.0.1"}:${this.httpPort}`;
  }

  async start(): Promise<void> {
    const log = openSync(join(env.work, "logs", `scaler-${this.name}.log`), "a");
    const args = [join(root, "src/cli/main.ts"), "serve", "--config", this.configFile];
    if (this.host) args.push("--bind-address", this.host);
    this.proc = spawn(node, args, { stdio: ["ignore", log, log] });
    recordPid(this.proc.pid);
    const proc = this.proc;
    await waitFor(
      `scaler ${this.name} /readyz`,
      async () => {
        if (proc.exitCode !== null) throw new Error(`scaler ${this.name} exited with ${proc.exitCode}`);
        const r = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) });
        return r.ok ? true : undefined;
      },
      60_000,
    );
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => {
        resolve();
      });
      p.kill("SIGTERM");
    });
  }

  /** The value of one sample of the scaler's /metrics, or undefined when absent. */
  async metric(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number | undefined> {
    const text = await (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    return sample(text, name, labels);
  }
}

/** Reads one sample from Prometheus text exposition: the first line of `name` carrying every label given. */
export function sample(
  text: string,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    const value = line.slice(line.lastIndexOf(" ") + 1);
    return Number(value);
  }
  return undefined;
}

/** Free loopback ports for the scaler's gRPC and HTTP servers. */
/**
 * Runs every stop in turn, each even when one before it threw (a before hook that failed midway
 * leaves some parts unstarted), then throws the first error: a Prometheus or exporter left running
 * would keep the scenario's process alive after its tests.
 */
export async function stopEach(stops: readonly (() => unknown)[]): Promise<void> {
  let first: Error | undefined;
  for (const stop of stops) {
    try {
      await stop();
    } catch (e) {
      first ??= e instanceof Error ? e : new Error(String(e));
    }
  }
  if (first !== undefined) throw first;
}

export async function scalerPorts(): Promise<{ grpcPort: number; httpPort: number }> {
  const [grpcPort = 0, httpPort = 0] = await freePorts(2);
  return { grpcPort, httpPort };
}

/** Sum of KEDA operator's counter samples matching labels (its /metrics on loopback). */
export async function kedaMetric(
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number> {
  const text = await (await fetch(env.kedaMetrics, { signal: AbortSignal.timeout(5000) })).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

export function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}

/**
 * Mirrors a RabbitMQ queue's depth into an Exporter as the rabbitmq_prometheus plugin names it
 * (`rabbitmq_queue_messages_ready{queue,vhost}`), so a real Prometheus holds the history the
 * scaler reads for idle time. Polls the management API every second.
 */
export class QueueDepthExporter {
  private readonly exporter: Exporter;
  private readonly queue: string;
  private timer: NodeJS.Timeout | undefined;

  constructor(exporter: Exporter, queue: string) {
    this.exporter = exporter;
    this.queue = queue;
  }

  start(): void {
    const key = `rabbitmq_queue_messages_ready{queue="${this.queue}",vhost="/"}`;
    this.exporter.values.set(key, 0);
    this.timer = setInterval(() => {
      rabbit("GET", `/api/queues/%2F/${encodeURIComponent(this.queue)}`).then(
        (q) => this.exporter.values.set(key, (q as { messages_ready?: number }).messages_ready ?? 0),
        () => undefined,
      );
    }, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Applies what the scaler's pods need, then starts the scaler on the chart's rendered config. */
export async function startChartScaler(objs: readonly KubeObject[], name: string): Promise<Scaler> {
  await applyRendered(objs, ["ServiceAccount", "Secret", "ConfigMap", "Role", "RoleBinding", "Service"]);
  const scaler = new Scaler(name, await scalerConfig(objs, name));
  await scaler.start();
  return scaler;
}

/** Applies the chart's ScaledObjects and waits until KEDA reports the named one Ready. */
export async function applyScaledObjects(objs: readonly KubeObject[], ns: string, so: string): Promise<void> {
  await applyRendered(objs, ["ScaledObject"]);
  await waitCondition(ns, so, "Ready", "True", 30_000);
}
