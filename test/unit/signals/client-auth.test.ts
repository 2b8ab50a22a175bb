// What the Prometheus source sends, read from a local server that records each request's headers
// (fault injection and bookkeeping only; test/integration/prometheus-auth.test.ts runs the real
// servers): the Authorization header from a token file or basic auth, extra headers, files re-read
// when their check is due (a scripted clock, no sleeps), at once after a 401, and every failure said
// in terms of the config without the credential in it.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { checkClientFiles } from "../../../src/signals/client-auth.ts";
import { PrometheusClient, type PrometheusOptions } from "../../../src/signals/prometheus.ts";
import { RabbitCredentials } from "../../../src/signals/rabbitmq.ts";
import { FILE_CHECK_MS, REFUSED_CHECK_MS } from "../../../src/signals/secret-files.ts";
import { FakeUpstream, vector } from "./fake-upstream.ts";

const dir = mkdtempSync(join(tmpdir(), "mlas-client-auth-"));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe("Prometheus source: credentials and headers", () => {
  const up = new FakeUpstream();
  let now = 0;
  const clock = (): number => now;
  const client = (o: Partial<PrometheusOptions>, env: NodeJS.ProcessEnv = {}): PrometheusClient =>
    new PrometheusClient({ url: up.url, timeoutSeconds: 1, maxConcurrency: 2, ...o }, env, {}, clock);
  const sent = (): string | undefined => up.headers.at(-1)?.authorization;

  before(async () => {
    await up.start();
  });
  after(async () => {
    await up.stop();
  });
  beforeEach(() => {
    now = 0;
    up.reply = { body: vector("7") };
  });

  it("a bearer token from a file, without its trailing newline", async () => {
    const c = client({ bearerTokenFile: file("token", "tok-one\n") });
    assert.equal(await c.instant("up", { empty: "error" }), 7);
    assert.equal(sent(), "Bearer tok-one");
    c.close();
  });

  it("a rotated token file is sent once its check is due, not before", async () => {
    const token = file("rotating", "tok-one");
    const c = client({ bearerTokenFile: token });
    await c.instant("up", { empty: "error" });
    writeFileSync(token, "tok-two");
    now += FILE_CHECK_MS - 1;
    await c.instant("up", { empty: "error" });
    assert.equal(sent(), "Bearer tok-one");
    now += 1;
    await c.instant("up", { empty: "error" });
    assert.equal(sent(), "Bearer tok-two");
    c.close();
  });

  it("after a 401 the files are read again within a second; the message names the credential, not its value", async () => {
    const token = file("revoked", "tok-old");
    const c = client({ bearerTokenFile: token });
    up.reply = { status: 401, body: "Unauthorized" };
    await assert.rejects(c.instant("up", { empty: "error" }), (e: Error) => {
      assert.match(
        e.message,
        /HTTP 401: Unauthorized: the server refused the credentials of sources\.prometheus\.bearerTokenFile/,
      );
      assert.ok(!e.message.includes("tok-old"));
      return true;
    });
    writeFileSync(token, "tok-new");
    up.reply = { body: vector("7") };
    now += REFUSED_CHECK_MS;
    assert.equal(await c.instant("up", { empty: "error" }), 7);
    assert.equal(sent(), "Bearer tok-new");
    c.close();
  });

  it("a 401 without credentials says none are set", async () => {
    const c = client({});
    up.reply = { status: 401, body: "Unauthorized" };
    await assert.rejects(
      c.instant("up", { empty: "error" }),
      /the server asks for credentials and none are set/,
    );
    c.close();
  });

  it("a 403 points at the tenant and the credential's rights", async () => {
    const c = client({ headers: { "X-Scope-OrgID": "team-b" } });
    up.reply = { status: 403, body: "forbidden" };
    await assert.rejects(
      c.instant("up", { empty: "error" }),
      /HTTP 403: forbidden: the credentials are not allowed this query \(the tenant in sources\.prometheus\.headers/,
    );
    c.close();
  });

  it("basic auth from files, and from the environment", async () => {
    const fromFiles = client({
      basicAuth: { usernameFile: file("user", "scaler\n"), passwordFile: file("pw", "pä55\n") },
    });
    await fromFiles.instant("up", { empty: "error" });
    assert.equal(sent(), `Basic ${Buffer.from("scaler:pä55").toString("base64")}`);
    fromFiles.close();
    const fromEnv = client(
      { basicAuth: { usernameEnv: "PROM_USER", passwordEnv: "PROM_PW" } },
      {
        PROM_USER: "scaler",
        PROM_PW: "env-pw",
      },
    );
    await fromEnv.instant("up", { empty: "error" });
    assert.equal(sent(), `Basic ${Buffer.from("scaler:env-pw").toString("base64")}`);
    fromEnv.close();
  });

  it("a basic-auth variable that is not set fails at construction, naming it", () => {
    assert.throws(
      () => client({ basicAuth: { usernameEnv: "PROM_USER", passwordEnv: "PROM_PW" } }, { PROM_USER: "x" }),
      /sources\.prometheus\.basicAuth\.passwordEnv: environment variable PROM_PW is not set/,
    );
  });

  it("extra headers and header files on every request, range queries too", async () => {
    const c = client({
      headers: { "X-Scope-OrgID": "team-a" },
      headerFiles: { "X-Api-Key": file("key", "k-1\n") },
    });
    up.reply = () => ({
      body: JSON.stringify({ status: "success", data: { resultType: "matrix", result: [] } }),
    });
    await c.range("up", 0, 60_000, 60);
    assert.equal(up.headers.at(-1)?.["x-scope-orgid"], "team-a");
    assert.equal(up.headers.at(-1)?.["x-api-key"], "k-1");
    c.close();
  });

  const broken: [name: string, o: Partial<PrometheusOptions>, want: RegExp][] = [
    [
      "a missing token file",
      { bearerTokenFile: join(dir, "absent") },
      /sources\.prometheus\.bearerTokenFile: .*absent cannot be read: ENOENT/,
    ],
    [
      "an empty token file",
      { bearerTokenFile: file("empty", "\n") },
      /sources\.prometheus\.bearerTokenFile: .*empty is empty/,
    ],
    [
      "a header file with two lines",
      { headerFiles: { "X-Scope-OrgID": file("two-lines", "a\nX-Evil: 1") } },
      /headerFiles\.X-Scope-OrgID: .* holds a line break or a character outside printable ASCII/,
    ],
  ];
  for (const [name, o, want] of broken)
    it(`${name}: each request fails naming the field until the next read, and nothing is sent`, async () => {
      const c = client(o);
      const before = up.requests.length;
      await assert.rejects(c.instant("up", { empty: "error" }), want);
      now += REFUSED_CHECK_MS - 1;
      await assert.rejects(c.instant("up", { empty: "error" }), want);
      now += 1;
      await assert.rejects(c.instant("up", { empty: "error" }), want);
      assert.equal(up.requests.length, before);
      c.close();
    });

  it("a token file that becomes unreadable fails the reads (not sent without it) until it is back", async () => {
    const token = file("comes-and-goes", "tok-one");
    const c = client({ bearerTokenFile: token });
    await c.instant("up", { empty: "error" });
    writeFileSync(token, "");
    now += FILE_CHECK_MS;
    const before = up.requests.length;
    await assert.rejects(c.instant("up", { empty: "error" }), /bearerTokenFile: .* is empty/);
    await assert.rejects(c.instant("up", { empty: "error" }), /bearerTokenFile: .* is empty/);
    assert.equal(up.requests.length, before);
    writeFileSync(token, "tok-two");
    now += REFUSED_CHECK_MS;
    assert.equal(await c.instant("up", { empty: "error" }), 7);
    assert.equal(sent(), "Bearer tok-two");
    c.close();
  });

  it("checkClientFiles reports every unusable file and variable by its field", () => {
    const issues = checkClientFiles(
      "prometheus",
      "sources.prometheus",
      {
        url: "https://prometheus:9090",
        timeoutSeconds: 5,
        bearerTokenFile: join(dir, "absent"),
        basicAuth: { usernameEnv: "NOPE", passwordFile: file("pw2", "x") },
        headerFiles: { "X-Api-Key": file("blank", "  \n") },
        tls: { caFile: file("not-pem", "hello") },
      },
      {},
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      [
        "sources.prometheus.bearerTokenFile",
        "sources.prometheus.basicAuth.usernameEnv",
        "sources.prometheus.headerFiles.X-Api-Key",
        "sources.prometheus.tls.caFile",
      ],
    );
    assert.match(issues[3]?.message ?? "", /not-pem holds no PEM certificate/);
  });
});

describe("RabbitMQ credentials", () => {
  it("a changed password file is a new login once its check is due; the environment is read once", () => {
    let now = 0;
    const pw = file("rabbit-pw", "one\n");
    const env = { RABBIT_USER: "monitor" };
    const creds = RabbitCredentials.fromConfig(
      { managementUrl: "http://x", timeoutSeconds: 1, usernameEnv: "RABBIT_USER", passwordFile: pw },
      env,
      () => now,
    );
    assert.deepEqual(creds.current(), { login: { username: "monitor", password: "one" }, version: 0 });
    writeFileSync(pw, "two");
    env.RABBIT_USER = "someone-else";
    assert.equal(creds.current().login.password, "one");
    now += FILE_CHECK_MS;
    assert.deepEqual(creds.current(), { login: { username: "monitor", password: "two" }, version: 1 });
    writeFileSync(pw, "three");
    creds.refused();
    now += REFUSED_CHECK_MS;
    assert.deepEqual(creds.current(), { login: { username: "monitor", password: "three" }, version: 2 });
  });

  it("a file that cannot be read fails every call until it can, then the new login counts", () => {
    let now = 0;
    const pw = file("rabbit-pw-gone", "one");
    const creds = RabbitCredentials.fromConfig(
      { managementUrl: "http://x", timeoutSeconds: 1, passwordFile: pw },
      {},
      () => now,
    );
    writeFileSync(pw, "");
    now += FILE_CHECK_MS;
    assert.throws(() => creds.current(), /sources\.rabbitmq\.passwordFile: .* is empty/);
    assert.throws(() => creds.current(), /is empty/);
    writeFileSync(pw, "two");
    now += REFUSED_CHECK_MS;
    assert.deepEqual(creds.current(), { login: { username: "guest", password: "two" }, version: 1 });
  });

  it("a missing file is an error at start-up, naming the field", () => {
    assert.throws(
      () =>
        RabbitCredentials.fromConfig(
          { managementUrl: "http://x", timeoutSeconds: 1, passwordFile: join(dir, "absent") },
          {},
        ),
      /sources\.rabbitmq\.passwordFile: .*absent cannot be read: ENOENT/,
    );
  });
});
