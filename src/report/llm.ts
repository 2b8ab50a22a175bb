// The token-level comparison's HTML report (sim/llm/compare.ts), laid out on the shared page: for
// each trace, whether its arrivals are real or constructed, the table at equal SLO attainment
// (cost, its ratio to the baseline and the oracle, the share of the baseline-to-oracle gap closed,
// SLO-meeting throughput per GPU), TTFT and ITL (p99 per minute) against the SLO over time per
// policy, replicas over time, and the cost-vs-attainment frontier; then the model notes.

import type { LlmComparison, LlmRow, PolicyAtTarget } from "../sim/llm/compare.ts";
import { itlChart, llmFrontierChart, policyColor, replicasChart, ttftChart } from "./llm-charts.ts";
import { page } from "./page.ts";
import { esc } from "./svg.ts";

export interface LlmReportInput {
  readonly title: string;
  /** One comparison per trace, all on the same profile and SLO or not. */
  readonly comparisons: readonly LlmComparison[];
  /** Modelling choices that change the numbers, one sentence each. */
  readonly notes: readonly string[];
}

const money = (x: number | null): string => (x === null ? "not reached" : `$${x.toFixed(0)}`);
const ratio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(2)}&times;`);
const share = (x: number | null): string => (x === null ? "n/a" : `${(100 * x).toFixed(0)}%`);

/** Real arrivals in the page's headline style, constructed ones in its warning style. */
function origin(c: LlmComparison): string {
  return c.arrivals === "real"
    ? `<p class="headline origin" data-arrivals="real"><b>Real arrivals</b>: ${esc(c.provenance)}</p>`
    : `<p class="warning origin" data-arrivals="constructed"><b>Constructed arrivals</b> (not recorded request times): ${esc(c.provenance)}</p>`;
}

function tableRow(a: PolicyAtTarget, run: LlmRow | undefined, i: number): string {
  const cells = [
    `<i class="sw" style="background:${policyColor(a.policy, i)}"></i>${esc(a.policy)}`,
    money(a.costAtTarget),
    ratio(a.vsBaseline),
    ratio(a.vsOracle),
    share(a.gapClosed),
    run ? run.sloThroughputPerGpu.toFixed(0) : "n/a",
    run ? esc(String(run.knob)) : "n/a",
    run ? run.attainmentPct.toFixed(2) : "n/a",
    run ? run.costDollars.toFixed(0) : "n/a",
    run ? run.gpuHours.toFixed(0) : "n/a",
    run ? run.ttftP99Seconds.toFixed(2) : "n/a",
    run ? (run.itlP99Seconds * 1000).toFixed(1) : "n/a",
  ];
  return `<tr data-policy="${esc(a.policy)}">${cells.map((x) => `<td>${x}</td>`).join("")}</tr>`;
}

function table(c: LlmComparison): string {
  const head = [
    "policy",
    `cost at ${c.targetAttainmentPct}%`,
    `vs ${esc(c.baseline)}`,
    "vs oracle",
    "gap closed",
    "SLO-meeting tokens/s per GPU",
    "knob",
    "SLO met %",
    "cost $",
    "GPU-h",
    "TTFT p99 s",
    "ITL p99 ms",
  ];
  const body = c.atTarget
    .map((a, i) =>
      tableRow(
        a,
        c.rows.find((r) => r.policy === a.policy),
        i,
      ),
    )
    .join("");
  const base = c.atTarget.find((a) => a.policy === c.baseline);
  const missing =
    base?.costAtTarget === null
      ? `<p class="warning">${esc(c.baseline)} does not reach ${c.targetAttainmentPct}% at any setting of its sweep: the ratios to it and the gap closed cannot be formed here.</p>`
      : "";
  return `${missing}<table class="llm"><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>
<p>Cost at ${c.targetAttainmentPct}%: where the policy's frontier reaches ${c.targetAttainmentPct}% of requests within both targets (interpolated between its sweep's points). Gap closed: (${esc(c.baseline)} &minus; policy) / (${esc(c.baseline)} &minus; oracle) at that attainment. The columns from "SLO-meeting tokens/s per GPU" on are the run shown for the policy: the cheapest that reaches the target, else the closest to it.</p>`;
}

function section(c: LlmComparison, n: number): string {
  const id = (what: string): string => `chart-${what}-${n}`;
  return `<section class="trace" data-arrivals="${c.arrivals}">
<h2>${esc(c.trace)}</h2>
${origin(c)}
<p class="sub">profile <b>${esc(c.profile)}</b> &middot; SLO: TTFT &le; ${c.slo.ttftSeconds} s and mean ITL &le; ${c.slo.itlSeconds * 1000} ms, judged per request &middot; one replica sustains ${c.capacity.requestsPerSecond.toFixed(2)} requests/s (${c.capacity.tokensPerSecond.toFixed(0)} tokens/s) at ${c.capacity.targetPct}% on this mix</p>
${table(c)}
${ttftChart(c, id("ttft"))}
${itlChart(c, id("itl"))}
${replicasChart(c, id("replicas"))}
${llmFrontierChart(c, id("frontier"))}
</section>
`;
}

/** Which traces' results come from real arrivals and which from constructed ones. */
function provenanceList(cs: readonly LlmComparison[]): string {
  const items = cs.map(
    (c) =>
      `<li>${esc(c.trace)}: ${c.arrivals === "real" ? "real arrivals (recorded request times and token counts)" : "constructed arrivals"}</li>`,
  );
  return `<ul class="provenance">${items.join("")}</ul>`;
}

export function renderLlmReport(r: LlmReportInput): string {
  return page(
    r.title,
    `<h1>${esc(r.title)}</h1>
<p class="sub">GPU LLM serving in tokens: each policy replayed on the same per-request arrivals through the token-level simulator (vLLM-style continuous batching on a measured performance profile), compared at equal SLO attainment.</p>
<h2>Where the arrivals come from</h2>${provenanceList(r.comparisons)}
${r.comparisons.map(section).join("")}<h2>How the model works (choices that change the numbers)</h2>
<ul class="notes">${r.notes.map((x) => `<li>${esc(x)}</li>`).join("")}</ul>
`,
  );
}
