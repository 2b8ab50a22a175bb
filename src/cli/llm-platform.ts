// mlas simulate --trace chat=FILE,code=FILE,agents=constructed:burstgpt-azure --config X: the
// platform replay in tokens of services with variants (sim/llm/platform-replay.ts). Each named
// service replays its own per-request trace (a file, or the constructed BurstGPT x Azure week),
// scaled by its own @SCALE, under the config's one budget and GPU quotas, with spot preemption
// events at a stated rate; reported per service, per variant and in total.

import { basename } from "node:path";
import { FileProblem, readTextFile } from "../config/files.ts";
import { show, SHOWN_PATH_CHARS } from "../config/read.ts";
import type { Config } from "../config/schema.ts";
import { controlPlaneOf, type ControlPlaneParams } from "../sim/control-plane.ts";
import { spanSeconds } from "../sim/llm/arrivals.ts";
import type { PlatformResult } from "../sim/llm/platform.ts";
import { own } from "../engine/own.ts";
import {
  alignMembers,
  platformPolicies,
  runPlatformPolicy,
  type PlatformReplayInput,
  type ReplayMember,
} from "../sim/llm/platform-replay.ts";
import { replayWindow } from "../sim/llm/replay-window.ts";
import { parseSpotTrace, type SpotTrace } from "../sim/llm/spot-trace.ts";
import { UsageError } from "./duration.ts";
import { CONSTRUCTED_TRACE, constructedSource, fileSource, MAX_LLM_REQUESTS } from "./load-llm.ts";
import { namesFrom, type OutputFlags, type PlatformOptions, type SimulateArgs } from "./request.ts";

/** The seed of the preemption draws unless --preemption-seed says otherwise. */
export const DEFAULT_PREEMPTION_SEED = 20261206;

export interface LlmPlatformRequest {
  readonly kind: "llm-platform";
  readonly input: PlatformReplayInput;
  readonly policies: readonly string[];
  /** The headroom u the engine plans with (each variant's steps / u; --headroom, default 1). */
  readonly headroom: number;
  /** Where each service's arrivals come from, in words. */
  readonly sources: readonly string[];
  /** The recorded preemption traces, in words (their GPU types take no Poisson events). */
  readonly recorded: readonly string[];
  readonly output: OutputFlags;
}

/** A variant's capacity type: "on-demand", or its spot share ("spot 100%"). */
function capacityText(spotShare: number): string {
  return spotShare > 0 ? `spot ${Math.round(spotShare * 100)}%` : "on-demand";
}

/** --preemption-rate: "R" for every GPU type of the spot variants, or "type=R,type=R". */
export function preemptionRates(flag: string | undefined, config: Config): Record<string, number> {
  const spot = config.services.flatMap((s) => (s.variants ?? []).filter((v) => v.spotShare > 0));
  const types = [...new Set(spot.map((v) => v.resources.gpuType))];
  const out: Record<string, number> = {};
  if (flag === undefined) {
    // The config's stated expectation: the largest preemptionsPerHour of the type's spot variants.
    for (const v of spot)
      out[v.resources.gpuType] = Math.max(out[v.resources.gpuType] ?? 0, v.preemptionsPerHour);
    return out;
  }
  const rate = (text: string): number => {
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n) || n < 0 || n > 3600)
      throw new UsageError(
        `--preemption-rate: must be preemptions per spot replica-hour from 0 to 3600, got ${show(text)}`,
      );
    return n;
  };
  if (!flag.includes("=")) {
    const r = rate(flag);
    for (const t of types) out[t] = r;
    return out;
  }
  for (const part of flag.split(",", types.length + 1)) {
    const eq = part.indexOf("=");
    const type = part.slice(0, eq).trim();
    if (!types.includes(type))
      throw new UsageError(
        `--preemption-rate: ${show(type)} is no GPU type of a spot variant (have: ${types.join(", ") || "none"})`,
      );
    out[type] = rate(part.slice(eq + 1));
  }
  return out;
}

