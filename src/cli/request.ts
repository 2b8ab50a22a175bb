// The simulate and demo commands' flags, parsed once at the CLI edge. parseSimulateArgs turns the
// flags as given (strings) into typed, validated options without reading a file; loadRequest
// (load-request.ts) adds the config and the traces and returns the SimulationRequest the runners
// execute. Every bad value is a UsageError naming the flag and the value, raised before anything runs.

import { existsSync } from "node:fs";
import { MAX_SERVICES, type Config, type ServiceConfig } from "../config/schema.ts";
import type { PlatformMember } from "../sim/platform.ts";
import { POLICIES, type PolicyName } from "../sim/policies.ts";
import { HPA_TOLERANCE_BEFORE_1_35 } from "../sim/control-plane.ts";
import type { SimSettings } from "../sim/run.ts";
import type { Workload } from "../sim/workload.ts";
import { parseDurationSeconds, UsageError } from "./duration.ts";
import { show } from "../config/read.ts";
import { excerpt } from "../config/redact.ts";

/** The defaults of the simulate flags, as the help shows them. */
export const SIMULATE_DEFAULTS = {
  policy: "all",
  headroom: "0.8",
  sloSeconds: "5",
  serviceTime: "1",
  sloTarget: "1",
} as const;

/** The simulate command's flags as given on the command line: strings, unvalidated; absent when not given. */
export interface SimulateArgs {
  readonly trace: string;
  readonly config: string;
  readonly service?: string;
  readonly policy?: string;
  /** A service sized in tokens: the policy the others' costs are divided by. */
  readonly baseline?: string;
  readonly sweep?: boolean;
  readonly headroom?: string;
  readonly capacity?: string;
  readonly scale?: string;
  readonly peakReplicas?: string;
  readonly warmup?: string;
  readonly sloSeconds?: string;
  readonly serviceTime?: string;
  readonly sloTarget?: string;
  /** false with --no-scale-to-zero. */
  readonly scaleToZero?: boolean;
  readonly hpaTolerance?: string;
  readonly json?: boolean;
  readonly report?: string;
  /** An llm service on the constructed trace: how many of its days (1-7). */
  readonly days?: string;
  /** An llm service on the constructed trace: the folder of the shared traces it is built from. */
  readonly sharedTraces?: string;
  /** The platform replay with variants: preemptions per spot replica-hour (R, or gpuType=R,...). */
  readonly preemptionRate?: string;
  readonly preemptionSeed?: string;
  /** The platform replay with variants: recorded preemption traces, gpuType=FILE,... */
  readonly preemptionTrace?: string;
  /** Seconds to provision a node before a pod's model loads (the token simulators). */
  readonly nodeProvisioning?: string;
}

/** How the trace's counts are scaled: as they are, by --scale, or so the peak minute needs --peak-replicas. */
export type TraceScaling =
  | { readonly kind: "as-is" }
  | { readonly kind: "factor"; readonly factor: number }
  | { readonly kind: "peak-replicas"; readonly replicas: number };

/** The flags that shape the workload and the simulation settings, for one trace or several. */
export interface RunFlags {
  /** --capacity: requests/s one ready replica serves; absent: the service's capacityPerReplica. */
  readonly capacity?: number;
  readonly scaling: TraceScaling;
  /** --warmup as given and in seconds; absent: 7 days or half the trace. */
  readonly warmup?: { readonly text: string; readonly seconds: number };
  readonly sloSeconds: number;
  readonly serviceTimeSeconds: number;
  /** false with --no-scale-to-zero: minReplicas raised to 1. */
  readonly scaleToZero: boolean;
}

export interface OutputFlags {
  readonly json: boolean;
  readonly reportPath?: string;
}

/** One service's trace in a platform replay (--trace service=FILE[@SCALE],...). */
export interface ServiceTrace {
  readonly service: string;
  readonly path: string;
  /** @SCALE: this trace's scale factor (services with variants; else --scale applies to all). */
  readonly scale?: number;
}

