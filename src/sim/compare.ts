// Runs the policies on one workload, optionally sweeping headroom, and computes the headline:
// the cost of ours relative to reactive KEDA and to the oracle at equal SLO.

import type { ForecastView } from "../engine/types.ts";
import { describeHpaTolerance } from "./control-plane.ts";
import { costAtSlo, paretoFront, SWEEP_HEADROOMS, type FrontierPoint } from "./frontier.ts";
import type { PolicyName } from "./policies.ts";
import { precomputeForecasts, simulatePoint, type RunResult, type SimSettings } from "./run.ts";
import { peakMinuteRate, type Workload } from "./workload.ts";

export interface CompareOptions {
  readonly policies: readonly PolicyName[];
  readonly sweep: boolean;
  /** The headroom of a single run; with `sweep`, one more point of the sweep. */
  readonly headroom: number;
  /** The SLO level (% violating minutes) of the headline ratios. */
  readonly sloTargetPct: number;
  readonly onProgress?: (what: string, done: number, total: number) => void;
  /** Forecasts already computed for this workload and service (they do not depend on the control plane). */
  readonly forecasts?: readonly { readonly t: number; readonly view: ForecastView }[];
}

/** A policy's outcome in the table: a run (at its headroom) without its per-minute series. */
export type PolicyRow = Omit<RunResult, "series">;

export interface Headline {
  /** The SLO level the ratios are taken at: the target, or the lowest level both policies reach. */
  readonly sloPct: number | null;
  readonly oursVsReactive: number | null;
  readonly oursVsOracle: number | null;
  readonly note: string;
}

export interface Comparison {
  readonly trace: string;
  readonly service: string;
  /** Without a sweep, the one headroom run; with one, undefined: each row is at its compared point. */
  readonly headroom: number | undefined;
  /** The HPA tolerance the reactive and ours runs were simulated with. */
  readonly hpaTolerance: number;
  readonly policies: readonly PolicyRow[];
  readonly frontier: Readonly<Partial<Record<PolicyName, readonly FrontierPoint[]>>>;
  readonly costRatioAtEqualSlo: {
    readonly oursVsReactive: number | null;
    readonly oursVsOracle: number | null;
  };
  readonly headline: Headline;
  /** When the numbers measure the config rather than the policy at the runs shown: why, in words. Empty when fair. */
  readonly warnings: readonly string[];
  /** For the report: the runs of the table (with their series), and the forecasts. */
  readonly runs: readonly RunResult[];
  readonly forecasts: readonly { readonly t: number; readonly view: ForecastView }[];
}

function row(r: RunResult): PolicyRow {
  const { series: _series, ...rest } = r;
  return rest;
}

/**
 * The run a sweep shows for a policy at the headline's SLO level: its cheapest run within it, else
 * the one closest to it. Example: level 1.94%, ours at 0.8 (1.01%, $1,775) and 0.9 (2.3%, $1,600):
 * 0.8; reactive's lowest 1.94% at 0.5: that one.
 */
export function comparedPoint(runs: readonly RunResult[], sloPct: number): RunResult | undefined {
  const within = runs.filter((r) => r.sloViolationMinutesPct <= sloPct + 1e-9);
  if (within.length > 0) return within.reduce((a, b) => (b.costDollars < a.costDollars ? b : a));
  return runs.reduce<RunResult | undefined>(
    (a, b) => (a === undefined || b.sloViolationMinutesPct < a.sloViolationMinutesPct ? b : a),
    undefined,
  );
}

function minSlo(points: readonly FrontierPoint[] | undefined): number | undefined {
  return points ? paretoFront(points)[0]?.sloViolationMinutesPct : undefined;
}

/** Ratio of ours to `other` at a common SLO level: the target if both reach it, else the lowest both reach. */
export function headline(frontier: Comparison["frontier"], target: number): Headline {
  const ours = frontier.ours;
  const ratio = (other: readonly FrontierPoint[] | undefined, slo: number): number | null => {
    if (!ours || !other) return null;
    const a = costAtSlo(ours, slo);
    const b = costAtSlo(other, slo);
    return a !== undefined && b !== undefined && b > 0 ? a / b : null;
  };
  const lows = [minSlo(ours), minSlo(frontier.reactive)].filter((x): x is number => x !== undefined);
  if (!ours || lows.length === 0)
    return { sloPct: null, oursVsReactive: null, oursVsOracle: null, note: "ours was not run" };
  const common = Math.max(...lows);
  const slo = common <= target ? target : common;
  const note =
    slo === target
      ? `at ${target}% SLO-violating minutes`
      : `${target}% is not reached by ${minSlo(ours) !== undefined && (minSlo(ours) ?? 0) > target ? "ours" : "reactive"} at any tested headroom; ratios at ${slo.toFixed(2)}%, the lowest level both reach`;
  return {
    sloPct: slo,
    oursVsReactive: ratio(frontier.reactive, slo),
    oursVsOracle: ratio(frontier.oracle, slo),
    note,
  };
}

