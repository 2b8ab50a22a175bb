// What the commands that read traces say about traces they cannot use: one line naming the file
// and the limit or the reason, and exit status 1 (never a stack trace, never a table of n/a).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = new URL("../../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "mlas-traces-"));
const T0 = Date.parse("2026-01-05T00:00:00Z");

/** A rate trace: `value(i)` per row, rows `stepMinutes` apart, `keep(i)` false leaves a gap. */
function rateTrace(
  file: string,
  rows: number,
  value: (i: number) => string,
  stepMinutes = 1,
  keep: (i: number) => boolean = () => true,
): string {
  const lines = ["timestamp,requests"];
  for (let i = 0; i < rows; i++)
    if (keep(i)) lines.push(`${new Date(T0 + i * stepMinutes * 60_000).toISOString()},${value(i)}`);
  const path = join(dir, file);
  writeFileSync(path, lines.join("\n") + "\n");
  return path;
}

function mlas(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(root, "src/cli/main.ts"), ...args], { encoding: "utf8" });
}

const orchestrator = join(root, "examples/orchestrator.yaml");

describe("traces a command cannot use", () => {
  const day = 1440;
  const cases: [name: string, args: () => string[], stderr: RegExp][] = [
    [
      "forecast-eval: every evaluated horizon after the warm-up falls in a gap",
      () => [
        "forecast-eval",
        "--trace",
        rateTrace(
          "gap.csv",
          10 * day,
          (i) => String(100 + (i % 7)),
          1,
          (i) => i < 7 * day - 60 || i === 10 * day - 1,
        ),
        "--max-origins",
        "3",
      ],
      /^mlas: .*gap.csv: no origin could be scored: after the 10080-sample warm-up, the 30m after every evaluated origin falls in a gap \(4319 of the 4320 samples after the warm-up are missing\)/,
    ],
    [
      "forecast-eval: the load is zero everywhere",
      () => ["forecast-eval", "--trace", rateTrace("zero.csv", 3 * day, () => "0"), "--max-origins", "4"],
      /^mlas: .*zero.csv: the load is zero over every one of the 4 scored 30m horizons: WAPE \(error \/ load\) is undefined/,
    ],
    [
      "forecast-eval: --max-origins 0",
      () => ["forecast-eval", "--trace", rateTrace("ok.csv", 3 * day, () => "5"), "--max-origins", "0"],
      /^mlas: --max-origins: must be a whole number >= 1, got 0/,
    ],
    [
      "simulate: a constant 1e200 trace",
      () => ["simulate", "--config", orchestrator, "--trace", rateTrace("huge.csv", 2 * day, () => "1e200")],
      /^mlas: .*huge.csv:2: requests must be at most 1e15 per row, got "1e200"/,
    ],
    [
      "simulate: --scale pushes the peak past the simulator's range",
      () => [
        "simulate",
        "--config",
        orchestrator,
        "--trace",
        rateTrace("big.csv", 2 * day, () => "1e14"),
        "--scale",
        "1e30",
      ],
      /^mlas: .*big.csv: the peak of 100000000000000 per 60s scaled by 1e\+30 is 1.67e\+42 requests\/s, more than the simulator's limit of 1e15 requests\/s/,
    ],
    [
      "simulate: more days than the simulator steps through",
      () => ["simulate", "--config", orchestrator, "--trace", rateTrace("long.csv", 401 * 24, () => "5", 60)],
      /^mlas: .*long.csv: spans 401.0 days, more than the simulator's limit of 400 days/,
    ],
    [
      "simulate: a warm-up as long as the trace",
      () => [
        "simulate",
        "--config",
        orchestrator,
        "--trace",
        rateTrace("short.csv", 2 * day, () => "5"),
        "--warmup",
        "2d",
      ],
      /^mlas: --warmup: 2d leaves no minute to measure in a trace of 48.0 hours/,
    ],
  ];
  for (const [name, args, stderr] of cases) {
    it(name, () => {
      const r = mlas(...args());
      assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    });
  }
  it("forecast-eval on a constant trace says naive is exact instead of printing NaN%", () => {
    const r = mlas(
      "forecast-eval",
      "--trace",
      rateTrace("flat.csv", 3 * 1440, () => "5"),
      "--max-origins",
      "2",
    );
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /NaN/);
    assert.match(r.stdout, /naive is exact on this trace \(WAPE 0\): no ratio to it/);
  });
  it("forecast-eval --zero-gaps reads zero samples as gaps: counted in the head, never scored as load", () => {
    // Three days of 10-minute steps at 100, with a zero every 50th step (a collection gap).
    const trace = rateTrace("gaps.csv", 3 * 144, (i) => (i % 50 === 7 ? "0" : "100"), 10);
    const asIs = mlas("forecast-eval", "--trace", trace, "--max-origins", "20", "--json");
    const gaps = mlas("forecast-eval", "--trace", trace, "--max-origins", "20", "--json", "--zero-gaps");
    assert.equal(gaps.status, 0, gaps.stderr);
    const read = (out: string): { zeroGaps?: number; models: { model: string; wape: number }[] } =>
      JSON.parse(out) as { zeroGaps?: number; models: { model: string; wape: number }[] };
    assert.equal(read(gaps.stdout).zeroGaps, 9);
    assert.equal(read(asIs.stdout).zeroGaps, undefined);
    // A constant load with its gaps removed: naive is exact.
    assert.equal(read(gaps.stdout).models.find((m) => m.model === "naive")?.wape, 0);
    assert.ok((read(asIs.stdout).models.find((m) => m.model === "naive")?.wape ?? 0) > 0);
  });
});