export interface SingleTraceOptions {
  readonly kind: "compare";
  readonly configPath: string;
  readonly tracePath: string;
  readonly service?: string;
  /** --policy as given (default "all"): its names depend on the service (request-based or llm), checked once the config is read. */
  readonly policy: string;
  /** --baseline as given (a service sized in tokens only): checked against --policy once the config is read. */
  readonly baseline?: string;
  /** The flags given on the command line (a service sized in tokens refuses the request-based ones). */
  readonly given: readonly (keyof SimulateArgs)[];
  /** --days: the constructed trace's days (llm services only). */
  readonly days?: number;
  /** --shared-traces: the folder the constructed trace is built from (llm services only). */
  readonly sharedTraces?: string;
  readonly sweep: boolean;
  readonly headroom: number;
  readonly sloTargetPct: number;
  /** One or two, each 0..1; one table per value. */
  readonly hpaTolerances: readonly [number, ...number[]];
  readonly run: RunFlags;
  readonly output: OutputFlags;
}

export interface PlatformOptions {
  readonly kind: "platform";
  readonly configPath: string;
  readonly traces: readonly ServiceTrace[];
  /** The flags given (the request-based replay refuses those only services with variants take). */
  readonly given: readonly (keyof SimulateArgs)[];
  /** Services with variants (the token replay): --policy, the constructed trace's flags, preemptions. */
  readonly policy?: string;
  readonly days?: number;
  readonly sharedTraces?: string;
  readonly preemptionRate?: string;
  readonly preemptionSeed?: number;
  readonly preemptionTrace?: string;
  readonly nodeProvisioningSeconds?: number;
  readonly headroom: number;
  readonly hpaTolerance: number;
  readonly run: RunFlags;
  readonly output: OutputFlags;
}

/** The simulate command's options: typed and validated, no file read yet. */
export type SimulateOptions = SingleTraceOptions | PlatformOptions;

/** One trace, the policies compared on it, once per HPA tolerance. */
export interface CompareRequest {
  readonly kind: "compare";
  readonly workload: Workload;
  /** The settings at the first HPA tolerance; a further tolerance changes only the control plane. */
  readonly settings: SimSettings;
  readonly hpaTolerances: readonly [number, ...number[]];
  readonly policies: readonly PolicyName[];
  readonly sweep: boolean;
  readonly headroom: number;
  readonly sloTargetPct: number;
  readonly output: OutputFlags;
}

/** Several services, each on its own trace, under one config: ours and reactive KEDA. */
export interface PlatformRequest {
  readonly kind: "platform";
  readonly config: Config;
  readonly members: readonly [PlatformMember, ...PlatformMember[]];
  readonly settings: SimSettings;
  readonly headroom: number;
  readonly hpaTolerance: number;
  readonly output: OutputFlags;
}

/** The demo: all policies swept on one workload, with and without scale to zero. */
export interface DemoRequest {
  readonly kind: "demo";
  readonly configPath: string;
  readonly service: ServiceConfig;
  readonly workload: Workload;
  readonly settings: SimSettings;
  /** The same with minReplicas raised to 1. */
  readonly noScaleToZero: SimSettings;
  /** Absolute path of the HTML report. */
  readonly reportPath: string;
  /** On the built-in workload and config: the token config the demo also replays in tokens. */
  readonly tokenConfigPath?: string;
}

export type SimulationRequest = CompareRequest | PlatformRequest | DemoRequest;

function positiveNumber(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`${flag}: must be a positive number, got ${show(v)}`);
  return n;
}

function positive(flag: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : positiveNumber(flag, v);
}

