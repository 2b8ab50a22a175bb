// sources.prometheus's credentials, headers and TLS: one Authorization header, each header set in
// one place, no credential or transport header in the config, TLS files that go together; and the
// chart's JSON schema rejects the reserved header names the validator rejects.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonSchemaOfField, PROMETHEUS_FIELDS } from "../../../src/config/fields.ts";
import { ConfigError } from "../../../src/config/read.ts";
import { parseConfig } from "../../../src/config/schema.ts";
import { serviceDoc } from "../helpers.ts";

const HTTPS = "https://mimir.example:8080/prometheus";

function issues(prometheus: Record<string, unknown>): string[] {
  try {
    parseConfig({ sources: { prometheus }, services: { api: serviceDoc() } });
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

describe("config: sources.prometheus credentials, headers and TLS", () => {
  it("a full section parses to what was given", () => {
    const c = parseConfig({
      sources: {
        prometheus: {
          url: HTTPS,
          bearerTokenFile: "/etc/mlas/prometheus/auth/token",
          headers: { "X-Scope-OrgID": "team-a" },
          headerFiles: { "X-Api-Key": "/etc/mlas/prometheus/auth/api-key" },
          tls: {
            caFile: "/etc/mlas/prometheus/tls/ca.crt",
            certFile: "/etc/mlas/prometheus/tls/tls.crt",
            keyFile: "/etc/mlas/prometheus/tls/tls.key",
            serverName: "mimir.example",
          },
        },
      },
      services: { api: serviceDoc() },
    });
    const p = c.sources.prometheus;
    assert.equal(p?.bearerTokenFile, "/etc/mlas/prometheus/auth/token");
    assert.deepEqual(p?.headers, { "X-Scope-OrgID": "team-a" });
    assert.deepEqual(p?.headerFiles, { "X-Api-Key": "/etc/mlas/prometheus/auth/api-key" });
    assert.equal(p?.tls?.serverName, "mimir.example");
  });

  it("nothing set: no credentials, no extra headers, no TLS section", () => {
    const c = parseConfig({ sources: { prometheus: { url: HTTPS } }, services: { api: serviceDoc() } });
    const p = c.sources.prometheus;
    assert.deepEqual([p?.headers, p?.headerFiles, p?.basicAuth, p?.tls], [{}, {}, undefined, undefined]);
  });

  const cases: [name: string, prometheus: Record<string, unknown>, want: string[]][] = [
    ["basic auth from files", { url: HTTPS, basicAuth: { usernameFile: "/u", passwordFile: "/p" } }, []],
    [
      "basic auth from the environment",
      { url: HTTPS, basicAuth: { usernameEnv: "U", passwordEnv: "P" } },
      [],
    ],
    [
      "basic auth without a password",
      { url: HTTPS, basicAuth: { usernameFile: "/u" } },
      ["sources.prometheus.basicAuth.passwordFile: set passwordFile or passwordEnv"],
    ],
    [
      "basic auth password from a file and the environment",
      { url: HTTPS, basicAuth: { usernameFile: "/u", passwordFile: "/p", passwordEnv: "P" } },
      ["sources.prometheus.basicAuth.passwordFile: set passwordFile or passwordEnv, not both"],
    ],
    [
      "a bearer token and basic auth",
      { url: HTTPS, bearerTokenFile: "/t", basicAuth: { usernameFile: "/u", passwordFile: "/p" } },
      ["sources.prometheus: sends one Authorization header: set only one of bearerTokenFile, basicAuth"],
    ],
    [
      "a bearer token and credentials in the url",
      { url: "https://u:secret-pw@mimir.example", bearerTokenFile: "/t" },
      [
        "sources.prometheus: sends one Authorization header: set only one of bearerTokenFile, the url's user:password@",
      ],
    ],
    [
      "an Authorization header file and a bearer token",
      { url: HTTPS, bearerTokenFile: "/t", headerFiles: { Authorization: "/a" } },
      [
        "sources.prometheus: sends one Authorization header: set only one of bearerTokenFile, headerFiles.Authorization",
      ],
    ],
    [
      "an Authorization header in the config (a credential in a ConfigMap)",
      { url: HTTPS, headers: { authorization: "Bearer abc" } },
      [
        'sources.prometheus.headers.authorization: is set by the HTTP client or carries a credential, which the config must not hold (use bearerTokenFile, basicAuth or headerFiles), got "authorization"',
      ],
    ],
    [
      "a Host header",
      { url: HTTPS, headers: { HOST: "x" } },
      [
        'sources.prometheus.headers.HOST: is set by the HTTP client or carries a credential, which the config must not hold (use bearerTokenFile, basicAuth or headerFiles), got "HOST"',
      ],
    ],
    [
      "a Content-Length header file",
      { url: HTTPS, headerFiles: { "content-length": "/x" } },
      ['sources.prometheus.headerFiles.content-length: is set by the HTTP client, got "content-length"'],
    ],
    [
      "one header twice in different letter case",
      { url: HTTPS, headers: { "X-Scope-OrgID": "a", "x-scope-orgid": "b" } },
      [
        'sources.prometheus.headers.x-scope-orgid: names the same header as "X-Scope-OrgID" (letter case does not count)',
      ],
    ],
    [
      "one header in headers and headerFiles",
      { url: HTTPS, headers: { "X-Scope-OrgID": "a" }, headerFiles: { "x-scope-orgid": "/t" } },
      [
        'sources.prometheus.headerFiles.x-scope-orgid: is also set in headers (as "X-Scope-OrgID"): set it in one place',
      ],
    ],
    [
      "a header value with a line break",
      { url: HTTPS, headers: { "X-Scope-OrgID": "a\r\nX-Evil: 1" } },
      [
        'sources.prometheus.headers.X-Scope-OrgID: must be printable ASCII on one line, got "a\\r\\nX-Evil: 1"',
      ],
    ],
    [
      "a header name with a space",
      { url: HTTPS, headers: { "X Scope": "a" } },
      [
        "sources.prometheus.headers.X Scope: header name must be an HTTP header name (letters, digits and '-', at most 100), got \"X Scope\"",
      ],
    ],
    [
      "TLS towards an http url",
      { url: "http://prometheus:9090", tls: { caFile: "/ca" } },
      ['sources.prometheus.tls: applies to an https url, got "http://prometheus:9090"'],
    ],
    [
      "a client certificate without its key",
      { url: HTTPS, tls: { certFile: "/c" } },
      [
        "sources.prometheus.tls.keyFile: is required with the other half of the client certificate (certFile and keyFile)",
      ],
    ],
    [
      "a server name that is no DNS name",
      { url: HTTPS, tls: { serverName: "-bad-" } },
      ['sources.prometheus.tls.serverName: must be a DNS name, got "-bad-"'],
    ],
    [
      "an unknown key under basicAuth",
      { url: HTTPS, basicAuth: { password: "pw" } },
      [
        "sources.prometheus.basicAuth.password: unknown key (allowed: usernameFile, passwordFile, usernameEnv, passwordEnv)",
        "sources.prometheus.basicAuth.usernameFile: set usernameFile or usernameEnv",
        "sources.prometheus.basicAuth.passwordFile: set passwordFile or passwordEnv",
      ],
    ],
  ];
  for (const [name, prometheus, want] of cases)
    it(`${name}: ${want.length === 0 ? "accepted" : "rejected"}`, () => {
      assert.deepEqual(issues(prometheus), want);
    });

  it("an error never shows the url's password", () => {
    const all = issues({
      url: "https://u:secret-pw@mimir.example",
      tls: { certFile: "/c" },
      bearerTokenFile: "/t",
    });
    assert.ok(all.length > 0);
    for (const m of all) assert.ok(!m.includes("secret-pw"), m);
  });
});

describe("config: the JSON schema of the header maps", () => {
  const names = (
    f: typeof PROMETHEUS_FIELDS.headers | typeof PROMETHEUS_FIELDS.headerFiles,
  ): {
    pattern: RegExp;
    reserved: RegExp;
  } => {
    const s = jsonSchemaOfField(f) as {
      patternProperties: Record<string, unknown>;
      propertyNames: { not: { pattern: string } };
    };
    const [keys] = Object.keys(s.patternProperties);
    return {
      pattern: new RegExp(keys ?? "(?!)"),
      reserved: new RegExp(s.propertyNames.not.pattern),
    };
  };
  const table: [name: string, headers: boolean, files: boolean][] = [
    ["X-Scope-OrgID", true, true],
    ["Authorization", false, true],
    ["AUTHORIZATION", false, true],
    ["host", false, false],
    ["Transfer-Encoding", false, false],
    ["X Scope", false, false],
  ];
  for (const [name, inHeaders, inFiles] of table)
    it(`${name}: ${inHeaders ? "allowed" : "rejected"} in headers, ${inFiles ? "allowed" : "rejected"} in headerFiles`, () => {
      const h = names(PROMETHEUS_FIELDS.headers);
      const f = names(PROMETHEUS_FIELDS.headerFiles);
      assert.equal(h.pattern.test(name) && !h.reserved.test(name), inHeaders);
      assert.equal(f.pattern.test(name) && !f.reserved.test(name), inFiles);
    });
});
