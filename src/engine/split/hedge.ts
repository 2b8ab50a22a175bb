// The spot hedge: how many of a variant's spot replicas the plan expects to lose before a
// replacement is ready, at a quantile. A spot replica is preempted at `preemptionsPerHour` (per
// spot replica-hour, independently of the others); a preempted replica is replaced by a new pod that
// serves after the variant's start-up S. The preemptions among m spot replicas within S are then
// Poisson with mean λ = m x rate x S / 3600, and the plan keeps, beyond the demand, the capacity of
// the q-quantile of that count: with probability q no more replicas vanish within the time it takes
// to replace them, so the SLO holds through them (SkyServe's argument for over-provisioning spot).
//
// Worked example: 8 spot L40S replicas, 0.2 preemptions per replica-hour, start-up 480 s:
// λ = 8 x 0.2 x 480 / 3600 = 0.2133; P(0) = e^-0.2133 = 0.8079, P(<= 1) = 0.8079 x 1.2133 = 0.9802,
// P(<= 2) = 0.9802 + 0.8079 x 0.2133^2 / 2 = 0.9986: at q = 0.99 the hedge is 2 replicas (at
// q = 0.95, 1). The model's limits: preemptions of one cloud's spot pool are correlated (a
// capacity crunch takes several at once), which a Poisson count of independent events understates;
// a rate measured over your own history, or a higher quantile, is the margin.

/** Above this mean the Poisson quantile is taken from the normal approximation (see poissonQuantile). */
const EXACT_MEAN_LIMIT = 700;

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: readonly number[], x: number): number => k.reduce((acc, v) => acc * x + v, 0);
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * The smallest k with P(N <= k) >= q for N ~ Poisson(mean): exact summation of the probabilities up
 * to a mean of 700 (e^-700 is still a normal double); above it the normal approximation with a
 * continuity correction, ceil(mean + z sqrt(mean) - 0.5) (its error there is below one replica in a
 * thousand expected preemptions).
 */
export function poissonQuantile(mean: number, q: number): number {
  if (!(mean > 0) || !(q > 0)) return 0;
  if (mean > EXACT_MEAN_LIMIT) {
    return Math.max(0, Math.ceil(mean + normalQuantile(q) * Math.sqrt(mean) - 0.5));
  }
  let term = Math.exp(-mean);
  let cdf = term;
  let k = 0;
  // The cdf reaches q within mean + 40 sqrt(mean) + 40 terms for any q a double can tell from 1.
  const limit = Math.ceil(mean + 40 * Math.sqrt(mean) + 40);
  while (cdf < q && k < limit) {
    k++;
    term *= mean / k;
    cdf += term;
  }
  return k;
}

/** The spot replicas among `replicas` of a variant with `spotShare` on spot (rounded up: the hedge's side). */
export function spotReplicas(replicas: number, spotShare: number): number {
  if (!(spotShare > 0) || replicas <= 0) return 0;
  return Math.min(replicas, Math.ceil(replicas * spotShare - 1e-9));
}

/** What the hedge needs of one variant at `replicas`. */
export interface VariantHedge {
  /** Spot replicas among them. */
  readonly spot: number;
  /** Expected preemptions among them within one start-up. */
  readonly expected: number;
  /** The q-quantile of that count: replicas the plan expects to lose before replacements serve. */
  readonly replicas: number;
}

/** The hedge of one variant: see the header. */
export function variantHedge(
  replicas: number,
  spotShare: number,
  preemptionsPerHour: number,
  startupSeconds: number,
  quantile: number,
): VariantHedge {
  const spot = spotReplicas(replicas, spotShare);
  const expected = (spot * preemptionsPerHour * startupSeconds) / 3600;
  return { spot, expected, replicas: Math.min(spot, poissonQuantile(expected, quantile)) };
}
