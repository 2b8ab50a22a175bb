// The TLS file watcher, checked by hand (no timers): what it applies and what it logs.

import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { jsonLogger } from "../../../src/service/log.ts";
import { readTlsFiles, type TlsFiles } from "../../../src/service/tls-files.ts";
import { watchTlsFiles, type TlsWatch } from "../../../src/service/tls-reload.ts";
import { Certs } from "../../integration/certs.ts";

describe("TLS file watcher", () => {
  const certs = new Certs(mkdtempSync(join(tmpdir(), "mlas-tls-watch-")));
  const f = (n: string): string => certs.file(n);
  const cfg = {
    certFile: f("tls.crt"),
    keyFile: f("tls.key"),
    requireClientCert: false,
    reloadCheckSeconds: 3600,
  };
  const put = (name: string): void => {
    copyFileSync(f(`${name}.crt`), cfg.certFile);
    copyFileSync(f(`${name}.key`), cfg.keyFile);
  };
  const applied: TlsFiles[] = [];
  const logs: string[] = [];
  let watch: TlsWatch;

  before(() => {
    certs.ca("a");
    certs.issue("one", "a", "server");
    certs.issue("two", "a", "server");
    put("one");
    watch = watchTlsFiles(
      cfg,
      readTlsFiles(cfg),
      (files) => applied.push(files),
      jsonLogger("info", (l) => logs.push(l)),
      cfg.reloadCheckSeconds * 1000,
    );
  });
  after(() => {
    watch.close();
  });

  it("unchanged files: nothing applied, nothing logged", () => {
    watch.check();
    assert.equal(applied.length, 0);
    assert.deepEqual(logs, []);
  });
  it("a new certificate and key: applied once, logged with its subject", () => {
    put("two");
    watch.check();
    watch.check();
    assert.equal(applied.length, 1);
    assert.match(applied[0]?.cert.toString() ?? "", /BEGIN CERTIFICATE/);
    assert.equal(logs.filter((l) => l.includes("TLS files reloaded") && l.includes("CN=two")).length, 1);
  });
  it("a bad key: not applied, logged once however often it is checked", () => {
    writeFileSync(cfg.keyFile, "not a key\n");
    watch.check();
    watch.check();
    assert.equal(applied.length, 1);
    const errors = logs.filter((l) => l.includes('"level":"error"'));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0] ?? "", /server\.tls\.keyFile: .*holds no usable private key/);
    assert.match(errors[0] ?? "", /CN=two/, "names the certificate still in use");
  });
  it("good files again: applied", () => {
    put("one");
    watch.check();
    assert.equal(applied.length, 2);
  });
});
