// A fixed multi-service scenario replayed through decide() every 5 minutes over two simulated days,
// for the golden test (golden.test.ts) and its recorder (record-golden.ts).
//
// The days are Sunday 2026-03-08 and Monday 2026-03-09 in New York: US daylight saving starts on the
// Sunday at 02:00, the Sunday is a declared holiday (its weekday has business hours), and the Monday
// opens 09:00-17:00 with a 30-minute pre-scale. Four enabled services (two on the same A100 quota,
// one on RabbitMQ, one without a forecast) and one disabled service share a $22/h budget. Loads
// follow a daily shape with seeded noise and idle nights. Every few ticks a reading is stale,
// expired, NaN or missing (leaving no number at all while no replica is ready), and a forecast is
// stale, unusable or unconfident. Ready and current replicas follow the engine's own previous
// answers, so the replay is closed-loop and deterministic.
//
// Each tick gives one line: the time, every service's count and reason (`!` marks an invalid
// decision), the total cost, and a SHA-256 prefix of the whole Decisions value (every reason,
// cost split, GPU use and changed flag), so the line is readable and the digest misses nothing.

import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { parseConfig, type Config } from "../../../src/config/schema.ts";
import { decide, nextState } from "../../../src/engine/decide.ts";
import {
  EMPTY_STATE,
  type Decisions,
  type EngineState,
  type ForecastView,
  type Observations,
  type Reading,
  type ServiceObservations,
} from "../../../src/engine/types.ts";
import { rng } from "../../../src/sim/workload.ts";

/** The recorded replay, one line per tick. */
export const GOLDEN_FILE = fileURLToPath(new URL("golden/decide-two-days.txt", import.meta.url));

export const GOLDEN_START = Date.parse("2026-03-08T05:00:00Z"); // Sunday 00:00 in New York (EST)
export const GOLDEN_STEP_MS = 5 * 60_000;
export const GOLDEN_TICKS = 2 * 24 * 12;

export const GOLDEN_CONFIG: Config = parseConfig({
  sources: {
    prometheus: { url: "http://127.0.0.1:9090" },
    rabbitmq: { managementUrl: "http://127.0.0.1:15672" },
  },
  predictiveScaling: { enabled: true, confidenceThreshold: 0.7, scaleAheadMinutes: 15 },
  businessRules: {
    businessHours: {
      enabled: true,
      timezone: "America/New_York",
      startHour: 9,
      endHour: 17,
      days: ["sun", "mon", "tue", "wed", "thu", "fri"],
      holidays: ["2026-03-08"],
      preScaleMinutes: 30,
      multiplier: 2,
    },
    costOptimization: { enabled: true, maxHourlyCost: 22, spotDiscountPercentage: 70 },
    gpuQuotas: { "nvidia-a100": 8 },
  },
  services: {
    llm: {
      minReplicas: 0,
      maxReplicas: 10,
      businessHoursMinReplicas: 2,
      priority: 80,
      podStartupSeconds: 180,
      scaleToZeroAfterMinutes: 20,
      activationLoad: 0.05,
      resources: { gpusPerReplica: 1, gpuType: "nvidia-a100", cpu: 8, memoryGiB: 32 },
      preferSpotInstances: true,
      spotShare: 0.5,
      loadSignal: "rps",
      triggers: {
        rps: { source: "prometheus", query: "sum(rate(a[1m]))", target: 10, kind: "extensive" },
        kv: { source: "prometheus", query: "avg(b)", target: 80, kind: "intensive" },
      },
    },
    embed: {
      minReplicas: 1,
      maxReplicas: 8,
      priority: 30,
      podStartupSeconds: 60,
      resources: { gpusPerReplica: 1, gpuType: "nvidia-a100", cpu: 4, memoryGiB: 16 },
      loadSignal: "rps",
      triggers: {
        rps: { source: "prometheus", query: "sum(rate(c[1m]))", target: 20, kind: "extensive" },
        gpu: { source: "prometheus", query: "avg(d)", target: 70, kind: "intensive" },
      },
    },
    worker: {
      minReplicas: 0,
      maxReplicas: 20,
      priority: 40,
      podStartupSeconds: 30,
      scaleToZeroAfterMinutes: 10,
      activationLoad: 0.1,
      resources: { cpu: 2, memoryGiB: 4 },
      preferSpotInstances: true,
      spotShare: 0.8,
      loadSignal: "publishRate",
      triggers: {
        queue: { source: "rabbitmq", queue: "celery", metric: "messages", target: 5, kind: "extensive" },
        publishRate: {
          source: "rabbitmq",
          queue: "celery",
          metric: "publish_rate",
          target: 2,
          kind: "extensive",
        },
      },
    },
    orchestrator: {
      minReplicas: 2,
      maxReplicas: 12,
      priority: 100,
      podStartupSeconds: 20,
      predictive: false,
      resources: { cpu: 1, memoryGiB: 2 },
      loadSignal: "rps",
      triggers: {
        rps: { source: "prometheus", query: "sum(rate(e[1m]))", target: 50, kind: "extensive" },
        p95: { source: "prometheus", query: "histogram_quantile(0.95, f)", target: 0.5, kind: "intensive" },
      },
    },
    retired: {
      enabled: false,
      minReplicas: 1,
      maxReplicas: 2,
      triggers: { rps: { source: "prometheus", query: "sum(rate(g[1m]))", target: 5, kind: "extensive" } },
    },
  },
});

