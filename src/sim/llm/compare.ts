// The token-level comparison: every policy on the same arrivals, profile and cluster model, each
// swept over its knob for a cost-vs-SLO frontier (frontier.ts, with the share of requests missing
// the SLO as its SLO axis), and compared at equal SLO attainment (99% by default): the cost of each
// policy where its frontier reaches the target, its ratio to reactive KEDA on waiting requests and
// to the oracle, and the share of the reactive-to-oracle gap a policy closes. The table shows, per
// policy, the run at the compared point: the cheapest run that reaches the target (or, when none
// does, the one closest to it). With `keepSeries`, the shown run's per-minute series (replicas,
// TTFT and ITL p99, SLO met) come with it, for the report's charts over time.

import { costAtSlo, type FrontierPoint } from "../frontier.ts";
import type { ReplicaCapacity } from "./capacity.ts";
import { llmPolicy, type LlmPolicyContext } from "./policies.ts";
import type { LlmSeries } from "./series.ts";
import { simulateLlm, type LlmRunResult } from "./simulate.ts";

export type LlmRow = Omit<LlmRunResult, "ledger" | "series">;

export interface LlmCompareOptions {
  readonly policies: readonly string[];
  readonly sweep: boolean;
  /** SLO attainment (%) at which costs are compared. */
  readonly targetAttainmentPct: number;
  /** Policy whose cost the others are divided by (default reactive-waiting). */
  readonly baseline?: string;
  /** Keep the shown run's per-minute series (for the report). */
  readonly keepSeries?: boolean;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface PolicyAtTarget {
  readonly policy: string;
  /** Cost where the policy's frontier reaches the target; null when no knob reaches it. */
  readonly costAtTarget: number | null;
  readonly vsBaseline: number | null;
  readonly vsOracle: number | null;
  /** (baseline - policy) / (baseline - oracle) at the target; null without the three costs. */
  readonly gapClosed: number | null;
}

export interface LlmComparison {
  readonly trace: string;
  readonly arrivals: "real" | "constructed";
  readonly provenance: string;
  readonly profile: string;
  /** Epoch ms of the trace's second 0, and the first measured second (the series start there). */
  readonly start: number;
  readonly measureFromSeconds: number;
  readonly slo: { readonly ttftSeconds: number; readonly itlSeconds: number };
  readonly capacity: ReplicaCapacity;
  readonly targetAttainmentPct: number;
  readonly baseline: string;
  readonly rows: readonly LlmRow[];
  /** Per policy: knob -> cost and percent of requests missing the SLO. */
  readonly frontier: Readonly<Record<string, readonly FrontierPoint[]>>;
  readonly atTarget: readonly PolicyAtTarget[];
  /** Per policy, the shown run's series per measured minute (with keepSeries). */
  readonly series?: Readonly<Record<string, LlmSeries>>;
}

function row(r: LlmRunResult): LlmRow {
  const { ledger: _ledger, series: _series, ...rest } = r;
  return rest;
}

/** The run shown for a policy: the cheapest reaching the target, else the closest to it. */
export function comparedRun(runs: readonly LlmRow[], targetPct: number): LlmRow | undefined {
  const meeting = runs.filter((r) => r.attainmentPct >= targetPct);
  if (meeting.length > 0) return meeting.reduce((a, b) => (b.costDollars < a.costDollars ? b : a));
  return runs.reduce<LlmRow | undefined>(
    (a, b) => (a === undefined || b.attainmentPct > a.attainmentPct ? b : a),
    undefined,
  );
}

export function compareLlm(ctx: LlmPolicyContext, opt: LlmCompareOptions): LlmComparison {
  const baseline = opt.baseline ?? "reactive-waiting";
  const policies = opt.policies.map(llmPolicy);
  const total = policies.reduce((n, p) => n + (opt.sweep ? p.sweep.length : 1), 0);
  let done = 0;
  const rows: LlmRow[] = [];
  const frontier: Record<string, FrontierPoint[]> = {};
  const series: Record<string, LlmSeries> = {};
  for (const p of policies) {
    const runs: LlmRow[] = [];
    const seriesOf = new Map<LlmRow, LlmSeries>();
    for (const knob of opt.sweep ? p.sweep : [p.single]) {
      const label = { policy: p.name, knob, keepSeries: opt.keepSeries === true };
      const run = simulateLlm(ctx.arrivals, ctx.settings, p.make(ctx, knob), label);
      const r = row(run);
      runs.push(r);
      if (run.series) seriesOf.set(r, run.series);
      opt.onProgress?.(++done, total);
    }
    frontier[p.name] = runs.map((r) => ({
      headroom: r.knob,
      costDollars: r.costDollars,
      sloViolationMinutesPct: 100 - r.attainmentPct,
    }));
    const shown = comparedRun(runs, opt.targetAttainmentPct);
    if (!shown) continue;
    rows.push(shown);
    const kept = seriesOf.get(shown);
    if (kept) series[p.name] = kept;
  }
  return {
    trace: ctx.arrivals.name,
    arrivals: ctx.arrivals.origin,
    provenance: ctx.arrivals.provenance,
    profile: ctx.settings.profile.id,
    start: ctx.arrivals.start,
    measureFromSeconds: ctx.settings.measureFromSeconds,
    slo: ctx.settings.slo,
    capacity: ctx.capacity,
    targetAttainmentPct: opt.targetAttainmentPct,
    baseline,
    rows,
    frontier,
    atTarget: atTarget(frontier, opt.targetAttainmentPct, baseline),
    ...(opt.keepSeries === true ? { series } : {}),
  };
}

/** Each policy's cost at the target attainment and its ratios. */
export function atTarget(
  frontier: Readonly<Record<string, readonly FrontierPoint[]>>,
  targetPct: number,
  baseline: string,
): PolicyAtTarget[] {
  const miss = 100 - targetPct;
  const cost = (p: string): number | null => {
    const f = frontier[p];
    return f ? (costAtSlo(f, miss) ?? null) : null;
  };
  const base = cost(baseline);
  const oracle = cost("oracle");
  return Object.keys(frontier).map((policy) => {
    const c = cost(policy);
    const ratio = (d: number | null): number | null => (c !== null && d !== null && d > 0 ? c / d : null);
    const gap =
      c !== null && base !== null && oracle !== null && base - oracle > 0
        ? (base - c) / (base - oracle)
        : null;
    return { policy, costAtTarget: c, vsBaseline: ratio(base), vsOracle: ratio(oracle), gapClosed: gap };
  });
}

const fmt = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : "inf");