function member(o: PlatformOptions, config: Config, name: string, path: string, scale: number): ReplayMember {
  const service = config.services.find((s) => s.name === name && s.enabled);
  if (service === undefined)
    throw new UsageError(
      `--trace: no enabled service ${show(name)} in the config (have: ${config.services.map((s) => s.name).join(", ")})`,
    );
  if (service.variants === undefined || service.llm === undefined)
    throw new UsageError(
      `--trace: ${name}: the platform replay in tokens takes services with variants only; replay ${name} on its own (--trace FILE --service ${name})`,
    );
  const source = path === CONSTRUCTED_TRACE ? constructedSource(o) : fileSource(path, service);
  const n = source.requestsAt(scale);
  if (!(n <= MAX_LLM_REQUESTS))
    throw new UsageError(
      `--trace: ${name}: about ${n.toPrecision(3)} requests at scale ${scale}, more than ${MAX_LLM_REQUESTS}`,
    );
  const trace = source.build(scale);
  const span = spanSeconds(trace);
  const warmup = o.run.warmup?.seconds ?? Math.min(7 * 86400, Math.floor(span / 2));
  if (warmup + 60 > span)
    throw new UsageError(
      `--warmup: leaves no minute to measure of ${name}'s trace (${(span / 3600).toFixed(1)} hours)`,
    );
  return { service, trace, window: replayWindow(trace, warmup) };
}

/** The most bytes a recorded preemption trace may hold. */
export const MAX_SPOT_TRACE_BYTES = 256 * 1024 * 1024;

interface TraceEntry {
  readonly type: string;
  readonly trace: SpotTrace;
}

