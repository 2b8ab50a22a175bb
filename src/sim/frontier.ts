// Comparing fairly: more headroom always buys fewer violations, so each policy is swept over its
// target utilisation and compared on its cost-vs-SLO frontier, at equal SLO.

export interface FrontierPoint {
  readonly headroom: number;
  readonly costDollars: number;
  readonly sloViolationMinutesPct: number;
}

/** Target utilisations swept; above 1 a policy aims past capacity (the forecast's upper quantile may still cover it). */
export const SWEEP_HEADROOMS: readonly number[] = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.15, 1.3];

/** The non-dominated points, by SLO violations ascending (and so cost descending). */
export function paretoFront(points: readonly FrontierPoint[]): FrontierPoint[] {
  const sorted = [...points].sort(
    (a, b) => a.sloViolationMinutesPct - b.sloViolationMinutesPct || a.costDollars - b.costDollars,
  );
  const out: FrontierPoint[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last === undefined || p.costDollars < last.costDollars - 1e-12) out.push(p);
  }
  return out;
}

/**
 * The cost at which a policy meets `slo` (% violating minutes), interpolated linearly on its
 * frontier; undefined when no tested headroom reaches it. Example: points (0.5%, $120) and
 * (2%, $90): at 1% -> 120 - 30 * (0.5 / 1.5) = $110.
 */
export function costAtSlo(points: readonly FrontierPoint[], slo: number): number | undefined {
  const f = paretoFront(points);
  const first = f[0];
  if (first === undefined || first.sloViolationMinutesPct > slo + 1e-12) return undefined;
  for (let i = 0; i + 1 < f.length; i++) {
    const a = f[i] as FrontierPoint;
    const b = f[i + 1] as FrontierPoint;
    if (slo >= a.sloViolationMinutesPct && slo <= b.sloViolationMinutesPct) {
      const w = (slo - a.sloViolationMinutesPct) / (b.sloViolationMinutesPct - a.sloViolationMinutesPct || 1);
      return a.costDollars + w * (b.costDollars - a.costDollars);
    }
  }
  return (f[f.length - 1] as FrontierPoint).costDollars;
}

/** Whether frontier `a` is at or below frontier `b` at every SLO level `b` reaches. */
export function dominates(a: readonly FrontierPoint[], b: readonly FrontierPoint[]): boolean {
  for (const p of paretoFront(b)) {
    const ca = costAtSlo(a, p.sloViolationMinutesPct);
    if (ca === undefined || ca > p.costDollars + 1e-9) return false;
  }
  return true;
}
