// Rule 3, business hours: inside the window (in its IANA time zone, on its weekdays, not on a
// holiday), and preScaleMinutes before it opens, the floor is raised, and a floor above zero keeps
// the service warm (no scale to zero).

import type { BusinessHoursConfig, ServiceConfig } from "../../config/schema.ts";
import { ceilSafe } from "../hpa.ts";
import type { Draft, StepContext } from "../step.ts";

export type BusinessHoursState = StepContext["businessHours"];

interface LocalTime {
  readonly date: string;
  readonly weekday: number;
  readonly hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/**
 * Every offset in use and every DST change is a multiple of 15 minutes from UTC's hour, so the local
 * date and hour rarely change within a 15-minute UTC block. A block whose first and last
 * millisecond read the same is the same throughout (a change inside it would show at its end), and
 * is kept; others are computed each time. Formatting costs about 10 us; the engine asks for every
 * service at every decision, the simulator for every 15 s of a trace.
 */
const BLOCK_MS = 15 * 60_000;
/** Per time zone, the last few blocks read: [block index, its local time or undefined if it varies]. */
const blocks = new Map<string, [number, LocalTime | undefined][]>();
const BLOCKS_KEPT = 4;

/** Wall-clock date, weekday and hour at `t` in `timeZone` (handles DST through the tz database). */
export function localTime(t: number, timeZone: string): LocalTime {
  const block = Math.floor(t / BLOCK_MS);
  let kept = blocks.get(timeZone);
  if (!kept) {
    kept = [];
    blocks.set(timeZone, kept);
  }
  for (const [b, lt] of kept) if (b === block) return lt ?? formatLocal(t, timeZone);
  const first = formatLocal(block * BLOCK_MS, timeZone);
  const last = formatLocal((block + 1) * BLOCK_MS - 1, timeZone);
  const same = first.date === last.date && first.hour === last.hour && first.weekday === last.weekday;
  if (kept.length >= BLOCKS_KEPT) kept.shift();
  kept.push([block, same ? first : undefined]);
  return same ? first : formatLocal(t, timeZone);
}

/** localTime without the block cache: the formatter read every time. */
export function formatLocal(t: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      weekday: "short",
      hour: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(t)) parts[p.type] = p.value;
  return {
    date: `${parts.year ?? ""}-${parts.month ?? ""}-${parts.day ?? ""}`,
    weekday: WEEKDAYS[parts.weekday ?? ""] ?? -1,
    hour: Number(parts.hour),
  };
}

export function isOpen(bh: BusinessHoursConfig, t: number): boolean {
  const lt = localTime(t, bh.timezone);
  return (
    bh.days.includes(lt.weekday) &&
    !bh.holidays.includes(lt.date) &&
    lt.hour >= bh.startHour &&
    lt.hour < bh.endHour
  );
}

export function businessHoursState(bh: BusinessHoursConfig, now: number): BusinessHoursState {
  if (!bh.enabled) return { open: false, preScale: false };
  const open = isOpen(bh, now);
  const preScale = !open && bh.preScaleMinutes > 0 && isOpen(bh, now + bh.preScaleMinutes * 60_000);
  return { open, preScale };
}

/** The business-hours floor: the explicit minimum, else ceil(multiplier * max(min, 1)). */
export function businessHoursFloor(bh: BusinessHoursConfig, svc: ServiceConfig): number {
  return svc.businessHoursMinReplicas ?? ceilSafe(bh.multiplier * Math.max(svc.minReplicas, 1));
}

/**
 * Rule 3 as a step. Example: window 09:00-17:00, pre-scale 30 min, multiplier 2, minReplicas 1:
 * at 08:40 the floor is ceil(2 * 1) = 2, so a draft of 1 is raised to 2 and the service stays warm.
 */
export function businessHoursStep(draft: Draft, ctx: StepContext): Draft {
  const state = ctx.businessHours;
  if (!state.open && !state.preScale) return draft;
  const bh = ctx.config.businessHours;
  const floor = businessHoursFloor(bh, ctx.svc);
  const raises = floor > draft.desired;
  const when = state.open ? "inside business hours" : `pre-scale: opening within ${bh.preScaleMinutes}m`;
  const change = raises ? `, raised from ${draft.desired}` : "";
  return {
    ...draft,
    desired: raises ? floor : draft.desired,
    by: raises ? "business-hours" : draft.by,
    keepWarm: floor > 0,
    reasons: [
      ...draft.reasons,
      { rule: "business-hours", message: `${when} (${bh.timezone}): floor ${floor}${change}` },
    ],
  };
}
