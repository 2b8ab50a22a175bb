// Baseline: the mean of the last window (as long as the horizon) carried forward.

import { nanMean } from "../stats.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";

export const naive: Model = {
  name: "naive",
  fit(input: SeriesInput, horizon: number): PointFit {
    const x = input.values;
    // Scoring asks for every lead of an origin, and every lead is the same mean: computed once.
    const known = new Uint8Array(x.length);
    const mean = new Float64Array(x.length);
    const at = (o: number): number => {
      if (!(o >= 0 && o < x.length)) return nanMean(x, o - horizon + 1, o + 1);
      if (known[o] === 0) {
        mean[o] = nanMean(x, o - horizon + 1, o + 1);
        known[o] = 1;
      }
      return mean[o] ?? Number.NaN;
    };
    const last = at(x.length - 1);
    return {
      forecast: new Float64Array(horizon).fill(last),
      backcast: (o) => at(o),
      mode: "last-window",
      firstOrigin: horizon,
    };
  },
};
