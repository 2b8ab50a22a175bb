// A minimal Kubernetes API client for the end-to-end suite: no kubectl. Objects are applied with
// server-side apply (PATCH application/apply-patch+yaml); discovery maps a kind to its collection.
// The API server's CA reaches fetch through NODE_EXTRA_CA_CERTS (set by scripts/e2e.sh).

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
};

export class KubeError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(what: string, status: number, body: string) {
    super(`${what}: HTTP ${status} ${body.slice(0, 2000)}`);
    this.status = status;
    this.body = body;
  }
}

interface Resource {
  readonly name: string;
  readonly namespaced: boolean;
}

const FIELD_MANAGER = "mlas-e2e";

export class Kube {
  private readonly api: string;
  private readonly token: string;
  private readonly discovery = new Map<string, Map<string, Resource>>();

  constructor(api: string, token: string) {
    this.api = api;
    this.token = token;
  }

  async request(method: string, path: string, body?: string, contentType?: string): Promise<unknown> {
    const r = await fetch(`${this.api}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: "application/json",
        ...(contentType ? { "content-type": contentType } : {}),
      },
      ...(body !== undefined ? { body } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await r.text();
    if (!r.ok) throw new KubeError(`${method} ${path}`, r.status, text);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  /** The collection path of a kind, from discovery (refreshed when a kind is not known yet). */
  async collection(apiVersion: string, kind: string, namespace?: string): Promise<string> {
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    let kinds = this.discovery.get(apiVersion);
    if (!kinds?.has(kind)) {
      const list = (await this.request("GET", base)) as {
        resources: { name: string; kind: string; namespaced: boolean }[];
      };
      kinds = new Map(
        list.resources
          .filter((r) => !r.name.includes("/"))
          .map((r) => [r.kind, { name: r.name, namespaced: r.namespaced }]),
      );
      this.discovery.set(apiVersion, kinds);
    }
    const res = kinds.get(kind);
    if (!res) throw new Error(`the API server does not serve ${kind} in ${apiVersion}`);
    if (!res.namespaced) return `${base}/${res.name}`;
    if (!namespace) throw new Error(`${kind} is namespaced: give a namespace`);
    return `${base}/namespaces/${namespace}/${res.name}`;
  }

  /** Server-side apply. `dryRun` validates without storing; strict field validation rejects unknown fields. */
  async apply(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const path = `${await this.collection(obj.apiVersion, obj.kind, obj.metadata.namespace)}/${obj.metadata.name}`;
    const q = new URLSearchParams({ fieldManager: FIELD_MANAGER, force: "true", fieldValidation: "Strict" });
    if (opts.dryRun) q.set("dryRun", "All");
    return (await this.request(
      "PATCH",
      `${path}?${q.toString()}`,
      JSON.stringify(obj),
      "application/apply-patch+yaml",
    )) as KubeObject;
  }

  async get(
    apiVersion: string,
    kind: string,
    name: string,
    namespace?: string,
  ): Promise<KubeObject | undefined> {
    try {
      return (await this.request(
        "GET",
        `${await this.collection(apiVersion, kind, namespace)}/${name}`,
      )) as KubeObject;
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }

  /** Merge-patches the scale subresource or any object. */
  async mergePatch(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    sub = "",
  ): Promise<void> {
    const path = `${await this.collection(apiVersion, kind, namespace)}/${name}${sub ? `/${sub}` : ""}`;
    await this.request("PATCH", path, JSON.stringify(patch), "application/merge-patch+json");
  }

  async delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<void> {
    try {
      await this.request(
        "DELETE",
        `${await this.collection(apiVersion, kind, namespace)}/${name}?propagationPolicy=Background`,
      );
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 404)) throw e;
    }
  }
}

/** Polls `probe` until it returns a value, or fails with the last thing it saw. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > until)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A condition of an object's status, e.g. ScaledObject Ready/Active/Fallback or HPA AbleToScale. */
export function condition(
  obj: KubeObject | undefined,
  type: string,
): { status: string; reason?: string; message?: string } | undefined {
  const conds = (
    obj?.status as
      { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined
  )?.conditions;
  return conds?.find((c) => c.type === type);
}
