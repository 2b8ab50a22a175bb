// Transport security on the gRPC port: TLS and mutual TLS with certificates generated here.
// A client that does not trust the CA, or presents no (or a foreign) client certificate under
// mutual TLS, is refused; plaintext is refused on a TLS port; plaintext mode is explicit in config.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { loadProtos } from "../../src/service/keda-grpc.ts";
import { jsonLogger, silentLogger } from "../../src/service/log.ts";
import { FakeUpstream, vector } from "../unit/signals/fake-upstream.ts";

const dir = mkdtempSync(join(tmpdir(), "mlas-tls-"));
const f = (n: string): string => join(dir, n);
function ssl(args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe", cwd: dir });
}
/** A CA, a server certificate for 127.0.0.1/localhost signed by it, and a client certificate. */
function makeCerts(prefix: string): void {
  ssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${prefix}-ca`,
    "-keyout",
    f(`${prefix}-ca.key`),
    "-out",
    f(`${prefix}-ca.crt`),
  ]);
  for (const who of ["server", "client"]) {
    ssl([
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${prefix}-${who}`,
      "-keyout",
      f(`${prefix}-${who}.key`),
      "-out",
      f(`${prefix}-${who}.csr`),
    ]);
    writeFileSync(
      f(`${prefix}-${who}.ext`),
      who === "server"
        ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
        : "extendedKeyUsage=clientAuth\n",
    );
    ssl([
      "x509",
      "-req",
      "-in",
      f(`${prefix}-${who}.csr`),
      "-CA",
      f(`${prefix}-ca.crt`),
      "-CAkey",
      f(`${prefix}-ca.key`),
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      f(`${prefix}-${who}.ext`),
      "-out",
      f(`${prefix}-${who}.crt`),
    ]);
  }
}

type Client = grpc.Client & {
  IsActive: (
    r: unknown,
    m: grpc.Metadata,
    o: grpc.CallOptions,
    cb: (e: grpc.ServiceError | null, v: { result: boolean }) => void,
  ) => void;
};

function isActive(port: number, creds: grpc.ChannelCredentials): Promise<boolean> {
  const { scaler } = loadProtos();
  const Ctor = (scaler.externalscaler as grpc.GrpcObject).ExternalScaler as grpc.ServiceClientConstructor;
  const c = new Ctor(`127.0.0.1:${port}`, creds, {
    "grpc.ssl_target_name_override": "localhost",
  }) as unknown as Client;
  return new Promise((resolve, reject) => {
    c.IsActive(
      { scalerMetadata: { service: "api" } },
      new grpc.Metadata(),
      { deadline: Date.now() + 3000 },
      (e, v) => {
        c.close();
        if (e) reject(e);
        else resolve(v.result);
      },
    );
  });
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
    makeCerts("a");
    makeCerts("b"); // a foreign CA and its certificates
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
});
