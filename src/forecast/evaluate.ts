// Rolling-origin evaluation: at origins every 30 minutes after a warm-up, every model is fitted on
// the lookback window that ends at the origin (never on the future) and forecasts the horizon.

import { forecastWith } from "./calibrate.ts";
import { nanMean, spearman } from "./stats.ts";
import type { Forecast, Model, SeriesInput } from "./types.ts";

export interface ModelScore {
  readonly model: string;
  /** WAPE of the mean load over the horizon. */
  readonly wape: number;
  /** MAE of the horizon mean over the in-sample naive MAE of consecutive horizon means. */
  readonly mase: number;
  /** Share of per-step actuals inside the central 90% / 95% intervals. */
  readonly coverage90: number;
  readonly coverage95: number;
  /** Pinball loss at 0.95 of the horizon's peak, divided by the mean actual peak. */
  readonly peakPinball95: number;
  readonly msPerForecast: number;
  readonly origins: number;
  /** Spearman correlation between confidence and absolute error across origins (negative is good). */
  readonly confidenceErrorSpearman: number;
  readonly meanConfidence: number;
}

export interface EvalOptions {
  readonly horizonSteps: number;
  readonly lookbackSteps: number;
  readonly warmupSteps: number;
  readonly originEverySteps: number;
  /** Optional cap on the number of origins (evenly thinned), for quick runs. */
  readonly maxOrigins?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

interface Acc {
  err: number;
  tot: number;
  in90: number;
  in95: number;
  cells: number;
  pinball: number;
  peaks: number;
  ms: number;
  n: number;
  conf: number[];
  ape: number[];
}

export function evaluate(series: SeriesInput, models: readonly Model[], opt: EvalOptions): ModelScore[] {
  const x = series.values;
  const H = opt.horizonSteps;
  const stepMs = series.stepSeconds * 1000;
  const origins = originsOf(x.length, opt);
  const maseScale = naiveHorizonMeanError(x, H, opt.warmupSteps);
  const accs = models.map((): Acc => ({
    err: 0,
    tot: 0,
    in90: 0,
    in95: 0,
    cells: 0,
    pinball: 0,
    peaks: 0,
    ms: 0,
    n: 0,
    conf: [],
    ape: [],
  }));
  origins.forEach((o, idx) => {
    const from = Math.max(0, o + 1 - opt.lookbackSteps);
    const input: SeriesInput = {
      values: x.subarray(from, o + 1),
      stepSeconds: series.stepSeconds,
      start: series.start + from * stepMs,
    };
    const actual = x.subarray(o + 1, o + 1 + H);
    if (Number.isNaN(nanMean(actual))) return;
    models.forEach((m, k) => {
      const t0 = performance.now();
      const f = forecastWith(m, input, H);
      const bands = {
        lo90: f.quantile(0.05),
        hi90: f.quantile(0.95),
        lo95: f.quantile(0.025),
        hi95: f.quantile(0.975),
      };
      const a = accs[k] as Acc;
      a.ms += performance.now() - t0;
      score(a, f, bands, actual);
    });
    opt.onProgress?.(idx + 1, origins.length);
  });
  return models.map((m, k) => summary(m.name, accs[k] as Acc, maseScale));
}

/** Origins every `originEverySteps` after the warm-up with a whole horizon after them, thinned to maxOrigins. */
function originsOf(n: number, opt: EvalOptions): number[] {
  const origins: number[] = [];
  for (let o = opt.warmupSteps - 1; o + opt.horizonSteps < n; o += opt.originEverySteps) origins.push(o);
  if (opt.maxOrigins === undefined || origins.length <= opt.maxOrigins) return origins;
  const k = origins.length / opt.maxOrigins;
  return Array.from({ length: opt.maxOrigins }, (_, i) => origins[Math.floor(i * k)] ?? 0);
}

/** MASE scale: the naive error of consecutive horizon means over the warm-up. */
function naiveHorizonMeanError(x: Float64Array, H: number, warmupSteps: number): number {
  let sum = 0;
  let n = 0;
  for (let i = H; i + H <= warmupSteps; i += H) {
    const a = nanMean(x, i - H, i);
    const b = nanMean(x, i, i + H);
    if (!Number.isNaN(a) && !Number.isNaN(b)) {
      sum += Math.abs(b - a);
      n++;
    }
  }
  return n > 0 ? sum / n : Number.NaN;
}

interface Bands {
  readonly lo90: Float64Array;
  readonly hi90: Float64Array;
  readonly lo95: Float64Array;
  readonly hi95: Float64Array;
}

/** Adds one origin's forecast, against the actuals of its horizon, to a model's totals. */
function score(a: Acc, f: Forecast, bands: Bands, actual: Float64Array): void {
  const actualMean = nanMean(actual);
  let peak = 0;
  for (const v of actual) if (!Number.isNaN(v) && v > peak) peak = v;
  a.n++;
  const absErr = Math.abs(nanMean(f.mean) - actualMean);
  a.err += absErr;
  a.tot += actualMean;
  let peakQ = 0;
  for (let h = 0; h < actual.length; h++) {
    const v = actual[h] ?? Number.NaN;
    peakQ = Math.max(peakQ, bands.hi90[h] ?? 0);
    if (Number.isNaN(v)) continue;
    a.cells++;
    if (v >= (bands.lo90[h] ?? 0) && v <= (bands.hi90[h] ?? 0)) a.in90++;
    if (v >= (bands.lo95[h] ?? 0) && v <= (bands.hi95[h] ?? 0)) a.in95++;
  }
  a.pinball += peak >= peakQ ? 0.95 * (peak - peakQ) : 0.05 * (peakQ - peak);
  a.peaks += peak;
  a.conf.push(f.confidence);
  a.ape.push(actualMean > 0 ? absErr / actualMean : absErr);
}

function summary(model: string, a: Acc, maseScale: number): ModelScore {
  const originsN = a.n;
  return {
    model,
    wape: a.tot > 0 ? a.err / a.tot : Number.NaN,
    mase: originsN > 0 ? a.err / originsN / maseScale : Number.NaN,
    coverage90: a.cells > 0 ? a.in90 / a.cells : Number.NaN,
    coverage95: a.cells > 0 ? a.in95 / a.cells : Number.NaN,
    peakPinball95: a.peaks > 0 ? a.pinball / a.peaks : Number.NaN,
    msPerForecast: originsN > 0 ? a.ms / originsN : Number.NaN,
    origins: originsN,
    confidenceErrorSpearman: a.conf.length > 2 ? spearman(a.conf, a.ape) : Number.NaN,
    meanConfidence: a.conf.length > 0 ? a.conf.reduce((s, v) => s + v, 0) / a.conf.length : Number.NaN,
  };
}
