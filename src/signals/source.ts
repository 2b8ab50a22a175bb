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

/** Prometheus prints samples with Go's 'f' format: the largest float64 is 309 digits and a point. */
const MAX_SAMPLE_CHARS = 400;

/**
 * A number as Prometheus writes it in JSON (a string): decimal with an optional exponent, `NaN`,
 * or `+Inf`/`-Inf`. Anything else (`""`, `" "`, `"0x10"`, `"1_000"`) is undefined: malformed, where
 * JavaScript's Number() would read the first three as 0, 0 and 16.
 */
export function parseSampleValue(s: string): number | undefined {
  if (s.length > MAX_SAMPLE_CHARS) return undefined;
  if (/^[+-]?Inf$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (s === "NaN") return Number.NaN;
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/**
 * A finite, non-negative number from an upstream (a JSON number, or a sample string as Prometheus
 * writes it), or a SourceError naming what was wrong. Missing or malformed is an error, never zero.
 */
export function usable(source: string, what: string, v: unknown): number {
  const n = typeof v === "string" ? parseSampleValue(v) : v;
  if (typeof n !== "number" || Number.isNaN(n))
    throw new SourceError(
      source,
      v === undefined || v === null ? `${what} is missing` : `${what} is not a number: ${show(v, 40)}`,
    );
  if (!Number.isFinite(n)) throw new SourceError(source, `${what} is not finite: ${String(n)}`);
  if (n < 0) throw new SourceError(source, `${what} is negative: ${n}`);
  return n;
}

/** A count from a JSON answer: a JSON number (not a string), a non-negative integer. */
export function jsonCount(source: string, what: string, v: unknown): number {
  if (typeof v !== "number")
    throw new SourceError(
      source,
      v === undefined || v === null ? `${what} is missing` : `${what} is not a number: ${show(v, 40)}`,
    );
  const n = usable(source, what, v);
  if (!Number.isInteger(n)) throw new SourceError(source, `${what} is not a whole number: ${n}`);
  return n;
}
