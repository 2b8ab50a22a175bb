// mlas validate reads the credential, header and certificate files sources.prometheus names, as
// start-up does: each unusable one is a line naming its field; none shows a credential.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runValidate } from "../../../src/cli/validate.ts";

const dir = mkdtempSync(join(tmpdir(), "mlas-validate-files-"));
const put = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

function validate(
  prometheus: string,
  env: NodeJS.ProcessEnv = {},
): { code: number; out: string[]; err: string[] } {
  const file = put(
    `config-${Math.random().toString(36).slice(2)}.yaml`,
    `sources:\n  prometheus:\n${prometheus}\nservices:\n  api:\n    triggers:\n      rps: { source: prometheus, query: "sum(x)", target: 10, kind: extensive }\n`,
  );
  const out: string[] = [];
  const err: string[] = [];
  const code = runValidate(
    [file],
    (s) => out.push(s),
    (s) => err.push(s),
    env,
  );
  return { code, out, err };
}

describe("mlas validate: sources.prometheus files and variables", () => {
  it("usable files: ok", () => {
    const r = validate(
      `    url: "https://mimir:8080"\n    bearerTokenFile: "${put("token", "secret-token-value\n")}"\n    headerFiles: { X-Scope-OrgID: "${put("tenant", "team-a")}" }`,
    );
    assert.equal(r.code, 0, r.err.join("\n"));
  });

  it("a missing token, a basic-auth variable not set, a CA that is no PEM: one line each, exit 1", () => {
    const r = validate(
      [
        `    url: "https://mimir:8080"`,
        `    headerFiles: { X-Api-Key: "${join(dir, "absent-key")}" }`,
        `    basicAuth: { usernameEnv: PROM_USER, passwordFile: "${put("pw", "secret-pw-value")}" }`,
        `    tls: { caFile: "${put("ca.crt", "not a certificate")}" }`,
      ].join("\n"),
    );
    assert.equal(r.code, 1);
    const lines = r.err.slice(1);
    assert.deepEqual(
      lines.map((l) => l.trim().split(":")[0]),
      [
        "sources.prometheus.basicAuth.usernameEnv",
        "sources.prometheus.headerFiles.X-Api-Key",
        "sources.prometheus.tls.caFile",
      ],
    );
    assert.match(r.err.join("\n"), /environment variable PROM_USER is not set/);
    for (const l of r.err) assert.ok(!l.includes("secret-pw-value"), l);
  });

  it("the variable set: ok", () => {
    const r = validate(
      `    url: "http://prometheus:9090"\n    basicAuth: { usernameEnv: PROM_USER, passwordFile: "${put("pw2", "pw")}" }`,
      { PROM_USER: "scaler" },
    );
    assert.equal(r.code, 0, r.err.join("\n"));
  });
});
