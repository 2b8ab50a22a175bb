// The registry of forecasting models: ours (the per-series blend) and the models it is measured
// against, which are also its candidates.

import type { Model } from "../types.ts";
import { holtWinters } from "./holt-winters.ts";
import { naive } from "./naive.ts";
import { ours } from "./ours.ts";
import { profile } from "./profile.ts";
import { seasonalNaiveDaily, seasonalNaiveWeekly } from "./seasonal-naive.ts";

export const MODELS: readonly Model[] = [
  ours,
  profile,
  naive,
  seasonalNaiveDaily,
  seasonalNaiveWeekly,
  holtWinters,
];
