// mlas simulate: replay a trace through the same engine the service runs, against a modelled
// cluster and KEDA/HPA, and compare with reactive KEDA, static peak provisioning and the oracle.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Config, ServiceConfig } from "../config/schema.ts";
import { renderReport } from "../report/html.ts";
import { loadConfigFile } from "../config/load.ts";
import { compare, formatComparison, type Comparison } from "../sim/compare.ts";
import { describeHpaTolerance, HPA_TOLERANCE_BEFORE_1_35, withHpaTolerance } from "../sim/control-plane.ts";
import { POLICIES, type PolicyName } from "../sim/policies.ts";
import { defaultSettings, type SimSettings } from "../sim/run.ts";
import { peakMinuteRate, workloadFromSeries, type Workload } from "../sim/workload.ts";
import { loadTrace, type Series } from "../traces/parse.ts";
import { parseDurationSeconds, UsageError } from "./duration.ts";

export interface SimulateFlags {
  readonly policy: string;
  readonly sweep: boolean;
  readonly headroom: string;
  readonly capacity?: string;
  readonly scale?: string;
  readonly peakReplicas?: string;
  readonly warmup?: string;
  readonly sloSeconds: string;
  readonly serviceTime: string;
  readonly sloTarget: string;
  readonly noScaleToZero?: boolean;
  /** Comma-separated HPA tolerances, each 0..1 (default 0.1). */
  readonly hpaTolerance?: string;
}

export function positive(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag}: must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

export function policiesFrom(flag: string): PolicyName[] {
  if (flag === "all") return [...POLICIES];
  const out = flag.split(",").map((p) => p.trim());
  for (const p of out)
    if (!(POLICIES as readonly string[]).includes(p))
      throw new UsageError(
        `--policy: must be one of ${POLICIES.join(", ")} or all, got ${JSON.stringify(p)}`,
      );
  return out as PolicyName[];
}

/**
 * The HPA tolerances to simulate: 0.1 models Kubernetes < 1.35 (the controller default), 0 models
 * Kubernetes >= 1.35 with behavior.scaleUp/scaleDown.tolerance 0; "0.1,0" reports both.
 */
export function hpaTolerancesFrom(v: string | undefined): number[] {
  if (v === undefined) return [HPA_TOLERANCE_BEFORE_1_35];
  const out: number[] = [];
  for (const part of v.split(",")) {
    const text = part.trim();
    const n = Number(text);
    if (text === "" || !Number.isFinite(n) || n < 0 || n > 1)
      throw new UsageError(
        `--hpa-tolerance: each value must be a number from 0 to 1 (0.1 below Kubernetes 1.35, 0 from 1.35), got ${JSON.stringify(part)}`,
      );
    if (out.includes(n))
      throw new UsageError(`--hpa-tolerance: ${text} is given twice in ${JSON.stringify(v)}`);
    out.push(n);
  }
  if (out.length > 2)
    throw new UsageError(`--hpa-tolerance: at most two values (such as 0.1,0), got ${JSON.stringify(v)}`);
  return out;
}

/** Settings from flags; the service may be changed (no scale to zero: minReplicas raised to 1). */
export function settingsFrom(
  config: Config,
  service: ServiceConfig,
  f: SimulateFlags,
  traceDays: number,
): SimSettings {
  const svc: ServiceConfig =
    f.noScaleToZero === true ? { ...service, minReplicas: Math.max(1, service.minReplicas) } : service;
  const base = defaultSettings(config, svc, positive("--capacity", f.capacity));
  const warmupDefault = Math.min(7 * 86400, Math.floor((traceDays * 86400) / 2));
  const warmupSeconds = f.warmup !== undefined ? parseDurationSeconds(f.warmup, "--warmup") : warmupDefault;
  if (warmupSeconds + 60 > traceDays * 86400)
    throw new UsageError(
      `--warmup: ${f.warmup ?? `the default ${warmupSeconds}s`} leaves no minute to measure in a trace of ${(traceDays * 24).toFixed(1)} hours`,
    );
  return {
    ...base,
    serviceTimeSeconds: positive("--service-time", f.serviceTime) ?? base.serviceTimeSeconds,
    sloSeconds: positive("--slo-seconds", f.sloSeconds) ?? base.sloSeconds,
    warmupSeconds,
    controlPlane: withHpaTolerance(hpaTolerancesFrom(f.hpaTolerance)[0] ?? HPA_TOLERANCE_BEFORE_1_35),
  };
}