/** --policy's names, each one of `known` and given once; "all" is every one of them. */
export function namesFrom<T extends string>(flag: string, known: readonly T[]): T[] {
  if (flag === "all") return [...known];
  // Split no further than a list of every name and one more (which is then a repeat or unknown).
  const out = flag.split(",", known.length + 1).map((p) => p.trim());
  out.forEach((p, i) => {
    if (!(known as readonly string[]).includes(p))
      throw new UsageError(`--policy: must be one of ${known.join(", ")} or all, got ${show(p)}`);
    if (out.indexOf(p) !== i) throw new UsageError(`--policy: ${p} is given twice in ${show(flag)}`);
  });
  return out as T[];
}

/** --policy for a request-based service. */
export function policiesFrom(flag: string): PolicyName[] {
  return namesFrom(flag, POLICIES);
}

/**
 * The HPA tolerances to simulate: 0.1 models Kubernetes < 1.35 (the controller default), 0 models
 * Kubernetes >= 1.35 with behavior.scaleUp/scaleDown.tolerance 0; "0.1,0" reports both.
 */
export function hpaTolerancesFrom(v: string | undefined): [number, ...number[]] {
  if (v === undefined) return [HPA_TOLERANCE_BEFORE_1_35];
  const out: number[] = [];
  // Split no further than the third value (which is then one too many).
  for (const part of v.split(",", 3)) {
    const text = part.trim();
    const n = Number(text);
    if (text === "" || !Number.isFinite(n) || n < 0 || n > 1)
      throw new UsageError(
        `--hpa-tolerance: each value must be a number from 0 to 1 (0.1 below Kubernetes 1.35, 0 from 1.35), got ${show(part)}`,
      );
    if (out.includes(n))
      throw new UsageError(`--hpa-tolerance: ${excerpt(text, 60)} is given twice in ${show(v)}`);
    if (out.length === 2)
      throw new UsageError(`--hpa-tolerance: at most two values (such as 0.1,0), got ${show(v)}`);
    out.push(n);
  }
  const [first, ...rest] = out;
  if (first === undefined) throw new UsageError(`--hpa-tolerance: no value in ${show(v)}`);
  return [first, ...rest];
}

function nonEmpty(flag: string, v: string): string {
  if (v.trim() === "") throw new UsageError(`${flag}: must name a file, got ${show(v)}`);
  return v;
}

function folderFrom(v: string): string {
  if (v.trim() === "") throw new UsageError(`--shared-traces: must name a folder, got ${show(v)}`);
  return v;
}

/** The constructed trace's days: a whole number from 1 to 7 (BurstGPT's week). */
function daysFrom(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 7)
    throw new UsageError(`--days: must be a whole number of days from 1 to 7, got ${show(v)}`);
  return n;
}

function headroomFrom(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n <= 2)) throw new UsageError(`--headroom: must be in (0, 2], got ${show(v)}`);
  return n;
}

function sloTargetFrom(v: string): number {
  const n = Number(v);
  if (!(n >= 0 && n <= 100)) throw new UsageError(`--slo-target: must be a percentage, got ${show(v)}`);
  return n;
}

function scalingFrom(scale: string | undefined, peakReplicas: string | undefined): TraceScaling {
  const factor = positive("--scale", scale);
  const replicas = positive("--peak-replicas", peakReplicas);
  if (factor !== undefined && replicas !== undefined)
    throw new UsageError("--scale and --peak-replicas: give one, not both");
  if (factor !== undefined) return { kind: "factor", factor };
  if (replicas !== undefined) return { kind: "peak-replicas", replicas };
  return { kind: "as-is" };
}

export function runFlagsFrom(a: SimulateArgs): RunFlags {
  const capacity = positive("--capacity", a.capacity);
  return {
    ...(capacity !== undefined ? { capacity } : {}),
    scaling: scalingFrom(a.scale, a.peakReplicas),
    ...(a.warmup !== undefined
      ? { warmup: { text: a.warmup, seconds: parseDurationSeconds(a.warmup, "--warmup") } }
      : {}),
    sloSeconds: positiveNumber("--slo-seconds", a.sloSeconds ?? SIMULATE_DEFAULTS.sloSeconds),
    serviceTimeSeconds: positiveNumber("--service-time", a.serviceTime ?? SIMULATE_DEFAULTS.serviceTime),
    scaleToZero: a.scaleToZero ?? true,
  };
}

