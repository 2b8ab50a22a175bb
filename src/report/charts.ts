// The charts of the reports, each a pure function from simulation results to one SVG figure:
// demand vs ready capacity per policy, forecast vs actual, cumulative cost, the cost-vs-SLO
// frontier (single-trace comparison); cost and SLO per service, peak hourly cost against the
// budget, total hourly cost over time against the budget, and replicas trimmed over time (platform
// replay).

import type { Comparison } from "../sim/compare.ts";
import type { FrontierPoint } from "../sim/frontier.ts";
import type { PlatformResult } from "../sim/platform.ts";
import type { PolicyName } from "../sim/policies.ts";
import type { Workload } from "../sim/workload.ts";
import { barChart, downsample, lineChart, type Line } from "./svg.ts";

export const COLORS: Record<PolicyName | "demand" | "forecast" | "budget", string> = {
  ours: "#1f77b4",
  reactive: "#d62728",
  static: "#7f7f7f",
  oracle: "#2ca02c",
  demand: "#111111",
  forecast: "#9467bd",
  budget: "#ff7f0e",
};

/** Points per drawn series: enough for a 1000-pixel-wide plot. */
const MAX_POINTS = 1500;

/** "01-07 14:05Z" for x = minutes after `start` (epoch ms). */
export function minuteFormat(start: number): (x: number) => string {
  return (x: number) => {
    const d = new Date(start + x * 60_000);
    return `${d.toISOString().slice(5, 10)} ${d.toISOString().slice(11, 16)}Z`;
  };
}

/** The measured minutes of a run: from the end of the warm-up to the end of the workload. */
export interface MeasuredWindow {
  readonly workload: Workload;
  readonly warmupSeconds: number;
}

function measured(m: MeasuredWindow): { fromMin: number; xs: Float64Array } {
  const fromMin = Math.floor(m.warmupSeconds / 60);
  const minutes = m.workload.minuteRate.length - fromMin;
  return { fromMin, xs: Float64Array.from({ length: Math.max(0, minutes) }, (_, i) => fromMin + i) };
}

/** Demand (1-minute mean) and each policy's ready capacity in the table's runs. */
export function capacityChart(m: MeasuredWindow, c: Comparison, capacity: number): string {
  const { fromMin, xs } = measured(m);
  const d = downsample(xs, m.workload.minuteRate.subarray(fromMin), MAX_POINTS);
  const capLines: Line[] = c.runs
    .filter((run) => run.series)
    .map((run) => {
      const ys = Float64Array.from(run.series?.ready ?? [], (v) => v * capacity);
      const ds = downsample(xs, ys, MAX_POINTS);
      return {
        name: `${run.policy}: ready capacity`,
        color: COLORS[run.policy],
        xs: ds.xs,
        ys: ds.ys,
        width: run.policy === "ours" ? 1.8 : 1.1,
      };
    });
  return lineChart({
    id: "chart-capacity",
    title: `Demand vs ready capacity (requests/s), ${c.headroom === undefined ? "each policy at its compared headroom" : `headroom ${c.headroom}`}`,
    yLabel: "requests/s",
    xLabel: "time (UTC)",
    xFormat: minuteFormat(m.workload.start),
    lines: [{ name: "demand (1-min mean)", color: COLORS.demand, xs: d.xs, ys: d.ys, width: 1 }, ...capLines],
  });
}

/** The forecast made `lead` minutes before each measured point (mean and upper quantile) vs what happened. */
export function forecastChart(m: MeasuredWindow, c: Comparison, lead = 15): string {
  const { fromMin } = measured(m);
  const rate = m.workload.minuteRate;
  const fx: number[] = [];
  const fm: number[] = [];
  const fu: number[] = [];
  const fa: number[] = [];
  for (const f of c.forecasts) {
    const atMin = Math.floor(f.t / 60) + lead;
    if (atMin < fromMin || atMin >= rate.length) continue;
    fx.push(atMin);
    fm.push(f.view.mean[lead - 1] ?? 0);
    fu.push(f.view.upper[lead - 1] ?? 0);
    fa.push(rate[atMin] ?? 0);
  }
  return lineChart({
    id: "chart-forecast",
    title: `Forecast ${lead} min ahead (point and upper quantile) vs actual, requests/s`,
    yLabel: "requests/s",
    xLabel: "time (UTC)",
    xFormat: minuteFormat(m.workload.start),
    lines: [
      { name: "actual (1-min mean)", color: COLORS.demand, xs: fx, ys: fa, width: 0.9 },
      { name: "forecast (point)", color: COLORS.forecast, xs: fx, ys: fm, width: 1.6 },
    ],
    band: { xs: fx, lo: fm, hi: fu, color: COLORS.forecast, name: "up to the upper quantile" },
  });
}

