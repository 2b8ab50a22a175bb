// Which constraints bind a split: a constraint binds when the split without it differs. Each
// candidate the problem holds is relaxed in turn (a cap or a bound lifted, a floor dropped, the
// start-ups taken away, the hedge dropped) and the problem solved again; the reasons name those
// whose relaxation changes the replicas asked for. By the stability of the split (solve.ts), a
// constraint that does not bind can also be tightened to what the split uses of it without a
// change: test/unit/engine/split-properties.test.ts checks both.
//
// Example (the worked example of solve.ts): L40S at $2/h for 10,000 tokens/s that loads in 480 s,
// H100 at $8/h for 30,000 tokens/s that loads in 60 s with 2 ready; 70,000 tokens/s at +60 s.
// The split runs 3 H100. Without start-ups it would run 7 L40S: the start-up binds.

import type { SplitProblem, SplitResult } from "./problem.ts";
import { lastCheckpoint, solveSplit } from "./solve.ts";

/** A constraint of a split problem that can bind. */
export type SplitConstraint =
  | { readonly kind: "variant-max"; readonly variant: string }
  | { readonly kind: "variant-min"; readonly variant: string }
  | { readonly kind: "spot-unavailable"; readonly variant: string }
  | { readonly kind: "gpu-cap"; readonly gpuType: string }
  | { readonly kind: "budget" }
  | { readonly kind: "max-total" }
  | { readonly kind: "min-total" }
  | { readonly kind: "start-up" }
  | { readonly kind: "hedge" };

/** The constraints `p` holds (each one's relaxation is a different problem). */
export function candidates(p: SplitProblem): SplitConstraint[] {
  const out: SplitConstraint[] = [];
  for (const v of p.variants) {
    if (Number.isFinite(v.max)) out.push({ kind: "variant-max", variant: v.name });
    if (v.min > 0) out.push({ kind: "variant-min", variant: v.name });
    if (v.spotUnavailable) out.push({ kind: "spot-unavailable", variant: v.name });
  }
  for (const gpuType of Object.keys(p.gpuCaps)) out.push({ kind: "gpu-cap", gpuType });
  if (p.budget !== undefined) out.push({ kind: "budget" });
  if (Number.isFinite(p.maxTotal)) out.push({ kind: "max-total" });
  if (p.minTotal > 0) out.push({ kind: "min-total" });
  if (new Set(p.checkpoints.map((c) => c.atSeconds)).size > 1) out.push({ kind: "start-up" });
  if (p.hedgeQuantile > 0 && p.variants.some((v) => v.spotShare > 0 && v.preemptionsPerHour > 0))
    out.push({ kind: "hedge" });
  return out;
}

/** `p` without constraint `c`. */
export function relax(p: SplitProblem, c: SplitConstraint): SplitProblem {
  const variants = (
    f: (v: SplitProblem["variants"][number]) => SplitProblem["variants"][number],
  ): SplitProblem => ({
    ...p,
    variants: p.variants.map(f),
  });
  switch (c.kind) {
    case "variant-max":
      return variants((v) => (v.name === c.variant ? { ...v, max: Infinity } : v));
    case "variant-min":
      return variants((v) => (v.name === c.variant ? { ...v, min: 0 } : v));
    case "spot-unavailable":
      return variants((v) => (v.name === c.variant ? { ...v, spotUnavailable: false } : v));
    case "gpu-cap": {
      const { [c.gpuType]: _, ...gpuCaps } = p.gpuCaps;
      return { ...p, gpuCaps };
    }
    case "budget":
      return { ...p, budget: undefined };
    case "max-total":
      return { ...p, maxTotal: Infinity };
    case "min-total":
      return { ...p, minTotal: 0 };
    case "start-up": {
      // Every replica asked for serves by the first checkpoint: one checkpoint, the highest demand.
      const at = p.checkpoints[lastCheckpoint(p)]?.atSeconds ?? 0;
      return {
        ...p,
        checkpoints: [{ atSeconds: at, demand: Math.max(0, ...p.checkpoints.map((x) => x.demand)) }],
      };
    }
    case "hedge":
      return { ...p, hedgeQuantile: 0 };
  }
}

/** The same replica counts, variant by variant. */
export const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The constraints whose relaxation changes the replicas `result` asks for, each relaxed problem
 * solved by `solve` (the solve that gave `result`: under the cross-service caps, split/claim.ts).
 */
export function bindingConstraints(
  p: SplitProblem,
  result: SplitResult,
  solve: (p: SplitProblem) => SplitResult = solveSplit,
): SplitConstraint[] {
  return candidates(p).filter((c) => !same(solve(relax(p, c)).counts, result.counts));
}
