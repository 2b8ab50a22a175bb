// The token-level comparison: every policy on the same arrivals, profile and cluster model, each
// swept over its knob for a cost-vs-SLO frontier (frontier.ts, with the share of requests missing
// the SLO as its SLO axis), and compared at equal SLO attainment (99% by default): the cost of each
// policy where its frontier reaches the target, its ratio to reactive KEDA on waiting requests and
// to the oracle, and the share of the reactive-to-oracle gap a policy closes. The table shows, per
// policy, the run at the compared point: the cheapest run that reaches the target (or, when none
// does, the one closest to it). With `keepSeries`, the shown run's per-minute series (replicas,
// TTFT and ITL p99, SLO met) come with it, for the report's charts over time.

import { costAtSlo, paretoFront, type FrontierPoint } from "../frontier.ts";
import { peakMinuteTokens } from "./arrivals.ts";
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
  /** What a reader must know about the runs, in words (ours ran reactive only, ...). */
  readonly cautions?: readonly string[];
}

export interface PolicyAtTarget {
  readonly policy: string;
  /** Cost where the policy's frontier reaches the target; null when no knob reaches it. */
  readonly costAtTarget: number | null;
  readonly vsBaseline: number | null;
  readonly vsOracle: number | null;
  /**
   * (baseline - policy) / (baseline - oracle) at the target; null without the three costs or when
   * the baseline is within MIN_GAP of the oracle (a share of a near-zero gap is noise: $1 of gap
   * makes a $5 difference read 500%).
   */
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
  /** The attainment asked for (%). */
  readonly targetAttainmentPct: number;
  /** The attainment the costs are compared at: the target, or the highest level ours and the baseline both reach. */
  readonly comparedAttainmentPct: number;
  /** Which, in words. */
  readonly levelNote: string;
  readonly baseline: string;
  /** Per policy, the run shown: the cheapest reaching the compared level, else the closest to it. */
  readonly rows: readonly LlmRow[];
  /** Per policy: knob -> cost and percent of requests missing the SLO. */
  readonly frontier: Readonly<Record<string, readonly FrontierPoint[]>>;
  /** Each policy's cost at the compared level and its ratios. */
  readonly atTarget: readonly PolicyAtTarget[];
  readonly headline: LlmHeadline;
  /** When the numbers measure the config rather than the policy: why. Empty when fair. */
  readonly warnings: readonly string[];
  /** Other things a reader must know about the runs (ours ran reactive only, constructed lengths). */
  readonly cautions: readonly string[];
  /** Per policy, the shown run's series per measured minute (with keepSeries). */
  readonly series?: Readonly<Record<string, LlmSeries>>;
}

/** The least baseline-to-oracle gap, as a share of the baseline's cost, that a share of it is formed for. */
export const MIN_GAP = 0.05;