/** Hour of day (fractional) in New York; -4 h after the switch to daylight saving, -5 h before. */
function localHour(t: number): number {
  const offsetHours = t >= Date.parse("2026-03-08T07:00:00Z") ? -4 : -5;
  const h = new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60 + offsetHours;
  return (h + 24) % 24;
}

/** Daily shape in [0, 1]: zero from 01:00 to 06:00, a peak at 14:00. */
function dayShape(t: number): number {
  const h = localHour(t);
  if (h >= 1 && h < 6) return 0;
  return Math.max(0, Math.sin(((h - 6) / 19) * Math.PI)) ** 1.5;
}

interface Load {
  readonly peak: number;
  readonly floor: number;
}

const LOADS: Readonly<Record<string, Load>> = {
  llm: { peak: 95, floor: 0 },
  embed: { peak: 150, floor: 4 },
  worker: { peak: 30, floor: 0 },
  orchestrator: { peak: 520, floor: 20 },
};

function loadAt(service: string, t: number, noise: number): number {
  const l = LOADS[service] ?? { peak: 0, floor: 0 };
  const shape = dayShape(t);
  if (shape === 0 && l.floor === 0) return 0;
  return l.floor + l.peak * shape * (0.85 + 0.3 * noise);
}

function forecastFor(service: string, tick: number, now: number, rnd: () => number): ForecastView {
  const mean: number[] = [];
  const upper: number[] = [];
  const bias = 0.8 + 0.4 * rnd();
  for (let i = 0; i < 30; i++) {
    const m = loadAt(service, now + i * 60_000, 0.5) * bias;
    mean.push(m);
    upper.push(m * 1.3 + 1);
  }
  if (tick % 53 === 7) upper[3] = Number.NaN;
  const confidence = 0.7 + 0.25 * Math.sin(tick / 17 + service.length);
  const stale = tick % 37 === 11;
  return {
    generatedAt: stale ? now - 20 * 60_000 : now - 30_000,
    start: now,
    stepSeconds: 60,
    mean,
    upper,
    confidence: Math.round(confidence * 100) / 100,
    model: "golden",
  };
}

interface Running {
  current?: number | undefined;
  ready?: number | undefined;
  idleSeconds: number;
  backlog: number;
}

function reading(value: number, now: number, tick: number, salt: number): Reading | undefined {
  const k = (tick + salt) % 97;
  if (k === 5) return undefined;
  if (k === 23) return { value: Number.NaN, observedAt: now };
  if (k === 41) return { value, observedAt: now - 60_000 };
  if (k === 67) return { value, observedAt: now - 400_000 };
  return { value, observedAt: now };
}

