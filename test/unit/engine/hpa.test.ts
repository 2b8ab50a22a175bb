import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { extensiveReplicas, hpaAverageValue, intensiveReplicas, toMilli } from "../../../src/engine/hpa.ts";

describe("HPA arithmetic", () => {
  const extensive: [value: number, target: number, want: number][] = [
    [0, 10, 0],
    [0.01, 10, 1],
    [95, 10, 10],
    [100, 10, 10],
    [30.000000000000004, 10, 3], // float noise must not add a replica
    [0.1 + 0.2, 0.1, 3],
    [101, 10, 11],
  ];
  for (const [value, target, want] of extensive) {
    it(`extensive ceil(${value} / ${target}) = ${want}`, () => {
      assert.equal(extensiveReplicas(value, target), want);
    });
  }

  const intensive: [value: number, target: number, ready: number, want: number | undefined][] = [
    [92, 80, 4, 5], // ratio 1.15 -> ceil(4.6)
    [86, 80, 4, 4], // ratio 1.075: inside tolerance
    [72, 80, 4, 4], // ratio 0.9: on the tolerance edge, unchanged
    [40, 80, 4, 2], // ratio 0.5 -> ceil(2)
    [0, 80, 4, 0],
    [160, 80, 3, 6],
    [50, 80, 0, undefined], // nothing ready: a level of nothing says nothing
  ];
  for (const [value, target, ready, want] of intensive) {
    it(`intensive ${ready} ready at ${value} vs ${target} -> ${String(want)}`, () => {
      assert.equal(intensiveReplicas(value, target, ready), want);
    });
  }

  it("truncates to milli-quantities without flipping exact multiples", () => {
    assert.equal(toMilli(2.9999999999), 3);
    assert.equal(toMilli(1.2345), 1.234);
    assert.equal(toMilli(0.0009), 0);
  });

  const avg: [metric: number, target: number, current: number, want: number][] = [
    [7, 1, 4, 7], // ratio 1.75
    [4.2, 1, 4, 4], // ratio 1.05: inside tolerance
    [4.5, 1, 4, 5], // ratio 1.125
    [1, 1, 0, 1], // from zero
    [0, 1, 3, 0],
    [3.0000000001, 1, 2, 3],
  ];
  for (const [metric, target, current, want] of avg) {
    it(`AverageValue metric ${metric} target ${target} current ${current} -> ${want}`, () => {
      assert.equal(hpaAverageValue(metric, target, current), want);
    });
  }
});
