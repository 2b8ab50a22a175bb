import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calibrate, forecastWith, noiseFactors } from "../../../src/forecast/calibrate.ts";
import { evaluate } from "../../../src/forecast/evaluate.ts";
import { holtWinters } from "../../../src/forecast/models/holt-winters.ts";
import { MODELS } from "../../../src/forecast/models/index.ts";
import { naive } from "../../../src/forecast/models/naive.ts";
import { fitOurs, leadWeights, ours, stackedPairWeight } from "../../../src/forecast/models/ours.ts";
import { fitProfile, profile } from "../../../src/forecast/models/profile.ts";
import { seasonalNaiveDaily, seasonalNaiveWeekly } from "../../../src/forecast/models/seasonal-naive.ts";
import { MONDAY, rng, seasonal, truth } from "./synthetic.ts";

const H = 30;

function maxRelErr(f: ArrayLike<number>, n: number, opts: Parameters<typeof truth>[1] = {}): number {
  let worst = 0;
  for (let h = 1; h <= H; h++)
    worst = Math.max(worst, Math.abs((f[h - 1] ?? 0) - truth(n - 1 + h, opts)) / truth(n - 1 + h, opts));
  return worst;
}

describe("baselines", () => {
  it("naive carries the mean of the last window", () => {
    const values = Float64Array.from({ length: 100 }, (_, i) => (i < 70 ? 0 : 10));
    const fit = naive.fit({ values, stepSeconds: 60, start: MONDAY }, 30);
    assert.deepEqual(
      [...fit.forecast],
      Array.from({ length: 30 }, () => 10),
    );
    assert.equal(fit.backcast(79, 1), 10 / 3);
  });
  it("seasonal naive repeats yesterday and last week", () => {
    const s = seasonal(8);
    const n = s.values.length;
    const d = seasonalNaiveDaily.fit(s, H);
    const w = seasonalNaiveWeekly.fit(s, H);
    for (let h = 1; h <= H; h++) {
      assert.equal(d.forecast[h - 1], s.values[n - 1 + h - 1440]);
      assert.equal(w.forecast[h - 1], s.values[n - 1 + h - 10080]);
    }
  });
  it("Holt-Winters follows a clean daily sine within 2%", () => {
    const s = seasonal(4);
    assert.ok(maxRelErr(holtWinters.fit(s, H).forecast, s.values.length) < 0.02);
  });
});

