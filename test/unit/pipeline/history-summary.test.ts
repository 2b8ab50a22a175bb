// What a history read says about idleness: history is known from its first sample, and an empty
// history is no history at all, never a week of idleness. A gap after the first sample (a
// collection outage) is not activity: it must not wake services at zero.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { summarizeHistory } from "../../../src/pipeline/forecast.ts";

const T0 = Date.parse("2026-03-04T10:00:00Z");
const at = (minute: number): number => T0 + minute * 60_000;
const _ = Number.NaN;

describe("summarizeHistory: idleness from the store", () => {
  const cases: [
    name: string,
    values: number[],
    historyFrom: number | undefined,
    lastBusyAt: number | undefined,
  ][] = [
    ["busy, then idle", [3, 0, 0, 0], at(0), at(0)],
    ["idle throughout", [0, 0, 0, 0], at(0), undefined],
    ["a gap after a busy step is not activity", [3, 0, _, 0], at(0), at(0)],
    ["a gap at the end", [0, 0, 0, _], at(0), undefined],
    ["data from the third step on: history known from it", [_, _, 0, 0], at(2), undefined],
    ["an empty history: nothing known", [_, _, _, _], undefined, undefined],
    ["at activationLoad is idle", [1, 1, 1, 1], at(0), undefined],
  ];
  for (const [name, values, historyFrom, lastBusyAt] of cases)
    it(name, () => {
      const s = summarizeHistory({ values: Float64Array.from(values), stepSeconds: 60, start: T0 }, 1, at(4));
      assert.deepEqual({ historyFrom: s.historyFrom, lastBusyAt: s.lastBusyAt }, { historyFrom, lastBusyAt });
    });
});
