// The service's own config checks: bind address, HTTP connection cap, size limits, read deadlines
// that must fit the staleness bound, and URL userinfo kept out of every message.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError } from "../../../src/config/read.ts";
import { jsonLogger } from "../../../src/service/log.ts";
import { MAX_CONFIG_BYTES, MAX_SERVICES, parseConfig, parseConfigText } from "../../../src/config/schema.ts";
import { serviceDoc } from "../helpers.ts";

const base = { sources: { prometheus: { url: "http://p:9090" } }, services: { s: serviceDoc() } };

function issues(doc: unknown): { path: string; message: string }[] {
  try {
    parseConfig(doc);
    return [];
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.issues.map((i) => ({ path: i.path, message: i.message }));
  }
}

describe("config: server and limits", () => {
  it("defaults: bind 0.0.0.0, at most 64 HTTP connections", () => {
    const c = parseConfig(base);
    assert.equal(c.server.bindAddress, "0.0.0.0");
    assert.equal(c.server.httpMaxConnections, 64);
  });

  const good: [string, unknown][] = [
    ["IPv4 loopback", "127.0.0.1"],
    ["IPv6 any", "::"],
    ["IPv6 loopback", "::1"],
  ];
  for (const [name, v] of good)
    it(`bindAddress ${name} is accepted`, () => {
      assert.equal(parseConfig({ ...base, server: { bindAddress: v } }).server.bindAddress, v);
    });

  const cases: [name: string, doc: unknown, path: string, message: RegExp][] = [
    [
      "bindAddress a hostname",
      { ...base, server: { bindAddress: "localhost" } },
      "server.bindAddress",
      /must be an IP address.*"localhost"/,
    ],
    [
      "bindAddress out of range",
      { ...base, server: { bindAddress: "999.1.1.1" } },
      "server.bindAddress",
      /must be an IP address/,
    ],
    [
      "httpMaxConnections 0",
      { ...base, server: { httpMaxConnections: 0 } },
      "server.httpMaxConnections",
      /must be >= 1/,
    ],
    [
      "too many services",
      {
        sources: base.sources,
        services: Object.fromEntries(
          Array.from({ length: MAX_SERVICES + 1 }, (_, i) => [`s${i}`, serviceDoc()]),
        ),
      },
      "services",
      new RegExp(`at most ${MAX_SERVICES} services, got ${MAX_SERVICES + 1}`),
    ],
    [
      "a Prometheus timeout that cannot fit the staleness bound",
      {
        ...base,
        sources: {
          prometheus: { url: "http://p:9090", timeoutSeconds: 60 },
          refreshSeconds: 5,
          maxStalenessSeconds: 60,
        },
      },
      "sources.prometheus.timeoutSeconds",
      /60s plus refreshSeconds \(5s\) must fit in maxStalenessSeconds \(60s\)/,
    ],
    [
      "a RabbitMQ timeout that cannot fit the staleness bound",
      {
        ...base,
        sources: {
          ...base.sources,
          rabbitmq: { timeoutSeconds: 30 },
          staleAfterSeconds: 10,
          maxStalenessSeconds: 20,
        },
      },
      "sources.rabbitmq.timeoutSeconds",
      /must fit in maxStalenessSeconds \(20s\)/,
    ],
  ];
  for (const [name, doc, path, message] of cases)
    it(name, () => {
      const got = issues(doc);
      assert.ok(
        got.some((i) => i.path === path && message.test(i.message)),
        `no issue at ${path} matching ${String(message)}; got ${JSON.stringify(got)}`,
      );
    });

  it("a config text over the size limit is refused before parsing", () => {
    assert.throws(
      () => parseConfigText(`# ${"x".repeat(MAX_CONFIG_BYTES)}\n`, "big.yaml"),
      (e: unknown) => e instanceof ConfigError && /big.yaml: is \d+ characters; at most/.test(e.message),
    );
  });

  it("a URL with userinfo that fails validation is printed without its userinfo", () => {
    const got = issues({
      ...base,
      sources: { prometheus: { url: "http://admin:hunter2@prom :9090" } },
    });
    const text = JSON.stringify(got);
    assert.match(text, /sources\.prometheus\.url/);
    assert.doesNotMatch(text, /hunter2|admin/);
    assert.match(text, /http:\/\/\*\*\*@prom/);
  });

  it("log lines carry no URL userinfo, whatever field it arrives in", () => {
    const lines: string[] = [];
    jsonLogger("info", (l) => lines.push(l)).warn("signal read failed", {
      error: "prometheus: GET http://admin:hunter2@prom:9090/api/v1/query failed",
    });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0] ?? "", /hunter2/);
    assert.match(lines[0] ?? "", /http:\/\/\*\*\*@prom:9090/);
  });
});
