// The second half of the parse at the CLI edge: the config and the trace files read, the workloads
// scaled as asked, the settings built and every cross-field check done (service enabled, file
// present, the warm-up inside the trace, the trace within the simulator's limits), so that a
// SimulationRequest is ready to run and a run never stops on bad input.

import { existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { loadConfigFile } from "../config/load.ts";
import type { Config, ServiceConfig } from "../config/schema.ts";
import { controlPlaneOf, HPA_TOLERANCE_BEFORE_1_35 } from "../sim/control-plane.ts";
import type { PlatformMember } from "../sim/platform.ts";
import { defaultSettings, type SimSettings } from "../sim/run.ts";
import { generateWorkload, peakMinuteRate, workloadFromSeries, type Workload } from "../sim/workload.ts";
import { loadTrace, type Series } from "../traces/parse.ts";
import { UsageError } from "./duration.ts";
import { llmPlatformRequest, type LlmPlatformRequest } from "./llm-platform.ts";
import { llmRequest, type LlmCompareRequest } from "./load-llm.ts";
import {
  DEMO_RUN,
  DEMO_TRACE_RUN,
  PLATFORM_VARIANTS_ONLY,
  policiesFrom,
  type CompareRequest,
  type DemoArgs,
  type DemoRequest,
  type PlatformOptions,
  type PlatformRequest,
  type RunFlags,
  type SimulateArgs,
  type SimulateOptions,
  type SingleTraceOptions,
  type TraceScaling,
} from "./request.ts";
import { show, SHOWN_PATH_CHARS } from "../config/read.ts";
import { checkReportPath } from "./output-file.ts";

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

/** The trace as a workload, scaled by a factor, or so that its peak minute needs n replicas at full utilisation. */
export function loadWorkload(path: string, scaling: TraceScaling, capacity: number): Workload {
  const trace = loadTrace(path);
  const factor = scaling.kind === "factor" ? scaling.factor : 1;
  checkSimulable(path, trace.series, factor);
  const w = workloadFromSeries(basename(path), trace.series, factor);
  if (scaling.kind !== "peak-replicas") return w;
  const peak = peakMinuteRate(w);
  if (peak <= 0) throw new UsageError(`${path}: the trace has no traffic to scale`);
  const scale = (scaling.replicas * capacity) / peak;
  checkSimulable(path, trace.series, scale);
  return workloadFromSeries(
    `${basename(path)} (scaled: peak minute = ${scaling.replicas} replicas x ${capacity} req/s)`,
    trace.series,
    scale,
  );
}

/** The simulation settings of a service on a trace of `traceDays` (without scale to zero: minReplicas raised to 1). */
export function simSettings(
  config: Config,
  service: ServiceConfig,
  run: RunFlags,
  traceDays: number,
  hpaTolerance: number,
): SimSettings {
  const svc = run.scaleToZero ? service : { ...service, minReplicas: Math.max(1, service.minReplicas) };
  const base = defaultSettings(config, svc, run.capacity);
  const warmupSeconds = run.warmup?.seconds ?? Math.min(7 * 86400, Math.floor((traceDays * 86400) / 2));
  if (warmupSeconds + 60 > traceDays * 86400)
    throw new UsageError(
      `--warmup: ${run.warmup?.text ?? `the default ${warmupSeconds}s`} leaves no minute to measure in a trace of ${(traceDays * 24).toFixed(1)} hours`,
    );
  return {
    ...base,
    serviceTimeSeconds: run.serviceTimeSeconds,
    sloSeconds: run.sloSeconds,
    warmupSeconds,
    controlPlane: controlPlaneOf(config.keda, hpaTolerance),
  };
}

/**
 * The request simulator replays request counts against a fixed capacity per replica: a service
 * sized in tokens (an llm block) cannot be replayed by it.
 */
function requestBased(service: ServiceConfig): ServiceConfig {
  if (service.llm !== undefined)
    throw new UsageError(
      `--config: services.${service.name} is sized in tokens (llm): the request simulator replays request counts and cannot size it; replay a request-based config such as examples/vllm-gpu-requests.yaml`,
    );
  return service;
}

/** The service to simulate (--service): named, or the only enabled one. */
export function pickService(config: Config, name: string | undefined): ServiceConfig {
  const enabled = config.services.filter((x) => x.enabled);
  const have = enabled.map((x) => x.name).join(", ");
  if (name !== undefined) {
    const s = enabled.find((x) => x.name === name);
    if (!s) throw new UsageError(`--service: no enabled service ${show(name)} (have: ${have})`);
    return s;
  }
  const first = enabled[0];
  if (enabled.length !== 1 || !first)
    throw new UsageError(`--service: the config has ${enabled.length} enabled services (${have}); name one`);
  return first;
}

/** The flags only a service sized in tokens takes, and the trace only it replays. */
function refuseLlmOnly(o: SingleTraceOptions, service: ServiceConfig): void {
  for (const [key, flag] of [
    ["days", "--days"],
    ["sharedTraces", "--shared-traces"],
  ] as const)
    if (o.given.includes(key))
      throw new UsageError(
        `${flag}: only for a service sized in tokens (an llm block) on the constructed trace; services.${service.name} is sized in requests`,
      );
  if (o.baseline !== undefined)
    throw new UsageError(
      `--baseline: only for a service sized in tokens (an llm block); services.${service.name} is sized in requests and compared with reactive KEDA`,
    );
  if (o.tracePath.startsWith("constructed:"))
    throw new UsageError(
      `--trace: ${show(o.tracePath, SHOWN_PATH_CHARS)} is a per-request trace for a service sized in tokens (an llm block); services.${service.name} is sized in requests`,
    );
}

function compareRequest(o: SingleTraceOptions, config: Config, picked: ServiceConfig): CompareRequest {
  const service = requestBased(picked);
  refuseLlmOnly(o, service);
  const policies = policiesFrom(o.policy);
  const workload = loadWorkload(
    o.tracePath,
    o.run.scaling,
    o.run.capacity ?? service.capacityPerReplica ?? 1,
  );
  return {
    kind: "compare",
    workload,
    settings: simSettings(config, service, o.run, workload.rate.length / 86400, o.hpaTolerances[0]),
    hpaTolerances: o.hpaTolerances,
    policies,
    sweep: o.sweep,
    headroom: o.headroom,
    sloTargetPct: o.sloTargetPct,
    output: o.output,
  };
}

/** Each service enabled in the config and each file present; every trace replayed from the first one's start. */
function platformMembers(config: Config, o: PlatformOptions): [PlatformMember, ...PlatformMember[]] {
  const enabled = config.services.filter((s) => s.enabled);
  const loaded = o.traces.map(({ service: name, path }) => {
    const service = enabled.find((s) => s.name === name);
    if (!service)
      throw new UsageError(
        `--trace: no enabled service ${show(name)} in the config (have: ${enabled.map((s) => s.name).join(", ")})`,
      );
    if (!existsSync(path))
      throw new UsageError(`--trace: ${name}: no such file ${show(path, SHOWN_PATH_CHARS)}`);
    return { service: requestBased(service), path };
  });
  const members = loaded.map(({ service, path }) => {
    const capacity = o.run.capacity ?? service.capacityPerReplica ?? 1;
    return { service, capacity, workload: loadWorkload(path, o.run.scaling, capacity) };
  });
  const [first, ...rest] = members;
  if (!first) throw new UsageError("--trace: name at least one service");
  const start = first.workload.start;
  return [first, ...rest.map((m) => ({ ...m, workload: { ...m.workload, start } }))];
}

/** The flags only a platform replay of services with variants takes, refused for request-based services. */
const VARIANTS_ONLY: readonly (readonly [keyof SimulateArgs, string])[] = [
  ["policy", "--policy"],
  ["days", "--days"],
  ["sharedTraces", "--shared-traces"],
  ...PLATFORM_VARIANTS_ONLY,
];

function platformRequest(o: PlatformOptions): PlatformRequest | LlmPlatformRequest {
  const config = loadConfigFile(o.configPath);
  if (o.traces.some((t) => config.services.find((s) => s.name === t.service)?.variants !== undefined))
    return llmPlatformRequest(o, config);
  for (const [key, flag] of VARIANTS_ONLY)
    if (o.given.includes(key))
      throw new UsageError(
        `${flag}: a platform replay of request-based services (--trace service=FILE,...) does not take it; it compares ours and reactive KEDA at one headroom with each service's own settings`,
      );
  if (o.traces.some((t) => t.scale !== undefined))
    throw new UsageError("--trace: @SCALE applies to services with variants; use --scale or --peak-replicas");
  const members = platformMembers(config, o);
  const days = Math.min(...members.map((m) => m.workload.rate.length)) / 86400;
  return {
    kind: "platform",
    config,
    members,
    settings: simSettings(config, members[0].service, o.run, days, o.hpaTolerance),
    headroom: o.headroom,
    hpaTolerance: o.hpaTolerance,
    output: o.output,
  };
}

/** The simulate command's request: the config and the traces read, every check done. */
export function loadRequest(
  o: SimulateOptions,
): CompareRequest | PlatformRequest | LlmCompareRequest | LlmPlatformRequest {
  if (o.output.reportPath !== undefined) checkReportPath(o.output.reportPath);
  if (o.kind === "platform") return platformRequest(o);
  const config = loadConfigFile(o.configPath);
  const service = pickService(config, o.service);
  return service.llm !== undefined ? llmRequest(o, config, service) : compareRequest(o, config, service);
}

/** The demo's request: examples/vllm-gpu-requests.yaml and the built-in workload unless --config and --trace say otherwise. */
export function demoRequest(a: DemoArgs): DemoRequest {
  checkReportPath(a.report);
  const configPath = a.config ?? new URL("../../examples/vllm-gpu-requests.yaml", import.meta.url).pathname;
  const config = loadConfigFile(configPath);
  const service = requestBased(pickService(config, config.services.length === 1 ? undefined : "vllmService"));
  const run = a.trace !== undefined ? DEMO_TRACE_RUN : DEMO_RUN;
  const workload =
    a.trace !== undefined
      ? loadWorkload(a.trace, run.scaling, service.capacityPerReplica ?? 1)
      : generateWorkload();
  const days = workload.rate.length / 86400;
  return {
    kind: "demo",
    configPath,
    service,
    workload,
    settings: simSettings(config, service, run, days, HPA_TOLERANCE_BEFORE_1_35),
    noScaleToZero: simSettings(
      config,
      service,
      { ...run, scaleToZero: false },
      days,
      HPA_TOLERANCE_BEFORE_1_35,
    ),
    reportPath: resolve(a.report),
    ...(a.config === undefined && a.trace === undefined
      ? { tokenConfigPath: new URL("../../examples/vllm-gpu.yaml", import.meta.url).pathname }
      : {}),
  };
}
