// The narrow interface between the world and the engine: a source reads one trigger's current value
// (and, where it can, the history of the service's load signal).

import { show } from "../config/read.ts";
import { excerpt, MAX_ERROR_CHARS } from "../config/redact.ts";
import type { TriggerConfig } from "../config/schema.ts";

/**
 * A failure of an upstream (timeout, error status, malformed or unusable answer). Its message, which
 * may quote what the upstream said, is bounded and redacted here: the API and the logs show it as is.
 */
export class SourceError extends Error {
  readonly source: string;
  constructor(source: string, message: string) {
    super(excerpt(`${source}: ${message}`, MAX_ERROR_CHARS));
    this.name = "SourceError";
    this.source = source;
  }
}

export interface History {
  /** Epoch ms of each sample, ascending, at a fixed step. */
  readonly times: readonly number[];
  readonly values: readonly number[];
}

export interface SignalSource {
  readonly name: string;
  /** The trigger's current value: finite and non-negative, or a SourceError. */
  read(trigger: TriggerConfig, signal: AbortSignal): Promise<number>;
}

/** Shortens a query or URL for an error message (cut before the whitespace is folded). */
export function brief(s: string): string {
  const one = s.slice(0, 400).replace(/\s+/g, " ");
  return one.length > 80 ? `${one.slice(0, 77)}...` : one;
}

/** A finite, non-negative number from an upstream, or a SourceError naming what was wrong. */
export function usable(source: string, what: string, v: unknown): number {
  // Prometheus writes infinities as "+Inf" and "-Inf", which Number() does not read.
  const n =
    typeof v === "string"
      ? /^[+-]?Inf$/.test(v)
        ? v.startsWith("-")
          ? -Infinity
          : Infinity
        : Number(v)
      : v;
  if (typeof n !== "number" || Number.isNaN(n))
    throw new SourceError(source, `${what} is not a number: ${show(v, 40)}`);
  if (!Number.isFinite(n)) throw new SourceError(source, `${what} is not finite: ${String(n)}`);
  if (n < 0) throw new SourceError(source, `${what} is negative: ${n}`);
  return n;
}
