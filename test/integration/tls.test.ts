// Transport security on the gRPC port: TLS and mutual TLS with certificates generated here.
// A client that does not trust the CA, or presents no (or a foreign) client certificate under
// mutual TLS, is refused; plaintext is refused on a TLS port; plaintext mode is explicit in config.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { jsonLogger, silentLogger } from "../../src/service/log.ts";
import { FakeUpstream, vector } from "../unit/signals/fake-upstream.ts";
import { Certs } from "./certs.ts";
import { askIsActive, tlsScalerClient } from "./tls-client.ts";

const dir = mkdtempSync(join(tmpdir(), "mlas-tls-"));
const certs = new Certs(dir);
const f = (n: string): string => certs.file(n);

async function isActive(port: number, creds: grpc.ChannelCredentials): Promise<boolean> {
  const c = tlsScalerClient(port, creds);
  try {
    return await askIsActive(c, 3000);
  } finally {
    c.close();
  }
}

async function serve(config: string, logs?: string[]): Promise<Running> {
  const path = f(`config-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, config);
  const r = await startServer({
    config: path,
    grpcPort: 0,
    httpPort: 0,
    host: "127.0.0.1",
    log: logs ? jsonLogger("info", (l) => logs.push(l)) : silentLogger,
  });
  const until = Date.now() + 10_000;
  while (!r.loop.ready() && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
  return r;
}

describe("gRPC transport security", () => {
  const up = new FakeUpstream();
  let mtls: Running;
  let tls: Running;
  let plain: Running;
  const plainLogs: string[] = [];
  const base = (): string =>
    `sources:\n  prometheus: { url: "${up.url}" }\npredictiveScaling: { enabled: false }\nservices:\n  api:\n    triggers:\n      rps: { source: prometheus, query: "sum(x)", target: 10, kind: extensive }\n`;

  before(async () => {
    certs.set("a");
    certs.set("b"); // a foreign CA and its certificates
    up.reply = { body: vector("15") };
    await up.start();
    mtls = await serve(
      `${base()}server:\n  tls: { certFile: "${f("a-server.crt")}", keyFile: "${f("a-server.key")}", caFile: "${f("a-ca.crt")}", requireClientCert: true }\n`,
    );
    tls = await serve(
      `${base()}server:\n  tls: { certFile: "${f("a-server.crt")}", keyFile: "${f("a-server.key")}" }\n`,
    );
    plain = await serve(base(), plainLogs);
  });
  after(async () => {
    await Promise.all([mtls.stop(), tls.stop(), plain.stop()]);
    await up.stop();
  });

  const creds = (ca: string | null, client?: string): grpc.ChannelCredentials =>
    grpc.credentials.createSsl(
      ca ? readFileSync(f(`${ca}-ca.crt`)) : null,
      client ? readFileSync(f(`${client}-client.key`)) : null,
      client ? readFileSync(f(`${client}-client.crt`)) : null,
    );

  it("mutual TLS: KEDA with the CA and its client certificate is served", async () => {
    assert.equal(await isActive(mtls.grpcPort, creds("a", "a")), true);
  });
  it("mutual TLS: a client without a certificate is refused", async () => {
    await assert.rejects(
      isActive(mtls.grpcPort, creds("a")),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
    );
  });
  it("mutual TLS: a client certificate from another CA is refused", async () => {
    await assert.rejects(
      isActive(mtls.grpcPort, creds("a", "b")),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
    );
  });
  it("a client that does not trust the server's CA refuses the connection", async () => {
    await assert.rejects(
      isActive(tls.grpcPort, creds("b")),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
    );
  });
  it("server TLS: a client trusting the CA is served", async () => {
    assert.equal(await isActive(tls.grpcPort, creds("a")), true);
  });
  it("plaintext is refused on a TLS port", async () => {
    await assert.rejects(
      isActive(tls.grpcPort, grpc.credentials.createInsecure()),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
    );
  });
  it("plaintext is explicit: a config without server.tls serves plaintext and logs that it does", async () => {
    assert.equal(await isActive(plain.grpcPort, grpc.credentials.createInsecure()), true);
    assert.ok(plainLogs.some((l) => l.includes("gRPC is plaintext (server.tls is not set)")));
  });
  it("a TLS config naming a missing file fails at start-up, naming it", async () => {
    await assert.rejects(
      serve(
        `${base()}server:\n  tls: { certFile: "${f("missing.crt")}", keyFile: "${f("a-server.key")}" }\n`,
      ),
      /missing\.crt/,
    );
  });

  /** `mlas <args>` as a user runs it: exit code and stderr. */
  const cli = (...args: string[]): { status: number | null; stderr: string } => {
    const r = spawnSync(
      process.execPath,
      [new URL("../../src/cli/main.ts", import.meta.url).pathname, ...args],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    return { status: r.status, stderr: r.stderr };
  };
  const tlsConfig = (t: string): string => {
    const path = f(`config-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      path,
      `${base()}server:\n  grpcPort: 0\n  httpPort: 0\n  bindAddress: 127.0.0.1\n  tls: { ${t} }\n`,
    );
    return path;
  };
  const badTls: [name: string, tls: () => string, names: RegExp][] = [
    [
      "a missing certificate",
      () => `certFile: "${f("missing.crt")}", keyFile: "${f("a-server.key")}"`,
      /server\.tls\.certFile: cannot read .*missing\.crt: ENOENT/,
    ],
    [
      "a garbage certificate",
      () => `certFile: "${f("garbage.pem")}", keyFile: "${f("a-server.key")}"`,
      /server\.tls\.certFile: .*garbage\.pem holds no PEM certificate/,
    ],
    [
      "a garbage key",
      () => `certFile: "${f("a-server.crt")}", keyFile: "${f("garbage.pem")}"`,
      /server\.tls\.keyFile: .*garbage\.pem holds no usable private key/,
    ],
    [
      "a key of another certificate",
      () => `certFile: "${f("a-server.crt")}", keyFile: "${f("b-server.key")}"`,
      /server\.tls\.keyFile: .*b-server\.key is not the private key of the certificate/,
    ],
    [
      "a garbage CA with requireClientCert",
      () =>
        `certFile: "${f("a-server.crt")}", keyFile: "${f("a-server.key")}", caFile: "${f("garbage.pem")}", requireClientCert: true`,
      /server\.tls\.caFile: .*garbage\.pem holds no PEM certificate/,
    ],
  ];
  for (const [name, t, names] of badTls) {
    it(`${name}: serve exits 1 with one line naming the file; validate reports it too`, () => {
      writeFileSync(f("garbage.pem"), "not a certificate\n");
      const config = tlsConfig(t());
      const served = cli("serve", "-c", config);
      assert.equal(served.status, 1, served.stderr);
      assert.equal(served.stderr.trim().split("\n").length, 1, served.stderr);
      assert.match(served.stderr, names);
      const validated = cli("validate", "-c", config);
      assert.equal(validated.status, 1, validated.stderr);
      assert.match(validated.stderr, names);
    });
  }

  it("a port in use: serve exits 1 with one line naming the port, for gRPC and for HTTP", () => {
    const config = f("config-ports.yaml");
    writeFileSync(config, base());
    for (const [flag, port, what] of [
      ["--grpc-port", plain.grpcPort, "gRPC"],
      ["--http-port", plain.httpPort, "HTTP"],
    ] as const) {
      const other = flag === "--grpc-port" ? "--http-port" : "--grpc-port";
      const r = cli("serve", "-c", config, "--bind-address", "127.0.0.1", flag, String(port), other, "0");
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^mlas: ${what} port ${port} on 127\\.0\\.0\\.1: in use`));
    }
  });

  it("server.bindAddress is where both ports listen (and only there)", async () => {
    const path = f("config-bind.yaml");
    writeFileSync(path, `${base()}server:\n  bindAddress: 127.0.0.2\n`);
    const r = await startServer({
      config: path,
      grpcPort: 0,
      httpPort: 0,
      log: silentLogger,
      startLoop: false,
    });
    try {
      const reach = (host: string, port: number): Promise<boolean> =>
        new Promise((resolve) => {
          const s = connect(port, host);
          s.on("connect", () => {
            s.destroy();
            resolve(true);
          });
          s.on("error", () => {
            resolve(false);
          });
        });
      for (const port of [r.grpcPort, r.httpPort]) {
        assert.equal(await reach("127.0.0.2", port), true);
        assert.equal(await reach("127.0.0.1", port), false);
      }
    } finally {
      await r.stop();
    }
  });
});
