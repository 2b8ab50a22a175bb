import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTraceText, TraceError } from "../../../src/traces/parse.ts";

describe("trace parsing", () => {
  it("reads a rate trace and keeps gaps as NaN", () => {
    const t = parseTraceText(
      "timestamp,requests\n2026-01-05T00:00:00Z,5\n2026-01-05T00:01:00Z,7\n2026-01-05T00:03:00Z,9\n",
      "t.csv",
    );
    assert.equal(t.kind, "rate");
    assert.equal(t.series.stepSeconds, 60);
    assert.equal(t.series.unit, "requests");
    assert.deepEqual(
      [...t.series.values].map((v) => (Number.isNaN(v) ? "gap" : v)),
      [5, 7, "gap", 9],
    );
  });
  it("honours explicit offsets", () => {
    const t = parseTraceText(
      "timestamp,requests\n1995-07-01T00:00:00-04:00,1\n1995-07-01T00:01:00-04:00,2\n",
      "t.csv",
    );
    assert.equal(t.series.start, Date.parse("1995-07-01T04:00:00Z"));
  });
  it("buckets a request trace into one-minute counts", () => {
    const t = parseTraceText(
      "timestamp,input_tokens,output_tokens\n2023-11-16T18:17:03.979Z,4808,10\n2023-11-16T18:17:04.031Z,3180,8\n2023-11-16T18:18:30Z,10,1\n",
      "r.csv",
    );
    assert.equal(t.kind, "requests");
    assert.deepEqual([...t.series.values], [2, 1]);
    assert.equal(t.requests?.inputTokens[0], 4808);
  });
  const bad: [name: string, text: string, msg: RegExp][] = [
    ["bad header", "time,requests\n", /t.csv:1: header must start with "timestamp"/],
    ["too few rows", "timestamp,requests\n2026-01-05T00:00:00Z,5\n", /at least two data rows/],
    [
      "no offset",
      "timestamp,requests\n2026-01-05T00:00:00,5\n2026-01-05T00:01:00Z,5\n",
      /t.csv:2: timestamp must be ISO 8601 with an offset/,
    ],
    [
      "negative count",
      "timestamp,requests\n2026-01-05T00:00:00Z,5\n2026-01-05T00:01:00Z,-3\n",
      /t.csv:3: requests must be a non-negative number, got "-3"/,
    ],
    [
      "text count",
      "timestamp,requests\n2026-01-05T00:00:00Z,5\n2026-01-05T00:01:00Z,many\n",
      /t.csv:3: requests must be a non-negative number/,
    ],
    [
      "going back",
      "timestamp,requests\n2026-01-05T00:01:00Z,5\n2026-01-05T00:00:00Z,5\n",
      /t.csv:3: timestamps must increase/,
    ],
    [
      "off grid",
      "timestamp,requests\n2026-01-05T00:00:00Z,5\n2026-01-05T00:01:00Z,5\n2026-01-05T00:01:30Z,5\n",
      /t.csv:4: timestamp is off the 60s interval/,
    ],
    [
      "extra column",
      "timestamp,requests\n2026-01-05T00:00:00Z,5,6\n2026-01-05T00:01:00Z,5\n",
      /t.csv:2: expected 2 columns, got 3/,
    ],
    [
      "wrong request header",
      "timestamp,a,b\n2026-01-05T00:00:00Z,1,2\n2026-01-05T00:01:00Z,1,2\n",
      /header must be/,
    ],
    [
      "impossible date",
      "timestamp,requests\n2026-02-31T00:00:00Z,5\n2026-03-01T00:01:00Z,5\n",
      /t.csv:2: timestamp "2026-02-31T00:00:00Z" is not a real date: February 2026 has 28 days, not 31/,
    ],
    [
      "30 February (Date.parse reads it as 2 March)",
      "timestamp,requests\n2026-02-28T00:00:00Z,5\n2026-02-30T00:00:00Z,5\n",
      /t.csv:3: timestamp "2026-02-30T00:00:00Z" is not a real date: February 2026 has 28 days, not 30/,
    ],
    [
      "29 February outside a leap year",
      "timestamp,requests\n2025-02-28T00:00:00Z,5\n2025-02-29T00:00:00Z,5\n",
      /t.csv:3: .*February 2025 has 28 days, not 29/,
    ],
    [
      "31 April",
      "timestamp,input_tokens,output_tokens\n2026-04-31T00:00:00Z,1,1\n2026-05-01T00:00:00Z,1,1\n",
      /t.csv:2: .*April 2026 has 30 days, not 31/,
    ],
    [
      "month 13",
      "timestamp,requests\n2026-13-01T00:00:00Z,5\n2026-12-01T00:01:00Z,5\n",
      /t.csv:2: .*there is no month 13/,
    ],
    [
      "month 0",
      "timestamp,requests\n2026-00-10T00:00:00Z,5\n2026-01-01T00:01:00Z,5\n",
      /t.csv:2: .*no month 0/,
    ],
    ["day 0", "timestamp,requests\n2026-01-00T00:00:00Z,5\n2026-01-01T00:01:00Z,5\n", /t.csv:2: .*not 0/],
    [
      "hour 24",
      "timestamp,requests\n2026-01-05T23:59:00Z,5\n2026-01-05T24:00:00Z,5\n",
      /t.csv:3: .*hour 24 is past 23/,
    ],
    [
      "minute 60",
      "timestamp,requests\n2026-01-05T00:60:00Z,5\n2026-01-05T01:01:00Z,5\n",
      /t.csv:2: .*minute 60 is past 59/,
    ],
    [
      "second 60",
      "timestamp,requests\n2026-01-05T00:00:60Z,5\n2026-01-05T00:01:00Z,5\n",
      /t.csv:2: .*second 60 is past 59/,
    ],
    [
      "offset +24:00",
      "timestamp,requests\n2026-01-05T00:00:00+24:00,5\n2026-01-05T00:01:00Z,5\n",
      /t.csv:2: .*offset 24:0 is not a UTC offset/,
    ],
    [
      "a request trace spanning 7973 years (a RangeError before)",
      "timestamp,input_tokens,output_tokens\n2026-01-05T00:00:00Z,1,1\n9999-01-05T00:00:00Z,1,1\n",
      /t.csv: spans 7972.8 years \(line 2 to line 3\), 4193392321 one-minute intervals: more than the limit of 5000000 intervals/,
    ],
    [
      "a rate trace spanning a year of seconds",
      "timestamp,requests\n2026-01-05T00:00:00Z,1\n2026-01-05T00:00:01Z,1\n2027-01-05T00:00:00Z,1\n",
      /t.csv: spans 365.0 days \(line 2 to line 4\), 31536001 intervals of 1s: more than the limit of 5000000 intervals/,
    ],
    [
      "a count of 1e200 (overflows cost and capacity arithmetic)",
      "timestamp,requests\n2026-01-05T00:00:00Z,1e200\n2026-01-05T00:01:00Z,1e200\n",
      /t.csv:2: requests must be at most 1e15 per row, got "1e200"/,
    ],
    [
      "a count past the float range",
      "timestamp,requests\n2026-01-05T00:00:00Z,1\n2026-01-05T00:01:00Z,1e309\n",
      /t.csv:3: requests must be at most 1e15 per row, got "1e309"/,
    ],
    [
      "a token count of 1e16",
      "timestamp,input_tokens,output_tokens\n2026-01-05T00:00:00Z,1,1\n2026-01-05T00:01:00Z,1,1e16\n",
      /t.csv:3: output_tokens must be at most 1e15 per row, got "1e16"/,
    ],
    ["an empty file", "", /t.csv: the file is empty/],
    ["only blank lines", "\r\n\r\n", /t.csv: the file is empty/],
    ["a header alone", "timestamp,requests\r", /t.csv: needs at least two data rows, got 0/],
    [
      "a blank line inside",
      "timestamp,requests\n2026-01-05T00:00:00Z,1\n\n2026-01-05T00:01:00Z,1\n",
      /t.csv:3: expected 2 columns, got 1/,
    ],
  ];
  for (const [name, text, msg] of bad) {
    it(`rejects ${name} with the line`, () => {
      assert.throws(
        () => parseTraceText(text, "t.csv"),
        (e: unknown) => e instanceof TraceError && msg.test(e.message),
      );
    });
  }
  const rows = [
    "timestamp,requests",
    "2026-01-05T00:00:00Z,5",
    "2026-01-05T00:01:00Z,7",
    "2026-01-05T00:02:00Z,9",
  ];
  const endings: [name: string, text: string][] = [
    ["LF", rows.join("\n") + "\n"],
    ["CRLF", rows.join("\r\n") + "\r\n"],
    ["CR only (classic Mac)", rows.join("\r") + "\r"],
    ["CR only without a final newline", rows.join("\r")],
    ["a UTF-8 byte-order mark", "\uFEFF" + rows.join("\n")],
  ];
  for (const [name, text] of endings) {
    it(`reads ${name} line endings with the right line numbers`, () => {
      const t = parseTraceText(text, "t.csv");
      assert.deepEqual([...t.series.values], [5, 7, 9]);
      const broken = text.replace("7", "x");
      assert.throws(
        () => parseTraceText(broken, "t.csv"),
        (e: unknown) =>
          e instanceof TraceError &&
          /^t.csv:3: requests must be a non-negative number, got "x"/.test(e.message),
      );
    });
  }
  it("accepts 29 February in a leap year and 1e15 per row", () => {
    const t = parseTraceText(
      "timestamp,requests\n2024-02-29T00:00:00Z,1e15\n2024-02-29T00:01:00Z,0\n",
      "t.csv",
    );
    assert.equal(t.series.values[0], 1e15);
    assert.equal(t.series.start, Date.parse("2024-02-29T00:00:00Z"));
  });
});
