// The platform replay's runs: several llm services with variants, each on its own per-request
// trace, put on one clock and replayed under each policy compared.
//
// One clock: each service's replay window (replay-window.ts: its warm-up, an hour of settling,
// then the measured part) is shifted so that every service's measured part starts at the same run
// second M (the latest of their own starts); the run ends when the shortest measured part does. The
// run's epoch is the first service's: another service's trace is moved in time by the difference
// (its forecasts and history with it), so the engine sees one `now` for all.
//
// Policies:
//  - ours: the split (engine/split), spot variants included, its hedge sized by the config's
//    preemptionsPerHour;
//  - ours-on-demand: the same config without its spot variants;
//  - greedy: our decisions' demand, split by the cost-aware greedy policy (variant-baselines.ts);
//  - single-type:<gpu>: the same config with that GPU type's variants only (a service without any
//    keeps all of its own).
// Each runs with the stated preemption events, and ours and greedy once more without them (the
// same seed) for the SLO attainment lost to preemption.

import type { Config, ServiceConfig } from "../../config/schema.ts";
import { capacityAtExpectedLengths } from "../../config/llm.ts";
import type { ForecastView } from "../../engine/types.ts";
import type { ControlPlaneParams } from "../control-plane.ts";
import type { LlmArrivals } from "./arrivals.ts";
import { plannedProfile, tokenServiceConfig } from "./ours-tokens.ts";
import { OursVariants, type SplitOverride } from "./ours-variants.ts";
import { simulatePlatform, type PlatformResult, type PreemptionSpec } from "./platform.ts";
import { platformServices } from "./platform-setup.ts";
import { tokenForecasts, type ReplayWindow } from "./replay-window.ts";
import { greedyOverride, isSpot, withVariantsOnly } from "./variant-baselines.ts";

export interface ReplayMember {
  /** The service as the config has it (with variants). */
  readonly service: ServiceConfig;
  /** The whole trace (the forecasts' history) and the window replayed. */
  readonly trace: LlmArrivals;
  readonly window: ReplayWindow;
}

export interface PlatformReplayInput {
  readonly config: Config;
  readonly members: readonly ReplayMember[];
  readonly controlPlane: ControlPlaneParams;
  readonly nodeProvisioningSeconds: number;
  readonly drainSeconds: number;
  readonly tailSeconds: number;
  /** Preemptions per spot replica-hour by GPU type, and the seed. */
  readonly preemption: PreemptionSpec;
}

/** The members on one clock, with the forecasts ours plans with. */
export interface AlignedPlatform {
  readonly start: number;
  readonly measureFromSeconds: number;
  readonly endSeconds: number;
  readonly arrivals: readonly LlmArrivals[];
  readonly forecasts: readonly (readonly { readonly t: number; readonly view: ForecastView }[])[];
  readonly historyFrom: readonly number[];
}

const shiftView = (v: ForecastView, ms: number): ForecastView => ({
  ...v,
  generatedAt: v.generatedAt + ms,
  start: v.start + ms,
});

/** Puts the members on one clock; computes each one's forecasts (from its whole trace). */
export function alignMembers(
  input: PlatformReplayInput,
  onProgress?: (what: string, done: number, total: number) => void,
): AlignedPlatform {
  const { members, config } = input;
  const first = members[0];
  if (first === undefined) throw new RangeError("members: the platform replay needs at least one service");
  const m = Math.max(...members.map((x) => x.window.measureFromSeconds));
  const leads = members.map((x) => m - x.window.measureFromSeconds);
  const measured = Math.min(
    ...members.map((x) => {
      const n = x.window.arrivals.times.length;
      return Math.floor(x.window.arrivals.times[n - 1] ?? 0) + 1 - x.window.measureFromSeconds;
    }),
  );
  if (!(measured >= 60))
    throw new RangeError(
      `traces: the services' measured parts overlap for ${measured} s, less than a minute`,
    );
  const start = first.window.arrivals.start - (leads[0] ?? 0) * 1000;
  const arrivals = members.map((x, i) => {
    const lead = leads[i] ?? 0;
    const times = Float64Array.from(x.window.arrivals.times, (t) => t + lead);
    return { ...x.window.arrivals, start, times };
  });
  const forecasts = members.map((x, i) => {
    const lead = leads[i] ?? 0;
    const shift = start + lead * 1000 - x.window.arrivals.start;
    const engine = tokenServiceConfig(x.service, 1);
    return tokenForecasts(x.trace, x.window, config, engine, (d, t) =>
      onProgress?.(`forecasts ${x.service.name}`, d, t),
    ).map((f) => ({ t: f.t + lead, view: shiftView(f.view, shift) }));
  });
  const historyFrom = members.map(
    (x, i) => x.window.historyFrom + start + (leads[i] ?? 0) * 1000 - x.window.arrivals.start,
  );
  return { start, measureFromSeconds: m, endSeconds: m + measured, arrivals, forecasts, historyFrom };
}

