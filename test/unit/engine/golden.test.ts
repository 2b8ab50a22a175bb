// The golden replay: decide() over two simulated days of a multi-service scenario
// (golden-scenario.ts) gives, tick by tick, the decisions recorded in golden/decide-two-days.txt.
// A change to the rules' code that is meant to keep their behaviour must leave every line equal;
// one that changes decisions on purpose re-records the file (record-golden.ts) and says why.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { GOLDEN_FILE, GOLDEN_TICKS, replayGolden } from "./golden-scenario.ts";

describe("decide: golden replay of two days, four services", () => {
  it("gives the recorded decisions at every tick", () => {
    const want = readFileSync(GOLDEN_FILE, "utf8").trimEnd().split("\n");
    const { lines, decisions } = replayGolden();
    assert.equal(want.length, GOLDEN_TICKS, "the recorded file has one line per tick");
    const first = lines.findIndex((l, i) => l !== want[i]);
    if (first >= 0) {
      assert.fail(
        `tick ${first} differs\n  recorded: ${want[first]}\n  now:      ${lines[first]}\n` +
          `the decisions now:\n${JSON.stringify(decisions[first], null, 2)}`,
      );
    }
  });
});
