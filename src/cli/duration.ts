// Durations on the command line: "30m", "2h", "90s", "7d"; a bare number is minutes.

import { show } from "../config/read.ts";

/** A bad command-line argument: reported in one line, exit code 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseDurationSeconds(s: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new UsageError(`${flag}: expected a duration such as 30m, 2h or 90s, got ${show(s)}`);
  const v = Number(m[1]);
  const mult = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? "m") as "s" | "m" | "h" | "d"];
  const out = v * mult;
  if (!Number.isFinite(out) || out <= 0) throw new UsageError(`${flag}: must be positive, got ${show(s)}`);
  return out;
}
