// mlas simulate for a service sized in tokens (an llm block): the flags checked against what the
// token-level simulator takes, the trace read (a per-request trace, a rate trace given the llm
// block's expected lengths, or the constructed BurstGPT x Azure week built from the shared files),
// scaled as asked, one replica's capacity measured with the simulator, and the window a run replays;
// every check done before anything runs.

import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { show, SHOWN_PATH_CHARS } from "../config/read.ts";
import type { Config, ServiceConfig } from "../config/schema.ts";
import { replicaPrice } from "../engine/cost.ts";
import { controlPlaneOf, type ControlPlaneParams } from "../sim/control-plane.ts";
import {
  arrivalsFromCounts,
  arrivalsFromTrace,
  peakMinuteTokens,
  scaleArrivals,
  spanSeconds,
  type LlmArrivals,
} from "../sim/llm/arrivals.ts";
import { measureReplicaCapacity, type ReplicaCapacity } from "../sim/llm/capacity.ts";
import { CONSTRUCTED_SEED, constructTrace } from "../sim/llm/constructed-trace.ts";
import { LLM_POLICIES } from "../sim/llm/policies.ts";
import { replayWindow, type ReplayWindow } from "../sim/llm/replay-window.ts";
import { defaultLlmSettings, type LlmSimSettings } from "../sim/llm/simulate.ts";
import { loadTrace, type Series, type Trace } from "../traces/parse.ts";
import { UsageError } from "./duration.ts";
import { checkSimulable } from "./load-request.ts";
import { namesFrom, type OutputFlags, type SimulateArgs, type SingleTraceOptions } from "./request.ts";

/** --trace naming the constructed week (constructed-trace.ts). */
export const CONSTRUCTED_TRACE = "constructed:burstgpt-azure";
/** The shared files it is built from, in --shared-traces. */
export const CONSTRUCTED_FILES = {
  volume: "burstgpt-week1-tokens-per-minute.csv",
  code: "azure-llm-2023-code.csv",
  conv: "azure-llm-2023-conv.csv",
} as const;
/** Where the shared traces sit relative to a checkout (the working directory) by default. */
export const DEFAULT_SHARED_TRACES = "../shared/traces";
/** Requests one replay may hold (about 1.4 GB of arrivals and per-request results). */
export const MAX_LLM_REQUESTS = 50_000_000;
/** The seed of the draws that scale a per-request trace (arrivals.ts scaleArrivals). */
export const SCALE_SEED = 1;

/** The request simulator's flags a service sized in tokens does not take, and why. */
const REQUEST_ONLY: readonly (readonly [keyof SimulateArgs, string, string])[] = [
  [
    "capacity",
    "--capacity",
    "one replica's capacity comes from its profile, measured with the token simulator",
  ],
  ["sloSeconds", "--slo-seconds", "its SLO is the llm block's TTFT and ITL targets"],
  ["serviceTime", "--service-time", "its service time comes from its profile"],
  [
    "headroom",
    "--headroom",
    "each policy is shown at the compared attainment; --sweep varies every policy's knob",
  ],
];

/** One llm service on one trace, the token policies compared on it. */
export interface LlmCompareRequest {
  readonly kind: "llm";
  readonly config: Config;
  /** The service as simulated (minReplicas raised to 1 with --no-scale-to-zero). */
  readonly service: ServiceConfig;
  /** The whole trace (the forecasts' history) and the window the runs replay. */
  readonly trace: LlmArrivals;
  readonly window: ReplayWindow;
  readonly capacity: ReplicaCapacity;
  readonly settings: LlmSimSettings;
  readonly controlPlane: ControlPlaneParams;
  readonly policies: readonly string[];
  /** The policy the costs are compared with (default reactive-waiting, the vLLM production stack's recipe). */
  readonly baseline?: string;
  readonly sweep: boolean;
  /** The share of requests within the SLO (%) at which costs are compared. */
  readonly targetAttainmentPct: number;
  /** What a reader must know about the arrivals (a rate trace given the expected lengths). */
  readonly notes: readonly string[];
  readonly output: OutputFlags;
}

/** Where the arrivals come from, before scaling, and the length mix one replica is measured on. */
export interface Source {
  readonly mix: LlmArrivals;
  /** The busiest minute's prompt + output tokens/s at scale 1. */
  readonly peakTokensPerSecond: number;
  /** About how many requests the arrivals hold at scale `f` (checked before they are built). */
  requestsAt(f: number): number;
  /** The arrivals at scale `f`. */
  build(f: number): LlmArrivals;
  readonly notes: readonly string[];
}

