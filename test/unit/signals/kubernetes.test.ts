// The Kubernetes API as the replica source, against a fake API server (no cluster is available
// here): one paged LIST per kind and namespace shared by all services, the rotated token, and every
// malformed or refused answer named.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { KubernetesClient } from "../../../src/signals/kubernetes.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { LINEAR } from "../llm/linear-profile.ts";
import { FakeUpstream, vector, type Reply } from "./fake-upstream.ts";

const dir = mkdtempSync(join(tmpdir(), "mlas-k8s-"));
const tokenFile = join(dir, "token");

const list = (items: unknown[], cont?: string): string =>
  JSON.stringify({ kind: "DeploymentList", items, metadata: cont ? { continue: cont } : {} });
const dep = (name: string, status: Record<string, unknown>): unknown => ({ metadata: { name }, status });
const w = (name: string, namespace = "ml", kind = "Deployment") => ({ kind, name, namespace });

describe("KubernetesClient", () => {
  const up = new FakeUpstream();
  let now = 0;
  let client: KubernetesClient;

  before(async () => {
    await up.start();
  });
  after(async () => {
    client.close();
    await up.stop();
  });
  beforeEach(() => {
    writeFileSync(tokenFile, "token-1\n");
    up.requests = [];
    up.headers = [];
    now += 3_600_000;
    client = new KubernetesClient({ url: up.url, tokenFile, timeoutSeconds: 0.5 }, () => now);
  });

  it("lists each kind and namespace once per refresh, page by page, for every service in it", async () => {
    up.reply = (path) => {
      const u = new URL(path, "http://x");
      if (u.pathname === "/apis/apps/v1/namespaces/ml/deployments")
        return u.searchParams.get("continue") === "p2"
          ? { body: list([dep("b", { replicas: 4 })]) }
          : { body: list([dep("a", { readyReplicas: 2, replicas: 3 })], "p2") };
      if (u.pathname === "/apis/apps/v1/namespaces/ml/statefulsets")
        return { body: list([dep("db", { readyReplicas: 1, replicas: 1 })]) };
      return { status: 404, body: "{}" };
    };
    const [a, b, db] = await Promise.all([
      client.replicas(w("a")),
      client.replicas(w("b")),
      client.replicas(w("db", "ml", "StatefulSet")),
    ]);
    assert.deepEqual(a, { ready: 2, current: 3 });
    assert.deepEqual(b, { ready: 0, current: 4 }, "an absent readyReplicas is 0");
    assert.deepEqual(db, { ready: 1, current: 1 });
    assert.equal(up.requests.length, 3, up.requests.join(" "));
    assert.ok(up.requests.every((r) => r.includes("limit=500")));
    assert.ok(up.headers.every((h) => h.authorization === "Bearer token-1"));
    // The next refresh lists again.
    now += 5000;
    await client.replicas(w("a"));
    assert.equal(up.requests.length, 5);
  });

  it("re-reads the rotated token after a minute", async () => {
    up.reply = { body: list([dep("a", { readyReplicas: 1, replicas: 1 })]) };
    await client.replicas(w("a"));
    writeFileSync(tokenFile, "token-2");
    now += 30_000;
    await client.replicas(w("a"));
    now += 31_000;
    await client.replicas(w("a"));
    assert.deepEqual(
      up.headers.map((h) => h.authorization),
      ["Bearer token-1", "Bearer token-1", "Bearer token-2"],
    );
  });

  const bad: [string, Reply | undefined, string, RegExp][] = [
    [
      "a refused token",
      { status: 401, body: "{}" },
      "a",
      /listing deployments in namespace ml was refused \(HTTP 401: the token was not accepted\)/,
    ],
    [
      "missing RBAC",
      { status: 403, body: "{}" },
      "a",
      /HTTP 403: the service account needs get\/list on apps\/deployments/,
    ],
    ["a workload that is not there", { body: list([]) }, "a", /Deployment ml\/a not found/],
    ["no items list", { body: "{}" }, "a", /the answer has no items list/],
    ["an item without a name", { body: list([{ status: {} }]) }, "a", /an item has no metadata.name/],
    [
      "a negative count",
      { body: list([dep("a", { readyReplicas: -1 })]) },
      "a",
      /deployments ml\/a: status.readyReplicas must be a non-negative integer, got -1/,
    ],
    [
      "a count as a string",
      { body: list([dep("a", { replicas: "3" })]) },
      "a",
      /status.replicas must be a non-negative integer, got "3"/,
    ],
    ["a fraction", { body: list([dep("a", { readyReplicas: 1.5 })]) }, "a", /got 1.5/],
    [
      "a status that is not an object: not 0 replicas",
      { body: JSON.stringify({ items: [{ metadata: { name: "a" }, status: "Running" }] }) },
      "a",
      /deployments ml\/a: status is not an object/,
    ],
    [
      "a status that is a list",
      { body: JSON.stringify({ items: [{ metadata: { name: "a" }, status: [] }] }) },
      "a",
      /status is not an object/,
    ],
    [
      "an error Status with HTTP 200",
      { body: JSON.stringify({ kind: "Status", status: "Failure", message: "x" }) },
      "a",
      /the answer has no items list/,
    ],
    ["malformed JSON", { body: "<html>" }, "a", /malformed JSON/],
    ["a hang", { hang: true }, "a", /no answer within 500 ms/],
  ];
  for (const [name, reply, svc, want] of bad)
    it(`names the problem: ${name}`, async () => {
      if (reply) up.reply = reply;
      await assert.rejects(client.replicas(w(svc)), want);
    });

  it("does not cache a failed LIST", async () => {
    up.reply = { status: 500, body: "boom" };
    await assert.rejects(client.replicas(w("a")), /HTTP 500: boom/);
    up.reply = { body: list([dep("a", { readyReplicas: 2, replicas: 2 })]) };
    assert.deepEqual(await client.replicas(w("a")), { ready: 2, current: 2 });
  });

  it("an unreadable token file or CA file is named", async () => {
    const c = new KubernetesClient({ url: up.url, tokenFile: join(dir, "nope"), timeoutSeconds: 1 });
    await assert.rejects(c.replicas(w("a")), /cannot read the token file .*nope: ENOENT/);
    c.close();
    assert.throws(
      () =>
        new KubernetesClient({ url: "https://k", tokenFile, caFile: join(dir, "no-ca"), timeoutSeconds: 1 }),
      /sources.kubernetes.caFile: cannot read .*no-ca: ENOENT/,
    );
  });
});

