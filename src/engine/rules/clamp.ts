// Rule 5, clamp: the count is raised to minReplicas, then capped at maxReplicas, each with a reason.

import { withReasons, type Draft, type StepContext } from "../step.ts";

export function clampStep(draft: Draft, ctx: StepContext): Draft {
  const { minReplicas, maxReplicas } = ctx.svc;
  let out = draft;
  if (out.desired < minReplicas) {
    out = withReasons(
      { ...out, desired: minReplicas, by: "min" },
      { rule: "min", message: `raised ${out.desired} to minReplicas ${minReplicas}` },
    );
  }
  if (out.desired > maxReplicas) {
    out = withReasons(
      { ...out, desired: maxReplicas, by: "max" },
      { rule: "max", message: `capped ${out.desired} at maxReplicas ${maxReplicas}` },
    );
  }
  return out;
}
