// From the config to the platform replay's services: each llm service with variants as the
// simulator runs it (platform.ts), its variants' profiles, start-up and prices from the config.

import type { Config, ServiceConfig } from "../../config/schema.ts";
import { priceOf } from "../../engine/cost.ts";
import type { LlmArrivals } from "./arrivals.ts";
import type { PlatformService } from "./platform.ts";
import type { VariantSim } from "./variant-fleets.ts";

/**
 * One variant's pods in the replay: its profile, start-up (the profile's load time plus
 * `nodeProvisioningSeconds`, whole seconds), GPU type and prices (on demand, its spot share at the
 * config's spot price).
 */
export function variantSims(
  config: Config,
  service: ServiceConfig,
  nodeProvisioningSeconds = 0,
): VariantSim[] {
  if (service.variants === undefined)
    throw new RangeError(
      `services.${service.name}: the platform replay needs variants (services.<name>.variants)`,
    );
  return service.variants.map((v) => {
    const price = priceOf(v.resources, v.spotShare, config.cost);
    return {
      name: v.name,
      profile: v.profile,
      gpuType: v.resources.gpuType,
      startupSeconds: Math.ceil(v.profile.loadSeconds + nodeProvisioningSeconds),
      onDemandPerHour: price.onDemand,
      spotShare: v.spotShare,
      spotFactor: price.spotFactor,
    };
  });
}

/** The services of the replay, each on the arrivals `arrivalsOf(i)` gives (on the run's time axis). */
export function platformServices(
  config: Config,
  services: readonly ServiceConfig[],
  arrivalsOf: (i: number) => LlmArrivals,
  nodeProvisioningSeconds = 0,
): PlatformService[] {
  return services.map((s, i) => {
    const llm = s.llm;
    if (llm === undefined) throw new RangeError(`services.${s.name}: the platform replay needs an llm block`);
    return {
      name: s.name,
      arrivals: arrivalsOf(i),
      variants: variantSims(config, s, nodeProvisioningSeconds),
      slo: { ttftSeconds: llm.slo.ttftSeconds, itlSeconds: llm.slo.itlSeconds },
    };
  });
}