/** Each policy's cost accrued over the measured minutes, at its average price per replica-hour. */
export function cumulativeCostChart(m: MeasuredWindow, c: Comparison): string {
  const { xs } = measured(m);
  const costLines: Line[] = c.runs
    .filter((run) => run.series)
    .map((run) => {
      const alive = run.series?.alive ?? new Float32Array();
      const row = c.policies.find((p) => p.policy === run.policy);
      const pricePerReplicaMinute = row && row.replicaHours > 0 ? row.costDollars / row.replicaHours / 60 : 0;
      const cum = new Float64Array(alive.length);
      let acc = 0;
      for (let i = 0; i < alive.length; i++) {
        acc += (alive[i] ?? 0) * pricePerReplicaMinute;
        cum[i] = acc;
      }
      const ds = downsample(xs, cum, MAX_POINTS);
      return { name: run.policy, color: COLORS[run.policy], xs: ds.xs, ys: ds.ys };
    });
  return lineChart({
    id: "chart-cost",
    title: "Cumulative cost ($)",
    yLabel: "$",
    xLabel: "time (UTC)",
    xFormat: minuteFormat(m.workload.start),
    lines: costLines,
  });
}

/** Each policy's cost against its SLO-violating minutes, one point per headroom of the sweep. */
export function frontierChart(frontier: Comparison["frontier"]): string {
  const lines: Line[] = (Object.entries(frontier) as [PolicyName, FrontierPoint[]][]).map(([p, pts]) => {
    // The interesting region: points past 10% violating minutes would squash it (they stay in the JSON).
    const sorted = pts
      .filter((x) => x.sloViolationMinutesPct <= 10)
      .sort((a, b) => a.sloViolationMinutesPct - b.sloViolationMinutesPct);
    return {
      name: p,
      color: COLORS[p],
      xs: sorted.map((x) => x.sloViolationMinutesPct),
      ys: sorted.map((x) => x.costDollars),
    };
  });
  return lineChart({
    id: "chart-frontier",
    title:
      "Cost vs SLO (up to 10% violating minutes): each point is one headroom (target utilisation); lower left is better",
    yLabel: "cost $",
    xLabel: "SLO-violating minutes %",
    xFormat: (x) => `${x.toFixed(1)}%`,
    lines,
    markers: true,
  });
}

function serviceNames(results: readonly PlatformResult[]): string[] {
  return [...new Set(results.flatMap((r) => r.services.map((s) => s.service)))];
}

function perService(
  results: readonly PlatformResult[],
  value: (s: PlatformResult["services"][number]) => number,
): { name: string; color: string; values: number[] }[] {
  const names = serviceNames(results);
  return results.map((r) => ({
    name: r.policy,
    color: COLORS[r.policy],
    values: names.map((n) => {
      const s = r.services.find((x) => x.service === n);
      return s ? value(s) : 0;
    }),
  }));
}

/** Cost per service, one bar per policy. */
export function serviceCostChart(results: readonly PlatformResult[]): string {
  return barChart({
    id: "chart-service-cost",
    title: "Cost per service over the measured days ($)",
    yLabel: "$",
    xLabel: "service",
    categories: serviceNames(results),
    series: perService(results, (s) => s.costDollars),
    valueFormat: (v) => `$${v.toFixed(0)}`,
  });
}

