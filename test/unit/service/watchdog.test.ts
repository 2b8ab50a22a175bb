// The watchdog thread kills the process at the stop deadline, or when the main thread stops beating,
// whatever the main thread is doing; and leaves a healthy process alone. Short limits, each case in
// a process of its own (test/unit/service/fixtures/watchdog-child.ts).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";

const CHILD = new URL("./fixtures/watchdog-child.ts", import.meta.url).pathname;

interface End {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
}

function run(args: readonly (string | number)[]): Promise<End> {
  const p = spawn(process.execPath, [CHILD, ...args.map(String)], { stdio: ["ignore", "pipe", "inherit"] });
  let stdout = "";
  p.stdout.setEncoding("utf8");
  p.stdout.on("data", (d: string) => {
    stdout += d;
  });
  // Neither the watchdog nor the child's own 2 s exit ended it: SIGTERM, which the cases do not expect.
  const stray = setTimeout(() => p.kill("SIGTERM"), 15_000);
  return new Promise((resolve) => {
    p.once("exit", (code, signal) => {
      clearTimeout(stray);
      resolve({ code, signal, stdout });
    });
  });
}

describe("Watchdog", { concurrency: true }, () => {
  const table: [
    name: string,
    args: (string | number)[],
    signal: NodeJS.Signals | null,
    says: RegExp | null,
  ][] = [
    [
      "a free main thread beats: no kill over 2 s with an 800 ms stall limit",
      [60_000, 800, 100, "idle"],
      null,
      null,
    ],
    [
      "a stuck main thread: killed after the stall limit",
      [60_000, 800, 100, "busy"],
      "SIGKILL",
      /has not answered for too long/,
    ],
    [
      "a stop that does not end: killed at the deadline, main thread free",
      [300, 60_000, 100, "arm-idle"],
      "SIGKILL",
      /after the stop deadline/,
    ],
    [
      "a stop with the main thread stuck: killed at the deadline",
      [300, 60_000, 100, "arm-busy"],
      "SIGKILL",
      /after the stop deadline/,
    ],
  ];
  for (const [name, args, signal, says] of table) {
    it(name, async () => {
      const end = await run(args);
      assert.ok(end.stdout.startsWith("up\n"), end.stdout);
      assert.equal(end.signal, signal, end.stdout);
      if (signal === null) assert.equal(end.code, 0);
      if (says) assert.match(end.stdout, says);
      else assert.doesNotMatch(end.stdout, /killing/);
    });
  }
});
