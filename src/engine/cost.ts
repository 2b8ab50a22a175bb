// Hourly price of a service's replicas, with spot pricing for the share expected on spot.

import type { CostConfig, ServiceConfig } from "../config/schema.ts";
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
  const gpuPrice =
    svc.resources.gpuType !== undefined ? (own(cost.gpuHourlyPrices, svc.resources.gpuType) ?? 0) : 0;
  const onDemand =
    svc.resources.gpusPerReplica * gpuPrice +
    svc.resources.cpu * cost.cpuHourlyPrice +
    svc.resources.memoryGiB * cost.memoryGiBHourlyPrice;
  const spotShare = svc.preferSpotInstances ? svc.spotShare : 0;
  const spotFactor = 1 - cost.spotDiscountPercentage / 100;
  return { onDemand, blended: onDemand * (1 - spotShare + spotShare * spotFactor), spotShare, spotFactor };
}

export function hourlyCost(replicas: number, price: ReplicaPrice): { onDemand: number; spot: number } {
  const spotReplicas = replicas * price.spotShare;
  return {
    onDemand: (replicas - spotReplicas) * price.onDemand,
    spot: spotReplicas * price.onDemand * price.spotFactor,
  };
}