/** --preemption-trace gpuType=FILE,...: each file read and parsed (spot-trace.ts). */
function preemptionTraceEntries(flag: string | undefined, config: Config): TraceEntry[] {
  if (flag === undefined) return [];
  const types = [
    ...new Set(
      config.services.flatMap((s) =>
        (s.variants ?? []).filter((v) => v.spotShare > 0).map((v) => v.resources.gpuType),
      ),
    ),
  ];
  const seen = new Set<string>();
  return flag.split(",", types.length + 1).map((part) => {
    const eq = part.indexOf("=");
    const type = part.slice(0, Math.max(0, eq)).trim();
    const path = part.slice(eq + 1).trim();
    if (eq <= 0 || path === "")
      throw new UsageError(`--preemption-trace: expected gpuType=FILE[,gpuType=FILE...], got ${show(part)}`);
    if (!types.includes(type))
      throw new UsageError(
        `--preemption-trace: ${show(type)} is no GPU type of a spot variant (have: ${types.join(", ") || "none"})`,
      );
    if (seen.has(type)) throw new UsageError(`--preemption-trace: ${show(type)} is given twice`);
    seen.add(type);
    let text: string;
    try {
      text = readTextFile(path, MAX_SPOT_TRACE_BYTES);
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      throw new UsageError(`--preemption-trace: ${show(path, SHOWN_PATH_CHARS)} ${e.message}`);
    }
    try {
      return { type, trace: parseSpotTrace(text, basename(path)) };
    } catch (e) {
      throw new UsageError(`--preemption-trace: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

/** Flags the platform replay in tokens refuses, and why. */
const NOT_IN_TOKENS: readonly (readonly [keyof SimulateArgs, string, string])[] = [
  ["capacity", "--capacity", "sizes each variant from its profile"],
  ["sloSeconds", "--slo-seconds", "judges requests by each llm block's TTFT and ITL"],
  ["serviceTime", "--service-time", "times requests with each variant's profile"],
  ["report", "--report", "prints a table or --json; it writes no HTML report"],
];

/** The request: every trace read and scaled, the policies and preemption rates checked. */
export function llmPlatformRequest(o: PlatformOptions, config: Config): LlmPlatformRequest {
  if (o.run.scaling.kind !== "as-is")
    throw new UsageError(
      "--scale, --peak-replicas: give each service's scale in --trace (service=FILE@SCALE)",
    );
  for (const [key, flag, why] of NOT_IN_TOKENS)
    if (o.given.includes(key))
      throw new UsageError(`${flag}: the platform replay of services with variants ${why}`);
  const recorded = preemptionTraceEntries(o.preemptionTrace, config);
  const members = o.traces.map((t) => member(o, config, t.service, t.path, t.scale ?? 1));
  const policies = namesFrom(
    o.policy ?? "ours",
    platformPolicies(config).map((p) => p.name),
  );
  const controlPlane: ControlPlaneParams = controlPlaneOf(config.keda, o.hpaTolerance);
  return {
    kind: "llm-platform",
    input: {
      config,
      members,
      controlPlane,
      nodeProvisioningSeconds: o.nodeProvisioningSeconds ?? 0,
      drainSeconds: 30,
      tailSeconds: 1800,
      preemption: {
        perHour: preemptionRates(o.preemptionRate, config),
        seed: o.preemptionSeed ?? DEFAULT_PREEMPTION_SEED,
        ...(recorded.length > 0
          ? { events: Object.fromEntries(recorded.map((e) => [e.type, e.trace.events])) }
          : {}),
      },
    },
    policies,
    headroom: o.given.includes("headroom") ? o.headroom : 1,
    sources: members.map((m) => `${m.service.name} <- ${m.trace.provenance}`),
    recorded: recorded.map(
      (e) =>
        `${e.type} <- ${e.trace.name}: ${e.trace.events.length} preemptions over ${(e.trace.spanSeconds / 3600).toFixed(1)} h, ${e.trace.instanceHours.toFixed(1)} instance-hours held (${e.trace.instanceHours > 0 ? (e.trace.events.length / e.trace.instanceHours).toFixed(3) : "-"} per instance-hour), from the run's second 0`,
    ),
    output: o.output,
  };
}

export interface LlmPlatformRun {
  readonly request: LlmPlatformRequest;
  /** Per policy: the run with the preemption events, and without them when the policy has spot. */
  readonly runs: readonly { readonly with: PlatformResult; readonly without?: PlatformResult }[];
}

const hasSpot = (config: Config, names: readonly string[]): boolean =>
  config.services.some((s) => names.includes(s.name) && (s.variants ?? []).some((v) => v.spotShare > 0));

export function runLlmPlatform(
  req: LlmPlatformRequest,
  onProgress?: (what: string, done: number, total: number) => void,
): LlmPlatformRun {
  const aligned = alignMembers(req.input, onProgress);
  const all = platformPolicies(req.input.config).filter((p) => req.policies.includes(p.name));
  const names = req.input.members.map((m) => m.service.name);
  const anyRate = Object.values(req.input.preemption.perHour).some((r) => r > 0);
  const runs = all.map((p, i) => {
    onProgress?.("runs", i, all.length);
    const withEvents = runPlatformPolicy(req.input, aligned, p, true, req.headroom);
    const without =
      anyRate && hasSpot(p.config, names)
        ? runPlatformPolicy(req.input, aligned, p, false, req.headroom)
        : undefined;
    return without !== undefined ? { with: withEvents, without } : { with: withEvents };
  });
  onProgress?.("runs", all.length, all.length);
  return { request: req, runs };
}

const pct = (x: number): string => `${x.toFixed(2)}%`;
const signed = (x: number): string => `${x > 0 ? "+" : ""}${x.toFixed(2)}`;

function serviceLines(r: PlatformResult, without: PlatformResult | undefined): string[] {
  const lines: string[] = [];
  for (const s of r.services) {
    const base = without?.services.find((x) => x.service === s.service);
    const loss =
      base !== undefined
        ? ` (without preemptions ${pct(base.attainmentPct)}: ${signed(s.attainmentPct - base.attainmentPct)} points)`
        : "";
    lines.push(
      `  ${s.service}: $${s.dollars.toFixed(2)}, ${s.gpuHours.toFixed(1)} GPU-h, SLO ${pct(s.attainmentPct)} of ${s.requests} requests${loss}; preemptions ${s.preemptions}, requests hit ${s.hitByPreemption} (${s.hitMetSlo} met the SLO)`,
    );
    for (const v of s.variants)
      lines.push(
        `    ${v.variant.padEnd(14)} ${v.gpuType.padEnd(12)} ${capacityText(v.spotShare).padEnd(9)}  $${(v.onDemandDollars + v.spotDollars).toFixed(2).padStart(8)}  ${v.replicaHours.toFixed(1).padStart(6)} replica-h  ${v.gpuHours.toFixed(1).padStart(6)} GPU-h  peak ${String(v.peakPods).padStart(3)} pods  preemptions ${v.preemptions}  SLO ${v.requests > 0 ? pct((100 * v.sloMet) / v.requests) : "-"} of ${v.requests} routed here`,
      );
  }
  return lines;
}

/** "; GPUs taken (alive and draining) at the peak: nvidia-h100 14 of the quota 16 (over it 0 s)". */
function quotaText(use: PlatformResult["gpuQuotas"], quotas: Readonly<Record<string, number>>): string {
  const parts = Object.entries(quotas).map(([type, quota]) => {
    const u = own(use, type);
    return `${type} ${u?.peakGpus ?? 0} of the quota ${quota} (over it ${u?.secondsOver ?? 0} s)`;
  });
  return parts.length > 0 ? `; GPUs taken (alive and draining) at the peak: ${parts.join(", ")}` : "";
}

export function formatLlmPlatform(run: LlmPlatformRun): string {
  const req = run.request;
  const budget = req.input.config.cost.maxHourlyCost;
  const rates = Object.entries(req.input.preemption.perHour)
    .map(([t, r]) => `${t} ${r}`)
    .join(", ");
  const lines = [
    `platform replay in tokens: ${req.sources.join("; ")}`,
    `spot preemptions per spot replica-hour: ${rates || "none"} (seed ${req.input.preemption.seed}); node provisioning ${req.input.nodeProvisioningSeconds} s`,
    ...req.recorded.map((r) => `recorded spot preemptions: ${r}`),
  ];
  for (const { with: r, without } of run.runs) {
    const loss =
      without !== undefined
        ? `; without preemptions ${pct(without.attainmentPct)} at $${without.dollars.toFixed(2)}`
        : "";
    lines.push(
      `${r.policy}: ${(r.measuredSeconds / 3600).toFixed(2)} h measured; $${r.dollars.toFixed(2)}, ${r.gpuHours.toFixed(1)} GPU-h, SLO ${pct(r.attainmentPct)} of ${r.requests} requests, preemptions ${r.preemptions}${loss}; peak $${r.peakHourlyDecided.toFixed(2)}/h decided, $${r.peakHourlyPaid.toFixed(2)}/h paid` +
        (budget !== undefined
          ? ` against a budget of $${budget}/h: the decisions ${r.peakHourlyDecided > budget + 1e-9 ? "EXCEEDED it" : "stayed within it"}, the pods paid exceeded it for ${r.secondsOverBudget} s`
          : "") +
        quotaText(r.gpuQuotas, req.input.config.gpuQuotas),
      ...serviceLines(r, without),
    );
  }
  return lines.join("\n");
}

export function llmPlatformJson(run: LlmPlatformRun): unknown {
  const req = run.request;
  return {
    sources: req.sources,
    recorded: req.recorded,
    preemption: req.input.preemption,
    nodeProvisioningSeconds: req.input.nodeProvisioningSeconds,
    maxHourlyCost: req.input.config.cost.maxHourlyCost ?? null,
    runs: run.runs,
  };
}
