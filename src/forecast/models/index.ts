// The registry of forecasting models: ours (the per-series blend) and the models it is measured
// against, which are also its candidates.

import type { Model } from "../types.ts";
import { dampedTrend } from "./damped-trend.ts";
import { holtWinters } from "./holt-winters.ts";
import { naive } from "./naive.ts";
import { ours } from "./ours.ts";
import { profile } from "./profile.ts";
import { seasonalNaiveDaily, seasonalNaiveWeekly } from "./seasonal-naive.ts";
import { ses } from "./ses.ts";
import { theta } from "./theta.ts";

export const MODELS: readonly Model[] = [
  ours,
  profile,
  naive,
  seasonalNaiveDaily,
  seasonalNaiveWeekly,
  holtWinters,
  ses,
  dampedTrend,
  theta,
];
