// Hourly price of a service's replicas, with spot pricing for the share expected on spot.

import type { CostConfig, ResourcesConfig, ServiceConfig } from "../config/schema.ts";
import { own } from "./own.ts";

export interface ReplicaPrice {
  /** On-demand price of one replica per hour. */
  readonly onDemand: number;
  /** Expected price of one replica per hour given the spot share. */
  readonly blended: number;
  /** Share of replicas expected on spot. */
  readonly spotShare: number;
  readonly spotFactor: number;
}

/**
 * Example: 1 x nvidia-a100 ($3.67) + 8 vCPU ($0.04) + 32 GiB ($0.005) = $4.15/h on demand; with a
 * 70% spot discount and all replicas on spot, 4.15 * 0.3 = $1.245/h.
 */
export function replicaPrice(svc: ServiceConfig, cost: CostConfig): ReplicaPrice {
  return priceOf(svc.resources, svc.preferSpotInstances ? svc.spotShare : 0, cost);
}

/**
 * One replica of `resources` with `spotShare` of the replicas on spot. A GPU type with a spot price
 * (gpuSpotHourlyPrices) has its spot replica priced at it, with the CPU and memory at the spot
 * discount: L40S at $1.861 on demand and $0.76 on spot, 8 vCPU and 32 GiB: on demand $2.341/h,
 * spot $0.76 + $0.48 x 0.3 = $0.904/h. Without one, spot is on demand x (1 - discount).
 */
export function priceOf(resources: ResourcesConfig, spotShare: number, cost: CostConfig): ReplicaPrice {
  const type = resources.gpuType;
  const gpuPrice = type !== undefined ? (own(cost.gpuHourlyPrices, type) ?? 0) : 0;
  const hostPrice = resources.cpu * cost.cpuHourlyPrice + resources.memoryGiB * cost.memoryGiBHourlyPrice;
  // Summed left to right, GPUs first, as always (a float sum depends on its order).
  const onDemand =
    resources.gpusPerReplica * gpuPrice +
    resources.cpu * cost.cpuHourlyPrice +
    resources.memoryGiB * cost.memoryGiBHourlyPrice;
  const discount = 1 - cost.spotDiscountPercentage / 100;
  const spotGpu =
    type !== undefined && resources.gpusPerReplica > 0 ? own(cost.gpuSpotHourlyPrices, type) : undefined;
  if (spotGpu === undefined)
    return {
      onDemand,
      blended: onDemand * (1 - spotShare + spotShare * discount),
      spotShare,
      spotFactor: discount,
    };
  const spot = resources.gpusPerReplica * spotGpu + hostPrice * discount;
  const spotFactor = onDemand > 0 ? spot / onDemand : discount;
  return { onDemand, blended: onDemand * (1 - spotShare) + spot * spotShare, spotShare, spotFactor };
}

export function hourlyCost(replicas: number, price: ReplicaPrice): { onDemand: number; spot: number } {
  const spotReplicas = replicas * price.spotShare;
  return {
    onDemand: (replicas - spotReplicas) * price.onDemand,
    spot: spotReplicas * price.onDemand * price.spotFactor,
  };
}
