// The Kubernetes API as the source of ready and current replicas (the alternative to
// kube-state-metrics through Prometheus). One LIST per workload kind and namespace per refresh
// (paged), shared by every service in that namespace, rather than one GET per service: 2,000
// services cost the API server a handful of requests per cycle. Needs get/list on deployments and
// statefulsets in those namespaces (the chart's Role when scaler.kubernetesApi.enabled).
//
// The service account token is re-read from its file every minute: the kubelet rotates it.

import type { Agent } from "node:http";
import { FileProblem, readBoundedFile, readTextFile } from "../config/files.ts";
import { show } from "../config/read.ts";
import type { ServiceConfig, SourcesConfig } from "../config/schema.ts";
import { getJson, keepAliveAgent } from "./http.ts";
import { Limiter } from "./limit.ts";
import { SourceError } from "./source.ts";

export interface Replicas {
  /** status.readyReplicas (absent means 0). */
  readonly ready: number;
  /** status.replicas: pods that exist for the workload, ready or not. */
  readonly current: number;
}

type Workload = ServiceConfig["workload"];

const PAGE = 500;
const TOKEN_TTL_MS = 60_000;
/** A LIST answer serves every service of that namespace read within this long (one refresh). */
const LIST_TTL_MS = 1000;
/** The token and the CA file: a few KB each. */
const MAX_FILE_BYTES = 1024 * 1024;

const RESOURCES: Readonly<Record<string, string>> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
};

function count(v: unknown, field: string, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0)
    throw new SourceError("kubernetes", `${where}: ${field} must be a non-negative integer, got ${show(v)}`);
  return v;
}

export class KubernetesClient {
  readonly name = "kubernetes";
  private readonly cfg: NonNullable<SourcesConfig["kubernetes"]>;
  private readonly agent: Agent;
  private readonly limiter: Limiter;
  private readonly clock: () => number;
  private token: { value: string; readAt: number } | undefined;
  private readonly lists = new Map<string, { at: number; items: Promise<Map<string, Replicas>> }>();

  /** Reads the CA file now: a missing or unreadable one is a start-up error, not a per-read one. */
  constructor(cfg: NonNullable<SourcesConfig["kubernetes"]>, clock: () => number = Date.now) {
    this.cfg = cfg;
    this.clock = clock;
    this.limiter = new Limiter(4, { source: this.name, timeoutMs: cfg.timeoutSeconds * 1000 });
    let ca: Buffer | undefined;
    if (cfg.caFile !== undefined) {
      try {
        ca = readBoundedFile(cfg.caFile, MAX_FILE_BYTES);
      } catch (e) {
        if (!(e instanceof FileProblem)) throw e;
        throw new SourceError(this.name, `sources.kubernetes.caFile: cannot read ${cfg.caFile}: ${e.detail}`);
      }
    }
    this.agent = keepAliveAgent(cfg.url, ca ? { ca } : {});
  }

  close(): void {
    this.agent.destroy();
  }

  private bearer(): string {
    const now = this.clock();
    if (!this.token || now - this.token.readAt > TOKEN_TTL_MS) {
      let value: string;
      try {
        value = readTextFile(this.cfg.tokenFile, MAX_FILE_BYTES).trim();
      } catch (e) {
        if (!(e instanceof FileProblem)) throw e;
        throw new SourceError(this.name, `cannot read the token file ${this.cfg.tokenFile}: ${e.detail}`);
      }
      if (value === "") throw new SourceError(this.name, `the token file ${this.cfg.tokenFile} is empty`);
      this.token = { value, readAt: now };
    }
    return `Bearer ${this.token.value}`;
  }

  /** Ready and current replicas of a service's workload. */
  async replicas(w: Workload, signal?: AbortSignal): Promise<Replicas> {
    const resource = RESOURCES[w.kind];
    if (resource === undefined)
      throw new SourceError(this.name, `workload kind ${JSON.stringify(w.kind)} is not supported`);
    const key = `${resource}/${w.namespace}`;
    const now = this.clock();
    let entry = this.lists.get(key);
    if (!entry || now - entry.at > LIST_TTL_MS) {
      entry = { at: now, items: this.list(resource, w.namespace, signal) };
      this.lists.set(key, entry);
      // A failed LIST is not cached: the next read tries again.
      entry.items.catch(() => {
        if (this.lists.get(key) === entry) this.lists.delete(key);
      });
    }
    const r = (await entry.items).get(w.name);
    if (!r) throw new SourceError(this.name, `${w.kind} ${w.namespace}/${w.name} not found`);
    return r;
  }

  private async list(
    resource: string,
    namespace: string,
    signal?: AbortSignal,
  ): Promise<Map<string, Replicas>> {
    const out = new Map<string, Replicas>();
    let cont = "";
    const where = `${resource} in namespace ${namespace}`;
    do {
      const u = `${this.cfg.url}/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/${resource}?limit=${PAGE}${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`;
      const body = await this.limiter.run(
        `${resource}/${namespace}`,
        (slot) =>
          getJson(this.name, u, {
            agent: this.agent,
            timeoutMs: this.cfg.timeoutSeconds * 1000,
            headers: { authorization: this.bearer(), accept: "application/json" },
            signal: slot,
          }).catch((e: unknown) => {
            if (e instanceof SourceError && /HTTP 40[13]/.test(e.message))
              throw new SourceError(
                this.name,
                `listing ${where} was refused (${e.message.includes("HTTP 401") ? "HTTP 401: the token was not accepted" : "HTTP 403: the service account needs get/list on apps/" + resource})`,
              );
            throw e;
          }),
        signal,
      );
      if (body === null || typeof body !== "object" || !Array.isArray((body as { items?: unknown }).items))
        throw new SourceError(this.name, `listing ${where}: the answer has no items list`);
      const b = body as { items: unknown[]; metadata?: { continue?: unknown } };
      for (const it of b.items) {
        const item = (it ?? {}) as { metadata?: { name?: unknown }; status?: unknown };
        const name = item.metadata?.name;
        if (typeof name !== "string" || name === "")
          throw new SourceError(this.name, `listing ${where}: an item has no metadata.name`);
        const at = `${resource} ${namespace}/${name}`;
        const st = item.status ?? {};
        // An absent status (a workload the controller has not seen yet) has no pods; a status that
        // is not an object is malformed, not zero.
        if (typeof st !== "object" || Array.isArray(st))
          throw new SourceError(this.name, `${at}: status is not an object`);
        const status = st as Record<string, unknown>;
        out.set(name, {
          ready: count(status.readyReplicas, "status.readyReplicas", at),
          current: count(status.replicas, "status.replicas", at),
        });
      }
      const next = b.metadata?.continue;
      cont = typeof next === "string" ? next : "";
    } while (cont !== "");
    return out;
  }
}
