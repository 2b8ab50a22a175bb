// Debian's Chromium, headless, for the report tests: a page as a person's browser renders it.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Runs headless Chromium with a fresh profile and no network chatter; returns its stdout. */
export function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), "mlas-chromium-"));
  return execFileSync("chromium", [...FLAGS, `--user-data-dir=${profile}`, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "ignore"],
  });
}

/**
 * The page's DOM as Chromium serialised it, and every message the page wrote to the console
 * (console.* calls and uncaught errors, from Chromium's log: `INFO:CONSOLE:<line>] "<message>"`).
 */
export function chromiumConsole(file: string): { dom: string; console: string[] } {
  const profile = mkdtempSync(join(tmpdir(), "mlas-chromium-"));
  const r = spawnSync(
    "chromium",
    [
      ...FLAGS,
      `--user-data-dir=${profile}`,
      "--enable-logging=stderr",
      "--v=0",
      "--dump-dom",
      `file://${file}`,
    ],
    { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"] },
  );
  if (r.status !== 0) throw new Error(`chromium exited with ${r.status}: ${r.stderr.slice(-2000)}`);
  const messages = r.stderr.split("\n").filter((line) => /:CONSOLE[:(]/.test(line));
  return { dom: r.stdout, console: messages };
}
