import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dampedStates, dampedSum, fitDampedTrend } from "../../../src/forecast/models/damped-trend.ts";
import { fitSes, fitSesAlpha, sesHorizonMse, sesLevels } from "../../../src/forecast/models/ses.ts";
import { fitTheta, runningSlopes, thetaAhead } from "../../../src/forecast/models/theta.ts";
import {
  classicalIndex,
  indexAt,
  seasonalIndex,
  seasonDetected,
} from "../../../src/forecast/seasonal-index.ts";
import { horizonMeans, meanSquaredError, minimiseLog } from "../../../src/forecast/smoothing.ts";
import { MONDAY, rng, seasonal } from "./synthetic.ts";

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

describe("smoothing helpers (worked numbers)", () => {
  it("horizon means: [1, 2, 3, 4, NaN, 6], H 2 -> 2.5, 3.5, 4, 6, NaN, NaN", () => {
    const m = horizonMeans(Float64Array.from([1, 2, 3, 4, Number.NaN, 6]), 2);
    assert.deepEqual([...m], [2.5, 3.5, 4, 6, Number.NaN, Number.NaN]);
  });
  it("mean squared error: forecasts [10, 12], targets [11, 11] -> 1; gaps skipped", () => {
    assert.equal(
      meanSquaredError(Float64Array.from([10, 12, 5]), Float64Array.from([11, 11, Number.NaN])),
      1,
    );
  });
  it("minimiseLog finds (a - 0.3)^2's minimum within 1e-3, and an end point when the minimum is there", () => {
    close(minimiseLog((a) => (a - 0.3) ** 2, 0.001, 1).arg, 0.3, 1e-3);
    close(minimiseLog((a) => a, 0.001, 1).arg, 0.001, 1e-4);
  });
});

describe("simple exponential smoothing", () => {
  it("alpha 0.5: samples 10, 14, 12, 16 -> levels 10, 12, 12, 14", () => {
    assert.deepEqual([...sesLevels(Float64Array.from([10, 14, 12, 16]), 0.5)], [10, 12, 12, 14]);
  });
  it("a gap leaves the level where it is: 10, NaN, 14 at alpha 0.5 -> 10, 10, 12", () => {
    assert.deepEqual([...sesLevels(Float64Array.from([10, Number.NaN, 14]), 0.5)], [10, 10, 12]);
  });
  it("fits a high alpha to a random walk and a low one to noise around a constant", () => {
    const r = rng(3);
    let v = 1000;
    const walk = Float64Array.from({ length: 2000 }, () => (v += 20 * (r() - 0.5)));
    const noise = Float64Array.from({ length: 2000 }, () => 1000 + 20 * (r() - 0.5));
    assert.ok(fitSesAlpha(walk, 1) > 0.7, String(fitSesAlpha(walk, 1)));
    assert.ok(fitSesAlpha(noise, 1) < 0.05, String(fitSesAlpha(noise, 1)));
  });
  it("forecasts the last level flat and backcasts the level at the origin", () => {
    const values = Float64Array.from([10, 14, 12, 16, 15, 13, 14, 15]);
    const fit = fitSes({ values, stepSeconds: 60, start: MONDAY }, 2);
    const level = sesLevels(values, fit.alpha);
    assert.deepEqual([...fit.forecast], [level[7], level[7]]);
    assert.equal(fit.backcast(3, 2), level[3]);
  });
});

