// The simulator's HTML report: one self-contained file (inline SVG and CSS, no scripts, nothing
// fetched). The layout: the summary table, then the charts of charts.ts (demand vs ready capacity
// per policy, forecast vs actual, cost over time, the cost-vs-SLO frontier), then the model notes.

import type { Comparison } from "../sim/compare.ts";
import { describeHpaTolerance } from "../sim/control-plane.ts";
import type { Workload } from "../sim/workload.ts";
import { capacityChart, COLORS, cumulativeCostChart, forecastChart, frontierChart } from "./charts.ts";
import { page } from "./page.ts";
import { esc } from "./svg.ts";

export interface ReportInput {
  readonly title: string;
  readonly workload: Workload;
  readonly comparison: Comparison;
  readonly capacity: number;
  readonly warmupSeconds: number;
  readonly notes: readonly string[];
  /** Optional second comparison (e.g. without scale to zero) for the summary. */
  readonly extra?: { readonly title: string; readonly comparison: Comparison };
}

function table(c: Comparison): string {
  const head = [
    "policy",
    "headroom",
    "cost $",
    "replica-hours",
    "SLO-violating min %",
    "late requests %",
    "p95 latency s",
    "p99 latency s",
    "cold starts",
    "scale events",
  ];
  const body = c.policies
    .map(
      (p) =>
        `<tr><td><i class="sw" style="background:${COLORS[p.policy]}"></i>${p.policy}</td><td>${p.headroom}</td><td>${p.costDollars.toFixed(0)}</td><td>${p.replicaHours.toFixed(0)}</td><td>${p.sloViolationMinutesPct.toFixed(2)}</td><td>${p.lateRequestsPct.toFixed(2)}</td><td>${p.p95LatencySeconds.toFixed(1)}</td><td>${p.p99LatencySeconds.toFixed(1)}</td><td>${p.coldStarts}</td><td>${p.scaleEvents}</td></tr>`,
    )
    .join("");
  const h = c.headline;
  const ratio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(2)}&times;`);
  const point =
    c.headroom === undefined
      ? `Each policy at its cheapest headroom within the compared SLO level (${h.sloPct?.toFixed(2) ?? "n/a"}% violating minutes), else its closest. `
      : "";
  return `<p>${point}${esc(describeHpaTolerance(c.hpaTolerance))}</p><table><thead><tr>${head.map((x) => `<th>${x}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>
<p class="headline">Cost of <b>ours</b> at equal SLO (${esc(h.note)}): <b>${ratio(h.oursVsReactive)}</b> reactive KEDA, <b>${ratio(h.oursVsOracle)}</b> the perfect-foresight oracle.</p>${c.warnings.map((x) => `<p class="warning">Warning: this measures the config, not the policy: ${esc(x)}</p>`).join("")}`;
}

export function renderReport(r: ReportInput): string {
  const c = r.comparison;
  const window = { workload: r.workload, warmupSeconds: r.warmupSeconds };
  const extra = r.extra ? `<h2>${esc(r.extra.title)}</h2>${table(r.extra.comparison)}` : "";
  return page(
    r.title,
    `<h1>${esc(r.title)}</h1>
<p class="sub">${esc(c.trace)} &middot; service <b>${esc(c.service)}</b> &middot; capacity ${r.capacity} requests/s per ready replica &middot; first ${(r.warmupSeconds / 86400).toFixed(1)} days are forecast history only (not measured)</p>
<h2>Summary</h2>${table(c)}${extra}
${capacityChart(window, c, r.capacity)}
${forecastChart(window, c)}
${cumulativeCostChart(window, c)}
${frontierChart(c.frontier)}
<h2>How the model works (choices that change the numbers)</h2>
<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
`,
  );
}
