// What the exponential-smoothing models share: the target their parameters are fitted to (the mean
// of the next H samples, the quantity the forecaster is judged on) and a one-dimensional minimiser.
//
// Fitting to the horizon mean instead of the next sample: on 1-minute data the next sample is mostly
// count noise, and a smoothing constant that is best one step ahead follows that noise; the mean of
// the next 30 minutes is what the forecast is for. With H = 1 the two are the same.

/** Per origin t, the mean of x[t + 1 .. t + H] over its present samples (NaN when none, or past the end). */
export function horizonMeans(x: Float64Array, horizon: number): Float64Array {
  const n = x.length;
  const sum = new Float64Array(n + 1);
  const count = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = x[i] ?? Number.NaN;
    const present = !Number.isNaN(v);
    sum[i + 1] = (sum[i] ?? 0) + (present ? v : 0);
    count[i + 1] = (count[i] ?? 0) + (present ? 1 : 0);
  }
  const out = new Float64Array(n).fill(Number.NaN);
  for (let t = 0; t + horizon < n; t++) {
    const c = (count[t + 1 + horizon] ?? 0) - (count[t + 1] ?? 0);
    if (c > 0) out[t] = ((sum[t + 1 + horizon] ?? 0) - (sum[t + 1] ?? 0)) / c;
  }
  return out;
}

/**
 * Mean squared error of `forecastMean[t]` against `target[t]` over t >= from where both are numbers.
 * Example: forecasts [10, 12], targets [11, 11] -> (1 + 1) / 2 = 1.
 */
export function meanSquaredError(forecastMean: Float64Array, target: Float64Array, from = 0): number {
  let s = 0;
  let k = 0;
  for (let t = from; t < target.length; t++) {
    const f = forecastMean[t] ?? Number.NaN;
    const y = target[t] ?? Number.NaN;
    if (Number.isNaN(f) || Number.isNaN(y)) continue;
    s += (f - y) ** 2;
    k++;
  }
  return k > 0 ? s / k : Number.POSITIVE_INFINITY;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The argument in [lo, hi] that minimises `f`: the best of `grid` points spaced evenly in log
 * space, then a golden-section search between its neighbours (`refine` steps). A grid first, so a
 * function with more than one dip still lands in the deepest one the grid sees.
 * Example: f(a) = (a - 0.3)^2 on [0.001, 1] -> 0.3 to within 1e-3 with the defaults.
 */
export function minimiseLog(
  f: (a: number) => number,
  lo: number,
  hi: number,
  grid = 10,
  refine = 12,
): { readonly arg: number; readonly value: number } {
  const points = Array.from({ length: grid }, (_, i) => lo * (hi / lo) ** (i / (grid - 1)));
  const values = points.map(f);
  let best = 0;
  for (let i = 1; i < grid; i++) if ((values[i] ?? Infinity) < (values[best] ?? Infinity)) best = i;
  let a = Math.log(points[Math.max(0, best - 1)] ?? lo);
  let b = Math.log(points[Math.min(grid - 1, best + 1)] ?? hi);
  let c = b - GOLDEN * (b - a);
  let d = a + GOLDEN * (b - a);
  let fc = f(Math.exp(c));
  let fd = f(Math.exp(d));
  for (let i = 0; i < refine; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - GOLDEN * (b - a);
      fc = f(Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + GOLDEN * (b - a);
      fd = f(Math.exp(d));
    }
  }
  const candidates: [number, number][] = [
    [points[best] ?? lo, values[best] ?? Infinity],
    [Math.exp(c), fc],
    [Math.exp(d), fd],
  ];
  candidates.sort((p, q) => p[1] - q[1]);
  const [arg, value] = candidates[0] ?? [lo, Infinity];
  return { arg, value };
}
