// Workloads for the simulator: arrivals per second from a trace (spread evenly inside each trace
// interval), or from the built-in deterministic generator used by the demo.

import type { Series } from "../traces/parse.ts";

export interface Workload {
  readonly name: string;
  /** Epoch ms of second 0. */
  readonly start: number;
  /** Arrival rate (requests/s) for each second. */
  readonly rate: Float32Array;
  /** Per-minute mean rate (requests/s): the history Prometheus range queries would return. */
  readonly minuteRate: Float64Array;
}

/**
 * Spreads each interval's count evenly over its seconds. A gap (NaN) carries no arrivals: the
 * simulator cannot invent traffic, and the report says how many seconds were gaps.
 */
export function workloadFromSeries(name: string, s: Series, scale = 1): Workload {
  const step = s.stepSeconds;
  const total = s.values.length * step;
  const rate = new Float32Array(total);
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i] ?? Number.NaN;
    const r = Number.isNaN(v) ? 0 : (v * scale) / step;
    rate.fill(r, i * step, (i + 1) * step);
  }
  return { name, start: s.start, rate, minuteRate: minuteMeans(rate) };
}

export function minuteMeans(rate: Float32Array): Float64Array {
  const n = Math.floor(rate.length / 60);
  const out = new Float64Array(n);
  for (let m = 0; m < n; m++) {
    let s = 0;
    for (let k = m * 60; k < m * 60 + 60; k++) s += rate[k] ?? 0;
    out[m] = s / 60;
  }
  return out;
}

export function peakMinuteRate(w: Workload): number {
  let p = 0;
  for (const v of w.minuteRate) if (v > p) p = v;
  return p;
}

/** mulberry32: a small deterministic generator, so the demo is the same on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GeneratorParams {
  readonly days: number;
  /** Mean rate (requests/s) of a weekday at its peak hour. */
  readonly peakRate: number;
  /** Peak hour over the quietest hour on a weekday (NASA: about 4). */
  readonly dailyRatio: number;
  /** Local hour of the daily peak. */
  readonly peakHour: number;
  /** Weekend level over weekday level (NASA: about 0.5). */
  readonly weekendRatio: number;
  /** Coefficient of variation of per-minute noise (NASA minute counts around their hourly mean). */
  readonly minuteNoise: number;
  /** Bursts per day, their multiplier and length in minutes (BurstGPT-like surges). */
  readonly burstsPerDay: number;
  readonly burstMultiplier: number;
  readonly burstMinutes: number;
  /** Local hours [from, to) of the night in which traffic goes idle (LLM traces' idle stretches). */
  readonly idleFrom: number;
  readonly idleTo: number;
  /** Probability that a night minute is idle, in runs (tens of minutes). */
  readonly idleShare: number;
  /** UTC offset of the workload's local time, hours (America/New_York in winter: -5). */
  readonly utcOffsetHours: number;
  readonly seed: number;
}

/**
 * The demo's embedded default: two weeks of a vLLM-like GPU service's requests. The shape follows
 * what the shared traces show (see test/unit/sim/workload.test.ts, which measures both):
 * a daily cycle of about 4x between night and the afternoon peak and weekends at about half of
 * weekdays (NASA), minute-level noise, bursts (BurstGPT), and idle stretches at night.
 */
export const DEMO_PARAMS: GeneratorParams = {
  days: 14,
  peakRate: 40,
  dailyRatio: 4,
  peakHour: 15,
  weekendRatio: 0.5,
  minuteNoise: 0.12,
  burstsPerDay: 3,
  burstMultiplier: 1.8,
  burstMinutes: 12,
  idleFrom: 1,
  idleTo: 6,
  idleShare: 0.5,
  utcOffsetHours: -5,
  seed: 20261128,
};

/** Monday 2026-01-05 00:00 in UTC-5. */
export const DEMO_START = Date.parse("2026-01-05T00:00:00-05:00");

export function generateWorkload(p: GeneratorParams = DEMO_PARAMS, start = DEMO_START): Workload {
  const r = rng(p.seed);
  const minutes = p.days * 1440;
  const perMinute = new Float64Array(minutes);
  const offsetMin = Math.round((((start / 60_000 + p.utcOffsetHours * 60) % 1440) + 1440) % 1440);
  const startDow = new Date(start + p.utcOffsetHours * 3_600_000).getUTCDay();
  let burstLeft = 0;
  let idleLeft = 0;
  for (let m = 0; m < minutes; m++) {
    const localMin = (offsetMin + m) % 1440;
    const dayIdx = Math.floor((offsetMin + m) / 1440);
    const dow = (startDow + dayIdx) % 7;
    const hour = localMin / 60;
    // Daily cycle: a raised cosine from the trough (peakHour - 12) to the peak, ratio dailyRatio.
    const phase = Math.cos((2 * Math.PI * (hour - p.peakHour)) / 24);
    const daily = (1 + ((p.dailyRatio - 1) * (phase + 1)) / 2) / p.dailyRatio;
    const weekly = dow === 0 || dow === 6 ? p.weekendRatio : 1;
    let v = p.peakRate * daily * weekly;
    // Minute noise: multiplicative, mean one.
    v *= Math.max(0, 1 + p.minuteNoise * (r() + r() + r() - 1.5) * 2);
    if (burstLeft === 0 && r() < p.burstsPerDay / 1440) burstLeft = Math.round(p.burstMinutes * (0.5 + r()));
    if (burstLeft > 0) {
      v *= p.burstMultiplier;
      burstLeft--;
    }
    const night = hour >= p.idleFrom && hour < p.idleTo;
    if (night && idleLeft === 0 && r() < p.idleShare / 20) idleLeft = 10 + Math.round(r() * 40);
    if (idleLeft > 0) {
      v = night ? 0 : v;
      idleLeft--;
    }
    perMinute[m] = v;
  }
  const rate = new Float32Array(minutes * 60);
  for (let m = 0; m < minutes; m++) rate.fill(perMinute[m] ?? 0, m * 60, m * 60 + 60);
  return { name: "built-in generated workload (2 weeks, vLLM-like)", start, rate, minuteRate: perMinute };
}
