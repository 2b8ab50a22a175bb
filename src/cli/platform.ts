// mlas simulate --trace svc=FILE,svc=FILE,... --config platform.yaml: the platform view. Each named
// service replays its own trace, all on one clock (the first trace's start), under the config's
// shared budget, GPU quotas and priorities; ours and reactive KEDA are compared per service and in
// total, with what the budget and quotas trimmed and when.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Config } from "../config/schema.ts";
import { renderPlatformReport } from "../report/platform.ts";
import { simulatePlatform, type PlatformMember, type PlatformResult } from "../sim/platform.ts";
import { UsageError } from "./duration.ts";
import { describeHpaTolerance, withHpaTolerance } from "../sim/control-plane.ts";
import { hpaTolerancesFrom, positive, settingsFrom, workloadFrom, type SimulateFlags } from "./simulate.ts";

/** True when --trace names services (svc=FILE), i.e. a platform replay. */
export function isPlatformTrace(trace: string): boolean {
  return trace.includes("=");
}

/** "a=x.csv,b=y.csv" -> [[a, x.csv], [b, y.csv]], each service enabled in the config and named once. */
export function parsePlatformTraces(trace: string, config: Config): [service: string, file: string][] {
  const enabled = new Set(config.services.filter((s) => s.enabled).map((s) => s.name));
  const seen = new Set<string>();
  return trace.split(",").map((part) => {
    const eq = part.indexOf("=");
    const name = part.slice(0, eq).trim();
    const file = part.slice(eq + 1).trim();
    if (eq <= 0 || file === "")
      throw new UsageError(`--trace: expected service=FILE[,service=FILE...], got ${JSON.stringify(part)}`);
    if (!enabled.has(name))
      throw new UsageError(
        `--trace: no enabled service ${JSON.stringify(name)} in the config (have: ${[...enabled].join(", ")})`,
      );
    if (seen.has(name)) throw new UsageError(`--trace: service ${JSON.stringify(name)} is named twice`);
    if (!existsSync(file)) throw new UsageError(`--trace: ${name}: no such file ${JSON.stringify(file)}`);
    seen.add(name);
    return [name, file];
  });
}

export interface PlatformRun {
  readonly results: readonly PlatformResult[];
  readonly members: readonly PlatformMember[];
  /** The HPA tolerance the replay's control plane applies. */
  readonly hpaTolerance: number;
}

export function runPlatform(
  config: Config,
  trace: string,
  flags: SimulateFlags,
  headroom: number,
  onProgress?: (what: string, done: number, total: number) => void,
): PlatformRun {
  if (!(headroom > 0 && headroom <= 2))
    throw new UsageError(`--headroom: must be in (0, 2], got ${JSON.stringify(headroom)}`);
  const pairs = parsePlatformTraces(trace, config);
  const loaded = pairs.map(([name, file]) => {
    const service = config.services.find((s) => s.name === name);
    if (!service) throw new UsageError(`--trace: no service ${name}`);
    const capacity = positive("--capacity", flags.capacity) ?? service.capacityPerReplica ?? 1;
    return { service, capacity, workload: workloadFrom(file, flags, capacity) };
  });
  const start = loaded[0]?.workload.start ?? 0;
  // One clock: every trace is replayed from the first one's start.
  const members: PlatformMember[] = loaded.map((m) => ({ ...m, workload: { ...m.workload, start } }));
  const first = members[0];
  if (!first) throw new UsageError("--trace: name at least one service");
  const days = Math.min(...members.map((m) => m.workload.rate.length)) / 86400;
  const [tolerance, ...more] = hpaTolerancesFrom(flags.hpaTolerance);
  if (tolerance === undefined || more.length > 0)
    throw new UsageError(
      `--hpa-tolerance: the platform replay takes one value, got ${JSON.stringify(flags.hpaTolerance)}`,
    );
  const base = settingsFrom(config, first.service, flags, days);
  const settings = { ...base, controlPlane: withHpaTolerance(tolerance, base.controlPlane) };
  const results = (["ours", "reactive"] as const).map((policy) =>
    simulatePlatform(config, members, { policy, headroom, settings, ...(onProgress ? { onProgress } : {}) }),
  );
  return { results, members, hpaTolerance: tolerance };
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
    results: run.results,
  };
}

export function writePlatformReport(file: string, run: PlatformRun): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, renderPlatformReport(run.results));
}