/**
 * "a=x.csv,b=y.csv" -> [{a, x.csv}, {b, y.csv}], each service named once. Whether each service is
 * enabled in the config and each file exists is checked when the config is loaded.
 */
export function parseServiceTraces(trace: string): ServiceTrace[] {
  const seen = new Set<string>();
  const parts = trace.split(",", MAX_SERVICES + 1);
  if (parts.length > MAX_SERVICES)
    throw new UsageError(`--trace: at most ${MAX_SERVICES} services (a config declares at most as many)`);
  return parts.map((part) => {
    const eq = part.indexOf("=");
    const service = part.slice(0, eq).trim();
    const path = part.slice(eq + 1).trim();
    if (eq <= 0 || service === "" || path === "")
      throw new UsageError(`--trace: expected service=FILE[,service=FILE...], got ${show(part)}`);
    if (seen.has(service)) throw new UsageError(`--trace: service ${show(service)} is named twice`);
    seen.add(service);
    return { service, ...pathAndScale(path) };
  });
}

/** "FILE@2.5" -> FILE at scale 2.5 (a trailing @ and a number); anything else is the path. */
function pathAndScale(v: string): { path: string; scale?: number } {
  const at = v.lastIndexOf("@");
  const tail = at > 0 ? v.slice(at + 1) : "";
  if (at <= 0 || !/^[0-9.eE+-]+$/.test(tail)) return { path: v };
  return { path: v.slice(0, at), scale: positiveNumber("--trace: @SCALE", tail) };
}

/** True when --trace names services (svc=FILE,...): a platform replay. A path to an existing file is one trace. */
export function isPlatformTrace(trace: string): boolean {
  return trace.includes("=") && !existsSync(trace);
}

/** Flags only the platform replay of services with variants takes. */
export const PLATFORM_VARIANTS_ONLY: readonly (readonly [keyof SimulateArgs, string])[] = [
  ["preemptionRate", "--preemption-rate"],
  ["preemptionSeed", "--preemption-seed"],
  ["preemptionTrace", "--preemption-trace"],
  ["nodeProvisioning", "--node-provisioning"],
];

/** Flags that a platform replay does not take (it runs ours and reactive KEDA at one headroom). */
const NOT_FOR_PLATFORM: readonly (readonly [keyof SimulateArgs, string])[] = [
  ["service", "--service"],
  ["sweep", "--sweep"],
  ["sloTarget", "--slo-target"],
  ["baseline", "--baseline"],
  ["scaleToZero", "--no-scale-to-zero"],
];

