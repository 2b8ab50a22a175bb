// Baseline: the mean of the last window (as long as the horizon) carried forward.

import { nanMean } from "../stats.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";

export const naive: Model = {
  name: "naive",
  fit(input: SeriesInput, horizon: number): PointFit {
    const x = input.values;
    const at = (o: number): number => nanMean(x, o - horizon + 1, o + 1);
    const last = at(x.length - 1);
    return {
      forecast: new Float64Array(horizon).fill(last),
      backcast: (o) => at(o),
      mode: "last-window",
      firstOrigin: horizon,
    };
  },
};
