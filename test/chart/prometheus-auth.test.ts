// The chart's Prometheus credentials, headers and TLS: the rendered config names only files, each
// file lies in a Secret volume that maps the named key to it, and what the scaler would refuse at
// start-up (src/config/schema.ts; test/unit/config/prometheus-auth.test.ts) stops helm first.

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import { parseConfigText } from "../../src/config/schema.ts";
import { chart, helm, render, RENDER, type K8sObject } from "./helm.ts";

type Any = Record<string, any>;

function configText(objs: K8sObject[]): string {
  const cm = objs.find((o) => o.kind === "ConfigMap" && o.metadata.name.endsWith("-config")) as Any;
  return cm.data["config.yaml"] as string;
}

/** Every file path the pod sees from a Secret volume: mount path + item path -> Secret and key. */
function secretFiles(objs: K8sObject[]): Map<string, string> {
  const d = objs.find((o) => o.kind === "Deployment") as Any;
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  const out = new Map<string, string>();
  for (const m of c.volumeMounts as Any[]) {
    const secret = (pod.volumes as Any[]).find((x) => x.name === m.name)?.secret as Any | undefined;
    for (const item of (secret?.items ?? []) as Any[])
      out.set(`${m.mountPath}/${item.path}`, `${secret?.secretName}/${item.key}`);
  }
  return out;
}

describe("chart: Prometheus credentials, headers and TLS", () => {
  const objs = render(["-f", join(chart, "ci", "prometheus-auth-values.yaml")]);
  const prometheus = parseConfigText(configText(objs), "prometheus-auth").sources.prometheus;
  const files = secretFiles(objs);

  it("the rendered config names the token, CA and client certificate files, and the tenant header", () => {
    assert.deepEqual(prometheus?.headers, { "X-Scope-OrgID": "team-a" });
    assert.equal(prometheus?.bearerTokenFile, "/etc/mlas/prometheus/auth/token");
    assert.deepEqual(prometheus?.tls, {
      caFile: "/etc/mlas/prometheus/tls/ca.crt",
      certFile: "/etc/mlas/prometheus/tls/tls.crt",
      keyFile: "/etc/mlas/prometheus/tls/tls.key",
    });
  });

  it("each file the config names comes from the Secret key the values name", () => {
    assert.equal(files.get("/etc/mlas/prometheus/auth/token"), "mimir-scaler-token/token");
    assert.equal(files.get("/etc/mlas/prometheus/tls/ca.crt"), "mimir-client-tls/ca.crt");
    assert.equal(files.get("/etc/mlas/prometheus/tls/tls.crt"), "mimir-client-tls/tls.crt");
    assert.equal(files.get("/etc/mlas/prometheus/tls/tls.key"), "mimir-client-tls/tls.key");
  });

  it("basic auth and secret headers: files from the Secret, the config holds their paths only", () => {
    const o = render([
      "--set",
      "sources.prometheus.auth.secretName=grafana-cloud",
      "--set",
      "sources.prometheus.auth.usernameKey=instance-id",
      "--set",
      "sources.prometheus.auth.passwordKey=api-token",
      "--set",
      "sources.prometheus.auth.headerKeys.X-Api-Key=api-key",
    ]);
    const text = configText(o);
    const p = parseConfigText(text, "basic").sources.prometheus;
    assert.deepEqual(p?.basicAuth, {
      usernameFile: "/etc/mlas/prometheus/auth/username",
      passwordFile: "/etc/mlas/prometheus/auth/password",
    });
    assert.deepEqual(p?.headerFiles, { "X-Api-Key": "/etc/mlas/prometheus/auth/headers/X-Api-Key" });
    const f = secretFiles(o);
    const want: [path: string, key: string][] = [
      ["/etc/mlas/prometheus/auth/username", "grafana-cloud/instance-id"],
      ["/etc/mlas/prometheus/auth/password", "grafana-cloud/api-token"],
      ["/etc/mlas/prometheus/auth/headers/X-Api-Key", "grafana-cloud/api-key"],
    ];
    for (const [path, key] of want) assert.equal(f.get(path), key, path);
    assert.equal(p?.tls, undefined);
  });

  it("the defaults render no credentials, headers or TLS, and no Prometheus volume", () => {
    const o = render([]);
    const p = parse(configText(o)).sources.prometheus as Any;
    assert.deepEqual(Object.keys(p).sort(), ["timeoutSeconds", "url"]);
    assert.ok(![...secretFiles(o).keys()].some((k) => k.startsWith("/etc/mlas/prometheus")));
  });

  const refused: [name: string, set: string[], message: RegExp][] = [
    [
      "a bearer token and basic auth",
      [
        "sources.prometheus.auth.secretName=s",
        "sources.prometheus.auth.bearerTokenKey=t",
        "sources.prometheus.auth.usernameKey=u",
        "sources.prometheus.auth.passwordKey=p",
      ],
      /sources\.prometheus: sends one Authorization header: set only one of auth\.bearerTokenKey, auth\.usernameKey\/passwordKey/,
    ],
    [
      "a username without a password",
      ["sources.prometheus.auth.secretName=s", "sources.prometheus.auth.usernameKey=u"],
      /sources\.prometheus\.auth: set both usernameKey and passwordKey, or neither/,
    ],
    [
      "keys without a Secret",
      ["sources.prometheus.auth.bearerTokenKey=t"],
      /sources\.prometheus\.auth\.secretName: is required when auth names keys/,
    ],
    [
      "a Secret without keys",
      ["sources.prometheus.auth.secretName=s"],
      /sources\.prometheus\.auth: secretName "s" is set but no key names a credential in it/,
    ],
    [
      "TLS towards an http url",
      ["sources.prometheus.tls.secretName=ca"],
      /sources\.prometheus\.tls: applies to an https url, got "http:\/\/prometheus-operated\.monitoring:9090"/,
    ],
    [
      "a client certificate without its key",
      [
        "sources.prometheus.url=https://mimir:8080",
        "sources.prometheus.tls.secretName=c",
        "sources.prometheus.tls.certKey=tls.crt",
      ],
      /sources\.prometheus\.tls: set both certKey and keyKey, or neither/,
    ],
    [
      "a header in headers and in headerKeys",
      [
        "sources.prometheus.headers.X-Scope-OrgID=a",
        "sources.prometheus.auth.secretName=s",
        "sources.prometheus.auth.headerKeys.x-scope-orgid=k",
      ],
      /sources\.prometheus\.auth\.headerKeys\.x-scope-orgid: is also set in sources\.prometheus\.headers/,
    ],
    [
      "an Authorization header in the values (a credential in the ConfigMap)",
      ["sources.prometheus.headers.Authorization=Bearer x"],
      /invalid propertyName 'Authorization'/,
    ],
    [
      "a Host header from a Secret",
      ["sources.prometheus.auth.secretName=s", "sources.prometheus.auth.headerKeys.Host=h"],
      /invalid propertyName 'Host'/,
    ],
  ];
  for (const [name, set, message] of refused)
    it(`${name}: helm refuses it, naming the value`, () => {
      const r = helm(["template", "mlas", chart, ...RENDER, ...set.flatMap((x) => ["--set", x])]);
      assert.notEqual(r.status, 0, `accepted: ${name}`);
      assert.match(r.stderr, message);
    });
});
