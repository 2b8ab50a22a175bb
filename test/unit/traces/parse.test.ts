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
      /not a real instant|timestamps must increase|off the/,
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
});