describe("profile", () => {
  it("pure daily sine: within 2% (hourly shape, interpolated), daily pattern found, weekly not", () => {
    const s = seasonal(8, { amp: 0.6 });
    const fit = fitProfile(s, H);
    assert.equal(fit.mode, "weekly");
    assert.ok(
      maxRelErr(fit.forecast, s.values.length, { amp: 0.6 }) < 0.02,
      String(maxRelErr(fit.forecast, s.values.length, { amp: 0.6 })),
    );
    assert.ok(fit.patterns.daily.present && fit.patterns.daily.strength > 0.9, JSON.stringify(fit.patterns));
    assert.equal(fit.patterns.weekly.present, false);
  });

  it("weekly pattern: forecasts Monday morning from Sunday night at weekday level", () => {
    // 13 days from Monday: ends Saturday 24:00 -> Sunday; use 14 days + 6 h so the horizon crosses into Monday.
    const opts = { weekend: 0.5, amp: 0.4 };
    const full = seasonal(15, opts);
    const n = 14 * 1440 - 15; // 15 minutes before Monday 00:00
    const s = { ...full, values: full.values.subarray(0, n) };
    const fit = fitProfile(s, H);
    assert.equal(fit.mode, "weekly");
    assert.ok(fit.patterns.weekly.present, JSON.stringify(fit.patterns));
    // The step 30 minutes ahead is Monday 00:15: weekday level, about twice Sunday's.
    const want = truth(n - 1 + 30, opts);
    assert.ok(Math.abs((fit.forecast[29] ?? 0) - want) / want < 0.1, `${fit.forecast[29]} vs ${want}`);
  });

  it("level shift: follows a doubling within the hour", () => {
    const s = seasonal(9, { noise: 0.05 });
    const n = s.values.length;
    for (let i = n - 120; i < n; i++) s.values[i] = (s.values[i] ?? 0) * 2;
    const fit = fitProfile(s, H);
    const want = 2 * truth(n - 1 + 15);
    assert.ok(Math.abs((fit.forecast[14] ?? 0) - want) / want < 0.12, `${fit.forecast[14]} vs ${want}`);
  });

  it("gaps are missing, not zeros", () => {
    const s = seasonal(8, { noise: 0.05 });
    const n = s.values.length;
    for (let i = n - 200; i < n - 20; i++) s.values[i] = Number.NaN; // three hours missing just before now
    for (let i = 2000; i < 3000; i++) s.values[i] = Number.NaN;
    const fit = fitProfile(s, H);
    assert.ok(fit.forecast.every((v) => Number.isFinite(v)));
    assert.ok(maxRelErr(fit.forecast, n) < 0.1, String(maxRelErr(fit.forecast, n)));
  });

  it("a one-off spike does not poison the same time next week", () => {
    const s = seasonal(8, { noise: 0.05 });
    const n = s.values.length;
    // A 100x spike for 20 minutes exactly one week (and one day) before the forecast window.
    for (const back of [10080, 1440])
      for (let i = n - back; i < n - back + 20; i++) s.values[i] = 100 * (s.values[i] ?? 0);
    const fit = fitProfile(s, H);
    assert.ok(maxRelErr(fit.forecast, n) < 0.1, String(maxRelErr(fit.forecast, n)));
  });

  it("a spike right now moves the level by at most the clip", () => {
    const s = seasonal(8);
    const n = s.values.length;
    s.values[n - 1] = 1e6;
    const fit = fitProfile(s, H);
    assert.ok((fit.forecast[0] ?? 0) < 2 * truth(n), String(fit.forecast[0]));
  });

  const degrade: [days: number, mode: string][] = [
    [0.5, "level"],
    [1.5, "daily"],
    [3, "daily"],
    [8, "weekly"],
  ];
  for (const [days, mode] of degrade) {
    it(`short history of ${days} days degrades to ${mode}`, () => {
      const s = seasonal(Math.ceil(days));
      const cut = { ...s, values: s.values.subarray(0, Math.round(days * 1440)) };
      const f = forecastWith(profile, cut, H);
      assert.equal(f.mode, mode);
      assert.ok(f.mean.every((v) => Number.isFinite(v) && v >= 0));
      assert.ok(f.confidence >= 0 && f.confidence <= 1);
    });
  }

  it("is deterministic", () => {
    const s = seasonal(8, { noise: 0.2, seed: 3 });
    assert.deepEqual([...fitProfile(s, H).forecast], [...fitProfile(s, H).forecast]);
  });
});

