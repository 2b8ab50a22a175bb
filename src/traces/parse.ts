// Trace files: CSV with a header, ISO 8601 timestamps with an explicit offset.
//  - rate traces: `timestamp,<count>`; a row counts what happened in the interval that starts at its
//    timestamp, the interval being the (constant) gap to the next row;
//  - request traces: `timestamp,input_tokens,output_tokens`, one row per request.
// Shared by forecast-eval, simulate, the demo and the tests. Errors name the file and line.

import { readFileSync } from "node:fs";

export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TraceError";
  }
}

/** A series at a fixed step. NaN marks a missing sample (a gap), never a zero. */
export interface Series {
  readonly start: number;
  readonly stepSeconds: number;
  readonly values: Float64Array;
  /** What a value counts per step, e.g. "requests" or "tokens". */
  readonly unit: string;
}

export interface RequestTrace {
  readonly times: Float64Array;
  readonly inputTokens: Float64Array;
  readonly outputTokens: Float64Array;
}

export interface Trace {
  readonly name: string;
  readonly kind: "rate" | "requests";
  /** Per-step counts (request traces are bucketed into one-minute counts of requests). */
  readonly series: Series;
  readonly requests?: RequestTrace;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MAX_ROWS = 5_000_000;

function parseTime(s: string, where: string): number {
  if (!ISO.test(s))
    throw new TraceError(
      `${where}: timestamp must be ISO 8601 with an offset (e.g. 2026-01-05T00:00:00Z), got ${JSON.stringify(s.slice(0, 40))}`,
    );
  const t = Date.parse(s);
  if (!Number.isFinite(t))
    throw new TraceError(`${where}: timestamp is not a real instant: ${JSON.stringify(s)}`);
  return t;
}

function parseCount(s: string, where: string, column: string): number {
  if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s))
    throw new TraceError(
      `${where}: ${column} must be a non-negative number, got ${JSON.stringify(s.slice(0, 40))}`,
    );
  const v = Number(s);
  if (!Number.isFinite(v))
    throw new TraceError(`${where}: ${column} is not finite: ${JSON.stringify(s.slice(0, 40))}`);
  return v;
}

export function parseTraceText(text: string, name: string): Trace {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length > MAX_ROWS + 1) throw new TraceError(`${name}: more than ${MAX_ROWS} rows`);
  const header = (lines[0] ?? "")
    .trim()
    .split(",")
    .map((h) => h.trim());
  if (header[0] !== "timestamp")
    throw new TraceError(
      `${name}:1: header must start with "timestamp", got ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`,
    );
  if (lines.length < 3)
    throw new TraceError(`${name}: needs at least two data rows, got ${lines.length - 1}`);
  if (header.length === 2) return parseRate(lines, name, header[1] ?? "value");
  if (header.length === 3 && header[1] === "input_tokens" && header[2] === "output_tokens")
    return parseRequests(lines, name);
  throw new TraceError(
    `${name}:1: header must be "timestamp,<count>" or "timestamp,input_tokens,output_tokens", got ${JSON.stringify(header.join(","))}`,
  );
}

function cells(line: string, n: number, where: string): string[] {
  const c = line.split(",");
  if (c.length !== n) throw new TraceError(`${where}: expected ${n} columns, got ${c.length}`);
  return c.map((x) => x.trim());
}

function parseRate(lines: readonly string[], name: string, column: string): Trace {
  const n = lines.length - 1;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const where = `${name}:${i + 2}`;
    const [ts, v] = cells(lines[i + 1] ?? "", 2, where);
    times[i] = parseTime(ts ?? "", where);
    values[i] = parseCount(v ?? "", where, column);
    if (i > 0 && (times[i] ?? 0) <= (times[i - 1] ?? 0))
      throw new TraceError(`${where}: timestamps must increase, ${ts ?? ""} is not after the previous row`);
  }
  const step = (times[1] ?? 0) - (times[0] ?? 0);
  if (step % 1000 !== 0)
    throw new TraceError(`${name}:3: interval must be a whole number of seconds, got ${step} ms`);
  // Rows at a constant interval; a missing row is a gap (NaN), a row off the grid is an error.
  const count = Math.round(((times[n - 1] ?? 0) - (times[0] ?? 0)) / step) + 1;
  if (count > MAX_ROWS) throw new TraceError(`${name}: spans more than ${MAX_ROWS} intervals`);
  const grid = new Float64Array(count).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const k = ((times[i] ?? 0) - (times[0] ?? 0)) / step;
    if (!Number.isInteger(k))
      throw new TraceError(
        `${name}:${i + 2}: timestamp is off the ${step / 1000}s interval set by the first two rows`,
      );
    grid[k] = values[i] ?? Number.NaN;
  }
  return {
    name,
    kind: "rate",
    series: { start: times[0] ?? 0, stepSeconds: step / 1000, values: grid, unit: column },
  };
}

function parseRequests(lines: readonly string[], name: string): Trace {
  const n = lines.length - 1;
  const times = new Float64Array(n);
  const inputTokens = new Float64Array(n);
  const outputTokens = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const where = `${name}:${i + 2}`;
    const [ts, a, b] = cells(lines[i + 1] ?? "", 3, where);
    times[i] = parseTime(ts ?? "", where);
    inputTokens[i] = parseCount(a ?? "", where, "input_tokens");
    outputTokens[i] = parseCount(b ?? "", where, "output_tokens");
    if (i > 0 && (times[i] ?? 0) < (times[i - 1] ?? 0))
      throw new TraceError(`${where}: timestamps must not go back in time`);
  }
  const step = 60_000;
  const start = Math.floor((times[0] ?? 0) / step) * step;
  const count = Math.floor(((times[n - 1] ?? 0) - start) / step) + 1;
  const values = new Float64Array(count);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(((times[i] ?? 0) - start) / step);
    values[k] = (values[k] ?? 0) + 1;
  }
  return {
    name,
    kind: "requests",
    series: { start, stepSeconds: 60, values, unit: "requests" },
    requests: { times, inputTokens, outputTokens },
  };
}

export function loadTrace(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new TraceError(
      `${path}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseTraceText(text, path);
}
