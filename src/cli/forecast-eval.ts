// mlas forecast-eval --trace FILE [--horizon 30m] [--lookback 168h] [--zero-gaps] [--json]:
// rolling-origin evaluation of our forecaster (the combination) and of every candidate and baseline
// on any trace. With --zero-gaps, zero samples are collection gaps: missing in the history every
// model sees and in the actuals it is scored on (ServeGen records its gaps as zeros).

import { basename } from "node:path";
import { evaluate, type ModelScore } from "../forecast/evaluate.ts";
import { MODELS } from "../forecast/models/index.ts";
import type { Model } from "../forecast/types.ts";
import { loadTrace, TraceError } from "../traces/parse.ts";
import { parseDurationSeconds, UsageError } from "./duration.ts";

export interface ForecastEvalOptions {
  readonly trace: string;
  readonly horizon: string;
  readonly lookback: string;
  readonly json: boolean;
  readonly maxOrigins?: number;
  /** Zero samples are collection gaps (NaN), not idle steps. */
  readonly zeroGaps?: boolean;
  /** The models to evaluate (default: every model, ours first). */
  readonly models?: readonly Model[];
}

export interface ForecastEvalResult {
  readonly trace: string;
  readonly horizonMinutes: number;
  readonly stepSeconds: number;
  readonly origins: number;
  readonly warmupHours: number;
  /** Zero samples read as gaps (--zero-gaps), and how many. */
  readonly zeroGaps?: number;
  readonly models: readonly ModelScore[];
}

export function runForecastEval(
  opt: ForecastEvalOptions,
  progress?: (done: number, total: number) => void,
): ForecastEvalResult {
  if (opt.maxOrigins !== undefined && !(Number.isInteger(opt.maxOrigins) && opt.maxOrigins >= 1))
    throw new UsageError(`--max-origins: must be a whole number >= 1, got ${String(opt.maxOrigins)}`);
  const trace = loadTrace(opt.trace);
  const zeros = opt.zeroGaps ? trace.series.values.filter((v) => v === 0).length : 0;
  const s = opt.zeroGaps
    ? { ...trace.series, values: trace.series.values.map((v) => (v === 0 ? Number.NaN : v)) }
    : trace.series;
  const horizonSteps = Math.max(
    1,
    Math.round(parseDurationSeconds(opt.horizon, "--horizon") / s.stepSeconds),
  );
  const lookbackSteps = Math.max(
    horizonSteps + 1,
    Math.round(parseDurationSeconds(opt.lookback, "--lookback") / s.stepSeconds),
  );
  const perDay = 86400 / s.stepSeconds;
  const spanDays = s.values.length / perDay;
  // A week of warm-up where the trace allows a week of evaluation after it; else one day.
  const warmupSteps = Math.round(
    spanDays >= 9
      ? 7 * perDay
      : spanDays >= 2
        ? perDay
        : Math.min(s.values.length / 2, 2 * horizonSteps + 60),
  );
  if (warmupSteps + horizonSteps >= s.values.length) {
    throw new UsageError(
      `${opt.trace}: too short to evaluate a ${opt.horizon} horizon (${s.values.length} samples of ${s.stepSeconds}s)`,
    );
  }
  const models = evaluate(s, opt.models ?? MODELS, {
    horizonSteps,
    lookbackSteps,
    warmupSteps,
    originEverySteps: Math.max(1, Math.round(1800 / s.stepSeconds)),
    ...(opt.maxOrigins !== undefined ? { maxOrigins: opt.maxOrigins } : {}),
    ...(progress ? { onProgress: progress } : {}),
  });
  explainUnscored(opt, s.values, warmupSteps, models);
  return {
    trace: basename(opt.trace),
    horizonMinutes: (horizonSteps * s.stepSeconds) / 60,
    stepSeconds: s.stepSeconds,
    origins: models[0]?.origins ?? 0,
    warmupHours: (warmupSteps * s.stepSeconds) / 3600,
    ...(opt.zeroGaps ? { zeroGaps: zeros } : {}),
    models,
  };
}

/**
 * An evaluation that scored nothing is an error, not a table of "n/a": the origins after the warm-up
 * all face a horizon without data (gaps), or the load is zero over every scored horizon (WAPE is a
 * ratio to the load).
 */
function explainUnscored(
  opt: ForecastEvalOptions,
  values: Float64Array,
  warmupSteps: number,
  models: readonly ModelScore[],
): void {
  const origins = models[0]?.origins ?? 0;
  let gaps = 0;
  for (let i = warmupSteps; i < values.length; i++) if (Number.isNaN(values[i])) gaps++;
  const after = values.length - warmupSteps;
  if (origins === 0)
    throw new TraceError(
      `${opt.trace}: no origin could be scored: after the ${warmupSteps}-sample warm-up, the ${opt.horizon} after every evaluated origin falls in a gap (${gaps} of the ${after} samples after the warm-up are missing)`,
    );
  if (models.every((m) => !Number.isFinite(m.wape)))
    throw new TraceError(
      `${opt.trace}: the load is zero over every one of the ${origins} scored ${opt.horizon} horizons: WAPE (error / load) is undefined`,
    );
}

export function formatForecastEval(r: ForecastEvalResult): string {
  const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : "n/a");
  const num = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : "n/a");
  const rows = [["model", "WAPE", "MASE", "cov90", "cov95", "peakPinball95", "ms/forecast", "conf~err rho"]];
  for (const m of r.models) {
    rows.push([
      m.model,
      num(m.wape),
      num(m.mase),
      pct(m.coverage90),
      pct(m.coverage95),
      num(m.peakPinball95),
      num(m.msPerForecast, 2),
      num(m.confidenceErrorSpearman, 2),
    ]);
  }
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? "").length))) ?? [];
  const lines = rows.map((row) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join("  "),
  );
  const naive = r.models.find((m) => m.model === "naive");
  const ours = r.models.find((m) => m.model === "ours");
  const gaps = r.zeroGaps !== undefined ? `; ${r.zeroGaps} zero samples read as gaps` : "";
  const head = `${r.trace}: horizon ${r.horizonMinutes} min, step ${r.stepSeconds}s, ${r.origins} origins every 30 min after ${Number(r.warmupHours.toFixed(2))} h warm-up${gaps}`;
  const tail =
    naive && ours && naive.wape > 0 && Number.isFinite(ours.wape)
      ? `ours vs naive WAPE: ${((1 - ours.wape / naive.wape) * 100).toFixed(1)}% lower`
      : naive?.wape === 0
        ? "naive is exact on this trace (WAPE 0): no ratio to it"
        : "";
  return [head, ...lines, tail].join("\n");
}