describe("sources.kubernetes config", () => {
  const base = {
    services: {
      a: { triggers: { rps: { source: "prometheus", query: "x", target: 1, kind: "extensive" } } },
    },
  };
  it("defaults to the in-cluster API server and the mounted service account", () => {
    const c = parseConfig({ ...base, sources: { prometheus: {}, kubernetes: {} } });
    assert.deepEqual(c.sources.kubernetes, {
      url: "https://kubernetes.default.svc",
      tokenFile: "/var/run/secrets/kubernetes.io/serviceaccount/token",
      caFile: "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
      timeoutSeconds: 5,
    });
  });
  it("needs no CA for kubectl proxy over plain HTTP", () => {
    const c = parseConfig({
      ...base,
      sources: { prometheus: {}, kubernetes: { url: "http://127.0.0.1:8001/" } },
    });
    assert.equal(c.sources.kubernetes?.url, "http://127.0.0.1:8001");
    assert.equal(c.sources.kubernetes?.caFile, undefined);
  });
  const bad: [string, unknown, RegExp][] = [
    ["a URL that is not http(s)", { url: "ftp://x" }, /sources.kubernetes.url: must be an http\(s\) URL/],
    ["an unknown key", { server: "x" }, /sources.kubernetes.server/],
    ["a zero timeout", { timeoutSeconds: 0 }, /sources.kubernetes.timeoutSeconds/],
  ];
  for (const [name, k, want] of bad)
    it(`rejects ${name}`, () => {
      assert.throws(() => parseConfig({ ...base, sources: { prometheus: {}, kubernetes: k } }), want);
    });
});

