// Structured JSON logs, one object per line, at the level from config, with URL userinfo redacted.

import { redactUrls } from "../config/redact.ts";
import type { LogLevel } from "../config/schema.ts";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

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
      // Any URL in a message or field (an upstream's error, say) loses its userinfo.
      write(redactUrls(JSON.stringify({ ts: new Date(clock()).toISOString(), level: l, msg, ...fields })));
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
