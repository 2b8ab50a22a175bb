// Baselines: the value one season ago (same time yesterday, or same time last week). When that
// sample is missing, or the history is shorter than the season, the last window's mean stands in.

import { nanMean } from "../stats.ts";
import type { Model, PointFit, SeriesInput } from "../types.ts";

function seasonalNaive(name: string, periodHours: number): Model {
  return {
    name,
    fit(input: SeriesInput, horizon: number): PointFit {
      const x = input.values;
      const period = Math.round((periodHours * 3600) / input.stepSeconds);
      const at = (o: number, h: number): number => {
        const v = x[o + h - period];
        if (o + h - period >= 0 && v !== undefined && !Number.isNaN(v)) return v;
        return nanMean(x, o - horizon + 1, o + 1);
      };
      const n = x.length;
      const forecast = new Float64Array(horizon);
      for (let h = 1; h <= horizon; h++) forecast[h - 1] = at(n - 1, h);
      return { forecast, backcast: at, mode: n >= period ? "seasonal" : "too-short", firstOrigin: period };
    },
  };
}

export const seasonalNaiveDaily = seasonalNaive("seasonal-naive-daily", 24);
export const seasonalNaiveWeekly = seasonalNaive("seasonal-naive-weekly", 168);
