// HPA and KEDA arithmetic, shared by the engine and the simulator's control-plane model.

/** The HPA's default tolerance: ratios within 1 +/- 0.1 leave the replica count unchanged. */
export const HPA_TOLERANCE = 0.1;

/** Guards ceil() against float noise: 30.000000000000004 / 10 must give 3, not 4. */
const EPS = 1e-9;

export function ceilSafe(x: number): number {
  const c = Math.ceil(x - EPS);
  return c === 0 ? 0 : c; // never -0
}

/**
 * Extensive signals add up across replicas (queue length, request rate, token rate):
 * replicas = ceil(value / target). Example: 95 req/s at 10 req/s per replica -> ceil(9.5) = 10.
 */
export function extensiveReplicas(value: number, target: number): number {
  return Math.max(0, ceilSafe(value / target));
}

/**
 * Intensive signals are per-replica levels (p95 latency, GPU utilisation, KV-cache usage): the HPA
 * ratio rule replicas = ceil(ready * value / target), unless the ratio is within the tolerance.
 * Example: 4 ready at 92% GPU against 80% -> ratio 1.15 > 1.1 -> ceil(4.6) = 5; at 86% -> ratio 1.075,
 * inside the tolerance -> stays 4. Undefined when no replica is ready: a level of nothing says nothing.
 */
export function intensiveReplicas(
  value: number,
  target: number,
  ready: number,
  tolerance = HPA_TOLERANCE,
): number | undefined {
  if (ready <= 0) return undefined;
  const ratio = value / target;
  if (Math.abs(ratio - 1) <= tolerance) return ready;
  return Math.max(0, ceilSafe(ready * ratio));
}

/**
 * KEDA hands metric values to the HPA as Kubernetes quantities with milli precision; values and
 * targets are truncated to 0.001. We add a small epsilon before truncating so that an exact multiple
 * computed as 2.9999999999 becomes 3.000, not 2.999.
 */
export function toMilli(x: number): number {
  return Math.floor(x * 1000 + 1e-6) / 1000;
}

/**
 * The HPA's decision for an AverageValue external metric:
 * usageRatio = metric / (target * current); inside 1 +/- tolerance nothing changes,
 * otherwise desired = ceil(metric / target). Example: metric 7 (our desired count), target 1,
 * current 4 -> ratio 1.75 -> 7. Metric 4.2 with current 4 -> ratio 1.05 -> stays 4.
 */
export function hpaAverageValue(
  metric: number,
  target: number,
  current: number,
  tolerance = HPA_TOLERANCE,
): number {
  const m = toMilli(metric);
  const t = toMilli(target);
  if (current > 0) {
    const ratio = m / (t * current);
    if (Math.abs(ratio - 1) <= tolerance) return current;
  }
  return ceilSafe(m / t);
}
