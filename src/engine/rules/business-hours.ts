// Rule 3, business hours: inside the window (in its IANA time zone, on its weekdays, not on a
// holiday), and preScaleMinutes before it opens, the floor is raised.

import type { BusinessHoursConfig, ServiceConfig } from "../../config/schema.ts";
import { ceilSafe } from "../hpa.ts";

export interface BusinessHoursState {
  readonly open: boolean;
  /** Closed now, but opening within preScaleMinutes. */
  readonly preScale: boolean;
}

interface LocalTime {
  readonly date: string;
  readonly weekday: number;
  readonly hour: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Readonly<Record<string, number>> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** Wall-clock date, weekday and hour at `t` in `timeZone` (handles DST through the tz database). */
export function localTime(t: number, timeZone: string): LocalTime {
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
