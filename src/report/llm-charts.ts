// The charts of the token-level comparison (sim/llm/compare.ts), each a pure function from one
// comparison to one SVG figure: TTFT and ITL (99th percentile per minute) against their SLO
// targets over time, replicas over time, and the cost against the share of requests missing the
// SLO, one point per knob of each policy's sweep.

import type { LlmComparison } from "../sim/llm/compare.ts";
import type { LlmSeries } from "../sim/llm/series.ts";
import { minuteFormat } from "./charts.ts";
import { downsample, lineChart, type Line } from "./svg.ts";

const POLICY_COLORS: Readonly<Record<string, string>> = {
  "ours-tokens": "#1f77b4",
  "ours-requests": "#17becf",
  "dynamo-planner": "#9467bd",
  "reactive-waiting": "#d62728",
  "reactive-requests": "#ff7f0e",
  static: "#7f7f7f",
  oracle: "#2ca02c",
};
const PALETTE = ["#8c564b", "#e377c2", "#bcbd22", "#393b79", "#637939"];
const SLO_COLOR = "#111111";
/** Points per drawn series: enough for a 1000-pixel-wide plot. */
const MAX_POINTS = 1500;
/** Latencies are drawn up to this multiple of their target (a request never served is infinitely late). */
export const LATENCY_CLIP = 4;

/** A policy's colour: the fixed one of a known policy, else one of the palette by its position. */
export function policyColor(policy: string, index: number): string {
  return POLICY_COLORS[policy] ?? PALETTE[index % PALETTE.length] ?? "#111111";
}

function seriesLines(
  c: LlmComparison,
  value: (s: LlmSeries) => Float32Array,
  transform: (v: number) => number,
): Line[] {
  return Object.entries(c.series ?? {}).map(([policy, s], i) => {
    const ys = Float64Array.from(value(s), transform);
    const xs = Float64Array.from(ys, (_, m) => m);
    const d = downsample(xs, ys, MAX_POINTS);
    return { name: policy, color: policyColor(policy, i), xs: d.xs, ys: d.ys, width: 1.2 };
  });
}

function flat(name: string, value: number, lines: readonly Line[]): Line {
  const last = Math.max(1, ...lines.map((l) => l.xs[l.xs.length - 1] ?? 0));
  return { name, color: SLO_COLOR, xs: [0, last], ys: [value, value], dash: "6 4", width: 1.4 };
}

function xFormat(c: LlmComparison): (x: number) => string {
  return minuteFormat(c.start + c.measureFromSeconds * 1000);
}

function latencyChart(c: LlmComparison, what: "ttft" | "itl", id: string): string {
  const target = what === "ttft" ? c.slo.ttftSeconds : c.slo.itlSeconds;
  const unit = what === "ttft" ? 1 : 1000;
  const cap = target * LATENCY_CLIP;
  const lines = seriesLines(
    c,
    (s) => (what === "ttft" ? s.ttftP99Seconds : s.itlP99Seconds),
    (v) => Math.min(v, cap) * unit,
  );
  const label = what === "ttft" ? "TTFT p99 (s)" : "mean ITL p99 (ms)";
  const name = what === "ttft" ? `TTFT target ${target} s` : `ITL target ${target * 1000} ms`;
  return lineChart({
    id,
    title: `${label} per minute against the SLO target, clipped at ${LATENCY_CLIP}x the target, each policy at its compared point`,
    yLabel: label,
    xLabel: "time (UTC)",
    xFormat: xFormat(c),
    lines: [...lines, flat(name, target * unit, lines)],
  });
}

export function ttftChart(c: LlmComparison, id: string): string {
  return latencyChart(c, "ttft", id);
}

export function itlChart(c: LlmComparison, id: string): string {
  return latencyChart(c, "itl", id);
}

/** Replicas paid for (ready, starting and draining) per minute, each policy at its compared point. */
export function replicasChart(c: LlmComparison, id: string): string {
  return lineChart({
    id,
    title: "Replicas paid for (ready, starting or draining) over time, each policy at its compared point",
    yLabel: "replicas",
    xLabel: "time (UTC)",
    xFormat: xFormat(c),
    lines: seriesLines(
      c,
      (s) => s.paying,
      (v) => v,
    ),
  });
}

/** Cost against the share of requests missing the SLO, one point per knob; up to 5% missing. */
export function llmFrontierChart(c: LlmComparison, id: string): string {
  const lines: Line[] = Object.entries(c.frontier).map(([policy, pts], i) => {
    const shown = pts
      .filter((p) => p.sloViolationMinutesPct <= 5)
      .sort((a, b) => a.sloViolationMinutesPct - b.sloViolationMinutesPct);
    return {
      name: policy,
      color: policyColor(policy, i),
      xs: shown.map((p) => p.sloViolationMinutesPct),
      ys: shown.map((p) => p.costDollars),
    };
  });
  const miss = 100 - c.targetAttainmentPct;
  const top = Math.max(1, ...lines.flatMap((l) => Array.from(l.ys)));
  lines.push({
    name: `${c.targetAttainmentPct}% attainment`,
    color: SLO_COLOR,
    xs: [miss, miss],
    ys: [0, top],
    dash: "6 4",
    width: 1.2,
  });
  return lineChart({
    id,
    title:
      "Cost vs requests missing the SLO (up to 5%): each point is one knob setting of a policy's sweep; lower left is better",
    yLabel: "cost $",
    xLabel: "requests missing the SLO %",
    xFormat: (x) => `${x.toFixed(1)}%`,
    lines,
    markers: true,
  });
}
