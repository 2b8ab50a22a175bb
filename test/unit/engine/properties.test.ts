// Invariants of decide() over generated configs and observations (fast-check, fixed seed and budget).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseConfig } from "../../../src/config/schema.ts";
import { decide } from "../../../src/engine/decide.ts";
import { replicaPrice } from "../../../src/engine/cost.ts";
import { EMPTY_STATE, type ServiceObservations } from "../../../src/engine/types.ts";

const RUNS = { numRuns: 400, seed: 20261128 };
const T = Date.parse("2026-03-08T00:00:00Z");

const signal = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 1e4, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1, 0, 1e300) },
);

const serviceArb = fc.record({
  min: fc.integer({ min: 0, max: 5 }),
  extra: fc.integer({ min: 0, max: 30 }),
  priority: fc.integer({ min: 0, max: 100 }),
  cpu: fc.integer({ min: 1, max: 8 }),
  gpus: fc.integer({ min: 0, max: 2 }),
  rps: signal,
  gpu: signal,
  ready: fc.integer({ min: 0, max: 40 }),
  idle: fc.option(fc.integer({ min: 0, max: 7200 }), { nil: undefined }),
  forecastUpper: fc.option(fc.double({ min: 0, max: 1e4, noNaN: true }), { nil: undefined }),
  confidence: fc.double({ min: 0, max: 1, noNaN: true }),
  ageSeconds: fc.integer({ min: 0, max: 200 }),
});

const worldArb = fc.record({
  services: fc.array(serviceArb, { minLength: 1, maxLength: 6 }),
  budget: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
  gpuQuota: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  bh: fc.boolean(),
  offsetMinutes: fc.integer({ min: 0, max: 14 * 24 * 60 }),
});

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

function build(w: World): {
  config: ReturnType<typeof parseConfig>;
  observations: Record<string, ServiceObservations>;
  now: number;
} {
  const now = T + w.offsetMinutes * 60_000;
  const services: Record<string, unknown> = {};
  const observations: Record<string, ServiceObservations> = {};
  w.services.forEach((s, i) => {
    const name = `s${i}`;
    services[name] = {
      minReplicas: s.min,
      maxReplicas: s.min + s.extra + 1,
      priority: s.priority,
      resources:
        s.gpus > 0
          ? { cpu: s.cpu, memoryGiB: 4, gpusPerReplica: s.gpus, gpuType: "nvidia-l4" }
          : { cpu: s.cpu, memoryGiB: 4 },
      loadSignal: "rps",
      triggers: {
        rps: { source: "prometheus", query: "q", target: 10, kind: "extensive" },
        gpu: { source: "prometheus", query: "q", target: 80, kind: "intensive" },
      },
    };
    const at = now - s.ageSeconds * 1000;
    observations[name] = {
      signals: { rps: { value: s.rps, observedAt: at }, gpu: { value: s.gpu, observedAt: at } },
      readyReplicas: s.ready,
      currentReplicas: s.ready,
      ...(s.idle !== undefined ? { idleSeconds: s.idle } : {}),
      ...(s.forecastUpper !== undefined
        ? {
            forecast: {
              generatedAt: now,
              start: now,
              stepSeconds: 60,
              mean: Array.from({ length: 30 }, () => (s.forecastUpper ?? 0) * 0.8),
              upper: Array.from({ length: 30 }, () => s.forecastUpper ?? 0),
              confidence: s.confidence,
              model: "t",
            },
          }
        : {}),
    };
  });
  const config = parseConfig({
    sources: { prometheus: { url: "http://p:9090" } },
    businessRules: {
      businessHours: { enabled: w.bh, timezone: "America/New_York" },
      ...(w.budget !== undefined ? { costOptimization: { enabled: true, maxHourlyCost: w.budget } } : {}),
      ...(w.gpuQuota !== undefined ? { gpuQuotas: { "nvidia-l4": w.gpuQuota } } : {}),
    },
    services,
  });
  return { config, observations, now };
}