/** Ours at the compared level: cost ratios, the gap closed, SLO-meeting tokens/s per GPU vs Dynamo's. */
export interface LlmHeadline {
  readonly oursVsBaseline: number | null;
  readonly oursVsOracle: number | null;
  readonly gapClosed: number | null;
  /** Ours' SLO-meeting output tokens/s per GPU over the Dynamo-style planner's, in the runs shown. */
  readonly perGpuVsDynamo: number | null;
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

/**
 * The attainment level the comparison is made at: the target when ours and the baseline both reach
 * it somewhere in their sweeps, else the highest level both reach (as the request simulator's
 * headline does), with a note saying which. Without ours or the baseline, the target.
 * Example: target 99%, ours reaches 99.6%, reactive-waiting at best 87.8%: compared at 87.8%.
 */
export function comparedLevel(
  frontier: Readonly<Record<string, readonly FrontierPoint[]>>,
  targetPct: number,
  baseline: string,
): { readonly attainmentPct: number; readonly note: string } {
  const best = (p: string): number | undefined => {
    const f = frontier[p];
    const first = f ? paretoFront(f)[0] : undefined;
    return first === undefined ? undefined : 100 - first.sloViolationMinutesPct;
  };
  const ours = best("ours");
  const base = best(baseline);
  if (ours === undefined || base === undefined)
    return { attainmentPct: targetPct, note: `at ${targetPct}% of requests within the SLO` };
  const common = Math.min(ours, base);
  if (common >= targetPct - 1e-9)
    return { attainmentPct: targetPct, note: `at ${targetPct}% of requests within the SLO` };
  const short = [ours < targetPct ? "ours" : "", base < targetPct ? baseline : ""].filter((x) => x !== "");
  return {
    attainmentPct: Math.floor(common * 100) / 100,
    note: `${targetPct}% is not reached by ${short.join(" or ")} in any of its runs; compared at ${(Math.floor(common * 100) / 100).toFixed(2)}%, the highest level both ours and ${baseline} reach`,
  };
}

export function compareLlm(ctx: LlmPolicyContext, opt: LlmCompareOptions): LlmComparison {
  const baseline = opt.baseline ?? "reactive-waiting";
  const policies = opt.policies.map(llmPolicy);
  const total = policies.reduce((n, p) => n + (opt.sweep ? p.sweep.length : 1), 0);
  let done = 0;
  const runs = new Map<string, { row: LlmRow; series?: LlmSeries }[]>();
  const frontier: Record<string, FrontierPoint[]> = {};
  for (const p of policies) {
    const mine: { row: LlmRow; series?: LlmSeries }[] = [];
    for (const knob of opt.sweep ? p.sweep : [p.single]) {
      const label = { policy: p.name, knob, keepSeries: opt.keepSeries === true };
      const run = simulateLlm(ctx.arrivals, ctx.settings, p.make(ctx, knob), label);
      mine.push({ row: row(run), ...(run.series ? { series: run.series } : {}) });
      opt.onProgress?.(++done, total);
    }
    runs.set(p.name, mine);
    frontier[p.name] = mine.map(({ row: r }) => ({
      headroom: r.knob,
      costDollars: r.costDollars,
      sloViolationMinutesPct: 100 - r.attainmentPct,
    }));
  }
  const level = comparedLevel(frontier, opt.targetAttainmentPct, baseline);
  const rows: LlmRow[] = [];
  const series: Record<string, LlmSeries> = {};
  for (const [name, mine] of runs) {
    const shown = comparedRun(
      mine.map((m) => m.row),
      level.attainmentPct,
    );
    if (!shown) continue;
    rows.push(shown);
    const kept = mine.find((m) => m.row === shown)?.series;
    if (kept) series[name] = kept;
  }
  const at = atTarget(frontier, level.attainmentPct, baseline);
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
    comparedAttainmentPct: level.attainmentPct,
    levelNote: level.note,
    baseline,
    rows,
    frontier,
    atTarget: at,
    headline: headlineOf(at, rows),
    warnings: llmWarnings(ctx, rows, baseline),
    cautions: opt.cautions ?? [],
    ...(opt.keepSeries === true ? { series } : {}),
  };
}

/** Ours against the baseline, the oracle and the Dynamo-style planner at the compared level. */
function headlineOf(at: readonly PolicyAtTarget[], rows: readonly LlmRow[]): LlmHeadline {
  const ours = at.find((a) => a.policy === "ours");
  const perGpu = (p: string): number | undefined => rows.find((r) => r.policy === p)?.sloThroughputPerGpu;
  const o = perGpu("ours");
  const d = perGpu("dynamo-planner");
  return {
    oursVsBaseline: ours?.vsBaseline ?? null,
    oursVsOracle: ours?.vsOracle ?? null,
    gapClosed: ours?.gapClosed ?? null,
    perGpuVsDynamo: o !== undefined && d !== undefined && d > 0 ? o / d : null,
  };
}

/**
 * Why the comparison may measure the config rather than the policy, from the runs shown (the
 * compared point) of the headline's policies (ours, the baseline, the oracle): a trace whose
 * busiest minute needs under 2 replicas ties every policy; one of them held at maxReplicas, or
 * trimmed by the budget or a GPU quota, is compared on its caps.
 */
