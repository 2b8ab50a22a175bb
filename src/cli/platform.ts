// mlas simulate --trace svc=FILE,svc=FILE,... --config platform.yaml: the platform view. Each named
// service replays its own trace, all on one clock (the first trace's start), under the config's
// shared budget, GPU quotas and priorities; ours and reactive KEDA are compared per service and in
// total, with what the budget and quotas trimmed and when.

import { renderPlatformReport } from "../report/platform.ts";
import { hourlyCostJson } from "../sim/hourly-cost.ts";
import { simulatePlatform, type PlatformMember, type PlatformResult } from "../sim/platform.ts";
import { describeHpaTolerance } from "../sim/control-plane.ts";
import type { PlatformRequest } from "./request.ts";
import { writeOutputFile } from "./output-file.ts";

export interface PlatformRun {
  readonly results: readonly PlatformResult[];
  readonly members: readonly PlatformMember[];
  /** The HPA tolerance the replay's control plane applies. */
  readonly hpaTolerance: number;
  /** The measured period, epoch ms: from the end of the warm-up to the end of the shortest trace. */
  readonly measured: { readonly from: number; readonly to: number };
}

/** The platform replay: ours, then reactive KEDA, over every member at once. */
export function runPlatform(
  req: PlatformRequest,
  onProgress?: (what: string, done: number, total: number) => void,
): PlatformRun {
  const results = (["ours", "reactive"] as const).map((policy) =>
    simulatePlatform(req.config, req.members, {
      policy,
      headroom: req.headroom,
      settings: req.settings,
      ...(onProgress ? { onProgress } : {}),
    }),
  );
  const start = req.members[0].workload.start;
  const seconds = Math.min(...req.members.map((m) => m.workload.rate.length));
  // As simulatePlatform measures: after the warm-up, and at least the last minute.
  const from = start + Math.min(req.settings.warmupSeconds, seconds - 60) * 1000;
  return {
    results,
    members: req.members,
    hpaTolerance: req.hpaTolerance,
    measured: { from, to: start + seconds * 1000 },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** "budget 2026-01-06 14:05-15:20 (up to 3)": the first `n` windows, then how many more. */
export function trimSummary(r: PlatformResult["services"][number], n = 3): string {
  if (r.trims.length === 0) return "none";
  const shown = r.trims
    .slice(0, n)
    .map((w) => `${w.rule} ${iso(w.from)}-${iso(w.to).slice(11)} (up to ${w.maxRemoved})`);
  const more = r.trims.length > n ? `; ${r.trims.length - n} more` : "";
  return `${(r.secondsTrimmed / 60).toFixed(0)} min in ${r.trims.length} windows: ${shown.join(", ")}${more}`;
}

export function formatPlatform(run: PlatformRun): string {
  const lines: string[] = [describeHpaTolerance(run.hpaTolerance)];
  for (const r of run.results) {
    lines.push(
      `${r.policy}: ${r.days.toFixed(1)} days measured, headroom ${r.headroom}; total $${r.totalCostDollars.toFixed(0)}, peak $${r.peakHourlyCost.toFixed(1)}/h` +
        (r.maxHourlyCost !== undefined
          ? ` against a budget of $${r.maxHourlyCost}/h (over it ${(r.secondsOverBudget / 60).toFixed(0)} min)`
          : ""),
    );
    const rows = [
      ["service", "priority", "cost $", "replica-h", "SLO-viol min %", "p95 s", "at max min", "trimmed"],
    ];
    for (const s of r.services)
      rows.push([
        s.service,
        String(s.priority),
        s.costDollars.toFixed(0),
        s.replicaHours.toFixed(0),
        s.sloViolationMinutesPct.toFixed(2),
        s.p95LatencySeconds.toFixed(1),
        (s.secondsAtMax / 60).toFixed(0),
        r.policy === "ours" ? trimSummary(s) : "n/a (KEDA knows no budget)",
      ]);
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((x) => (x[i] ?? "").length))) ?? [];
    for (const row of rows)
      lines.push(
        "  " +
          row
            .map((c, i) =>
              i === 0 || i === row.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0),
            )
            .join("  ")
            .trimEnd(),
      );
  }
  const traces = run.members.map((m) => `${m.service.name} <- ${m.workload.name}`).join("; ");
  return [`platform replay: ${traces}`, ...lines].join("\n");
}

export function platformJson(run: PlatformRun): unknown {
  return {
    services: run.members.map((m) => ({ service: m.service.name, trace: m.workload.name })),
    hpaTolerance: run.hpaTolerance,
    hpaToleranceNote: describeHpaTolerance(run.hpaTolerance),
    // The cost series at full resolution, one point per measured minute.
    results: run.results.map((r) => ({ ...r, hourlyCost: hourlyCostJson(r.hourlyCost) })),
  };
}

export function writePlatformReport(file: string, run: PlatformRun): void {
  writeOutputFile(
    file,
    renderPlatformReport({ results: run.results, hpaTolerance: run.hpaTolerance, measured: run.measured }),
  );
}