/** The simulator steps every second: at most 400 days of trace (34.56 M seconds). */
export const MAX_SIMULATED_DAYS = 400;
/**
 * Arrivals per second above which a trace is taken for a unit mistake (the shared traces peak below
 * 1e5): the per-second rates are single precision and overflow to Infinity near 3.4e38.
 */
export const MAX_SIMULATED_RATE = 1e15;

/** Rejects, before any per-second array is built, a series the simulator cannot hold or compute with. */
export function checkSimulable(path: string, s: Series, scale: number): void {
  const days = (s.values.length * s.stepSeconds) / 86400;
  if (days > MAX_SIMULATED_DAYS)
    throw new UsageError(
      `${path}: spans ${days.toFixed(1)} days, more than the simulator's limit of ${MAX_SIMULATED_DAYS} days (it steps every second)`,
    );
  let peak = 0;
  for (const v of s.values) if (v > peak) peak = v;
  const rate = (peak * scale) / s.stepSeconds;
  if (!(rate <= MAX_SIMULATED_RATE))
    throw new UsageError(
      `${path}: the peak of ${peak} per ${s.stepSeconds}s${scale !== 1 ? ` scaled by ${scale}` : ""} is ${rate.toPrecision(3)} requests/s, more than the simulator's limit of 1e15 requests/s: scale it down with --scale or --peak-replicas`,
    );
}

/** The trace as a workload, scaled by --scale, or so that its peak minute needs --peak-replicas at full utilisation. */
export function workloadFrom(path: string, f: SimulateFlags, capacity: number): Workload {
  const trace = loadTrace(path);
  const scale = positive("--scale", f.scale);
  const peak = positive("--peak-replicas", f.peakReplicas);
  if (scale !== undefined && peak !== undefined)
    throw new UsageError("--scale and --peak-replicas: give one, not both");
  checkSimulable(path, trace.series, scale ?? 1);
  let w = workloadFromSeries(basename(path), trace.series, scale ?? 1);
  if (peak !== undefined) {
    const p = peakMinuteRate(w);
    if (p <= 0) throw new UsageError(`${path}: the trace has no traffic to scale`);
    checkSimulable(path, trace.series, (peak * capacity) / p);
    w = workloadFromSeries(
      `${basename(path)} (scaled: peak minute = ${peak} replicas x ${capacity} req/s)`,
      trace.series,
      (peak * capacity) / p,
    );
  }
  return w;
}

/** How the model works, with the HPA tolerances of the runs in the report. */
export function modelNotes(tolerances: readonly number[]): string[] {
  const hpa = `The HPA syncs every 15 s with ${tolerances.map(describeHpaTolerance).join("; separately, ")}, and the autoscaling/v2 default behavior set explicitly: scale-up max(+100%, +4 pods) per 15 s without stabilisation; scale-down stabilised over 300 s, then up to 100% per 15 s.`;
  return [...PIPELINE_NOTES, hpa, ...POLICY_NOTES];
}

const PIPELINE_NOTES: readonly string[] = [
  "Time advances in 1 s steps; arrivals are spread evenly inside each trace interval; requests are a fluid served first-in first-out.",
  "Latency = service time + queueing delay; a minute violates the SLO when more than 5% of its requests are late (its p95 exceeds the SLO).",
  "Pods start for podStartupSeconds before serving; cost accrues from creation to termination at the blended on-demand/spot price.",
  "Prometheus scrapes every 15 s; rate() over 1 m sees about 4 samples (no extrapolation) and lags the truth; the counter counts arrivals.",
  "KEDA polls every 30 s, scales to zero after a 300 s cooldown, and acts at once on an external-push activation (ours only).",
];

const POLICY_NOTES: readonly string[] = [
  "KEDA passes values as milli-quantities (truncated to 0.001, guarded against float noise).",
  "Only the service's load signal is modelled; other triggers (latency, GPU utilisation) are not simulated.",
  "ours: the engine's decide() every sources.refreshSeconds, forecasts refitted every 5 min from the past only (per-minute rates, as a range query of rate() would give).",
  "oracle: perfect foresight of per-second demand; pods created exactly start-up seconds before they are needed and kept through gaps shorter than the start-up.",
  "static: enough replicas for the trace's peak second at the headroom, always on.",
  "Headroom is the target utilisation: each policy aims at capacity x headroom per replica; the sweep traces each policy's cost-vs-SLO frontier.",
];

