// Debian's Chromium, headless, for the report tests: a page as a person's browser renders it.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Runs headless Chromium with a fresh profile and no network chatter; returns its stdout. */
export function chromium(args: string[]): string {
  const profile = mkdtempSync(join(tmpdir(), "mlas-chromium-"));
  return execFileSync(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] },
  );
}
