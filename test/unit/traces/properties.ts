// Properties of the trace parser, shared by the bounded fuzz test (CI) and bench/fuzz-traces.bench.ts
// (many more runs): whatever the text, the parser returns a well-formed trace or its own TraceError
// naming the file, never another error.

import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_COUNT, MAX_ROWS, parseTraceText, TraceError, type Trace } from "../../../src/traces/parse.ts";

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

/** Timestamp fields drawn around and past their ranges. */
export const fieldsArb = fc.record({
  year: fc.integer({ min: 1970, max: 2100 }),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 61 }),
  second: fc.integer({ min: 0, max: 61 }),
  offset: fc.constantFrom("Z", "+00:00", "-04:00", "+05:30", "+14:00", "+24:00", "-23:60"),
});
type Fields = typeof fieldsArb extends fc.Arbitrary<infer F> ? F : never;

function isoOf(f: Fields): string {
  return `${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}T${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}${f.offset}`;
}

/** The oracle: the fields name a real instant when Date.UTC gives them back unchanged. */
function real(f: Fields): boolean {
  const d = new Date(Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second));
  const offset = /^[+-](\d{2}):(\d{2})$/.exec(f.offset);
  const offsetOk = offset === null || (Number(offset[1]) <= 23 && Number(offset[2]) <= 59);
  return (
    offsetOk &&
    d.getUTCFullYear() === f.year &&
    d.getUTCMonth() === f.month - 1 &&
    d.getUTCDate() === f.day &&
    d.getUTCHours() === f.hour &&
    d.getUTCMinutes() === f.minute &&
    d.getUTCSeconds() === f.second
  );
}

/** A timestamp is accepted exactly when it names a real instant, and then at that instant. */
export const datesProperty = fc.property(fieldsArb, (f) => {
  const ts = isoOf(f);
  const text = `timestamp,input_tokens,output_tokens\n${ts},1,1\n${ts},2,2\n`;
  if (real(f)) {
    const t = parseTraceText(text, "d.csv");
    assert.equal(t.requests?.times[0], Date.parse(ts), ts);
  } else {
    assert.throws(
      () => parseTraceText(text, "d.csv"),
      (e: unknown) =>
        e instanceof TraceError && e.message.startsWith(`d.csv:2: timestamp "${ts}" is not a real date`),
      ts,
    );
  }
});

/** A valid rate trace survives any line ending and an optional byte-order mark, value for value. */
export const endingsProperty = fc.property(
  fc.array(fc.oneof(fc.nat({ max: 1e9 }), fc.double({ min: 0, max: MAX_COUNT, noNaN: true })), {
    minLength: 2,
    maxLength: 40,
  }),
  fc.integer({ min: 1, max: 3600 }),
  fc.constantFrom("\n", "\r\n", "\r"),
  fc.boolean(),
  fc.boolean(),
  (values, stepSeconds, eol, bom, finalEol) => {
    const t0 = Date.parse("2026-01-05T00:00:00Z");
    const rows = values.map((v, i) => `${new Date(t0 + i * stepSeconds * 1000).toISOString()},${String(v)}`);
    const text = `${bom ? "\uFEFF" : ""}timestamp,requests${eol}${rows.join(eol)}${finalEol ? eol : ""}`;
    const t = parseTraceText(text, "e.csv");
    assert.equal(t.series.stepSeconds, stepSeconds);
    assert.deepEqual([...t.series.values], values);
  },
);

const token = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "0",
    "1",
    "1e15",
    "1e16",
    "1e200",
    "-1",
    "NaN",
    "Infinity",
    "1.5",
    "x",
    ",",
    "\r",
    "\uFEFF",
  ),
  fc.nat().map(String),
  fc.string({ maxLength: 12 }),
);
const timestampish = fc.oneof(
  fieldsArb.map(isoOf),
  fc
    .date({ noInvalidDate: true, min: new Date("0001-01-01"), max: new Date("9999-12-31") })
    .map((d) => d.toISOString()),
  fc.string({ maxLength: 30 }),
);
const line = fc.oneof(
  fc.tuple(timestampish, token).map(([a, b]) => `${a},${b}`),
  fc.tuple(timestampish, fc.nat(), fc.nat()).map(([a, b, c]) => `${a},${b},${c}`),
  fc.tuple(timestampish, token, token).map(([a, b, c]) => `${a},${b},${c}`),
  fc.string({ maxLength: 40 }),
);
const header = fc.constantFrom(
  "timestamp,requests",
  "timestamp,input_tokens,output_tokens",
  "timestamp",
  "\uFEFFtimestamp,tokens",
  "",
  "time,value",
);

function assertWellFormed(t: Trace): void {
  const s = t.series;
  assert.ok(Number.isFinite(s.start));
  assert.ok(Number.isInteger(s.stepSeconds) && s.stepSeconds >= 1);
  assert.ok(s.values.length >= 1 && s.values.length <= MAX_ROWS);
  for (const v of s.values) assert.ok(Number.isNaN(v) || (v >= 0 && v <= MAX_COUNT), String(v));
  if (t.kind === "requests") {
    const times = t.requests?.times ?? new Float64Array();
    let sum = 0;
    for (const v of s.values) sum += v;
    assert.equal(sum, times.length);
    for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) >= (times[i - 1] ?? 0));
  }
}

/** Any text: a well-formed trace, or a TraceError naming the file (and the line when one is at fault). */
export const anyTextProperty = fc.property(
  header,
  fc.array(line, { maxLength: 25 }),
  fc.constantFrom("\n", "\r\n", "\r"),
  (head, lines, eol) => {
    let t: Trace;
    try {
      t = parseTraceText([head, ...lines].join(eol), "f.csv");
    } catch (e) {
      assert.ok(e instanceof TraceError, String(e));
      assert.match(e.message, /^f\.csv(:\d+)?: /);
      return;
    }
    assertWellFormed(t);
  },
);