function intensive(load: number, capacity: number, ready: number | undefined, target: number): number {
  if (ready === undefined || ready === 0) return 0;
  return Math.min(1.5 * target, (load / (ready * capacity)) * target);
}

function observe(
  name: string,
  tick: number,
  now: number,
  run: Running,
  rnd: () => number,
): ServiceObservations {
  const load = loadAt(name, now, rnd());
  const salt = name.length * 13;
  const signals: Record<string, Reading | undefined> = {};
  if (name === "worker") {
    run.backlog = Math.max(0, run.backlog * 0.4 + (load > 0 && rnd() < 0.3 ? 40 * rnd() : 0));
    signals.publishRate = reading(load / 10, now, tick, salt);
    signals.queue = reading(Math.round(run.backlog), now, tick, salt + 31);
  } else if (name === "orchestrator") {
    signals.rps = reading(load, now, tick, salt);
    signals.p95 = reading(0.2 + intensive(load, 50, run.ready, 0.5), now, tick, salt + 31);
  } else {
    const capacity = name === "llm" ? 10 : 20;
    const target = name === "llm" ? 80 : 70;
    // While no replica is ready, the KV level says nothing; a NaN request rate then leaves no number.
    const blind = name === "llm" && run.ready === 0 && tick % 7 === 0;
    signals.rps = blind ? { value: Number.NaN, observedAt: now } : reading(load, now, tick, salt);
    signals[name === "llm" ? "kv" : "gpu"] = reading(
      intensive(load, capacity, run.ready, target),
      now,
      tick,
      salt + 31,
    );
  }
  const busy = name === "worker" ? load / 10 > 0.1 : load > 0.05;
  run.idleSeconds = busy ? 0 : run.idleSeconds + GOLDEN_STEP_MS / 1000;
  return {
    signals,
    ...(run.ready !== undefined ? { readyReplicas: run.ready } : {}),
    ...(run.current !== undefined ? { currentReplicas: run.current } : {}),
    ...(tick % 89 === 13 ? {} : { idleSeconds: run.idleSeconds }),
    ...(name === "orchestrator" || tick % 61 === 17 ? {} : { forecast: forecastFor(name, tick, now, rnd) }),
  };
}

/** The digest of one tick's decisions: the first 16 hex digits of SHA-256 over their JSON. */
function digest(d: Decisions): string {
  return createHash("sha256").update(JSON.stringify(d)).digest("hex").slice(0, 16);
}

function line(d: Decisions): string {
  const services = d.services
    .map((s) => `${s.service}=${s.desiredReplicas}/${s.reason}${s.valid ? "" : "!"}`)
    .join(" ");
  return `${new Date(d.at).toISOString().slice(0, 16)}Z ${services} $${d.totalHourlyCost.toFixed(2)} ${digest(d)}`;
}

/** The replay, one line per tick, and the full decisions of every tick (for a readable diff). */
export function replayGolden(): { lines: string[]; decisions: Decisions[] } {
  const names = ["llm", "embed", "worker", "orchestrator"];
  const running = new Map<string, Running>(names.map((n) => [n, { idleSeconds: 0, backlog: 0 }]));
  const rnd = rng(20260308);
  let state: EngineState = EMPTY_STATE;
  const lines: string[] = [];
  const decisions: Decisions[] = [];
  for (let tick = 0; tick < GOLDEN_TICKS; tick++) {
    const now = GOLDEN_START + tick * GOLDEN_STEP_MS;
    const observations: Observations = Object.fromEntries(
      names.map((n) => [n, observe(n, tick, now, running.get(n) as Running, rnd)]),
    );
    const d = decide(GOLDEN_CONFIG, observations, state, now);
    for (const s of d.services) {
      const run = running.get(s.service) as Running;
      run.ready = run.current;
      run.current = s.desiredReplicas;
    }
    state = nextState(GOLDEN_CONFIG, d, state);
    lines.push(line(d));
    decisions.push(d);
  }
  return { lines, decisions };
}
