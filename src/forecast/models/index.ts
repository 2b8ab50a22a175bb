// The registry of forecasting models: ours and the baselines it is measured against.

import type { Model } from "../types.ts";
import { holtWinters } from "./holt-winters.ts";
import { naive } from "./naive.ts";
import { ours } from "./ours.ts";
import { seasonalNaiveDaily, seasonalNaiveWeekly } from "./seasonal-naive.ts";

export const MODELS: readonly Model[] = [ours, naive, seasonalNaiveDaily, seasonalNaiveWeekly, holtWinters];
