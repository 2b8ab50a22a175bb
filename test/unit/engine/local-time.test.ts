import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatLocal, localTime } from "../../../src/engine/rules/business-hours.ts";

// localTime keeps a 15-minute UTC block's local date and hour when the block's two ends agree; it
// must read exactly what the formatter reads, in zones with 30- and 45-minute offsets, half-hour
// DST (Lord Howe), and historic offsets that are not a multiple of 15 minutes (Amsterdam before
// 1937 ran at UTC+0:19:32).
const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Asia/Kathmandu",
  "America/St_Johns",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Europe/Amsterdam",
];
const MIN = Date.UTC(1900, 0, 1);
const MAX = Date.UTC(2100, 0, 1);

describe("localTime: the block cache reads what the formatter reads", () => {
  it("at random times, in random order", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: MIN, max: MAX }), (zone, t) => {
        assert.deepEqual(localTime(t, zone), formatLocal(t, zone));
      }),
      { seed: 15, numRuns: 3000 },
    );
  });
  it("minute by minute across DST changes and a historic offset", () => {
    const spans: [string, number][] = [
      ["Europe/Berlin", Date.UTC(2026, 2, 29, 0, 0)],
      ["Europe/Berlin", Date.UTC(2026, 9, 25, 0, 0)],
      ["America/New_York", Date.UTC(2026, 2, 8, 6, 0)],
      ["Australia/Lord_Howe", Date.UTC(2026, 3, 4, 14, 0)],
      ["Europe/Amsterdam", Date.UTC(1930, 5, 1, 10, 0)],
    ];
    for (const [zone, from] of spans)
      for (let t = from; t < from + 3 * 3_600_000; t += 15_000)
        assert.deepEqual(localTime(t, zone), formatLocal(t, zone), `${zone} ${new Date(t).toISOString()}`);
  });
});
