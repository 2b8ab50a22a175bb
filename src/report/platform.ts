// The platform replay as an HTML page, laid out from the shared charts: per service and policy the
// cost and the SLO, the platform's peak hourly cost and its hourly cost over time against the
// budget, and for ours every window
// in which the budget or a GPU quota trimmed a service (a chart over time and a table).

import { describeHpaTolerance } from "../sim/control-plane.ts";
import type { PlatformResult } from "../sim/platform.ts";
import {
  hourlyCostChart,
  peakHourlyCostChart,
  serviceCostChart,
  serviceSloChart,
  trimChart,
} from "./charts.ts";
import { page } from "./page.ts";
import { esc } from "./svg.ts";

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function serviceTable(r: PlatformResult): string {
  const rows = r.services
    .map(
      (s) =>
        `<tr><td>${esc(s.service)}</td><td>${esc(s.trace)}</td><td>${s.priority}</td><td>${s.costDollars.toFixed(0)}</td><td>${s.replicaHours.toFixed(0)}</td><td>${s.sloViolationMinutesPct.toFixed(2)}</td><td>${s.p95LatencySeconds.toFixed(1)}</td><td>${r.policy === "ours" ? (s.secondsTrimmed / 60).toFixed(0) : "n/a"}</td></tr>`,
    )
    .join("");
  return `<table><thead><tr><th>service</th><th>trace</th><th>priority</th><th>cost $</th><th>replica-hours</th><th>SLO-violating min %</th><th>p95 latency s</th><th>trimmed min</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function trimSection(r: PlatformResult, measured: PlatformReportInput["measured"]): string {
  if (r.policy !== "ours")
    return "<p>Reactive KEDA scales each service on its own and knows no budget or quota.</p>";
  const rows = r.services
    .flatMap((s) =>
      s.trims.map(
        (w) =>
          `<tr><td>${esc(s.service)}</td><td>${w.rule}</td><td>${iso(w.from)}</td><td>${iso(w.to)}</td><td>${w.maxRemoved}</td></tr>`,
      ),
    )
    .join("");
  if (rows === "") return "<p>Neither the budget nor a quota trimmed any service.</p>";
  return `${trimChart(r, measured)}
<table><thead><tr><th>service</th><th>rule</th><th>from (UTC)</th><th>to</th><th>most replicas removed</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function policySection(r: PlatformResult, measured: PlatformReportInput["measured"]): string {
  const budget =
    r.maxHourlyCost !== undefined
      ? ` against a budget of $${r.maxHourlyCost}/h; over it for ${(r.secondsOverBudget / 60).toFixed(0)} min`
      : "";
  return `<h2>${r.policy}</h2>
<p class="headline">Total $${r.totalCostDollars.toFixed(0)} over ${r.days.toFixed(1)} measured days at headroom ${r.headroom}; peak $${r.peakHourlyCost.toFixed(1)}/h${budget}.</p>
${serviceTable(r)}
<h3>What the budget and quotas trimmed, and when</h3>${trimSection(r, measured)}
`;
}

export interface PlatformReportInput {
  readonly results: readonly PlatformResult[];
  readonly hpaTolerance?: number;
  /** The measured period, epoch ms: the time axis of the trims. */
  readonly measured?: { readonly from: number; readonly to: number };
}

/** The page: each policy's totals, table and trims, then the charts comparing the policies. */
export function renderPlatformReport({ results, hpaTolerance, measured }: PlatformReportInput): string {
  const title = "ml-autoscaling: platform replay";
  const services = [...new Set(results.flatMap((r) => r.services.map((s) => `${s.service} <- ${s.trace}`)))];
  const sub = [...services, ...(hpaTolerance !== undefined ? [describeHpaTolerance(hpaTolerance)] : [])];
  return page(
    title,
    `<h1>${esc(title)}</h1>
<p class="sub">${sub.map(esc).join(" &middot; ")}</p>
${results.map((r) => policySection(r, measured)).join("")}<h2>Per service and in total</h2>
${serviceCostChart(results)}
${serviceSloChart(results)}
${peakHourlyCostChart(results)}
${hourlyCostChart(results)}
`,
  );
}
