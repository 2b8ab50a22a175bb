// The Prometheus source against real servers that demand credentials, certificates and a tenant:
// - Debian's Prometheus with --web.config.file: basic auth (bcrypt hashes; the file is read on every
//   request, so a password changed there takes effect at once) and, on a second instance, TLS that
//   requires and verifies a client certificate;
// - prom-label-proxy (built from its Go module by scripts/install-test-tools.sh) enforcing the
//   tenant in X-Scope-OrgID as a label on every query, behind nginx (Debian) as the gateway that
//   checks a bearer token and the tenant it may read, as a managed Mimir, Cortex or Thanos front does.
// Each server refusal is an error that names the field to fix, never a zero, and never shows the
// credential; rotated credential and certificate files are picked up without a new client.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { startServer } from "../../src/cli/serve.ts";
import { silentLogger } from "../../src/service/log.ts";
import type { ServiceSnapshot } from "../../src/service/snapshot.ts";
import { PrometheusClient, type PrometheusOptions } from "../../src/signals/prometheus.ts";
import { Certs } from "./certs.ts";
import { Exporter, freePort } from "./harness.ts";

const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-prom-auth-"));
const certs = new Certs(dir);
const f = (n: string): string => join(dir, n);
const put = (n: string, text: string): string => {
  writeFileSync(f(n), text);
  return f(n);
};

/** bcrypt (cost 4) of each password, as Prometheus's web config takes them. */
const HASHES: Readonly<Record<string, string>> = {
  "scaler-pw-one": "$2b$04$dKE5URcT1DbreqX0mmiUVeRfWGhL7RLgIBIsKO0Hs3ceEBcSI6jeq",
  "scaler-pw-two": "$2b$04$hV1/Dk8qkD7lMzOFqKiFHus2ORfvRozkSF/f4ThwYTTLkTxNgTO3e",
};
/** Each tenant's load, as the exporter serves it: a wrong tenant must never read as another's or as zero. */
const LOAD = { "team-a": 5, "team-b": 9 };
const QUERY = "sum(mlas_tenant_load)";

const procs: ChildProcess[] = [];
function run(cmd: string, args: string[]): ChildProcess {
  const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  p.on("error", (e) => {
    process.stderr.write(`${cmd} did not start: ${e.message} (scripts/test.sh installs it)\n`);
  });
  let err = "";
  p.stderr?.on("data", (c: Buffer) => {
    err = (err + c.toString()).slice(-2000);
  });
  p.on("exit", (code) => {
    if (code !== null && code !== 0) process.stderr.write(`${cmd} exited ${code}: ${err}\n`);
  });
  procs.push(p);
  return p;
}

