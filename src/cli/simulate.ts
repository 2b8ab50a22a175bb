// mlas simulate: replay a trace through the same engine the service runs, against a modelled
// cluster and KEDA/HPA, and compare with reactive KEDA, static peak provisioning and the oracle.

import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import type { Config, ServiceConfig } from "../config/schema.ts";
import { renderReport } from "../report/html.ts";
import type { Comparison } from "../sim/compare.ts";
import { POLICIES, type PolicyName } from "../sim/policies.ts";
import { defaultSettings, type SimSettings } from "../sim/run.ts";
import { peakMinuteRate, workloadFromSeries, type Workload } from "../sim/workload.ts";
import { loadTrace } from "../traces/parse.ts";
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
  return {
    ...base,
    serviceTimeSeconds: positive("--service-time", f.serviceTime) ?? base.serviceTimeSeconds,
    sloSeconds: positive("--slo-seconds", f.sloSeconds) ?? base.sloSeconds,
    warmupSeconds: f.warmup !== undefined ? parseDurationSeconds(f.warmup, "--warmup") : warmupDefault,
  };
}

/** The trace as a workload, scaled by --scale, or so that its peak minute needs --peak-replicas at full utilisation. */
export function workloadFrom(path: string, f: SimulateFlags, capacity: number): Workload {
  const trace = loadTrace(path);
  const scale = positive("--scale", f.scale);
  const peak = positive("--peak-replicas", f.peakReplicas);
  if (scale !== undefined && peak !== undefined)
    throw new UsageError("--scale and --peak-replicas: give one, not both");
  let w = workloadFromSeries(basename(path), trace.series, scale ?? 1);
  if (peak !== undefined) {
    const p = peakMinuteRate(w);
    if (p <= 0) throw new UsageError(`${path}: the trace has no traffic to scale`);
    w = workloadFromSeries(
      `${basename(path)} (scaled: peak minute = ${peak} replicas x ${capacity} req/s)`,
      trace.series,
      (peak * capacity) / p,
    );
  }
  return w;
}

export const MODEL_NOTES: readonly string[] = [
  "Time advances in 1 s steps; arrivals are spread evenly inside each trace interval; requests are a fluid served first-in first-out.",
  "Latency = service time + queueing delay; a minute violates the SLO when more than 5% of its requests are late (its p95 exceeds the SLO).",
  "Pods start for podStartupSeconds before serving; cost accrues from creation to termination at the blended on-demand/spot price.",
  "Prometheus scrapes every 15 s; rate() over 1 m sees about 4 samples (no extrapolation) and lags the truth; the counter counts arrivals.",
  "KEDA polls every 30 s, scales to zero after a 300 s cooldown, and acts at once on an external-push activation (ours only).",
  "The HPA syncs every 15 s with tolerance 0.1 and the autoscaling/v2 default behavior set explicitly: scale-up max(+100%, +4 pods) per 15 s without stabilisation; scale-down stabilised over 300 s, then up to 100% per 15 s.",
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
      notes: MODEL_NOTES,
      ...(extra ? { extra } : {}),
    }),
  );
}

export function comparisonJson(c: Comparison): unknown {
  return {
    trace: c.trace,
    service: c.service,
    headroom: c.headroom,
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