/** SLO-violating minutes per service, one bar per policy. */
export function serviceSloChart(results: readonly PlatformResult[]): string {
  return barChart({
    id: "chart-service-slo",
    title: "SLO-violating minutes per service (%)",
    yLabel: "violating min %",
    xLabel: "service",
    categories: serviceNames(results),
    series: perService(results, (s) => s.sloViolationMinutesPct),
    valueFormat: (v) => `${v.toFixed(2)}%`,
  });
}

/** The highest total hourly cost of the replicas alive at any measured second, per policy, against the budget. */
export function peakHourlyCostChart(results: readonly PlatformResult[]): string {
  const budget = results.find((r) => r.maxHourlyCost !== undefined)?.maxHourlyCost;
  return barChart({
    id: "chart-peak-hourly",
    title: "Peak total cost per hour of the platform, against the budget ($/h)",
    yLabel: "$/h",
    xLabel: "policy",
    categories: ["peak"],
    series: results.map((r) => ({ name: r.policy, color: COLORS[r.policy], values: [r.peakHourlyCost] })),
    ...(budget !== undefined
      ? { references: [{ name: `budget $${budget}/h`, value: budget, color: COLORS.budget }] }
      : {}),
    valueFormat: (v) => `$${v.toFixed(1)}/h`,
  });
}

/**
 * Each policy's total cost rate over the measured minutes against the budget, in $/h. Downsampled to
 * the highest minute of each bucket, so a line at or under the budget here is at or under it every minute.
 */
export function hourlyCostChart(results: readonly PlatformResult[]): string {
  const lines: Line[] = results.map((r) => {
    const series = r.hourlyCost;
    const fromMin = series.from / 60_000;
    const xs = Float64Array.from(series.total, (_, i) => fromMin + i);
    const ds = downsample(xs, series.total, MAX_POINTS);
    return {
      name: r.policy,
      color: COLORS[r.policy],
      xs: ds.xs,
      ys: ds.ys,
      width: r.policy === "ours" ? 1.8 : 1.1,
    };
  });
  const budget = results.find((r) => r.maxHourlyCost !== undefined)?.maxHourlyCost;
  const xmin = Math.min(...lines.map((l) => l.xs[0] ?? Infinity));
  const xmax = Math.max(...lines.map((l) => l.xs[l.xs.length - 1] ?? -Infinity));
  const budgetLine: Line[] =
    budget !== undefined && xmin <= xmax
      ? [
          {
            name: `budget $${budget}/h`,
            color: COLORS.budget,
            xs: [xmin, xmax],
            ys: [budget, budget],
            dash: "6 4",
            width: 1.6,
          },
        ]
      : [];
  return lineChart({
    id: "chart-hourly-cost",
    title:
      "Total cost per hour of the platform over time, against the budget ($/h, highest minute per point)",
    yLabel: "$/h",
    xLabel: "time (UTC)",
    // x is minutes since the epoch.
    xFormat: minuteFormat(0),
    lines: [...lines, ...budgetLine],
  });
}

const SERVICE_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

/**
 * Replicas the budget or a GPU quota removed from each service over time: the most removed at once
 * in each trim window, as a step, over the measured period when given (epoch ms).
 */
export function trimChart(r: PlatformResult, measured?: { from: number; to: number }): string {
  const minute = (ms: number): number => ms / 60_000;
  const lines: Line[] = r.services
    .filter((s) => s.trims.length > 0)
    .map((s, i) => {
      const xs: number[] = measured ? [minute(measured.from)] : [];
      const ys: number[] = measured ? [0] : [];
      for (const w of s.trims) {
        xs.push(minute(w.from), minute(w.from), minute(w.to), minute(w.to));
        ys.push(0, w.maxRemoved, w.maxRemoved, 0);
      }
      if (measured) {
        xs.push(minute(measured.to));
        ys.push(0);
      }
      return { name: s.service, color: SERVICE_PALETTE[i % SERVICE_PALETTE.length] ?? "#111111", xs, ys };
    });
  return lineChart({
    id: `chart-trims-${r.policy}`,
    title: "Replicas removed by the budget or a GPU quota (most at once per window)",
    yLabel: "replicas removed",
    xLabel: "time (UTC)",
    // x is minutes since the epoch.
    xFormat: minuteFormat(0),
    lines,
  });
}