describe("calibration", () => {
  it("noise factors: the mean step-to-step change over the window, over its median, at half weight", () => {
    // Changes 2, 2, 2, 2, 10, 10, 10 (t = 1..7). Windows of 2 samples up to origins 2, 4, 7: means
    // 2, 2, 10; median 2; factors 0.5 x 1 + 0.5 = 1, 1, 0.5 x 5 + 0.5 = 3. Origin 0 has no change
    // in its window: 1.
    const x = Float64Array.from([10, 12, 10, 12, 10, 20, 10, 20]);
    const f = noiseFactors(x, [0, 2, 4, 7], () => 1, 0, 2);
    assert.deepEqual([...f], [1, 1, 1, 3]);
    // In the error scale: changes of 10% at level 100 with scale(p) = p are 0.1.
    const y = Float64Array.from([100, 110, 100, 110]);
    assert.deepEqual([...noiseFactors(y, [3], (p) => p, 1, 3)], [1]);
    // A flat window: changes 0 against a median of 2 (changes 0, 0, 0 and 0, 4, 8): 0.5, never 0.
    const flat = Float64Array.from([5, 5, 5, 5, 9, 1]);
    assert.deepEqual([...noiseFactors(flat, [3, 5], () => 1, 0, 3)], [0.5, 1.5]);
  });
  it("the band is wider after a noisy day than after a calm one, at the same level", () => {
    // Ten-minute steps (144 a day, calibrated on the last 300 steps: both kinds of day), load 100
    // with noise of +/-5 on even days and +/-20 on odd days; the band at the end of the noisy day 7
    // against the end of the calm day 6. With one scale for the whole window they are about equal.
    const r = rng(11);
    const values = Float64Array.from({ length: 8 * 144 }, (_, i) => {
      const amp = Math.floor(i / 144) % 2 === 1 ? 20 : 5;
      return 100 + amp * (2 * r() - 1);
    });
    const width = (days: number): number => {
      const input = { values: values.subarray(0, days * 144), stepSeconds: 600, start: MONDAY };
      const f = forecastWith(naive, input, 3);
      return (f.quantile(0.95)[0] ?? 0) - (f.quantile(0.05)[0] ?? 0);
    };
    const noisy = width(8);
    const calm = width(7);
    assert.ok(noisy > 1.5 * calm, `${noisy} against ${calm}`);
  });
  it("intervals on noisy data cover about their nominal share, and confidence is high on clean data", () => {
    const s = seasonal(10, { noise: 0.3, seed: 5 });
    const scores = evaluate(s, [ours], {
      horizonSteps: H,
      lookbackSteps: 7 * 1440,
      warmupSteps: 8 * 1440,
      originEverySteps: 30,
    });
    const o = scores[0];
    assert.ok(o);
    assert.ok(o.coverage90 > 0.85 && o.coverage90 < 0.95, String(o.coverage90));
    assert.ok(o.coverage95 > 0.9 && o.coverage95 < 0.99, String(o.coverage95));
    const clean = forecastWith(ours, seasonal(8), H);
    assert.ok(clean.confidence > 0.95, String(clean.confidence));
    const noisy = forecastWith(ours, seasonal(8, { noise: 0.9, level: 2, seed: 9 }), H);
    assert.ok(noisy.confidence < clean.confidence);
  });

  it("upper quantiles are ordered and non-negative", () => {
    const f = forecastWith(ours, seasonal(8, { noise: 0.3 }), H);
    const q50 = f.quantile(0.5);
    const q95 = f.quantile(0.95);
    const q99 = f.quantile(0.99);
    for (let h = 0; h < H; h++) {
      assert.ok(
        (q95[h] ?? 0) >= (q50[h] ?? 0) && (q99[h] ?? 0) >= (q95[h] ?? 0) && (f.quantile(0.05)[h] ?? -1) >= 0,
      );
    }
  });
});

describe("evaluate", () => {
  it("ours beats naive on a seasonal series with noise, never training on the future", () => {
    const s = seasonal(9, { noise: 0.15, amp: 0.7, seed: 11 });
    const scores = evaluate(s, MODELS, {
      horizonSteps: H,
      lookbackSteps: 7 * 1440,
      warmupSteps: 7 * 1440,
      originEverySteps: 60,
    });
    const by = Object.fromEntries(scores.map((x) => [x.model, x]));
    assert.ok((by.ours?.wape ?? 1) < (by.naive?.wape ?? 0) * 0.85, JSON.stringify(by));
    assert.equal(scores.length, MODELS.length);
  });
});