export function compare(w: Workload, s: SimSettings, opt: CompareOptions): Comparison {
  const forecasts =
    opt.forecasts ??
    (opt.policies.includes("ours")
      ? precomputeForecasts(w, s, (d, t) => opt.onProgress?.("forecasts", d, t))
      : []);
  const headrooms = opt.sweep
    ? [...new Set([...SWEEP_HEADROOMS, opt.headroom])].sort((a, b) => a - b)
    : [opt.headroom];
  const total = headrooms.length * opt.policies.length;
  let done = 0;
  const all = new Map<PolicyName, RunResult[]>();
  const frontier: Partial<Record<PolicyName, FrontierPoint[]>> = {};
  for (const policy of opt.policies) {
    // Every run keeps its per-minute series (a few arrays of one value a minute): the one shown is
    // known only once the sweep is done.
    const mine = headrooms.map((u) => {
      const r = simulatePoint(w, s, policy, u, forecasts, true);
      opt.onProgress?.("runs", ++done, total);
      return r;
    });
    all.set(policy, mine);
    frontier[policy] = mine.map((r) => ({
      headroom: r.headroom,
      costDollars: r.costDollars,
      sloViolationMinutesPct: r.sloViolationMinutesPct,
    }));
  }
  const h = headline(frontier, opt.sloTargetPct);
  const level = h.sloPct;
  const runs = [...all.values()].flatMap((mine) => {
    const shown =
      opt.sweep && level !== null
        ? comparedPoint(mine, level)
        : mine.find((r) => r.headroom === opt.headroom);
    return shown ? [shown] : [];
  });
  return {
    trace: w.name,
    service: s.service.name,
    headroom: opt.sweep && level !== null ? undefined : opt.headroom,
    hpaTolerance: s.controlPlane.tolerance,
    policies: runs.map(row),
    frontier,
    costRatioAtEqualSlo: { oursVsReactive: h.oursVsReactive, oursVsOracle: h.oursVsOracle },
    headline: h,
    warnings: configWarnings(w, s, runs),
    runs,
    forecasts,
  };
}

type Binding = Pick<RunResult, "policy" | "headroom" | "secondsAtMax" | "secondsTrimmed">;

/**
 * Why a comparison may measure the config rather than the policy, from the runs shown (each
 * policy's compared point). Example: a trace whose busiest minute needs 1.4 replicas ties every
 * policy at 1-2 replicas; a maxReplicas that caps ours where it is compared compares the caps, not
 * the policies.
 */
export function configWarnings(w: Workload, s: SimSettings, runs: readonly Binding[]): string[] {
  const out: string[] = [];
  const peakReplicas = peakMinuteRate(w) / s.capacity;
  if (peakReplicas < 2)
    out.push(
      `the trace's busiest minute needs ${peakReplicas.toFixed(2)} replicas at full utilisation (< 2): every policy sits at 1-2 replicas and ties; scale it with --peak-replicas`,
    );
  const list = (pick: (r: Binding) => number): string =>
    [...new Set(runs.map((r) => r.policy))]
      .filter((p) => p !== "static")
      .map((p) => {
        const hit = runs.filter((r) => r.policy === p && pick(r) > 0);
        return hit.length === 0
          ? ""
          : `${p} at ${hit.map((r) => `${r.headroom} (${(pick(r) / 60).toFixed(0)} min)`).join(", ")}`;
      })
      .filter((x) => x !== "")
      .join("; ");
  const atMax = list((r) => r.secondsAtMax);
  if (atMax !== "")
    out.push(
      `maxReplicas ${s.service.maxReplicas} binds at the compared point (headroom, time at the cap): ${atMax}; there the cap, not the policy, sets the cost and the SLO: raise maxReplicas or lower --peak-replicas`,
    );
  const trimmed = list((r) => r.secondsTrimmed);
  if (trimmed !== "")
    out.push(
      `the budget or a GPU quota trims at the compared point (headroom, time trimmed): ${trimmed}; reactive KEDA knows no budget, so the ratio compares the budget, not the forecast`,
    );
  return out;
}

export function formatComparison(c: Comparison): string {
  const rows = [
    [
      "policy",
      "headroom",
      "cost $",
      "replica-h",
      "SLO-viol min %",
      "late req %",
      "p95 s",
      "p99 s",
      "cold starts",
      "scale events",
    ],
  ];
  for (const p of c.policies) {
    rows.push([
      p.policy,
      String(p.headroom),
      p.costDollars.toFixed(0),
      p.replicaHours.toFixed(0),
      p.sloViolationMinutesPct.toFixed(2),
      p.lateRequestsPct.toFixed(2),
      p.p95LatencySeconds.toFixed(1),
      p.p99LatencySeconds.toFixed(1),
      String(p.coldStarts),
      String(p.scaleEvents),
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const table = rows.map((r) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "),
  );
  const h = c.headline;
  const fmt = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(2)}x`);
  return [
    `${c.trace} -> service ${c.service}, ${c.headroom === undefined ? `each policy at its cheapest headroom (target utilisation) within the compared SLO level (${c.headline.sloPct?.toFixed(2) ?? "n/a"}% violating minutes), else its closest` : `headroom (target utilisation) ${c.headroom}`}, ${describeHpaTolerance(c.hpaTolerance)}`,
    ...table,
    `cost of ours at equal SLO (${h.note}): ${fmt(h.oursVsReactive)} reactive KEDA, ${fmt(h.oursVsOracle)} the oracle`,
    ...c.warnings.map((x) => `warning: this measures the config, not the policy: ${x}`),
  ].join("\n");
}