/** A Prometheus scraping the exporter every second, its web config as given. */
async function prometheus(name: string, web: string, scrape: string): Promise<number> {
  const port = await freePort();
  mkdirSync(f(name));
  const cfg = put(
    `${name}/prometheus.yml`,
    `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: tenants\n    static_configs: [{ targets: ["${scrape}"] }]\n`,
  );
  run("prometheus", [
    `--config.file=${cfg}`,
    `--web.config.file=${put(`${name}/web.yml`, web)}`,
    `--storage.tsdb.path=${f(`${name}/data`)}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ]);
  return port;
}

/** Polls until the client reads both tenants' series through whatever sits in front. */
async function until(client: PrometheusClient, query: string, want: number, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  let last = "";
  while (Date.now() < end) {
    try {
      if ((await client.instant(query, { empty: "error" })) === want) return;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${query} did not reach ${want} within ${ms} ms (${last})`);
}

const clients: PrometheusClient[] = [];
function client(o: Partial<PrometheusOptions> & { url: string }): PrometheusClient {
  const c = new PrometheusClient({ timeoutSeconds: 3, maxConcurrency: 2, ...o });
  clients.push(c);
  return c;
}

/** The read fails with a message matching `want`, in which no secret appears. */
async function refused(c: PrometheusClient, want: RegExp, secrets: readonly string[] = []): Promise<void> {
  await assert.rejects(c.instant(QUERY, { empty: "zero" }), (e: Error) => {
    assert.match(e.message, want);
    for (const s of secrets) assert.ok(!e.message.includes(s), `${e.message} shows a credential`);
    return true;
  });
}

describe("Prometheus source against servers that demand credentials, certificates and a tenant", () => {
  const exporter = new Exporter();
  let basicUrl = "";
  let tlsUrl = "";
  let gatewayUrl = "";
  let proxyUrl = "";
  let nginx: ChildProcess | undefined;
  let gatewayDir = "";

  const basicWeb = (password: string): string =>
    `basic_auth_users:\n  scaler: ${JSON.stringify(HASHES[password])}\n`;
  /** nginx: which bearer tokens it knows, and which tenant each may read. */
  const gatewayTokens = (grants: Readonly<Record<string, string>>): void => {
    const known = Object.keys(grants).map((t) => `"Bearer ${t}" 1;`);
    const allowed = Object.entries(grants).map(([t, tenant]) => `"Bearer ${t}|${tenant}" 1;`);
    writeFileSync(join(gatewayDir, "known.map"), `${known.join("\n")}\n`);
    writeFileSync(join(gatewayDir, "allowed.map"), `${allowed.join("\n")}\n`);
  };

  before(async () => {
    certs.set("prom");
    certs.set("other"); // a CA Prometheus does not trust, and its client certificate
    for (const [tenant, v] of Object.entries(LOAD))
      exporter.values.set(`mlas_tenant_load{tenant="${tenant}"}`, v);
    await exporter.start();
    const target = `127.0.0.1:${exporter.port}`;

    basicUrl = `http://127.0.0.1:${await prometheus("basic", basicWeb("scaler-pw-one"), target)}`;
    const tlsWeb = [
      "tls_server_config:",
      `  cert_file: ${f("prom-server.crt")}`,
      `  key_file: ${f("prom-server.key")}`,
      "  client_auth_type: RequireAndVerifyClientCert",
      `  client_ca_file: ${f("prom-ca.crt")}`,
      "",
    ].join("\n");
    tlsUrl = `https://127.0.0.1:${await prometheus("tls", tlsWeb, target)}`;
    const openPort = await prometheus("open", "{}\n", target);

    const proxyPort = await freePort();
    run(join(root, ".tools/bin/prom-label-proxy"), [
      `-insecure-listen-address=127.0.0.1:${proxyPort}`,
      `-upstream=http://127.0.0.1:${openPort}`,
      "-label=tenant",
      "-header-name=X-Scope-OrgID",
    ]);
    proxyUrl = `http://127.0.0.1:${proxyPort}`;
    gatewayDir = f("gateway");
    mkdirSync(gatewayDir);
    gatewayTokens({ "tok-a": "team-a" });
    const gatewayPort = await freePort();
    writeFileSync(
      join(gatewayDir, "nginx.conf"),
      [
        "worker_processes 1;",
        "daemon off;",
        `pid ${gatewayDir}/nginx.pid;`,
        `error_log ${gatewayDir}/error.log warn;`,
        "events { worker_connections 64; }",
        "http {",
        "  access_log off;",
        `  client_body_temp_path ${gatewayDir}/body;`,
        `  proxy_temp_path ${gatewayDir}/proxy;`,
        `  fastcgi_temp_path ${gatewayDir}/fastcgi;`,
        `  uwsgi_temp_path ${gatewayDir}/uwsgi;`,
        `  scgi_temp_path ${gatewayDir}/scgi;`,
        `  map $http_authorization $known { default 0; include ${gatewayDir}/known.map; }`,
        `  map "$http_authorization|$http_x_scope_orgid" $allowed { default 0; include ${gatewayDir}/allowed.map; }`,
        "  server {",
        `    listen 127.0.0.1:${gatewayPort};`,
        "    location / {",
        "      if ($known = 0) { return 401; }",
        "      if ($allowed = 0) { return 403; }",
        "      proxy_buffering off;",
        `      proxy_pass http://127.0.0.1:${proxyPort};`,
        "    }",
        "  }",
        "}",
        "",
      ].join("\n"),
    );
    nginx = run("nginx", [
      "-p",
      gatewayDir,
      "-e",
      join(gatewayDir, "error.log"),
      "-c",
      join(gatewayDir, "nginx.conf"),
    ]);
    gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

    const all = LOAD["team-a"] + LOAD["team-b"];
    await until(
      client({
        url: basicUrl,
        basicAuth: { usernameFile: put("u", "scaler"), passwordFile: put("p0", "scaler-pw-one") },
      }),
      QUERY,
      all,
    );
    await until(
      client({
        url: tlsUrl,
        tls: { caFile: f("prom-ca.crt"), certFile: f("prom-client.crt"), keyFile: f("prom-client.key") },
      }),
      QUERY,
      all,
    );
    await until(
      client({
        url: gatewayUrl,
        bearerTokenFile: put("t0", "tok-a"),
        headers: { "X-Scope-OrgID": "team-a" },
      }),
      QUERY,
      LOAD["team-a"],
    );
  });

  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) {
              resolve();
              return;
            }
            p.once("exit", () => {
              resolve();
            });
            p.kill(p === nginx ? "SIGQUIT" : "SIGTERM");
          }),
      ),
    );
    await exporter.stop();
  });

  describe("basic auth (Prometheus --web.config.file)", () => {
    it("the right password reads the value", async () => {
      const c = client({
        url: basicUrl,
        basicAuth: { usernameFile: put("user", "scaler\n"), passwordFile: put("pw", "scaler-pw-one\n") },
      });
      assert.equal(await c.instant(QUERY, { empty: "error" }), 14);
    });

    it("a wrong password is a 401 naming basicAuth, without the password", async () => {
      const c = client({
        url: basicUrl,
        basicAuth: { usernameFile: put("user", "scaler"), passwordFile: put("bad-pw", "not-the-password") },
      });
      await refused(
        c,
        /^prometheus: HTTP 401.*: the server refused the credentials of sources\.prometheus\.basicAuth$/,
        ["not-the-password"],
      );
    });

    it("no credentials: a 401 that says none are set", async () => {
      await refused(client({ url: basicUrl }), /HTTP 401.*the server asks for credentials and none are set/);
    });

    it("a password changed on the server and then in the file: recovers at the next read, same client", async () => {
      const pw = put("rotating-pw", "scaler-pw-one");
      const c = client({
        url: basicUrl,
        basicAuth: { usernameFile: put("user", "scaler"), passwordFile: pw },
      });
      assert.equal(await c.instant(QUERY, { empty: "error" }), 14);
      writeFileSync(f("basic/web.yml"), basicWeb("scaler-pw-two"));
      try {
        await refused(c, /HTTP 401/, ["scaler-pw-one"]);
        writeFileSync(pw, "scaler-pw-two\n");
        await new Promise((r) => setTimeout(r, 1100)); // a refused login's files are read again after 1 s
        assert.equal(await c.instant(QUERY, { empty: "error" }), 14);
      } finally {
        writeFileSync(f("basic/web.yml"), basicWeb("scaler-pw-one"));
      }
    });
  });

  describe("TLS with a private CA and client certificates (mutual TLS)", () => {
    const tls = (over: Record<string, string>): NonNullable<PrometheusOptions["tls"]> => ({
      caFile: f("prom-ca.crt"),
      certFile: f("prom-client.crt"),
      keyFile: f("prom-client.key"),
      ...over,
    });

    it("the CA and a client certificate it signed: reads the value", async () => {
      assert.equal(await client({ url: tlsUrl, tls: tls({}) }).instant(QUERY, { empty: "error" }), 14);
    });

    it("serverName: the certificate is checked against it, not the url's IP address", async () => {
      assert.equal(
        await client({ url: tlsUrl, tls: tls({ serverName: "localhost" }) }).instant(QUERY, {
          empty: "error",
        }),
        14,
      );
      await refused(
        client({ url: tlsUrl, tls: tls({ serverName: "prometheus.example" }) }),
        /^prometheus: TLS handshake failed \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
      );
    });

    it("without the CA: the server's certificate is not trusted, and the message names tls", async () => {
      await refused(
        client({ url: tlsUrl }),
        /^prometheus: TLS handshake failed \([A-Z_]+\): check sources\.prometheus\.tls/,
      );
    });

    it("without a client certificate: refused by the server", async () => {
      await refused(
        client({ url: tlsUrl, tls: { caFile: f("prom-ca.crt") } }),
        /^prometheus: TLS handshake failed \(ERR_SSL_[A-Z_/]+\): check sources\.prometheus\.tls/,
      );
    });

    it("a client certificate of another CA: refused by the server", async () => {
      await refused(
        client({
          url: tlsUrl,
          tls: tls({ certFile: f("other-client.crt"), keyFile: f("other-client.key") }),
        }),
        /^prometheus: TLS handshake failed \(ERR_SSL_[A-Z_/]+\): check sources\.prometheus\.tls/,
      );
    });

    it("client certificate files replaced by trusted ones: the next read after 1 s uses them, same client", async () => {
      const cert = f("rotating.crt");
      const key = f("rotating.key");
      copyFileSync(f("other-client.crt"), cert);
      copyFileSync(f("other-client.key"), key);
      const c = client({ url: tlsUrl, tls: tls({ certFile: cert, keyFile: key }) });
      await refused(
        c,
        /^prometheus: TLS handshake failed \(ERR_SSL_[A-Z_/]+\): check sources\.prometheus\.tls/,
      );
      copyFileSync(f("prom-client.crt"), cert);
      copyFileSync(f("prom-client.key"), key);
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal(await c.instant(QUERY, { empty: "error" }), 14);
    });
  });

  describe("a bearer-token gateway (nginx) before a tenant-enforcing front (prom-label-proxy)", () => {
    let tokens = 0;
    // The file's name says nothing of the token: a message names the file, never its content.
    const gateway = (token: string, over: Partial<PrometheusOptions> = {}): PrometheusClient =>
      client({ url: gatewayUrl, bearerTokenFile: put(`token-${++tokens}`, `${token}\n`), ...over });
    const reload = async (): Promise<void> => {
      nginx?.kill("SIGHUP");
      await new Promise((r) => setTimeout(r, 500));
    };

    it("the tenant's header reads that tenant's series only", async () => {
      const c = gateway("tok-a", { headers: { "X-Scope-OrgID": "team-a" } });
      assert.equal(await c.instant(QUERY, { empty: "zero" }), LOAD["team-a"]);
    });

    it("the tenant from a header file reads the same", async () => {
      const c = gateway("tok-a", { headerFiles: { "X-Scope-OrgID": put("tenant", "team-a\n") } });
      assert.equal(await c.instant(QUERY, { empty: "zero" }), LOAD["team-a"]);
    });

    it("another tenant than the token's: a 403 error naming the tenant header, never a zero", async () => {
      const c = gateway("tok-a", { headers: { "X-Scope-OrgID": "team-b" } });
      await refused(c, /HTTP 403.*the tenant in sources\.prometheus\.headers/, ["tok-a"]);
    });

    it("no tenant header: an error, never a zero", async () => {
      await refused(gateway("tok-a"), /HTTP 403/);
    });

    it("an unknown token: a 401 naming bearerTokenFile, without the token", async () => {
      const c = gateway("tok-unknown", { headers: { "X-Scope-OrgID": "team-a" } });
      await refused(c, /HTTP 401.*refused the credentials of sources\.prometheus\.bearerTokenFile/, [
        "tok-unknown",
      ]);
    });

    it("the token rotated at the gateway and then in the file: recovers at the next read, same client", async () => {
      const token = put("rotating-token", "tok-a");
      const c = client({ url: gatewayUrl, bearerTokenFile: token, headers: { "X-Scope-OrgID": "team-a" } });
      assert.equal(await c.instant(QUERY, { empty: "zero" }), LOAD["team-a"]);
      gatewayTokens({ "tok-a2": "team-a" });
      await reload();
      try {
        await refused(c, /HTTP 401/, ["tok-a"]);
        writeFileSync(token, "tok-a2\n");
        await new Promise((r) => setTimeout(r, 1100));
        assert.equal(await c.instant(QUERY, { empty: "zero" }), LOAD["team-a"]);
      } finally {
        gatewayTokens({ "tok-a": "team-a" });
        await reload();
      }
    });
  });

  describe("the whole scaler through the gateway", () => {
    /** The scaler's view of its one service after its first decisions, reading as `tenant` with tok-a. */
    async function scalerAs(tenant: string): Promise<ServiceSnapshot | undefined> {
      const config = put(
        `scaler-${tenant}.yaml`,
        `sources:
  prometheus:
    url: "${gatewayUrl}"
    bearerTokenFile: "${put("scaler-token", "tok-a\n")}"
    headers: { X-Scope-OrgID: ${tenant} }
  refreshSeconds: 1
predictiveScaling: { enabled: false }
services:
  api:
    minReplicas: 0
    maxReplicas: 20
    readyReplicasQuery: vector(1)
    triggers:
      load: { source: prometheus, query: "${QUERY}", target: 1, kind: extensive, arrival: true }
`,
      );
      const running = await startServer({
        config,
        grpcPort: 0,
        httpPort: 0,
        host: "127.0.0.1",
        log: silentLogger,
      });
      try {
        // Until a valid decision, or a decision made while the signal failed.
        const settled = (x: ServiceSnapshot | undefined): boolean =>
          x?.decision?.valid === true ||
          (x?.decision !== undefined && (x.signals.get("load")?.errors ?? 0) > 0);
        const end = Date.now() + 15_000;
        let snap = running.loop.snapshot().services.get("api");
        while (Date.now() < end && !settled(snap)) {
          await new Promise((r) => setTimeout(r, 100));
          snap = running.loop.snapshot().services.get("api");
        }
        return snap;
      } finally {
        await running.stop();
      }
    }

    it("the tenant's load sets the replicas", async () => {
      const snap = await scalerAs("team-a");
      assert.equal(snap?.signals.get("load")?.reading?.value, LOAD["team-a"]);
      assert.equal(snap?.decision?.valid, true);
      assert.equal(snap?.decision?.desiredReplicas, LOAD["team-a"]);
    });

    it("a tenant the token may not read: a signal error and no valid decision (KEDA's fallback), never zero replicas", async () => {
      const snap = await scalerAs("team-b");
      const load = snap?.signals.get("load");
      assert.equal(load?.reading, undefined);
      assert.match(load?.lastError ?? "", /HTTP 403/);
      assert.equal(snap?.decision?.valid, false);
    });
  });

  describe("the tenant-enforcing front alone (prom-label-proxy)", () => {
    it("each tenant's header reads its own series", async () => {
      for (const [tenant, v] of Object.entries(LOAD))
        assert.equal(
          await client({ url: proxyUrl, headers: { "X-Scope-OrgID": tenant } }).instant(QUERY, {
            empty: "zero",
          }),
          v,
        );
    });

    it("no tenant header: its HTTP 400 is the error, never a zero", async () => {
      await refused(client({ url: proxyUrl }), /HTTP 400.*missing HTTP header \\?"X-Scope-Orgid\\?"/i);
    });
  });
});
