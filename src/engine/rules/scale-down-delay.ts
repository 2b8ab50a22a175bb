// The scale-down delay (scaleDownDelaySeconds, Knative's scale-down-delay): a lower count waits.
// The scaler answers the highest count its rules asked at some moment within the last D seconds
// (the answers standing then, as rules/held.ts reads them, each by the count asked before this
// delay, so a held count never holds itself up). A rise acts at once.
//
// Why: a GPU pod takes a minute or more to load its model, so the pods a burst needs must be up
// when it comes. On load that comes in bursts with lulls of minutes between them (the constructed
// BurstGPT days: 931 of 2,880 minutes without a request), the count the rules ask in a lull is what
// the lull needs, and the next burst meets it; the HPA's own window (300 s by default) is shorter
// than many lulls. Holding the burst's pods through the lull costs their price for D seconds;
// bench/RESULTS.md ("Ours in tokens at 99%: the recipe with a floor, and ours' scale-down delay")
// measures the trade.
//
// Example: D = 900 s, asked 9 at 10:00:00, 1 at 10:01:00 and after: at 10:05:00 the answer is 9
// (the 9 stood until 10:01:00, within the window 09:50:00-10:05:00); at 10:16:30 it is 1 (the 9
// stopped standing at 10:01:00, before the window opened at 10:01:30).
//
// A service with variants holds its token demand instead of a count (split/demand.ts), so the
// split sizes for the burst at the least cost through the lull; this step passes it by.

import type { Draft, StepContext } from "../step.ts";
import { highestStanding } from "./held.ts";

export function scaleDownDelayStep(draft: Draft, ctx: StepContext): Draft {
  const seconds = ctx.svc.scaleDownDelaySeconds;
  if (seconds <= 0 || !draft.valid || ctx.svc.variants !== undefined) return draft;
  const asked = draft.desired;
  const held = highestStanding(ctx.history?.answers ?? [], ctx.now, seconds, (a) => a.asked ?? a.replicas);
  if (held <= asked) return { ...draft, asked };
  return {
    ...draft,
    desired: held,
    by: "hold",
    asked,
    reasons: [
      ...draft.reasons,
      {
        rule: "hold",
        message: `scale-down delay: holding ${held}, the highest count asked within the last ${seconds} s (${asked} asked now)`,
      },
    ],
  };
}
