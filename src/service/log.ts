// Structured JSON logs, one object per line, at the level from config. Every string in a line (the
// message and each field, an upstream's error say) is bounded and loses its URL userinfo.

import { excerpt } from "../config/redact.ts";
import type { LogLevel } from "../config/schema.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
/** The longest string a log line carries (a stack trace fits). */
const MAX_LOG_STRING = 8192;

/** A field's value with each string in it bounded and redacted (each on its own, not the whole line). */
function clean(v: unknown, depth = 0): unknown {
  if (typeof v === "string") return excerpt(v, MAX_LOG_STRING);
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Date) return v.toJSON();
  if (depth >= 4) return excerpt(JSON.stringify(v), MAX_LOG_STRING);
  if (Array.isArray(v)) return v.map((x) => clean(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [excerpt(k, 200), clean(x, depth + 1)]));
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function jsonLogger(
  level: LogLevel,
  write: (line: string) => void,
  clock: () => number = Date.now,
): Logger {
  const at =
    (l: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}): void => {
      if (ORDER[l] < ORDER[level]) return;
      const line = {
        ts: new Date(clock()).toISOString(),
        level: l,
        msg: clean(msg),
        ...(clean(fields) as object),
      };
      write(JSON.stringify(line));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
