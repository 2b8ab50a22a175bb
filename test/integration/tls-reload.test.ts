// A renewed certificate is served without a restart. The files are laid out as the kubelet mounts a
// Secret (tls.crt -> ..data/tls.crt, ..data -> a timestamped directory) and renewed as it does, by
// an atomic rename of the ..data symlink. New connections get the new certificate (from the same CA
// or from a new one); an established connection stays up; renewed files that are bad are logged
// and the certificate in use is kept.

import assert from "node:assert/strict";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type ConnectionOptions } from "node:tls";
import { after, before, describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { startServer, type Running } from "../../src/cli/serve.ts";
import { jsonLogger } from "../../src/service/log.ts";
import { FakeUpstream, vector } from "../unit/signals/fake-upstream.ts";
import { Certs } from "./certs.ts";
import { askIsActive, tlsScalerClient, type IsActiveClient } from "./tls-client.ts";

const certs = new Certs(mkdtempSync(join(tmpdir(), "mlas-tls-reload-")));
const f = (n: string): string => certs.file(n);
const mount = f("mount");
let generation = 0;

/** Writes a new timestamped directory with the three files and swaps ..data to it, as the kubelet does. */
function publish(files: { cert: string; key: string; ca: string }): void {
  const data = join(mount, `..gen_${++generation}`);
  mkdirSync(data);
  for (const [name, from] of [
    ["tls.crt", files.cert],
    ["tls.key", files.key],
    ["ca.crt", files.ca],
  ] as const)
    copyFileSync(from, join(data, name));
  symlinkSync(`..gen_${generation}`, join(mount, "..data_tmp"));
  renameSync(join(mount, "..data_tmp"), join(mount, "..data"));
}

const fingerprint = (cert: string): string => new X509Certificate(readFileSync(f(cert))).fingerprint256;

/** The fingerprint of the certificate the server presents to a new TLS connection. */
function presented(port: number, ca: string, client: string): Promise<string> {
  const opts: ConnectionOptions = {
    host: "127.0.0.1",
    port,
    servername: "localhost",
    ALPNProtocols: ["h2"],
    ca: readFileSync(f(`${ca}-ca.crt`)),
    key: readFileSync(f(`${client}.key`)),
    cert: readFileSync(f(`${client}.crt`)),
    rejectUnauthorized: false,
  };
  return new Promise((resolve, reject) => {
    const s = connect(opts, () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256 ?? "";
      s.destroy();
      resolve(fp);
    });
    s.on("error", reject);
  });
}