export interface PolicyRun {
  readonly name: string;
  /** What it is, in words. */
  readonly about: string;
  readonly config: Config;
  readonly override?: SplitOverride;
}

/** The policies by name: ours, ours-on-demand, greedy, single-type:<gpu> per GPU type of the variants. */
export function platformPolicies(config: Config): PolicyRun[] {
  const types = [
    ...new Set(config.services.flatMap((s) => (s.variants ?? []).map((v) => v.resources.gpuType))),
  ];
  return [
    { name: "ours", about: "the split across all variants, spot included", config },
    {
      name: "ours-on-demand",
      about: "the split without the spot variants",
      config: withVariantsOnly(config, (v) => !isSpot(v)),
    },
    {
      name: "greedy",
      about: "our demand, split cheapest capacity per dollar first (llm-d's optimizer order)",
      config,
      override: greedyOverride(config),
    },
    ...types.map((type) => ({
      name: `single-type:${type}`,
      about: `the split across the ${type} variants only`,
      config: withVariantsOnly(config, (v) => v.resources.gpuType === type),
    })),
  ];
}

/**
 * The service as the engine sees it at headroom u: its variants' profiles every step 1 / u as long
 * (ours-tokens.ts plannedProfile), so it plans for more replicas at u < 1, and their capacity at
 * the expected lengths (what the greedy policy ranks by) from those; the simulated replicas keep
 * the real profiles.
 */
export function plannedService(s: ServiceConfig, u: number): ServiceConfig {
  const engine = tokenServiceConfig(s, u);
  const llm = s.llm;
  if (u === 1 || s.variants === undefined || llm === undefined) return engine;
  return {
    ...engine,
    variants: s.variants.map((v) => {
      const profile = plannedProfile(v.profile, u);
      return { ...v, profile, expectedCapacity: capacityAtExpectedLengths(profile, llm).tokensPerSecond };
    }),
  };
}

/** One policy's run on the aligned platform at headroom u, with or without the preemption events. */
export function runPlatformPolicy(
  input: PlatformReplayInput,
  aligned: AlignedPlatform,
  policy: PolicyRun,
  preemption: boolean,
  headroom = 1,
): PlatformResult {
  const configured = input.members.map(({ service: { name } }) => {
    const s = policy.config.services.find((x) => x.name === name);
    if (s === undefined) throw new RangeError(`services: no ${name} in the config of policy ${policy.name}`);
    return s;
  });
  const engine = configured.map((s) => plannedService(s, headroom));
  const config: Config = { ...policy.config, services: engine };
  const services = platformServices(
    policy.config,
    configured,
    (i) => aligned.arrivals[i] as LlmArrivals,
    input.nodeProvisioningSeconds,
  );
  // The greedy policy ranks and fills by the capacities the engine plans with.
  const override = policy.override !== undefined && headroom !== 1 ? greedyOverride(config) : policy.override;
  const label = `${policy.name}${headroom === 1 ? "" : ` u=${headroom}`}${preemption ? "" : " (no preemption)"}`;
  return simulatePlatform(
    services,
    {
      measureFromSeconds: aligned.measureFromSeconds,
      endSeconds: aligned.endSeconds,
      drainSeconds: input.drainSeconds,
      tailSeconds: input.tailSeconds,
      ...(config.cost.maxHourlyCost !== undefined ? { maxHourlyCost: config.cost.maxHourlyCost } : {}),
      gpuQuotas: config.gpuQuotas,
    },
    () =>
      new OursVariants(
        {
          config,
          services: engine.map((service, i) => ({
            service,
            forecasts: aligned.forecasts[i] ?? [],
            historyFrom: aligned.historyFrom[i] ?? aligned.start,
          })),
          controlPlane: input.controlPlane,
          start: aligned.start,
        },
        override,
      ),
    label,
    preemption ? input.preemption : undefined,
  );
}