describe("ours: the combination", () => {
  // Six days peaking at 06:00, then four peaking at 18:00: the profile (a median over days) still
  // expects the old shape; the simple models follow the new one.
  function shifted(): { values: Float64Array; stepSeconds: number; start: number } {
    const n = 10 * 1440;
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const phase = i < 6 * 1440 ? 0 : Math.PI;
      values[i] = 100 * (1 + 0.8 * Math.sin((2 * Math.PI * (i % 1440)) / 1440 + phase));
    }
    return { values, stepSeconds: 60, start: MONDAY };
  }
  it("a seasonal series: the profile model and Theta, weights per lead summing to 1 (mode names them)", () => {
    const fit = fitOurs(seasonal(9, { noise: 0.1, amp: 0.7, seed: 3 }), H);
    assert.deepEqual(
      fit.candidates.map((c) => c.name),
      ["profile", "theta"],
    );
    assert.match(fit.mode, /^profile:weekly 0\.\d\d \+ theta:seasonal 0\.\d\d$/);
    for (let h = 0; h < H; h++) {
      const total = fit.candidates.reduce((s, c) => s + (c.weights[h] ?? 0), 0);
      assert.ok(Math.abs(total - 1) < 1e-12, `lead ${h + 1}: ${total}`);
    }
  });
  it("the forecast is the weighted mean of the candidates' forecasts", () => {
    const fit = fitOurs(shifted(), H);
    for (let h = 0; h < H; h++) {
      const want = fit.candidates.reduce((s, c) => s + (c.weights[h] ?? 0) * (c.fit.forecast[h] ?? 0), 0);
      assert.ok(Math.abs((fit.forecast[h] ?? 0) - want) < 1e-9 * want, `lead ${h + 1}`);
    }
  });
  it("the better candidate gets the larger weight: the profile model where its weekly factor holds", () => {
    // Weekends at half the weekday level: Theta's classical daily index has no weekly factor.
    const fit = fitOurs(seasonal(14, { noise: 0.05, weekend: 0.5, seed: 4 }), H);
    const [p, t] = fit.candidates;
    assert.ok(p && t && p.wape < t.wape, fit.mode);
    assert.ok((p.weights[H - 1] ?? 0) > (t.weights[H - 1] ?? 0), fit.mode);
  });
  it("guard: no daily season, the profile model no better than the simple ones (a random walk) -> Theta, SES, damped trend and naive", () => {
    const r = rng(8);
    let level = 100;
    const values = Float64Array.from(
      { length: 9 * 1440 },
      () => (level = Math.max(1, level + 2 * (r() - 0.5))),
    );
    const fit = fitOurs({ values, stepSeconds: 60, start: MONDAY }, H);
    assert.deepEqual(
      fit.candidates.map((c) => c.name),
      ["theta", "ses", "damped-trend", "naive"],
    );
  });
  it("guard: a day and a half of a daily cycle (too short for the season test) keeps the profile model, whose one-day shape is best", () => {
    const s = seasonal(2);
    const fit = fitOurs({ ...s, values: s.values.subarray(0, 36 * 60) }, H);
    assert.deepEqual(
      fit.candidates.map((c) => c.name),
      ["profile", "theta"],
    );
    assert.match(fit.mode, /^profile:daily /);
    const [p, t] = fit.candidates;
    assert.ok(p && t && p.wape < t.wape / 5, fit.mode);
  });
  it("ten-minute steps over 14 days with collection gaps: finite, non-negative, both seasonal candidates", () => {
    const minute = seasonal(14, { noise: 0.2, seed: 2 });
    const values = Float64Array.from({ length: 14 * 144 }, (_, i) =>
      i % 150 < 3 ? Number.NaN : (minute.values[i * 10] ?? 0) * 10,
    );
    const f = forecastWith(ours, { values, stepSeconds: 600, start: MONDAY }, 3);
    assert.ok(f.mean.every((v) => Number.isFinite(v) && v >= 0));
    assert.ok(f.quantile(0.95).every((v, h) => v >= (f.mean[h] ?? 0)));
    assert.match(f.mode, /profile/);
  });
  it("more than two candidates: weights as the shrunk mean absolute error to the power -4; equal with no evidence", () => {
    // Three candidates at 200 origins with MAE 4, 6 and 5 (mean 5): shrunk by 30 pseudo-origins at 5
    // -> 950/230, 1350/230 and 5; weights in proportion to their power -4: 0.584, 0.143, 0.272.
    const origins = Array.from({ length: 200 }, (_, j) => j);
    const a = new Float64Array(200);
    const p = [new Float64Array(200).fill(4), new Float64Array(200).fill(-6), new Float64Array(200).fill(5)];
    const w = leadWeights({ origins, p, a }, [0, 1, 2], 1, 3);
    const raw = [950 / 230, 1350 / 230, 5].map((m) => m ** -4);
    const total = raw.reduce((s, v) => s + v, 0);
    raw.forEach((v, c) => assert.ok(Math.abs((w[c]?.[0] ?? 0) - v / total) < 1e-12, `candidate ${c}`));
    assert.ok(Math.abs((w[0]?.[0] ?? 0) - 0.584) < 1e-3, String(w[0]?.[0]));
    const none = leadWeights({ origins: [], p: [], a: new Float64Array(0) }, [0, 1, 2], 1, 3);
    assert.deepEqual([none[0]?.[0], none[1]?.[0], none[2]?.[0]], [1 / 3, 1 / 3, 1 / 3]);
  });
  it("a pair: the weight that minimises the combination's absolute error, shrunk toward 1/2", () => {
    // a 10, 10, 10; p 12, 9, 10; q 6, 11, 14: ratios (a - q) / (p - q) 2/3, 1/2, 1 weighted by
    // |p - q| 6, 2, 4; the weighted median is 2/3 (errors 0, 1/3, 4/3: 1.67 against 3 at 1/2 or 1),
    // shrunk by 30 pseudo-cells at 1/2: (3 x 2/3 + 15) / 33 = 17/33.
    const a = Float64Array.from([10, 10, 10]);
    const p = Float64Array.from([12, 9, 10]);
    const q = Float64Array.from([6, 11, 14]);
    // (bisection to 2^-12: within 3/33 x 2^-12 of it)
    assert.ok(Math.abs(stackedPairWeight(a, p, q, [0, 1, 2]) - 17 / 33) < 3e-5);
    // 300 origins where p is exact and q is 2 off: w* = 1, shrunk (300 + 15) / 330.
    const n = 300;
    const origins = Array.from({ length: n }, (_, j) => j);
    const w = leadWeights(
      {
        origins,
        p: [new Float64Array(n).fill(7), new Float64Array(n).fill(9)],
        a: new Float64Array(n).fill(7),
      },
      [0, 1],
      1,
      2,
    );
    assert.ok(Math.abs((w[0]?.[0] ?? 0) - 315 / 330) < 1e-12, String(w[0]?.[0]));
    assert.ok(Math.abs((w[1]?.[0] ?? 0) - 15 / 330) < 1e-12, String(w[1]?.[0]));
    // No evidence, or candidates that always agree: 1/2 each.
    assert.equal(stackedPairWeight(a, p, q, []), 0.5);
    assert.equal(stackedPairWeight(a, p, p, [0, 1, 2]), 0.5);
  });
  it("on a rolling origin over the shifted series, ours is no worse than naive", () => {
    const by = Object.fromEntries(
      evaluate(shifted(), [ours, naive], {
        horizonSteps: H,
        lookbackSteps: 7 * 1440,
        warmupSteps: 7 * 1440,
        originEverySteps: 120,
      }).map((x) => [x.model, x.wape]),
    );
    assert.ok((by.ours ?? 9) <= (by.naive ?? 0), JSON.stringify(by));
  });
});

