// The platform replay as an HTML page: per policy, a table per service and the total, and every
// window in which the budget or a GPU quota trimmed a service.

import type { PlatformResult } from "../sim/platform.ts";

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

function policySection(r: PlatformResult): string {
  const budget =
    r.maxHourlyCost !== undefined
      ? ` against a budget of $${r.maxHourlyCost}/h; over it for ${(r.secondsOverBudget / 60).toFixed(0)} min`
      : "";
  const rows = r.services
    .map(
      (s) =>
        `<tr><td>${esc(s.service)}</td><td>${esc(s.trace)}</td><td>${s.priority}</td><td>${s.costDollars.toFixed(0)}</td><td>${s.replicaHours.toFixed(0)}</td><td>${s.sloViolationMinutesPct.toFixed(2)}</td><td>${s.p95LatencySeconds.toFixed(1)}</td><td>${r.policy === "ours" ? (s.secondsTrimmed / 60).toFixed(0) : "n/a"}</td></tr>`,
    )
    .join("");
  const trims = r.services
    .flatMap((s) =>
      s.trims.map(
        (w) =>
          `<tr><td>${esc(s.service)}</td><td>${w.rule}</td><td>${iso(w.from)}</td><td>${iso(w.to)}</td><td>${w.maxRemoved}</td></tr>`,
      ),
    )
    .join("");
  const trimTable =
    r.policy !== "ours"
      ? "<p>Reactive KEDA scales each service on its own and knows no budget or quota.</p>"
      : trims === ""
        ? "<p>Neither the budget nor a quota trimmed any service.</p>"
        : `<table><thead><tr><th>service</th><th>rule</th><th>from (UTC)</th><th>to</th><th>most replicas removed</th></tr></thead><tbody>${trims}</tbody></table>`;
  return `<h2>${r.policy}</h2>
<p class="headline">Total $${r.totalCostDollars.toFixed(0)} over ${r.days.toFixed(1)} measured days at headroom ${r.headroom}; peak $${r.peakHourlyCost.toFixed(1)}/h${budget}.</p>
<table><thead><tr><th>service</th><th>trace</th><th>priority</th><th>cost $</th><th>replica-hours</th><th>SLO-violating min %</th><th>p95 latency s</th><th>trimmed min</th></tr></thead><tbody>${rows}</tbody></table>
<h3>What the budget and quotas trimmed, and when</h3>${trimTable}`;
}

export function renderPlatformReport(results: readonly PlatformResult[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>ml-autoscaling: platform replay</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.headline{font-size:15px;background:#eef5fb;border-left:4px solid #1f77b4;padding:8px 12px}</style></head>
<body><h1>ml-autoscaling: platform replay</h1>${results.map(policySection).join("")}</body></html>
`;
}
