// The simulator's HTML report: one self-contained file (inline SVG and CSS, no scripts, nothing
// fetched): demand vs ready capacity per policy, forecast vs actual, cost over time, the
// cost-vs-SLO frontier, and the summary table.

import type { Comparison } from "../sim/compare.ts";
import { describeHpaTolerance } from "../sim/control-plane.ts";
import type { FrontierPoint } from "../sim/frontier.ts";
import type { PolicyName } from "../sim/policies.ts";
import type { Workload } from "../sim/workload.ts";

const COLORS: Record<PolicyName | "demand" | "forecast", string> = {
  ours: "#1f77b4",
  reactive: "#d62728",
  static: "#7f7f7f",
  oracle: "#2ca02c",
  demand: "#111111",
  forecast: "#9467bd",
};

interface Line {
  readonly name: string;
  readonly color: string;
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  readonly dash?: string;
  readonly width?: number;
}

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly xLabel: string;
  readonly lines: readonly Line[];
  readonly band?: {
    readonly xs: ArrayLike<number>;
    readonly lo: ArrayLike<number>;
    readonly hi: ArrayLike<number>;
    readonly color: string;
    readonly name: string;
  };
  /** Format an x value for the axis. */
  readonly xFormat: (x: number) => string;
  readonly markers?: boolean;
}

const W = 1000;
const H = 300;
const M = { l: 64, r: 16, t: 28, b: 40 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Keeps at most `max` points, taking the maximum of each bucket so peaks stay visible. */
export function downsample(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  max: number,
): { xs: number[]; ys: number[] } {
  const n = Math.min(xs.length, ys.length);
  if (n <= max)
    return {
      xs: Array.from({ length: n }, (_, i) => xs[i] ?? 0),
      ys: Array.from({ length: n }, (_, i) => ys[i] ?? 0),
    };
  const ox: number[] = [];
  const oy: number[] = [];
  const k = n / max;
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * k);
    const to = Math.min(n, Math.floor((b + 1) * k));
    let best = -Infinity;
    for (let i = from; i < to; i++) best = Math.max(best, ys[i] ?? 0);
    ox.push(xs[from] ?? 0);
    oy.push(best);
  }
  return { xs: ox, ys: oy };
}

function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function chart(c: ChartSpec): string {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymax = 0;
  const all = [
    ...c.lines.map((l) => ({ xs: l.xs, ys: l.ys })),
    ...(c.band ? [{ xs: c.band.xs, ys: c.band.hi }] : []),
  ];
  for (const l of all) {
    for (let i = 0; i < l.xs.length; i++) {
      const x = l.xs[i] ?? 0;
      const y = l.ys[i] ?? 0;
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (Number.isFinite(y) && y > ymax) ymax = y;
    }
  }
  if (!Number.isFinite(xmin)) return `<p>${esc(c.title)}: no data</p>`;
  ymax = ymax * 1.05 || 1;
  const px = (x: number): number => M.l + ((x - xmin) / (xmax - xmin || 1)) * (W - M.l - M.r);
  const py = (y: number): number => H - M.b - (Math.min(y, ymax) / ymax) * (H - M.t - M.b);
  const path = (xs: ArrayLike<number>, ys: ArrayLike<number>): string => {
    let d = "";
    for (let i = 0; i < xs.length; i++)
      d += `${i === 0 ? "M" : "L"}${px(xs[i] ?? 0).toFixed(1)},${py(ys[i] ?? 0).toFixed(1)}`;
    return d;
  };
  const parts: string[] = [];
  for (const t of niceTicks(0, ymax, 5)) {
    parts.push(
      `<line x1="${M.l}" x2="${W - M.r}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${M.l - 6}" y="${(py(t) + 4).toFixed(1)}" class="tick" text-anchor="end">${esc(String(t))}</text>`,
    );
  }
  for (const t of niceTicks(xmin, xmax, 7)) {
    parts.push(
      `<text x="${px(t).toFixed(1)}" y="${H - M.b + 16}" class="tick" text-anchor="middle">${esc(c.xFormat(t))}</text>`,
    );
  }
  if (c.band) {
    const b = c.band;
    let d = "";
    for (let i = 0; i < b.xs.length; i++)
      d += `${i === 0 ? "M" : "L"}${px(b.xs[i] ?? 0).toFixed(1)},${py(b.hi[i] ?? 0).toFixed(1)}`;
    for (let i = b.xs.length - 1; i >= 0; i--)
      d += `L${px(b.xs[i] ?? 0).toFixed(1)},${py(b.lo[i] ?? 0).toFixed(1)}`;
    parts.push(
      `<path d="${d}Z" fill="${b.color}" fill-opacity="0.18" stroke="none"><title>${esc(b.name)}</title></path>`,
    );
  }
  for (const l of c.lines) {
    parts.push(
      `<path class="series" data-series="${esc(l.name)}" d="${path(l.xs, l.ys)}" fill="none" stroke="${l.color}" stroke-width="${l.width ?? 1.4}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ""}/>`,
    );
    if (c.markers) {
      for (let i = 0; i < l.xs.length; i++)
        parts.push(
          `<circle cx="${px(l.xs[i] ?? 0).toFixed(1)}" cy="${py(l.ys[i] ?? 0).toFixed(1)}" r="3.5" fill="${l.color}"/>`,
        );
    }
  }
  parts.push(
    `<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" class="axis"/><line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" class="axis"/>`,
  );
  parts.push(
    `<text x="14" y="${(H / 2).toFixed(0)}" class="label" transform="rotate(-90 14 ${(H / 2).toFixed(0)})" text-anchor="middle">${esc(c.yLabel)}</text>`,
  );
  parts.push(
    `<text x="${((W + M.l) / 2).toFixed(0)}" y="${H - 6}" class="label" text-anchor="middle">${esc(c.xLabel)}</text>`,
  );
  const legend = [
    ...c.lines.map((l) => ({ name: l.name, color: l.color })),
    ...(c.band ? [{ name: c.band.name, color: c.band.color }] : []),
  ]
    .map((l) => `<span class="key"><i style="background:${l.color}"></i>${esc(l.name)}</span>`)
    .join("");
  return `<figure id="${c.id}" class="chart"><figcaption>${esc(c.title)}</figcaption><div class="legend">${legend}</div><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(c.title)}">${parts.join("")}</svg></figure>`;
}