export function writeReport(
  file: string,
  title: string,
  w: Workload,
  s: SimSettings,
  c: Comparison,
  extra?: { title: string; comparison: Comparison },
): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    renderReport({
      title,
      workload: w,
      comparison: c,
      capacity: s.capacity,
      warmupSeconds: s.warmupSeconds,
      notes: modelNotes([...new Set([c.hpaTolerance, ...(extra ? [extra.comparison.hpaTolerance] : [])])]),
      ...(extra ? { extra } : {}),
    }),
  );
}

export function comparisonJson(c: Comparison): unknown {
  return {
    trace: c.trace,
    service: c.service,
    headroom: c.headroom,
    hpaTolerance: c.hpaTolerance,
    hpaToleranceNote: describeHpaTolerance(c.hpaTolerance),
    policies: c.policies,
    frontier: c.frontier,
    costRatioAtEqualSlo: c.costRatioAtEqualSlo,
    sloPct: c.headline.sloPct,
    note: c.headline.note,
    warnings: c.warnings,
  };
}

export function progressPrinter(
  enabled: boolean,
): ((what: string, done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  return (what, done, total) => {
    const width = 30;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    process.stderr.write(
      `\r${what.padEnd(9)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`,
    );
  };
}

/** The service to simulate (--service): named, or the only enabled one. */
export function pickService(config: Config, name: string | undefined): ServiceConfig {
  const enabled = config.services.filter((x) => x.enabled);
  const have = enabled.map((x) => x.name).join(", ");
  if (name !== undefined) {
    const s = enabled.find((x) => x.name === name);
    if (!s) throw new UsageError(`--service: no enabled service ${JSON.stringify(name)} (have: ${have})`);
    return s;
  }
  const first = enabled[0];
  if (enabled.length !== 1 || !first)
    throw new UsageError(`--service: the config has ${enabled.length} enabled services (${have}); name one`);
  return first;
}

export interface SimulateCommand extends SimulateFlags {
  readonly trace: string;
  readonly config: string;
  readonly service?: string;
  readonly json: boolean;
  readonly report?: string;
}

/**
 * mlas simulate: one comparison per HPA tolerance (the forecasts, which do not depend on the control
 * plane, are computed once). Prints one table per tolerance, or JSON: one object for one tolerance,
 * a list for several.
 */
export function runSimulate(f: SimulateCommand, out: (s: string) => void): void {
  const policies = policiesFrom(f.policy);
  const tolerances = hpaTolerancesFrom(f.hpaTolerance);
  const config = loadConfigFile(f.config);
  const service = pickService(config, f.service);
  const w = workloadFrom(f.trace, f, positive("--capacity", f.capacity) ?? service.capacityPerReplica ?? 1);
  const settings = settingsFrom(config, service, f, w.rate.length / 86400);
  const headroom = Number(f.headroom);
  const sloTarget = Number(f.sloTarget);
  if (!(headroom > 0 && headroom <= 2))
    throw new UsageError(`--headroom: must be in (0, 2], got ${JSON.stringify(f.headroom)}`);
  if (!(sloTarget >= 0 && sloTarget <= 100))
    throw new UsageError(`--slo-target: must be a percentage, got ${JSON.stringify(f.sloTarget)}`);
  const progress = progressPrinter(process.stderr.isTTY && !f.json);
  const comparisons: Comparison[] = [];
  for (const tolerance of tolerances) {
    comparisons.push(
      compare(
        w,
        { ...settings, controlPlane: withHpaTolerance(tolerance, settings.controlPlane) },
        {
          policies,
          sweep: f.sweep,
          headroom,
          sloTargetPct: sloTarget,
          ...(progress ? { onProgress: progress } : {}),
          ...(comparisons[0] ? { forecasts: comparisons[0].forecasts } : {}),
        },
      ),
    );
  }
  const [first, second] = comparisons;
  if (!first) return;
  if (f.report !== undefined)
    writeReport(
      f.report,
      `ml-autoscaling: ${w.name}`,
      w,
      settings,
      first,
      second ? { title: describeHpaTolerance(second.hpaTolerance), comparison: second } : undefined,
    );
  if (f.json) {
    const j = comparisons.map(comparisonJson);
    out(JSON.stringify(j.length === 1 ? j[0] : j, null, 2));
  } else out(comparisons.map(formatComparison).join("\n\n"));
}