describe("decide: invariants (property-based)", () => {
  it("every result is a whole number within [min, max], finite and non-negative", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { config, observations, now } = build(w);
        const d = decide(config, observations, EMPTY_STATE, now);
        for (const [i, s] of d.services.entries()) {
          const svc = config.services[i];
          assert.ok(svc);
          assert.ok(Number.isInteger(s.desiredReplicas) && s.desiredReplicas >= 0, `${s.desiredReplicas}`);
          assert.ok(s.desiredReplicas >= svc.minReplicas, "never below min");
          assert.ok(s.desiredReplicas <= svc.maxReplicas, "never above max");
          assert.equal(s.active, s.desiredReplicas > 0);
          assert.ok(s.reasons.length > 0, "every decision is explained");
          assert.ok(Number.isFinite(s.hourlyCost.onDemand) && Number.isFinite(s.hourlyCost.spot));
        }
        assert.ok(Number.isFinite(d.totalHourlyCost) && d.totalHourlyCost >= 0);
      }),
      RUNS,
    );
  });

  it("the total hourly cost stays within budget whenever the minimums fit in it", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { config, observations, now } = build({ ...w, budget: w.budget ?? 50 });
        const d = decide(config, observations, EMPTY_STATE, now);
        const max = config.cost.maxHourlyCost ?? Infinity;
        // Services without a valid decision are counted at what they run and cannot be trimmed.
        const fixed = d.services.reduce(
          (s, x, i) =>
            s +
            (x.valid ? (config.services[i]?.minReplicas ?? 0) : x.desiredReplicas) *
              (config.services[i] ? replicaPrice(config.services[i], config.cost).blended : 0),
          0,
        );
        if (fixed <= max) assert.ok(d.totalHourlyCost <= max + 1e-6, `${d.totalHourlyCost} > ${max}`);
      }),
      RUNS,
    );
  });

  it("GPU use stays within quota whenever the minimums fit in it", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const { config, observations, now } = build({ ...w, gpuQuota: w.gpuQuota ?? 4, budget: undefined });
        const d = decide(config, observations, EMPTY_STATE, now);
        const quota = config.gpuQuotas["nvidia-l4"] ?? Infinity;
        const fixed = d.services.reduce(
          (s, x, i) =>
            s +
            (x.valid ? (config.services[i]?.minReplicas ?? 0) : x.desiredReplicas) *
              (config.services[i]?.resources.gpusPerReplica ?? 0),
          0,
        );
        const used = d.gpuUse["nvidia-l4"]?.used ?? 0;
        if (fixed <= quota) assert.ok(used <= quota, `${used} > ${quota}`);
      }),
      RUNS,
    );
  });
});

/** US Eastern offset by the statutory rule (second Sunday of March to first Sunday of November, at 02:00 local), independent of Intl. */
function easternOffsetHours(t: number): number {
  const y = new Date(t).getUTCFullYear();
  const nthSunday = (month: number, n: number): number => {
    const first = new Date(Date.UTC(y, month, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + (n - 1) * 7;
  };
  const start = Date.UTC(y, 2, nthSunday(2, 2), 7); // 02:00 EST = 07:00Z
  const end = Date.UTC(y, 10, nthSunday(10, 1), 6); // 02:00 EDT = 06:00Z
  return t >= start && t < end ? -4 : -5;
}

describe("business-hours floor across DST changes (property-based)", () => {
  it("the floor is in force exactly 08:00-18:00 Eastern wall time on weekdays, both sides of each change", () => {
    const config = parseConfig({
      sources: { prometheus: { url: "http://p:9090" } },
      businessRules: {
        businessHours: {
          enabled: true,
          timezone: "America/New_York",
          startHour: 8,
          endHour: 18,
          preScaleMinutes: 0,
          multiplier: 3,
        },
      },
      services: {
        s: {
          minReplicas: 1,
          maxReplicas: 10,
          triggers: { rps: { source: "prometheus", query: "q", target: 10, kind: "extensive" } },
        },
      },
    });
    const windows = [Date.parse("2026-03-05T00:00:00Z"), Date.parse("2026-10-29T00:00:00Z")];
    fc.assert(
      fc.property(
        fc.constantFrom(...windows),
        fc.integer({ min: 0, max: 7 * 24 * 60 - 1 }),
        (base, minute) => {
          const now = base + minute * 60_000;
          const local = new Date(now + easternOffsetHours(now) * 3_600_000);
          const open =
            local.getUTCDay() >= 1 &&
            local.getUTCDay() <= 5 &&
            local.getUTCHours() >= 8 &&
            local.getUTCHours() < 18;
          const d = decide(
            config,
            { s: { signals: { rps: { value: 0, observedAt: now } }, readyReplicas: 1, currentReplicas: 1 } },
            EMPTY_STATE,
            now,
          );
          assert.equal(d.services[0]?.desiredReplicas, open ? 3 : 1, new Date(now).toISOString());
        },
      ),
      { numRuns: 2000, seed: 7 },
    );
  });
});

describe("property: a busy service never counts as idle", () => {
  it("a fresh load above activationLoad keeps at least one replica, whatever the idle time and threshold", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.constantFrom(0, 1, 15, 10_080),
        fc.oneof(
          fc.double({ min: -1e9, max: 1e9, noNaN: true }),
          fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 0),
        ),
        (activation, excess, threshold, idleSeconds) => {
          const load = activation + excess + 1e-6;
          const parsed = parseConfig({
            sources: { prometheus: { url: "http://127.0.0.1:9090" } },
            services: {
              s: {
                minReplicas: 0,
                maxReplicas: 10,
                activationLoad: activation,
                triggers: { rps: { source: "prometheus", query: "q", target: 10, kind: "extensive" } },
              },
            },
          });
          // Built in code past validation, so a threshold of 0 is reachable too.
          const config = {
            ...parsed,
            services: parsed.services.map((x) => ({ ...x, scaleToZeroAfterMinutes: threshold })),
          };
          const d = decide(
            config,
            { s: { signals: { rps: { value: load, observedAt: T } }, idleSeconds, readyReplicas: 1 } },
            EMPTY_STATE,
            T,
          ).services[0];
          assert.ok((d?.desiredReplicas ?? 0) >= 1, JSON.stringify(d?.reasons));
        },
      ),
      RUNS,
    );
  });
});