function dayFormat(start: number): (x: number) => string {
  return (x: number) => {
    const d = new Date(start + x * 60_000);
    return `${d.toISOString().slice(5, 10)} ${d.toISOString().slice(11, 16)}Z`;
  };
}

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
        `<tr><td><i class="sw" style="background:${COLORS[p.policy]}"></i>${p.policy}</td><td>${p.costDollars.toFixed(0)}</td><td>${p.replicaHours.toFixed(0)}</td><td>${p.sloViolationMinutesPct.toFixed(2)}</td><td>${p.lateRequestsPct.toFixed(2)}</td><td>${p.p95LatencySeconds.toFixed(1)}</td><td>${p.p99LatencySeconds.toFixed(1)}</td><td>${p.coldStarts}</td><td>${p.scaleEvents}</td></tr>`,
    )
    .join("");
  const h = c.headline;
  const ratio = (x: number | null): string => (x === null ? "n/a" : `${x.toFixed(2)}&times;`);
  return `<p>${esc(describeHpaTolerance(c.hpaTolerance))}</p><table><thead><tr>${head.map((x) => `<th>${x}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table>
<p class="headline">Cost of <b>ours</b> at equal SLO (${esc(h.note)}): <b>${ratio(h.oursVsReactive)}</b> reactive KEDA, <b>${ratio(h.oursVsOracle)}</b> the perfect-foresight oracle.</p>${c.warnings.map((x) => `<p class="warning">Warning: this measures the config, not the policy: ${esc(x)}</p>`).join("")}`;
}

export function renderReport(r: ReportInput): string {
  const c = r.comparison;
  const w = r.workload;
  const fromMin = Math.floor(r.warmupSeconds / 60);
  const minutes = w.minuteRate.length - fromMin;
  const xs = Float64Array.from({ length: Math.max(0, minutes) }, (_, i) => fromMin + i);
  const demand = w.minuteRate.subarray(fromMin);
  const fmtX = dayFormat(w.start);
  const MAX = 1500;
  const d = downsample(xs, demand, MAX);
  const capLines: Line[] = c.runs
    .filter((run) => run.series)
    .map((run) => {
      const ys = Float64Array.from(run.series?.ready ?? [], (v) => v * r.capacity);
      const ds = downsample(xs, ys, MAX);
      return {
        name: `${run.policy}: ready capacity`,
        color: COLORS[run.policy],
        xs: ds.xs,
        ys: ds.ys,
        width: run.policy === "ours" ? 1.8 : 1.1,
      };
    });
  const demandChart = chart({
    id: "chart-capacity",
    title: `Demand vs ready capacity (requests/s), headroom ${c.headroom}`,
    yLabel: "requests/s",
    xLabel: "time (UTC)",
    xFormat: fmtX,
    lines: [{ name: "demand (1-min mean)", color: COLORS.demand, xs: d.xs, ys: d.ys, width: 1 }, ...capLines],
  });

  // Forecast made `lead` minutes before each point vs what happened.
  const lead = 15;
  const fx: number[] = [];
  const fm: number[] = [];
  const fu: number[] = [];
  const fa: number[] = [];
  for (const f of c.forecasts) {
    const idx = lead - 1;
    const atMin = Math.floor(f.t / 60) + lead;
    if (atMin < fromMin || atMin >= w.minuteRate.length) continue;
    fx.push(atMin);
    fm.push(f.view.mean[idx] ?? 0);
    fu.push(f.view.upper[idx] ?? 0);
    fa.push(w.minuteRate[atMin] ?? 0);
  }
  const forecastChart = chart({
    id: "chart-forecast",
    title: `Forecast ${lead} min ahead (point and upper quantile) vs actual, requests/s`,
    yLabel: "requests/s",
    xLabel: "time (UTC)",
    xFormat: fmtX,
    lines: [
      { name: "actual (1-min mean)", color: COLORS.demand, xs: fx, ys: fa, width: 0.9 },
      { name: "forecast (point)", color: COLORS.forecast, xs: fx, ys: fm, width: 1.6 },
    ],
    band: { xs: fx, lo: fm, hi: fu, color: COLORS.forecast, name: "up to the upper quantile" },
  });

  const costLines: Line[] = c.runs
    .filter((run) => run.series)
    .map((run) => {
      const alive = run.series?.alive ?? new Float32Array();
      const perMinute = c.policies.find((p) => p.policy === run.policy);
      const pricePerReplicaMinute =
        perMinute && perMinute.replicaHours > 0 ? perMinute.costDollars / perMinute.replicaHours / 60 : 0;
      const cum = new Float64Array(alive.length);
      let acc = 0;
      for (let i = 0; i < alive.length; i++) {
        acc += (alive[i] ?? 0) * pricePerReplicaMinute;
        cum[i] = acc;
      }
      const ds = downsample(xs, cum, MAX);
      return { name: run.policy, color: COLORS[run.policy], xs: ds.xs, ys: ds.ys };
    });
  const costChart = chart({
    id: "chart-cost",
    title: "Cumulative cost ($)",
    yLabel: "$",
    xLabel: "time (UTC)",
    xFormat: fmtX,
    lines: costLines,
  });

  const frontierLines: Line[] = (Object.entries(c.frontier) as [PolicyName, FrontierPoint[]][]).map(
    ([p, pts]) => {
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
    },
  );
  const frontierChart = chart({
    id: "chart-frontier",
    title:
      "Cost vs SLO (up to 10% violating minutes): each point is one headroom (target utilisation); lower left is better",
    yLabel: "cost $",
    xLabel: "SLO-violating minutes %",
    xFormat: (x) => `${x.toFixed(1)}%`,
    lines: frontierLines,
    markers: true,
  });

  const extra = r.extra ? `<h2>${esc(r.extra.title)}</h2>${table(r.extra.comparison)}` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(r.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1060px;color:#222;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#555;margin:0 0 16px}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #ddd;padding:5px 8px;text-align:right}th:first-child,td:first-child{text-align:left}
th{background:#f4f4f4;font-weight:600}.sw{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
.warning{font-size:14px;background:#fdf0e6;border-left:4px solid #d62728;padding:6px 12px}
.headline{font-size:15px;background:#eef5fb;border-left:4px solid #1f77b4;padding:8px 12px}
.chart{margin:18px 0}.chart figcaption{font-weight:600;margin-bottom:2px}.chart svg{width:100%;height:auto;border:1px solid #eee;background:#fff}
.legend{font-size:12px;color:#444}.key{margin-right:14px;white-space:nowrap}.key i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:5px}
.grid{stroke:#eee}.axis{stroke:#999}.tick{font-size:11px;fill:#666}.label{font-size:12px;fill:#444}
ul.notes{color:#444;font-size:13px}
</style></head><body>
<h1>${esc(r.title)}</h1>
<p class="sub">${esc(c.trace)} &middot; service <b>${esc(c.service)}</b> &middot; capacity ${r.capacity} requests/s per ready replica &middot; first ${(r.warmupSeconds / 86400).toFixed(1)} days are forecast history only (not measured)</p>
<h2>Summary</h2>${table(c)}${extra}
${demandChart}
${forecastChart}
${costChart}
${frontierChart}
<h2>How the model works (choices that change the numbers)</h2>
<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>
</body></html>
`;
}
