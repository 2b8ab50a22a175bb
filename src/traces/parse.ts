// Trace files: CSV with a header, ISO 8601 timestamps with an explicit offset.
//  - rate traces: `timestamp,<count>`; a row counts what happened in the interval that starts at its
//    timestamp, the interval being the (constant) gap to the next row;
//  - request traces: `timestamp,input_tokens,output_tokens`, one row per request.
// Shared by forecast-eval, simulate, the demo and the tests. Errors name the file and line.

import { FileProblem, readTextFile } from "../config/files.ts";
import { show } from "../config/read.ts";

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

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** Rows, and intervals a trace may span (5 M one-minute intervals is 9.5 years). */
export const MAX_ROWS = 5_000_000;
/**
 * The largest count one row may hold. Real traces are many orders of magnitude below; above it,
 * per-second rates and costs leave the range the simulator computes in (single-precision rates, and
 * at 1e200 every product overflows), so such a value is a unit mistake to report, not a load to clamp.
 */
export const MAX_COUNT = 1e15;
/** A header's column names name what a row counts ("requests", "tokens"). */
const MAX_COLUMN_NAME = 64;
/** Larger files cannot be held as one string by the runtime; 5 M rows fit well within. */
const MAX_BYTES = 400 * 1024 * 1024;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** Why the fields of an ISO timestamp name no real instant (Date.parse reads 2026-02-30 as 2 March), or undefined. */
function impossible(m: RegExpExecArray): string | undefined {
  const [year, month, day, hour, minute, second, offH, offM] = m
    .slice(1)
    .map((x) => (x === undefined ? 0 : Number(x)));
  if ((month ?? 0) < 1 || (month ?? 0) > 12) return `there is no month ${month}`;
  const days = daysIn(year ?? 0, month ?? 0);
  if ((day ?? 0) < 1 || (day ?? 0) > days)
    return `${MONTHS[(month ?? 1) - 1] ?? ""} ${year} has ${days} days, not ${day}`;
  if ((hour ?? 0) > 23) return `hour ${hour} is past 23`;
  if ((minute ?? 0) > 59) return `minute ${minute} is past 59`;
  if ((second ?? 0) > 59) return `second ${second} is past 59`;
  if ((offH ?? 0) > 23 || (offM ?? 0) > 59) return `offset ${offH}:${offM} is not a UTC offset`;
  return undefined;
}

function parseTime(s: string, where: string): number {
  const m = ISO.exec(s);
  if (!m)
    throw new TraceError(
      `${where}: timestamp must be ISO 8601 with an offset (e.g. 2026-01-05T00:00:00Z), got ${show(s)}`,
    );
  const why = impossible(m);
  if (why !== undefined)
    throw new TraceError(`${where}: timestamp ${JSON.stringify(s)} is not a real date: ${why}`);
  const t = Date.parse(s);
  if (!Number.isFinite(t))
    throw new TraceError(`${where}: timestamp is not a real instant: ${JSON.stringify(s)}`);
  return t;
}

/** "3.5 days" or "12.0 years": a span in words for error messages. */
function spanText(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 730 ? `${(days / 365.25).toFixed(1)} years` : `${days.toFixed(1)} days`;
}

function parseCount(s: string, where: string, column: string): number {
  if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s))
    throw new TraceError(`${where}: ${column} must be a non-negative number, got ${show(s)}`);
  const v = Number(s);
  if (!Number.isFinite(v) || v > MAX_COUNT)
    throw new TraceError(`${where}: ${column} must be at most 1e15 per row, got ${show(s)}`);
  return v;
}

export function parseTraceText(text: string, name: string): Trace {
  // Windows (CRLF), Unix (LF) and classic Mac (CR) line endings.
  const lines = text.split(/\r\n|\r|\n/);
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new TraceError(`${name}: the file is empty (expected a header line)`);
  if (lines.length > MAX_ROWS + 1) throw new TraceError(`${name}: more than ${MAX_ROWS} rows`);
  const header = (lines[0] ?? "")
    .trim()
    .split(",")
    .map((h) => h.trim());
  if (header[0] !== "timestamp")
    throw new TraceError(`${name}:1: header must start with "timestamp", got ${show(lines[0] ?? "")}`);
  if (lines.length < 3)
    throw new TraceError(`${name}: needs at least two data rows, got ${lines.length - 1}`);
  const long = header.find((h) => h.length > MAX_COLUMN_NAME);
  if (long !== undefined)
    throw new TraceError(
      `${name}:1: a column name is ${long.length} characters, at most ${MAX_COLUMN_NAME} are allowed: ${show(long)}`,
    );
  if (header.length === 2) return parseRate(lines, name, header[1] ?? "value");
  if (header.length === 3 && header[1] === "input_tokens" && header[2] === "output_tokens")
    return parseRequests(lines, name);
  throw new TraceError(
    `${name}:1: header must be "timestamp,<count>" or "timestamp,input_tokens,output_tokens", got ${show(lines[0] ?? "")}`,
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
  const span = (times[n - 1] ?? 0) - (times[0] ?? 0);
  const count = Math.round(span / step) + 1;
  if (count > MAX_ROWS)
    throw new TraceError(
      `${name}: spans ${spanText(span)} (line 2 to line ${n + 1}), ${count} intervals of ${step / 1000}s: more than the limit of ${MAX_ROWS} intervals`,
    );
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
  if (count > MAX_ROWS)
    throw new TraceError(
      `${name}: spans ${spanText((times[n - 1] ?? 0) - (times[0] ?? 0))} (line 2 to line ${n + 1}), ${count} one-minute intervals: more than the limit of ${MAX_ROWS} intervals`,
    );
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
    text = readTextFile(path, MAX_BYTES);
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    throw new TraceError(`${path}: ${e.message}`);
  }
  return parseTraceText(text, path);
}
