// mlas serve --bind-address with an address this host does not have: the reason is said as it is
// (not "in use"), in one line, exit 1.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-bind-"));
const config = join(dir, "c.yaml");
writeFileSync(
  config,
  `sources:
  prometheus:
    url: http://127.0.0.1:9
services:
  a:
    minReplicas: 1
    maxReplicas: 2
    triggers:
      rps: { source: prometheus, query: "sum(x)", target: 10, kind: extensive }
`,
);

describe("mlas serve --bind-address that is not this host's", () => {
  // Documentation ranges (RFC 5737, RFC 3849): never assigned to a host.
  for (const address of ["192.0.2.1", "2001:db8::1"])
    it(`${address}: "address not available", one line, exit 1`, () => {
      const r = spawnSync(
        process.execPath,
        [
          join(root, "src/cli/main.ts"),
          "serve",
          "-c",
          config,
          "--bind-address",
          address,
          "--grpc-port",
          "0",
          "--http-port",
          "0",
        ],
        { encoding: "utf8", timeout: 30_000 },
      );
      assert.equal(r.status, 1, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      // Without IPv6 on the host, the IPv6 address is refused for its family instead.
      assert.match(
        r.stderr,
        /^mlas: gRPC port 0 on .*: (address not available on this host|address family not supported)/,
      );
      assert.doesNotMatch(r.stderr, /in use/);
    });
});

after(() => {
  rmSync(dir, { recursive: true });
});