describe("misses beyond the last value (what the planner's quantile is chosen from)", () => {
  // Two days of 1-minute steps, piecewise constant over 10-minute blocks (like a 10-minute trace
  // replayed per minute), block levels alternating 100 and 140: at lead 1 the actual exceeds the
  // last value only on the first minute of a 140 block (1 case in 20); the nominal miss of q50 is 50%.
  const values = Float64Array.from({ length: 2 * 1440 }, (_, i) =>
    Math.floor(i / 10) % 2 === 0 ? 100 : 140,
  );
  const f = forecastWith(naive, { values, stepSeconds: 60, start: MONDAY }, H);
  it("stays within 0..1 and never rises with the level", () => {
    const levels = [0.5, 0.7, 0.9, 0.95, 0.99];
    const curves = levels.map((p) => f.missBeyondLast(p));
    for (let h = 0; h < H; h++) {
      for (let k = 0; k < levels.length; k++) {
        const m = curves[k]?.[h] ?? Number.NaN;
        assert.ok(m >= 0 && m <= 1, `miss ${m} at h=${h + 1}`);
        if (k > 0) assert.ok(m <= (curves[k - 1]?.[h] ?? 1) + 1e-12);
      }
    }
  });
  it("counts only the cases the last value missed too: none on a series that never rises", () => {
    const falling = Float64Array.from({ length: 2 * 1440 }, (_, i) => 500 - i / 10);
    const g = forecastWith(naive, { values: falling, stepSeconds: 60, start: MONDAY }, H);
    // No misses in n cases reads (0 + 1) / (n + 1), the same for every level.
    for (const p of [0.5, 0.9])
      for (const m of g.missBeyondLast(p)) assert.ok(m > 0 && m < 0.01 && m === g.missBeyondLast(0.99)[0]);
  });
});