describe("the loop with sources.kubernetes", () => {
  const k8s = new FakeUpstream();
  const prom = new FakeUpstream();
  before(async () => {
    await k8s.start();
    await prom.start();
    writeFileSync(tokenFile, "token-1\n");
    k8s.reply = { body: list([dep("api", { readyReplicas: 2, replicas: 3 })]) };
    prom.reply = { body: vector("45") };
  });
  after(async () => {
    await k8s.stop();
    await prom.stop();
  });

  it("takes ready and current replicas from the API server, not from kube-state-metrics", async () => {
    const config = parseConfig({
      sources: { prometheus: { url: prom.url }, kubernetes: { url: k8s.url, tokenFile } },
      predictiveScaling: { enabled: false },
      services: {
        a: {
          workload: { kind: "Deployment", name: "api", namespace: "ml" },
          triggers: { rps: { source: "prometheus", query: "sum(rps)", target: 10, kind: "extensive" } },
        },
      },
    });
    const sources = buildSources(config, {});
    const loop = new ScalerLoop(config, sources, silentLogger, () => 1_700_000_000_000);
    await loop.refresh();
    const o = loop.observations(1_700_000_000_000).a;
    assert.equal(o?.readyReplicas, 2);
    assert.equal(o?.currentReplicas, 3);
    assert.ok(
      prom.requests.every((r) => !r.includes("kube_deployment")),
      prom.requests.join(" "),
    );
    assert.equal(loop.decision("a")?.valid, true);
    await sources.close();
  });

  it("a service with variants: each variant's ready and current pods from its own Deployment, their sums the service's", async () => {
    k8s.reply = {
      body: list([
        dep("chat-h100", { readyReplicas: 2, replicas: 3 }),
        dep("chat-l40s", { readyReplicas: 1, replicas: 1 }),
      ]),
    };
    const config = parseConfig(
      {
        sources: { prometheus: { url: prom.url }, kubernetes: { url: k8s.url, tokenFile } },
        predictiveScaling: { enabled: false },
        services: {
          chat: {
            workload: { kind: "Deployment", name: "chat", namespace: "ml" },
            minReplicas: 0,
            llm: {
              slo: { ttftSeconds: 0.5, itlSeconds: 0.035 },
              meanPromptTokens: 1000,
              meanOutputTokens: 100,
            },
            variants: {
              h100: { profile: "linear.json", resources: { gpuType: "nvidia-h100" } },
              l40s: { profile: "linear.json", resources: { gpuType: "nvidia-l40s" } },
            },
            triggers: {
              requestRate: {
                source: "prometheus",
                query: "sum(rps)",
                target: 10,
                kind: "extensive",
                arrival: true,
              },
            },
          },
        },
      },
      { load: () => LINEAR },
    );
    const sources = buildSources(config, {});
    const loop = new ScalerLoop(config, sources, silentLogger, () => 1_700_000_000_000);
    await loop.refresh();
    const o = loop.observations(1_700_000_000_000).chat;
    assert.equal(o?.readyReplicas, 3);
    assert.equal(o?.currentReplicas, 4);
    assert.deepEqual(o?.variants, {
      h100: { readyReplicas: 2, currentReplicas: 3 },
      l40s: { readyReplicas: 1, currentReplicas: 1 },
    });
    assert.deepEqual(
      loop.decision("chat")?.variants?.variants.map((v) => [v.variant, v.readyReplicas]),
      [
        ["h100", 2],
        ["l40s", 1],
      ],
    );
    await sources.close();
  });
});
