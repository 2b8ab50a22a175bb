// Which connection the HTTP cap lets go (a table of event scripts over named connections), and how
// the ones let go are closed (a fake clock).

import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { Closer, ConnectionCap } from "../../../src/service/http-connections.ts";

class Conn {
  readonly name: string;
  destroyed = false;
  paused = false;
  constructor(name: string) {
    this.name = name;
  }
  destroy(): void {
    this.destroyed = true;
  }
  pause(): void {
    this.paused = true;
  }
}

/** open X | answering X | answered X | close X */
type Step = `${"open" | "answering" | "answered" | "close"} ${string}`;

function run(max: number, steps: readonly Step[]): { closed: string[]; open: number } {
  const cap = new ConnectionCap<Conn>(max);
  const conns = new Map<string, Conn>();
  const closed: string[] = [];
  for (const step of steps) {
    const [verb, name = ""] = step.split(" ");
    const c = conns.get(name) ?? new Conn(name);
    conns.set(name, c);
    if (verb === "open") {
      const victim = cap.opened(c);
      if (victim) closed.push(victim.name);
    } else if (verb === "answering") cap.answering(c);
    else if (verb === "answered") cap.answered(c);
    else cap.closed(c);
  }
  return { closed, open: cap.size };
}

describe("ConnectionCap", () => {
  const table: [name: string, max: number, steps: Step[], closed: string[], open: number][] = [
    ["under the cap nothing is closed", 2, ["open a", "open b"], [], 2],
    [
      "at the cap the oldest waiting connection goes, not the new one",
      2,
      ["open a", "open b", "open c"],
      ["a"],
      2,
    ],
    [
      "a connection being answered is kept; the next oldest goes",
      2,
      ["open a", "answering a", "open b", "open c"],
      ["b"],
      2,
    ],
    [
      "when every other is being answered, the new one is refused",
      2,
      ["open a", "answering a", "open b", "answering b", "open c"],
      ["c"],
      2,
    ],
    [
      "an answered connection waits from the end of its answer: behind an older slow one",
      2,
      ["open slow", "open probe", "answering probe", "answered probe", "open new"],
      ["slow"],
      2,
    ],
    [
      "an idle kept-alive connection that waited longest goes before a younger slow one",
      2,
      ["open idle", "answering idle", "answered idle", "open slow", "open new"],
      ["idle"],
      2,
    ],
    ["a closed connection frees its slot", 2, ["open a", "open b", "close a", "open c"], [], 2],
    [
      "five slow clients over a cap of 3: each newcomer closes the oldest, the probe gets in",
      3,
      ["open s1", "open s2", "open s3", "open s4", "open s5", "open probe", "answering probe"],
      ["s1", "s2", "s3"],
      3,
    ],
    ["answered after close does not bring it back", 1, ["open a", "close a", "answered a", "open b"], [], 1],
  ];
  for (const [name, max, steps, closed, open] of table) {
    it(name, () => {
      assert.deepEqual(run(max, steps), { closed, open });
    });
  }
});

describe("Closer", () => {
  it("stops reading a connection let go and closes it after the delay; at once beyond the bound", () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const closer = new Closer<Conn>(2, 1000);
      const [a, b, c] = [new Conn("a"), new Conn("b"), new Conn("c")];
      closer.close(a);
      assert.deepEqual([a.paused, a.destroyed], [true, false]);
      mock.timers.tick(500);
      closer.close(b);
      closer.close(c); // three lingering, bound 2: the oldest goes now
      assert.deepEqual([a.destroyed, b.destroyed, c.destroyed], [true, false, false]);
      mock.timers.tick(500);
      assert.deepEqual([b.destroyed, c.destroyed], [false, false]);
      closer.closed(c); // closed by itself: no timer left for it
      mock.timers.tick(500);
      assert.deepEqual([b.destroyed, c.destroyed], [true, false]);
      assert.equal(closer.size, 0);
    } finally {
      mock.timers.reset();
    }
  });
});
