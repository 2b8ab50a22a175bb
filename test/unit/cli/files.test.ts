// The command line on files that are not what they seem: devices and named pipes given as a config
// or a trace are refused at once (they never end), UTF-16 text gets its hint, and --report names a
// place that can really be written before the run starts, or the run says in one line why not.

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import { OutputError, writeOutputFile } from "../../../src/cli/output-file.ts";
import { loadTrace, TraceError } from "../../../src/traces/parse.ts";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-files-"));
const fifo = join(dir, "fifo");
const trace = join(dir, "t.csv");
const config = join(root, "examples/orchestrator.yaml");

/** Runs mlas; a command that hangs is killed after 30 s (status null). */
function mlas(...args: string[]): { status: number | null; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [join(root, "src/cli/main.ts"), ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

before(() => {
  execFileSync("mkfifo", [fifo]);
  const rows = ["timestamp,requests"];
  for (let m = 0; m < 2 * 1440; m++)
    rows.push(`${new Date(Date.parse("2026-01-05T00:00:00Z") + m * 60_000).toISOString()},${10 + (m % 7)}`);
  writeFileSync(trace, `${rows.join("\n")}\n`);
});

describe("mlas on a device or a named pipe: refused at once, one line, exit 1", () => {
  const cases: [name: string, args: () => string[], says: RegExp][] = [
    [
      "validate --config /dev/zero",
      () => ["validate", "--config", "/dev/zero"],
      /is a character device, not a regular file/,
    ],
    [
      "validate --config a FIFO",
      () => ["validate", "--config", fifo],
      /is a named pipe \(FIFO\), not a regular file/,
    ],
    [
      "simulate --trace /dev/urandom",
      () => ["simulate", "--trace", "/dev/urandom", "--config", config],
      /\/dev\/urandom: is a character device, not a regular file/,
    ],
    [
      "simulate --config a FIFO",
      () => ["simulate", "--trace", trace, "--config", fifo],
      /is a named pipe \(FIFO\), not a regular file/,
    ],
    [
      "forecast-eval --trace a FIFO",
      () => ["forecast-eval", "--trace", fifo],
      /is a named pipe \(FIFO\), not a regular file/,
    ],
    [
      "forecast-eval --trace /dev/zero",
      () => ["forecast-eval", "--trace", "/dev/zero"],
      /is a character device, not a regular file/,
    ],
  ];
  for (const [name, args, says] of cases)
    it(name, () => {
      const r = mlas(...args());
      assert.equal(r.status, 1, `exit ${String(r.status)} after ${r.ms} ms: ${r.stderr}`);
      assert.match(r.stderr, says);
      assert.equal(r.stderr.trim().split("\n").length <= 2, true, r.stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack");
    });
});

describe("UTF-16 text is named as such: save it as UTF-8", () => {
  const text = `timestamp,requests\n2026-01-05T00:00:00Z,1\n2026-01-05T00:01:00Z,2\n`;
  const bom = (b: number[], body: Buffer): Buffer => Buffer.concat([Buffer.from(b), body]);
  const le = Buffer.from(text, "utf16le");
  const be = Buffer.from(le).swap16();
  const cases: [name: string, bytes: Buffer, says: RegExp][] = [
    [
      "little-endian with a byte-order mark",
      bom([0xff, 0xfe], le),
      /UTF-16 \(little-endian, with a byte-order mark\): save it as UTF-8/,
    ],
    [
      "big-endian with a byte-order mark",
      bom([0xfe, 0xff], be),
      /UTF-16 \(big-endian, with a byte-order mark\): save it as UTF-8/,
    ],
    [
      "little-endian without one",
      le,
      /UTF-16 \(little-endian, without a byte-order mark\): save it as UTF-8/,
    ],
    ["big-endian without one", be, /UTF-16 \(big-endian, without a byte-order mark\): save it as UTF-8/],
  ];
  for (const [name, bytes, says] of cases) {
    it(`a trace in UTF-16, ${name}`, () => {
      const f = join(dir, `utf16-${name.replace(/\W+/g, "-")}.csv`);
      writeFileSync(f, bytes);
      assert.throws(
        () => loadTrace(f),
        (e: unknown) => e instanceof TraceError && says.test(e.message),
      );
    });
  }
  it("a config in UTF-16 too", () => {
    const f = join(dir, "utf16.yaml");
    writeFileSync(f, bom([0xff, 0xfe], Buffer.from(readFileSync(config, "utf8"), "utf16le")));
    assert.throws(
      () => loadConfigFile(f),
      /UTF-16 \(little-endian, with a byte-order mark\): save it as UTF-8/,
    );
  });
  it("a UTF-8 trace with a byte-order mark reads as without one", () => {
    const f = join(dir, "bom.csv");
    writeFileSync(f, bom([0xef, 0xbb, 0xbf], Buffer.from(text)));
    assert.equal(loadTrace(f).series.values.length, 2);
  });
  it("on the command line: one line, exit 1", () => {
    const f = join(dir, "utf16-cli.csv");
    writeFileSync(f, le);
    const r = mlas("forecast-eval", "--trace", f);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /UTF-16 .*: save it as UTF-8/);
  });
});

describe("--report is checked for real before the run; a late write failure is one line", () => {
  const loop = join(dir, "loop.html");
  before(() => {
    symlinkSync(loop, loop);
    mkdirSync(join(dir, "a-directory"));
  });
  const cases: [name: string, report: () => string, says: RegExp][] = [
    ["a symbolic link to itself", () => loop, /--report: cannot write ".*loop\.html": ELOOP/],
    ["/dev/full", () => "/dev/full", /--report: "\/dev\/full" is a character device, not a regular file/],
    ["a named pipe", () => fifo, /--report: ".*fifo" is a named pipe \(FIFO\), not a regular file/],
    ["under a symbolic link loop", () => join(loop, "r.html"), /--report: cannot write .*ELOOP/],
  ];
  for (const [name, report, says] of cases)
    it(`simulate --report to ${name}: exit 1 before the run`, () => {
      const r = mlas(
        "simulate",
        "--trace",
        trace,
        "--config",
        config,
        "--policy",
        "reactive",
        "--report",
        report(),
      );
      assert.equal(r.status, 1, `exit ${String(r.status)}: ${r.stderr}`);
      assert.match(r.stderr, says);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    });

  it("a write that fails after the run is an OutputError in one line naming the path and the cause", () => {
    assert.throws(
      () => writeOutputFile(join(dir, "a-directory"), "<html></html>"),
      (e: unknown) =>
        e instanceof OutputError &&
        /^--report: cannot write ".*a-directory": EISDIR \(is a directory\)$/.test(e.message),
    );
  });
});

after(() => {
  // The FIFO, the symlink loop and the files go with the directory.
  execFileSync("rm", ["-rf", dir]);
});
