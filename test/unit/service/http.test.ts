// The HTTP endpoints: each route's answer, and no request can stop the process (a bounded fuzz run;
// bench/service-fuzz.bench.ts runs more).

import assert from "node:assert/strict";
import type { Server } from "node:http";
import { connect, type AddressInfo, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { parseConfig } from "../../../src/config/schema.ts";
import { createHttpServer, DEFAULT_HTTP_LIMITS } from "../../../src/service/http.ts";
import { silentLogger } from "../../../src/service/log.ts";
import { ScalerLoop } from "../../../src/service/loop.ts";
import { createMetrics } from "../../../src/service/metrics.ts";
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

  it("POST -> 405", async () => {
    assert.equal(
      await rawRequest(port, "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
      405,
    );
  });

  it("arbitrary requests never stop the server nor hit a handler bug (fuzz, 300 cases)", async () => {
    assert.equal(await fuzzHttp(port, 300, 1313), 300);
  });

  it("connections beyond the cap are refused while the others are served; timeouts are set", async () => {
    const capped = createHttpServer(loop, createMetrics(loop), undefined, undefined, silentLogger, {
      maxConnections: 2,
    });
    await new Promise<void>((r) => capped.listen(0, "127.0.0.1", r));
    const p = (capped.address() as AddressInfo).port;
    const idle = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect(p, "127.0.0.1", () => {
              resolve(s);
            });
          }),
      ),
    );
    const open = (): Promise<number> =>
      new Promise((resolve) => {
        capped.getConnections((_e, n) => {
          resolve(n);
        });
      });
    for (let i = 0; i < 100 && (await open()) < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await get(p, "/healthz"), undefined, "a third connection is closed unanswered");
    for (const s of idle) s.destroy();
    for (let i = 0; i < 100 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await get(p, "/healthz"), 200);
    assert.equal(capped.headersTimeout, DEFAULT_HTTP_LIMITS.headersTimeoutMs);
    assert.equal(capped.requestTimeout, DEFAULT_HTTP_LIMITS.requestTimeoutMs);
    assert.equal(capped.keepAliveTimeout, DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs);
    capped.close();
    capped.closeAllConnections();
  });
});