describe("damped-trend exponential smoothing", () => {
  it("alpha 0.5, beta 0.5, phi 0.9, samples 10, 12, 14: levels 10, 11, 12.725; trends 0, 0.5, 1.0875", () => {
    const s = dampedStates(Float64Array.from([10, 12, 14]), { alpha: 0.5, beta: 0.5, phi: 0.9 });
    [10, 11, 12.725].forEach((v, i) => close(s.level[i] ?? 0, v));
    [0, 0.5, 1.0875].forEach((v, i) => close(s.trend[i] ?? 0, v));
    // forecast 12.725 + 0.9 x 1.0875 one step on, 12.725 + 1.71 x 1.0875 two steps on
    close(12.725 + dampedSum(0.9, 1) * 1.0875, 13.70375);
    close(12.725 + dampedSum(0.9, 2) * 1.0875, 14.584625);
  });
  it("follows a steady ramp, and its forecast flattens at long leads", () => {
    const values = Float64Array.from({ length: 600 }, (_, i) => 100 + i);
    const fit = fitDampedTrend({ values, stepSeconds: 60, start: MONDAY }, 30);
    close(fit.forecast[0] ?? 0, 700, 2);
    const first = (fit.forecast[1] ?? 0) - (fit.forecast[0] ?? 0);
    const last = (fit.forecast[29] ?? 0) - (fit.forecast[28] ?? 0);
    assert.ok(first > 0.5 && last < first, `${first} then ${last}`);
  });
});

describe("Theta", () => {
  it("level 10, slope 2, alpha 0.5, 3 samples seen: 11.75 one step on, 12.75 two steps on", () => {
    close(thetaAhead(10, 2, 0.5, 3, 1), 11.75);
    close(thetaAhead(10, 2, 0.5, 3, 2), 12.75);
  });
  it("running least-squares slope: 1, 3, 2, 4 -> 0, 2, 0.5, 0.8", () => {
    const s = runningSlopes(Float64Array.from([1, 3, 2, 4]));
    [0, 2, 0.5, 0.8].forEach((v, i) => close(s[i] ?? 0, v));
  });
  it("classical index: days of 10, 20, 30, 20 at 6-hour steps -> 0.5, 1, 1.5, 1; detected from 5 days, not from 3", () => {
    const days = (k: number): Float64Array =>
      Float64Array.from({ length: 4 * k }, (_, i) => [10, 20, 30, 20][i % 4] ?? 0);
    assert.deepEqual([...classicalIndex(days(3), 4)], [0.5, 1, 1.5, 1]);
    // Three days: r_4 = 0.667 under its bound 1.645 sqrt((1 + 2 x 0.694) / 12) = 0.734.
    assert.equal(seasonDetected(days(3), 4), false);
    assert.equal(seasonDetected(days(1), 4), false);
    assert.equal(seasonDetected(days(5), 4), true);
    const z = days(5);
    const s = seasonalIndex(z, 6 * 3600);
    assert.equal(indexAt(s, 2), 1.5);
    assert.equal(indexAt(s, 6), 1.5);
  });
  it("no season in noise: the index is not used", () => {
    const r = rng(5);
    const values = Float64Array.from({ length: 5 * 1440 }, () => 100 + 10 * r());
    assert.equal(seasonalIndex(values, 60).index, undefined);
    assert.equal(fitTheta({ values, stepSeconds: 60, start: MONDAY }, 30).mode, "plain");
  });
  it("a daily sine: season detected, the forecast within 5% of the truth", () => {
    const s = seasonal(5);
    const fit = fitTheta(s, 30);
    assert.equal(fit.mode, "seasonal");
    const n = s.values.length;
    for (let h = 1; h <= 30; h++) {
      const want = 100 * (1 + 0.5 * Math.sin((2 * Math.PI * ((n - 1 + h) % 1440)) / 1440 - Math.PI / 2));
      assert.ok(
        Math.abs((fit.forecast[h - 1] ?? 0) - want) / want < 0.05,
        `h=${h}: ${fit.forecast[h - 1]} vs ${want}`,
      );
    }
  });
});

describe("SES fitting objective", () => {
  it("sesHorizonMse is meanSquaredError of the levels against the horizon means, exactly", () => {
    const r = rng(9);
    const x = Float64Array.from({ length: 500 }, (_, i) => (i % 37 === 5 ? Number.NaN : 50 + 10 * r()));
    const target = horizonMeans(x, 7);
    for (const a of [0.001, 0.05, 0.5, 1])
      assert.equal(sesHorizonMse(x, target, a), meanSquaredError(sesLevels(x, a), target));
  });
});