function platformOptions(a: SimulateArgs, run: RunFlags, output: OutputFlags): PlatformOptions {
  for (const [key, flag] of NOT_FOR_PLATFORM)
    if (a[key] !== undefined)
      throw new UsageError(
        `${flag}: a platform replay (--trace service=FILE,...) does not take it; it compares ours and reactive KEDA at one headroom with each service's own settings`,
      );
  const [hpaTolerance, ...more] = hpaTolerancesFrom(a.hpaTolerance);
  if (more.length > 0)
    throw new UsageError(`--hpa-tolerance: the platform replay takes one value, got ${show(a.hpaTolerance)}`);
  const seed = a.preemptionSeed === undefined ? undefined : Number(a.preemptionSeed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
    throw new UsageError(
      `--preemption-seed: must be a whole number from 0 to 2^32 - 1, got ${show(a.preemptionSeed ?? "")}`,
    );
  const provisioning = a.nodeProvisioning === undefined ? undefined : Number(a.nodeProvisioning);
  if (
    provisioning !== undefined &&
    !(Number.isFinite(provisioning) && provisioning >= 0 && provisioning <= 86_400)
  )
    throw new UsageError(
      `--node-provisioning: must be seconds from 0 to 86400, got ${show(a.nodeProvisioning ?? "")}`,
    );
  return {
    kind: "platform",
    configPath: a.config,
    traces: parseServiceTraces(a.trace),
    given: (Object.keys(a) as (keyof SimulateArgs)[]).filter((k) => a[k] !== undefined).sort(),
    ...(a.policy !== undefined ? { policy: a.policy } : {}),
    ...(a.days !== undefined ? { days: daysFrom(a.days) } : {}),
    ...(a.sharedTraces !== undefined ? { sharedTraces: folderFrom(a.sharedTraces) } : {}),
    ...(a.preemptionRate !== undefined ? { preemptionRate: a.preemptionRate } : {}),
    ...(seed !== undefined ? { preemptionSeed: seed } : {}),
    ...(a.preemptionTrace !== undefined ? { preemptionTrace: a.preemptionTrace } : {}),
    ...(provisioning !== undefined ? { nodeProvisioningSeconds: provisioning } : {}),
    headroom: headroomFrom(a.headroom ?? SIMULATE_DEFAULTS.headroom),
    hpaTolerance,
    run,
    output,
  };
}

/** The simulate command's flags, typed and validated; reads no file except to tell a path from a service list. */
export function parseSimulateArgs(a: SimulateArgs): SimulateOptions {
  nonEmpty("--trace", a.trace);
  nonEmpty("--config", a.config);
  const run = runFlagsFrom(a);
  const output: OutputFlags = {
    json: a.json ?? false,
    ...(a.report !== undefined ? { reportPath: nonEmpty("--report", a.report) } : {}),
  };
  if (isPlatformTrace(a.trace)) return platformOptions(a, run, output);
  for (const [key, flag] of PLATFORM_VARIANTS_ONLY)
    if (a[key] !== undefined)
      throw new UsageError(
        `${flag}: only with a platform replay of services with variants (--trace service=FILE,service=FILE,...)`,
      );
  const days = a.days === undefined ? undefined : daysFrom(a.days);
  return {
    kind: "compare",
    configPath: a.config,
    tracePath: a.trace,
    ...(a.service !== undefined ? { service: a.service } : {}),
    policy: a.policy ?? SIMULATE_DEFAULTS.policy,
    ...(a.baseline !== undefined ? { baseline: nonEmpty("--baseline", a.baseline) } : {}),
    given: (Object.keys(a) as (keyof SimulateArgs)[]).filter((k) => a[k] !== undefined).sort(),
    ...(days !== undefined ? { days } : {}),
    ...(a.sharedTraces !== undefined ? { sharedTraces: folderFrom(a.sharedTraces) } : {}),
    sweep: a.sweep ?? false,
    headroom: headroomFrom(a.headroom ?? SIMULATE_DEFAULTS.headroom),
    sloTargetPct: sloTargetFrom(a.sloTarget ?? SIMULATE_DEFAULTS.sloTarget),
    hpaTolerances: hpaTolerancesFrom(a.hpaTolerance),
    run,
    output,
  };
}

/** The demo command's flags as given. */
export interface DemoArgs {
  readonly trace?: string;
  readonly config?: string;
  readonly report: string;
}

/** The flags the demo runs with: all policies swept at headroom 0.8, compared at 1% violating minutes. */
export const DEMO_RUN: RunFlags = {
  scaling: { kind: "as-is" },
  sloSeconds: 5,
  serviceTimeSeconds: 1,
  scaleToZero: true,
};
/** On a trace instead of the built-in workload: scaled so its peak minute needs 10 replicas. */
export const DEMO_TRACE_RUN: RunFlags = { ...DEMO_RUN, scaling: { kind: "peak-replicas", replicas: 10 } };
export const DEMO_COMPARE = { policies: POLICIES, sweep: true, headroom: 0.8, sloTargetPct: 1 } as const;