function refuseRequestFlags(o: SingleTraceOptions, service: ServiceConfig): void {
  for (const [key, flag, why] of REQUEST_ONLY)
    if (o.given.includes(key))
      throw new UsageError(`${flag}: services.${service.name} is sized in tokens (llm): ${why}`);
  if (o.hpaTolerances.length > 1)
    throw new UsageError(
      `--hpa-tolerance: the token simulator takes one value for a service sized in tokens, got ${o.hpaTolerances.join(",")}`,
    );
  if (o.tracePath !== CONSTRUCTED_TRACE)
    for (const [key, flag] of [
      ["days", "--days"],
      ["sharedTraces", "--shared-traces"],
    ] as const)
      if (o.given.includes(key)) throw new UsageError(`${flag}: only with --trace ${CONSTRUCTED_TRACE}`);
}

/** The rows of several request traces as one length mix. */
function lengthMix(name: string, traces: readonly LlmArrivals[]): LlmArrivals {
  const input = Int32Array.from(traces.flatMap((t) => [...t.inputTokens]));
  return {
    name,
    start: traces[0]?.start ?? 0,
    times: new Float64Array(input.length),
    inputTokens: input,
    outputTokens: Int32Array.from(traces.flatMap((t) => [...t.outputTokens])),
    origin: "real",
    provenance: name,
  };
}

function sharedFile(dir: string, file: string): Trace {
  const path = join(dir, file);
  if (!existsSync(path))
    throw new UsageError(
      `--shared-traces: ${CONSTRUCTED_TRACE} is built from ${Object.values(CONSTRUCTED_FILES).join(", ")}; no ${show(path, SHOWN_PATH_CHARS)}`,
    );
  return loadTrace(path);
}

export function constructedSource(o: { readonly sharedTraces?: string; readonly days?: number }): Source {
  const dir = o.sharedTraces ?? DEFAULT_SHARED_TRACES;
  const volume = sharedFile(dir, CONSTRUCTED_FILES.volume);
  const pools = [CONSTRUCTED_FILES.code, CONSTRUCTED_FILES.conv].map((f) => {
    const t = sharedFile(dir, f);
    if (!t.requests) throw new UsageError(`--shared-traces: ${f} is not a per-request trace`);
    return { name: f, requests: t.requests, arrivals: arrivalsFromTrace(t) };
  });
  const days = o.days ?? 7;
  const series: Series = { ...volume.series, values: volume.series.values.slice(0, days * 1440) };
  const name = `${basename(CONSTRUCTED_FILES.volume, ".csv")} (${days} day${days === 1 ? "" : "s"})`;
  const mix = lengthMix(
    `${CONSTRUCTED_FILES.code} + ${CONSTRUCTED_FILES.conv} lengths`,
    pools.map((p) => p.arrivals),
  );
  let peak = 0;
  let total = 0;
  for (const v of series.values)
    if (!Number.isNaN(v)) {
      peak = Math.max(peak, v);
      total += v;
    }
  const perRequest = meanTokens(mix);
  return {
    mix,
    peakTokensPerSecond: peak / 60,
    requestsAt: (f) => (total * f) / perRequest,
    build: (f) => constructTrace({ name, series }, pools, { scale: f, seed: CONSTRUCTED_SEED }),
    notes: [],
  };
}

export function fileSource(path: string, service: ServiceConfig): Source {
  const trace = loadTrace(path);
  checkSimulable(path, trace.series, 1);
  if (trace.requests) {
    const raw = arrivalsFromTrace({ ...trace, name: basename(path) });
    return {
      mix: raw,
      peakTokensPerSecond: peakMinuteTokens(raw),
      requestsAt: (f) => raw.times.length * f,
      build: (f) => (f === 1 ? raw : scaleArrivals(raw, f, SCALE_SEED)),
      notes: [],
    };
  }
  const llm = service.llm as NonNullable<ServiceConfig["llm"]>;
  const lengths = { promptTokens: llm.meanPromptTokens, outputTokens: llm.meanOutputTokens };
  const one = arrivalsFromCounts(basename(path), { ...trace.series, values: Float64Array.of(1) }, 1, lengths);
  let peak = 0;
  let total = 0;
  for (const v of trace.series.values)
    if (!Number.isNaN(v)) {
      peak = Math.max(peak, v);
      total += v;
    }
  const perRequest = lengths.promptTokens + lengths.outputTokens;
  return {
    mix: one,
    peakTokensPerSecond: (peak * perRequest) / trace.series.stepSeconds,
    requestsAt: (f) => total * f,
    build: (f) => arrivalsFromCounts(basename(path), trace.series, f, lengths),
    notes: [
      `${basename(path)} counts requests, not tokens: every request is given the llm block's expected lengths (${lengths.promptTokens} + ${lengths.outputTokens} tokens) and the counts are spread evenly over each interval (constructed arrivals); a per-request trace (timestamp,input_tokens,output_tokens) replays real lengths`,
    ],
  };
}