async function presentedEventually(port: number, ca: string, client: string, want: string): Promise<string> {
  const until = Date.now() + 20_000;
  let got = "";
  while (Date.now() < until) {
    got = await presented(port, ca, client).catch(() => "");
    if (got === want) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
  return got;
}

function client(port: number, ca: string, who: string): IsActiveClient {
  return tlsScalerClient(
    port,
    grpc.credentials.createSsl(
      readFileSync(f(`${ca}-ca.crt`)),
      readFileSync(f(`${who}.key`)),
      readFileSync(f(`${who}.crt`)),
    ),
  );
}

const isActive = (c: IsActiveClient): Promise<boolean> => askIsActive(c, 5000);

async function once(port: number, ca: string, who: string): Promise<boolean> {
  const c = client(port, ca, who);
  try {
    return await isActive(c);
  } finally {
    c.close();
  }
}

describe("mutual TLS: certificates renewed on disk are served without a restart", () => {
  const up = new FakeUpstream();
  const logs: string[] = [];
  let server: Running;
  let established: IsActiveClient;
  const states: grpc.connectivityState[] = [];

  before(async () => {
    certs.set("a");
    certs.issue("a-server-renewed", "a", "server");
    certs.set("c"); // a new CA, with its own server and client certificates
    mkdirSync(mount);
    publish({ cert: f("a-server.crt"), key: f("a-server.key"), ca: f("a-ca.crt") });
    for (const name of ["tls.crt", "tls.key", "ca.crt"]) symlinkSync(`..data/${name}`, join(mount, name));
    up.reply = { body: vector("15") };
    await up.start();
    const config = f("config.yaml");
    writeFileSync(
      config,
      `sources:\n  prometheus: { url: "${up.url}" }\npredictiveScaling: { enabled: false }\nservices:\n  api:\n    triggers:\n      rps: { source: prometheus, query: "sum(x)", target: 10, kind: extensive }\n` +
        `server:\n  tls: { certFile: "${join(mount, "tls.crt")}", keyFile: "${join(mount, "tls.key")}", caFile: "${join(mount, "ca.crt")}", requireClientCert: true, reloadCheckSeconds: 1 }\n`,
    );
    server = await startServer({
      config,
      grpcPort: 0,
      httpPort: 0,
      host: "127.0.0.1",
      log: jsonLogger("info", (l) => logs.push(l)),
    });
    const until = Date.now() + 10_000;
    while (!server.loop.ready() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    established = client(server.grpcPort, "a", "a-client");
  });
  after(async () => {
    established.close();
    await server.stop();
    await up.stop();
  });

  it("serves certificate A to KEDA over mutual TLS, on a connection that is then kept open", async () => {
    assert.equal(await presented(server.grpcPort, "a", "a-client"), fingerprint("a-server.crt"));
    assert.equal(await isActive(established), true);
    const channel = established.getChannel();
    assert.equal(channel.getConnectivityState(false), grpc.connectivityState.READY);
    const follow = (state: grpc.connectivityState): void => {
      channel.watchConnectivityState(state, Infinity, () => {
        const next = channel.getConnectivityState(false);
        if (next === grpc.connectivityState.SHUTDOWN) return;
        states.push(next);
        follow(next);
      });
    };
    follow(grpc.connectivityState.READY);
  });

  it("a renewed certificate from the same CA: new connections get it, the established one stays up", async () => {
    publish({ cert: f("a-server-renewed.crt"), key: f("a-server-renewed.key"), ca: f("a-ca.crt") });
    const want = fingerprint("a-server-renewed.crt");
    assert.equal(await presentedEventually(server.grpcPort, "a", "a-client", want), want);
    assert.equal(await once(server.grpcPort, "a", "a-client"), true);
    assert.equal(await isActive(established), true);
    assert.deepEqual(states, [], "the established connection never left READY");
    assert.ok(logs.some((l) => l.includes("TLS files reloaded") && l.includes("a-server-renewed")));
  });

  it("a certificate from a new CA: new clients of the new CA are served, clients of the old CA refused", async () => {
    publish({ cert: f("c-server.crt"), key: f("c-server.key"), ca: f("c-ca.crt") });
    const want = fingerprint("c-server.crt");
    assert.equal(await presentedEventually(server.grpcPort, "c", "c-client", want), want);
    assert.equal(await once(server.grpcPort, "c", "c-client"), true);
    await assert.rejects(
      once(server.grpcPort, "a", "a-client"),
      (e: grpc.ServiceError) => e.code === grpc.status.UNAVAILABLE,
    );
  });

  const bad: [name: string, files: () => { cert: string; key: string; ca: string }, problem: RegExp][] = [
    [
      "a certificate file that holds no certificate",
      () => {
        writeFileSync(f("garbage.pem"), "not a certificate\n");
        return { cert: f("garbage.pem"), key: f("c-server.key"), ca: f("c-ca.crt") };
      },
      /server\.tls\.certFile: .*tls\.crt holds no PEM certificate/,
    ],
    [
      "a key of another certificate",
      () => ({ cert: f("c-server.crt"), key: f("a-server.key"), ca: f("c-ca.crt") }),
      /server\.tls\.keyFile: .*tls\.key is not the private key of the certificate/,
    ],
  ];
  for (const [name, files, problem] of bad) {
    it(`${name}: logged, the certificate in use kept, the process serving`, async () => {
      const before = logs.length;
      publish(files());
      const until = Date.now() + 20_000;
      while (!logs.slice(before).some((l) => problem.test(l)) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      const line = logs.slice(before).find((l) => problem.test(l));
      assert.ok(line, logs.slice(before).join("\n"));
      assert.match(line, /"level":"error".*cannot be used; serving the certificate in use/);
      assert.equal(await presented(server.grpcPort, "c", "c-client"), fingerprint("c-server.crt"));
      assert.equal(await once(server.grpcPort, "c", "c-client"), true);
    });
  }

  it("good files after bad ones are picked up again", async () => {
    publish({ cert: f("a-server.crt"), key: f("a-server.key"), ca: f("a-ca.crt") });
    const want = fingerprint("a-server.crt");
    assert.equal(await presentedEventually(server.grpcPort, "a", "a-client", want), want);
    assert.equal(await once(server.grpcPort, "a", "a-client"), true);
  });
});