export function llmWarnings(ctx: LlmPolicyContext, shown: readonly LlmRow[], baseline: string): string[] {
  const out: string[] = [];
  const peak = peakMinuteTokens(ctx.arrivals) / ctx.capacity.tokensPerSecond;
  if (peak < 2)
    out.push(
      `the trace's busiest minute needs ${peak.toFixed(2)} replicas at the measured capacity (< 2): every policy sits at 1-2 replicas and ties; scale it with --peak-replicas`,
    );
  const list = (pick: (r: LlmRow) => number): string =>
    shown
      .filter((r) => ["ours", baseline, "oracle"].includes(r.policy) && pick(r) > 0)
      .map((r) => `${r.policy} at ${r.knob} (${(pick(r) / 60).toFixed(0)} min)`)
      .join(", ");
  const atMax = list((r) => r.secondsAtMax);
  if (atMax !== "")
    out.push(
      `maxReplicas ${ctx.service.maxReplicas} binds at the compared point (policy at its knob, time at the cap): ${atMax}; there the cap, not the policy, sets the cost and the SLO: raise maxReplicas or lower --peak-replicas`,
    );
  const trimmed = list((r) => r.secondsTrimmed);
  if (trimmed !== "")
    out.push(
      `the budget or a GPU quota trims ours at the compared point (knob, time trimmed): ${trimmed}; the other policies know no budget, so the ratio compares the budget, not the forecast`,
    );
  return out;
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
      c !== null && base !== null && oracle !== null && base - oracle >= MIN_GAP * base
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
    `each policy's run shown: its cheapest reaching ${c.comparedAttainmentPct}%, else its closest`,
    ...lines,
    `cost at the compared level (${c.levelNote}):`,
    ...c.atTarget.map(
      (a) =>
        `  ${a.policy}: ${a.costAtTarget === null ? "not reached" : `$${a.costAtTarget.toFixed(0)}`}, ` +
        `${ratio(a.vsBaseline)} ${c.baseline}, ${ratio(a.vsOracle)} the oracle` +
        (a.gapClosed === null ? "" : `, closes ${(100 * a.gapClosed).toFixed(0)}% of the gap`),
    ),
    ...gapNote(c),
    headlineText(c),
    ...c.cautions.map((w) => `warning: ${w}`),
    ...c.warnings.map((w) => `warning: this measures the config, not the policy: ${w}`),
  ].join("\n");
}

/** Why no share of the gap is given although the baseline and the oracle both have a cost. */
function gapNote(c: LlmComparison): string[] {
  const at = (p: string): number | null => c.atTarget.find((a) => a.policy === p)?.costAtTarget ?? null;
  const base = at(c.baseline);
  const oracle = at("oracle");
  if (base === null || oracle === null || base - oracle >= MIN_GAP * base) return [];
  return [
    `  no share of the gap: ${c.baseline} ($${base.toFixed(0)}) is within ${(100 * MIN_GAP).toFixed(0)}% of the oracle ($${oracle.toFixed(0)})`,
  ];
}

/** One line: ours against the baseline and the oracle at the compared level, and per GPU against Dynamo's. */
export function headlineText(c: LlmComparison): string {
  const h = c.headline;
  const x = (v: number | null, what: string): string =>
    v === null ? `n/a ${what}` : `${v.toFixed(2)}x ${what}`;
  const gap =
    h.gapClosed === null
      ? "gap closed n/a"
      : `closes ${(100 * h.gapClosed).toFixed(0)}% of the ${c.baseline}-to-oracle gap`;
  return `ours at ${c.comparedAttainmentPct}%: cost ${x(h.oursVsBaseline, c.baseline)}, ${x(h.oursVsOracle, "the oracle")}, ${gap}; SLO-meeting tokens/s per GPU ${x(h.perGpuVsDynamo, "the Dynamo-style planner's")}`;
}