function meanTokens(a: LlmArrivals): number {
  let sum = 0;
  for (let i = 0; i < a.times.length; i++) sum += (a.inputTokens[i] ?? 0) + (a.outputTokens[i] ?? 0);
  return a.times.length > 0 ? sum / a.times.length : 1;
}

/**
 * The scale factor the flags ask for: as given, 1, or the one at which the busiest minute needs
 * --peak-replicas replicas of the measured capacity; refused when the replay would hold more
 * requests than the simulator takes.
 */
function scaleOf(o: SingleTraceOptions, source: Source, capacity: ReplicaCapacity): number {
  const s = o.run.scaling;
  let f = 1;
  if (s.kind === "factor") f = s.factor;
  else if (s.kind === "peak-replicas") {
    if (!(source.peakTokensPerSecond > 0))
      throw new UsageError(`${show(o.tracePath, SHOWN_PATH_CHARS)}: the trace has no traffic to scale`);
    f = (s.replicas * capacity.tokensPerSecond) / source.peakTokensPerSecond;
  }
  const n = source.requestsAt(f);
  if (!(n <= MAX_LLM_REQUESTS))
    throw new UsageError(
      `${show(o.tracePath, SHOWN_PATH_CHARS)}: about ${n.toPrecision(3)} requests at scale ${f.toPrecision(4)}, more than the token simulator's limit of ${MAX_LLM_REQUESTS}: scale it down with --scale or --peak-replicas`,
    );
  return f;
}

function warmupSeconds(o: SingleTraceOptions, span: number): number {
  const w = o.run.warmup?.seconds ?? Math.min(7 * 86400, Math.floor(span / 2));
  if (w + 60 > span)
    throw new UsageError(
      `--warmup: ${o.run.warmup?.text ?? `the default ${w}s`} leaves no minute to measure in a trace of ${(span / 3600).toFixed(1)} hours`,
    );
  return w;
}

type LlmBlock = NonNullable<ServiceConfig["llm"]>;

/** The targets the simulator judges a request by: the llm block's TTFT and ITL. */
export const sloOf = (llm: LlmBlock): { ttftSeconds: number; itlSeconds: number } => ({
  ttftSeconds: llm.slo.ttftSeconds,
  itlSeconds: llm.slo.itlSeconds,
});

/** The simulator's settings for an llm service on `window`: the profile's defaults at its price and SLO. */
export function tokenSettings(config: Config, service: ServiceConfig, window: ReplayWindow): LlmSimSettings {
  const llm = service.llm as LlmBlock;
  return {
    ...defaultLlmSettings(llm.profile, replicaPrice(service, config.cost), sloOf(llm), service.maxReplicas),
    measureFromSeconds: window.measureFromSeconds,
  };
}

/** The request for an llm service: flags, trace, capacity and window; nothing is simulated but the capacity. */
export function llmRequest(o: SingleTraceOptions, config: Config, picked: ServiceConfig): LlmCompareRequest {
  refuseRequestFlags(o, picked);
  if (picked.variants !== undefined)
    throw new UsageError(
      `services.${picked.name}.variants: a service with variants replays in the platform replay: --trace ${picked.name}=FILE[@SCALE][,service=FILE...]`,
    );
  const policies = namesFrom(
    o.policy,
    LLM_POLICIES.map((p) => p.name),
  );
  if (o.baseline !== undefined && !policies.includes(o.baseline))
    throw new UsageError(
      `--baseline: must be one of the policies run (${policies.join(", ")}), got ${show(o.baseline)}`,
    );
  const llm = picked.llm as NonNullable<ServiceConfig["llm"]>;
  const service = o.run.scaleToZero ? picked : { ...picked, minReplicas: Math.max(1, picked.minReplicas) };
  const targetAttainmentPct = o.given.includes("sloTarget") ? 100 - o.sloTargetPct : 100 * llm.slo.percentile;
  const source = o.tracePath === CONSTRUCTED_TRACE ? constructedSource(o) : fileSource(o.tracePath, service);
  const capacity = measureReplicaCapacity(llm.profile, source.mix, sloOf(llm), {
    targetPct: targetAttainmentPct,
  });
  const trace = source.build(scaleOf(o, source, capacity));
  const window = replayWindow(trace, warmupSeconds(o, spanSeconds(trace)));
  return {
    kind: "llm",
    config,
    service,
    trace,
    window,
    capacity,
    settings: tokenSettings(config, service, window),
    controlPlane: controlPlaneOf(config.keda, o.hpaTolerances[0]),
    policies,
    ...(o.baseline !== undefined ? { baseline: o.baseline } : {}),
    sweep: o.sweep,
    targetAttainmentPct,
    notes: source.notes,
    output: o.output,
  };
}
