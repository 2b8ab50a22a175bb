// The HTTP endpoints: each route's answer, and no request can stop the process (a bounded fuzz run;
// bench/service-fuzz.bench.ts runs more).

import assert from "node:assert/strict";
import type { Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { createHttpServer, DEFAULT_HTTP_LIMITS, type HttpLimits } from "../../../src/service/http.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { createMetrics, type ScalerMetrics } from "../../../src/service/metrics.ts";
import { buildSources } from "../../../src/signals/registry.ts";
import { fuzzHttp, rawRequest } from "./http-fuzz.ts";

const config = parseConfig({
  sources: { prometheus: { url: "http://127.0.0.1:9" } },
  predictiveScaling: { enabled: false },
  services: {
    a_b: {
      minReplicas: 1,
      maxReplicas: 4,
      triggers: { rps: { source: "prometheus", query: "sum(x)", target: 10, kind: "extensive" } },
    },
  },
});

/** The whole answer to `head`, as latin1 text. */
function rawAnswer(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let got = "";
    s.setEncoding("latin1");
    s.on("data", (d: string) => {
      got += d;
    });
    s.on("error", reject);
    s.on("close", () => {
      resolve(got);
    });
    s.end(head, "latin1");
  });
}

function splitAnswer(answer: string): [head: string, body: string] {
  const at = answer.indexOf("\r\n\r\n");
  return at < 0 ? [answer, ""] : [answer.slice(0, at), answer.slice(at + 4)];
}

function header(head: string, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}: ([^\\r]*)`, "i").exec(head)?.[1];
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => {
      resolve(s);
    });
    s.on("error", () => undefined);
  });
}

function connectionCount(srv: Server): Promise<number> {
  return new Promise((resolve) => {
    srv.getConnections((_e, n) => {
      resolve(n);
    });
  });
}

/** Polls `ok` every 10 ms until it holds (or fails after timeoutMs). */
async function until(ok: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await ok())) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const get = (port: number, path: string): Promise<number | undefined> =>
  rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

describe("HTTP endpoints", () => {
  let server: Server;
  let port: number;
  const loop = new ScalerLoop(config, buildSources(config, {}), silentLogger, () => 0);

  before(async () => {
    server = createHttpServer(loop, createMetrics(loop));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => {
    server.close();
    server.closeAllConnections();
  });

  const table: [path: string, status: number][] = [
    ["/healthz", 200],
    ["/readyz", 503],
    ["/metrics", 200],
    ["/api/v1/services", 200],
    ["/api/v1/services/a%5Fb/forecast", 200],
    ["/api/v1/services/nope/forecast", 404],
    ["/api/v1/services/%/forecast", 400],
    ["/api/v1/services/%E0%A4%A/forecast", 400],
    ["//[", 400],
    ["/nope", 404],
  ];
  for (const [path, status] of table) {
    it(`GET ${path} -> ${String(status)}`, async () => {
      assert.equal(await get(port, path), status);
    });
  }

  it("POST -> 405, naming the methods allowed", async () => {
    const answer = await rawAnswer(port, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert.match(answer, /^HTTP\/1\.1 405 /);
    assert.match(answer, /\r\nallow: GET, HEAD\r\n/i);
  });

  for (const [path, status] of table) {
    it(`HEAD ${path} -> ${String(status)}, the headers GET answers and no body`, async () => {
      const head = await rawAnswer(port, `HEAD ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const get = await rawAnswer(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const [headHead, headBody] = splitAnswer(head);
      const [getHead, getBody] = splitAnswer(get);
      assert.match(headHead, new RegExp(`^HTTP/1\\.1 ${String(status)} `));
      assert.equal(headBody, "", "no body");
      assert.equal(header(headHead, "content-type"), header(getHead, "content-type"));
      const length = Number(header(headHead, "content-length"));
      // /metrics changes between the two requests (it counts them); the others are identical.
      if (path !== "/metrics") assert.equal(length, Buffer.byteLength(getBody, "latin1"));
      else assert.ok(length > 0);
    });
  }

  it("arbitrary requests never stop the server nor hit a handler bug (fuzz, 300 cases)", async () => {
    assert.equal(await fuzzHttp(port, 300, 1313), 300);
  });

  const capped = async (limits: Partial<HttpLimits>): Promise<[Server, number, ScalerMetrics]> => {
    const metrics = createMetrics(loop);
    const srv = createHttpServer(loop, metrics, { limits });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    return [srv, (srv.address() as AddressInfo).port, metrics];
  };
  const closeServer = (srv: Server): void => {
    srv.close();
    srv.closeAllConnections();
  };

  it("at the cap, the connection waiting on its client the longest is let go, unread, and the new one answered", async () => {
    const [srv, p, metrics] = await capped({ maxConnections: 2 });
    const first = await openSocket(p);
    let firstGot = "";
    first.on("data", (d: Buffer) => {
      firstGot += d.toString("latin1");
    });
    first.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    await until(() => connectionCount(srv).then((n) => n === 1));
    const second = await openSocket(p);
    await until(() => connectionCount(srv).then((n) => n === 2));
    assert.equal(await get(p, "/healthz"), 200, "the third connection is answered");
    first.write("\r\n"); // its request completes after it was let go: no answer
    const t0 = performance.now();
    await until(() => first.closed, 3000);
    assert.ok(performance.now() - t0 > 500, "closed after lingering");
    assert.equal(firstGot, "", "nothing read from it after it was let go");
    assert.equal(second.closed, false, "the younger waiting connection stays open");
    assert.match(await metrics.registry.metrics(), /^mlas_http_connections_closed_total 1$/m);
    second.destroy();
    closeServer(srv);
  });

  it("a request whose headers trickle in is closed at the headers deadline, not 30 s later", async () => {
    const [srv, p] = await capped({ headersTimeoutMs: 300, requestTimeoutMs: 600, checkIntervalMs: 100 });
    const s = await openSocket(p);
    s.write("GET /healthz HTTP/1.1\r\n");
    const tick = setInterval(() => s.write("x-slow: a\r\n"), 100);
    const t0 = performance.now();
    try {
      await until(() => s.closed, 3000);
      const ms = performance.now() - t0;
      assert.ok(ms < 1500, `closed after ${ms.toFixed(0)} ms`);
    } finally {
      clearInterval(tick);
      s.destroy();
      closeServer(srv);
    }
  });

  it("/healthz answers 503 with the reason while the process is not alive", async () => {
    let dead: string | undefined = "the gRPC thread has not run for 12 s";
    const srv = createHttpServer(loop, createMetrics(loop), { liveness: () => dead });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const p = (srv.address() as AddressInfo).port;
    const [head, body] = splitAnswer(
      await rawAnswer(p, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    );
    assert.match(head, /^HTTP\/1\.1 503 /);
    assert.equal(body, "the gRPC thread has not run for 12 s\n");
    dead = undefined;
    assert.equal(await get(p, "/healthz"), 200);
    closeServer(srv);
  });

  it("the deadlines are set", async () => {
    const [srv] = await capped({});
    assert.equal(srv.headersTimeout, DEFAULT_HTTP_LIMITS.headersTimeoutMs);
    assert.equal(srv.requestTimeout, DEFAULT_HTTP_LIMITS.requestTimeoutMs);
    assert.equal(srv.keepAliveTimeout, DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs);
    assert.equal(srv.timeout, DEFAULT_HTTP_LIMITS.stalledTimeoutMs);
    closeServer(srv);
  });
});