describe("bands that also cover the model without its correction", () => {
  // Two days of 1-minute steps at 100 +/- 5 with a 20-minute lull at 50 every 40 minutes. The
  // corrected model carries the last minute forward: right inside a lull, wrong when it ends, which
  // it cannot see coming. The uncorrected one forecasts the usual 100.
  const r = rng(7);
  const values = Float64Array.from({ length: 2 * 1440 }, (_, i) => (i % 40 < 20 ? 50 : 100) + 10 * r() - 5);
  const input = { values, stepSeconds: 60, start: MONDAY };
  const lastValue = {
    forecast: new Float64Array(H).fill(values[values.length - 1] ?? 0),
    backcast: (o: number) => values[o] ?? Number.NaN,
    mode: "last",
    firstOrigin: 0,
  };
  const usual = {
    forecast: new Float64Array(H).fill(100),
    backcast: () => 100,
    mode: "usual",
    firstOrigin: 0,
  };
  const alone = calibrate("last", input, H, lastValue);
  const twin = calibrate("mean", input, H, usual);
  const both = calibrate("last", input, H, { ...lastValue, withoutCorrection: usual });
  it("keeps the corrected point forecast", () => {
    assert.deepEqual(both.mean, alone.mean);
  });
  it("each band is the higher of the two models' forecasts at one quantile of their joint score", () => {
    for (const p of [0.5, 0.9, 0.95, 0.99]) {
      const [a, b, c] = [alone.quantile(p), twin.quantile(p), both.quantile(p)];
      for (let h = 0; h < H; h++) {
        // The joint score (the smaller error) sits below each model's own: no wider than either alone.
        assert.ok((c[h] ?? 0) <= Math.max(a[h] ?? 0, b[h] ?? 0) + 1e-9, `q${p} h=${h + 1}`);
        assert.ok((c[h] ?? 0) >= (both.mean[h] ?? 0) - 1e-9 || p < 0.6, `q${p} h=${h + 1}`);
      }
    }
  });
  it("covers about as often as it says, out of sample", () => {
    // Calibrated on the history up to each origin of a third day, checked on the minute 3 steps on.
    const long = Float64Array.from({ length: 3 * 1440 }, (_, i) => values[i % values.length] ?? 0);
    const at = (o: number): number => long[o] ?? Number.NaN;
    let covered = 0;
    let cases = 0;
    for (let t = 2 * 1440; t < 3 * 1440 - H; t += 7) {
      const history = { values: long.subarray(0, t + 1), stepSeconds: 60, start: MONDAY };
      const last = { ...lastValue, forecast: new Float64Array(H).fill(at(t)), backcast: at };
      const f = calibrate("last", history, H, { ...last, withoutCorrection: usual });
      cases++;
      if (at(t + 3) <= (f.quantile(0.9)[2] ?? 0)) covered++;
    }
    assert.ok(covered / cases >= 0.85 && covered / cases <= 0.96, `${covered} of ${cases}`);
  });
  it("covers the end of a lull that the corrected model alone misses", () => {
    // The history ends in the last minute of a lull (minute 19 of 40): the next minute is back at 100.
    const end = 2 * 1440 - 21;
    const history = { values: values.subarray(0, end + 1), stepSeconds: 60, start: MONDAY };
    const last = { ...lastValue, forecast: new Float64Array(H).fill(values[end] ?? 0) };
    const a = calibrate("last", history, H, last).quantile(0.9)[0] ?? 0;
    const c = calibrate("last", history, H, { ...last, withoutCorrection: usual }).quantile(0.9)[0] ?? 0;
    assert.ok(a < 60 && c >= 95, `q90 of the next minute: alone ${a}, with the uncorrected model ${c}`);
  });
});

describe("profile: error correction", () => {
  /** A week and a day of the seasonal series times (1 + an AR(1) deviation with coefficient phi). */
  function withAr(phi: number, seed: number): Parameters<typeof fitProfile>[0] {
    const s = seasonal(8, { level: 1000 });
    const r = rng(seed);
    let e = 0;
    const values = Float64Array.from(s.values, (v) => {
      e = phi * e + 0.05 * (r() * 2 - 1);
      return v * (1 + e);
    });
    return { ...s, values };
  }
  it("a deviation that persists (AR(1), phi 0.97) is carried forward, less at longer leads", () => {
    const fit = fitProfile(withAr(0.97, 3), H);
    const b1 = fit.correction[0] ?? 0;
    const b30 = fit.correction[H - 1] ?? 0;
    assert.ok(b1 > 0.5, `beta_1 ${b1}`);
    assert.ok(b30 < b1, `beta_30 ${b30} vs beta_1 ${b1}`);
  });
  it("white noise is not carried forward", () => {
    const fit = fitProfile(withAr(0, 4), H);
    for (const b of fit.correction) assert.ok(b < 0.25, `beta ${b}`);
  });
});