export function formatLlmComparison(c: LlmComparison): string {
  const header = [
    "policy",
    "knob",
    "cost $",
    "GPU-h",
    "SLO met %",
    "TTFT p99 s",
    "ITL p99 ms",
    "goodput tok/s/GPU",
    "preempt",
    "scale ev",
  ];
  const table = [header];
  for (const r of c.rows)
    table.push([
      r.policy,
      String(r.knob),
      fmt(r.costDollars, 0),
      fmt(r.gpuHours, 0),
      fmt(r.attainmentPct, 2),
      fmt(r.ttftP99Seconds, 2),
      fmt(r.itlP99Seconds * 1000, 1),
      fmt(r.sloThroughputPerGpu, 0),
      String(r.preemptions),
      String(r.scaleEvents),
    ]);
  const widths = header.map((_, i) => Math.max(...table.map((t) => (t[i] ?? "").length)));
  const lines = table.map((t) =>
    t.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "),
  );
  const ratio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(2)}x`);
  return [
    `${c.trace} (${c.arrivals} arrivals: ${c.provenance})`,
    `profile ${c.profile}; SLO TTFT <= ${c.slo.ttftSeconds} s and mean ITL <= ${c.slo.itlSeconds * 1000} ms; ` +
      `one replica sustains ${c.capacity.requestsPerSecond.toFixed(2)} req/s (${c.capacity.tokensPerSecond.toFixed(0)} tokens/s) at ${c.capacity.targetPct}%`,
    ...lines,
    `cost at ${c.targetAttainmentPct}% of requests within the SLO:`,
    ...c.atTarget.map(
      (a) =>
        `  ${a.policy}: ${a.costAtTarget === null ? "not reached" : `$${a.costAtTarget.toFixed(0)}`}, ` +
        `${ratio(a.vsBaseline)} ${c.baseline}, ${ratio(a.vsOracle)} the oracle` +
        (a.gapClosed === null ? "" : `, closes ${(100 * a.gapClosed).toFixed(0)}% of the gap`),
    ),
  ].join("\n");
}
