// Hostile names and values: service, trigger, GPU type, price and quota names drawn from
// Object.prototype's members ("toString", "constructor", "__proto__", ...), with NaN, infinite and
// negative readings. Validation accepts exactly the well-formed names, and decide() answers every
// enabled service with a whole number within [min, max] (fast-check, fixed seed and budget).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ConfigError } from "../../../src/config/read.ts";
import { DEFAULT_GPU_PRICES, parseConfig, type Config } from "../../../src/config/schema.ts";
import { decide, nextState } from "../../../src/engine/decide.ts";
import { EMPTY_STATE, type ForecastView, type Observations } from "../../../src/engine/types.ts";
import { configOf, obs, serviceDoc, T0 } from "../helpers.ts";

const RUNS = { numRuns: 300, seed: 20261129 };
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

const PROTOTYPE_NAMES = [
  "toString",
  "constructor",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "__proto__",
  "__defineGetter__",
  "__lookupSetter__",
] as const;

const nameArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/) },
);

const hostileNumber = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1e4, noNaN: true }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -1,
      -0,
      0,
      0.5,
      1e308,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
    ),
  },
);

const serviceArb = fc.record({
  name: nameArb,
  triggers: fc.uniqueArray(fc.record({ name: nameArb, intensive: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
    selector: (t) => t.name,
  }),
  min: fc.integer({ min: 0, max: 3 }),
  extra: fc.integer({ min: 0, max: 20 }),
  gpuType: fc.option(fc.oneof(nameArb, fc.constant("nvidia-l4")), { nil: undefined }),
  observed: fc.boolean(),
  readings: fc.array(fc.tuple(nameArb, hostileNumber, fc.constantFrom(0, -60_000, Number.NaN)), {
    maxLength: 4,
  }),
  ready: fc.option(hostileNumber, { nil: undefined }),
  current: fc.option(hostileNumber, { nil: undefined }),
  idle: fc.option(hostileNumber, { nil: undefined }),
  forecast: fc.option(fc.tuple(hostileNumber, hostileNumber, hostileNumber), { nil: undefined }),
});

const worldArb = fc.record({
  services: fc.uniqueArray(serviceArb, { minLength: 1, maxLength: 4, selector: (s) => s.name }),
  prices: fc.array(fc.tuple(nameArb, fc.double({ min: 0, max: 100, noNaN: true })), { maxLength: 3 }),
  quotas: fc.array(fc.tuple(nameArb, fc.integer({ min: 0, max: 10 })), { maxLength: 3 }),
  budget: fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
  strangers: fc.array(nameArb, { maxLength: 2 }),
});

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

/** Object.fromEntries defines own properties, "__proto__" included, as a YAML or JSON parser does. */
const own = (entries: [string, unknown][]): Record<string, unknown> => Object.fromEntries(entries);

function configDoc(w: World): Record<string, unknown> {
  return {
    sources: { prometheus: { url: "http://127.0.0.1:9090" } },
    businessRules: {
      costOptimization: {
        enabled: w.budget !== undefined,
        ...(w.budget !== undefined ? { maxHourlyCost: w.budget } : {}),
        gpuHourlyPrices: own(w.prices),
      },
      gpuQuotas: own(w.quotas),
    },
    services: own(
      w.services.map((s, i) => [
        s.name,
        {
          workload: { name: `w${i}` },
          minReplicas: s.min,
          maxReplicas: s.min + s.extra + 1,
          triggers: own(
            s.triggers.map((t, j) => [
              t.name,
              {
                source: "prometheus",
                query: "q",
                target: t.intensive && j > 0 ? 80 : 10,
                kind: t.intensive && j > 0 ? "intensive" : "extensive",
              },
            ]),
          ),
          ...(s.gpuType !== undefined
            ? { resources: { gpusPerReplica: 1, gpuType: s.gpuType, cpu: 1, memoryGiB: 1 } }
            : {}),
        },
      ]),
    ),
  };
}

/** What validation must decide: every user-named key well formed, every GPU type priced by an own key. */
function acceptable(w: World): boolean {
  const prices = new Set([...Object.keys(DEFAULT_GPU_PRICES), ...w.prices.map(([k]) => k)]);
  const names = [
    ...w.services.flatMap((s) => [s.name, ...s.triggers.map((t) => t.name)]),
    ...w.prices.map(([k]) => k),
    ...w.quotas.map(([k]) => k),
  ];
  return (
    names.every((n) => NAME.test(n)) &&
    w.services.every((s) => s.gpuType === undefined || (NAME.test(s.gpuType) && prices.has(s.gpuType)))
  );
}

function forecastOf(now: number, [mean, upper, confidence]: [number, number, number]): ForecastView {
  return {
    generatedAt: now,
    start: now,
    stepSeconds: 60,
    mean: Array.from({ length: 30 }, () => mean),
    upper: Array.from({ length: 30 }, () => upper),
    confidence,
    model: "hostile",
  };
}

function observationsOf(w: World, now: number): Observations {
  const entries: [string, unknown][] = w.services
    .filter((s) => s.observed)
    .map((s) => [
      s.name,
      {
        signals: own(s.readings.map(([t, value, age]) => [t, { value, observedAt: now + age }])),
        ...(s.ready !== undefined ? { readyReplicas: s.ready } : {}),
        ...(s.current !== undefined ? { currentReplicas: s.current } : {}),
        ...(s.idle !== undefined ? { idleSeconds: s.idle } : {}),
        ...(s.forecast !== undefined ? { forecast: forecastOf(now, s.forecast) } : {}),
      },
    ]);
  for (const stranger of w.strangers) entries.push([stranger, { signals: {} }]);
  return own(entries) as Observations;
}

function assertBounded(config: Config, observations: Observations, label: string): void {
  let state = EMPTY_STATE;
  for (const now of [T0, T0 + 60_000]) {
    const d = decide(config, observations, state, now);
    assert.equal(d.services.length, config.services.length, label);
    for (const s of d.services) {
      const svc = config.services.find((c) => c.name === s.service);
      assert.ok(svc, `${label}: unknown service ${s.service}`);
      const n = s.desiredReplicas;
      assert.ok(
        Number.isInteger(n) && n >= svc.minReplicas && n <= svc.maxReplicas,
        `${label}: ${s.service} desired ${n} outside [${svc.minReplicas}, ${svc.maxReplicas}]: ${JSON.stringify(s.reasons)}`,
      );
      assert.ok(Number.isFinite(s.hourlyCost.onDemand) && Number.isFinite(s.hourlyCost.spot), label);
    }
    assert.ok(Number.isFinite(d.totalHourlyCost), `${label}: total cost ${d.totalHourlyCost}`);
    for (const [type, use] of Object.entries(d.gpuUse)) {
      assert.ok(Number.isInteger(use.used), `${label}: GPUs used of ${type}: ${String(use.used)}`);
      assert.ok(use.quota === undefined || Number.isFinite(use.quota), `${label}: quota of ${type}`);
    }
    state = nextState(config, d, state);
  }
}

describe("hostile names and values", () => {
  it("validation accepts exactly the well-formed names; decide() stays within [min, max]", () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        let config: Config;
        try {
          config = parseConfig(configDoc(w));
        } catch (e) {
          assert.ok(e instanceof ConfigError, String(e));
          assert.equal(acceptable(w), false, `rejected a well-formed config: ${e.message}`);
          return;
        }
        assert.equal(acceptable(w), true, "accepted a config with a bad name or an unpriced GPU type");
        assertBounded(config, observationsOf(w, T0), JSON.stringify(w));
        // The same config built in code, past validation: an unpriced GPU type named after a
        // prototype member on every service, and scale to zero after 0 minutes.
        const bypassed: Config = {
          ...config,
          services: config.services.map((svc, i) => ({
            ...svc,
            scaleToZeroAfterMinutes: 0,
            resources: {
              ...svc.resources,
              gpusPerReplica: 1,
              gpuType: PROTOTYPE_NAMES[i % PROTOTYPE_NAMES.length] ?? "",
            },
          })),
        };
        assertBounded(bypassed, observationsOf(w, T0), `bypassed: ${JSON.stringify(w)}`);
      }),
      RUNS,
    );
  });

  type Services = Parameters<typeof configOf>[0];
  const examples: [name: string, services: Services, path: string, message: RegExp][] = [
    ...(["toString", "constructor", "hasOwnProperty", "valueOf"] as const).map(
      (gpuType): [string, Services, string, RegExp] => [
        `gpuType ${gpuType} without a price`,
        { s: serviceDoc({ resources: { gpusPerReplica: 1, gpuType } }) },
        "services.s.resources.gpuType",
        new RegExp(`has no price.*got "${gpuType}"`),
      ],
    ),
  ];
  for (const [name, services, path, message] of examples) {
    it(`${name} is rejected at ${path}`, () => {
      assert.throws(
        () => configOf(services),
        (e: unknown) =>
          e instanceof ConfigError && e.issues.some((i) => i.path === path && message.test(i.message)),
      );
    });
  }
  it("a __proto__ GPU quota is rejected with its name", () => {
    assert.throws(
      () => configOf({ s: serviceDoc() }, { businessRules: { gpuQuotas: own([["__proto__", 4]]) } }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.issues.some(
          (i) => i.path === "businessRules.gpuQuotas.__proto__" && /got "__proto__"/.test(i.message),
        ),
    );
  });
  it("a priced GPU type named toString costs its price, and its quota trims", () => {
    const config = configOf(
      {
        toString: serviceDoc({
          maxReplicas: 20,
          resources: { gpusPerReplica: 1, gpuType: "toString", cpu: 0, memoryGiB: 0 },
        }),
      },
      {
        businessRules: {
          costOptimization: { gpuHourlyPrices: { toString: 2 } },
          gpuQuotas: { toString: 3 },
        },
      },
    );
    const d = decide(config, { toString: obs({ rps: 95, gpu: 50 }) }, EMPTY_STATE, T0);
    assert.equal(d.services[0]?.desiredReplicas, 3, JSON.stringify(d.services[0]?.reasons));
    assert.equal(d.totalHourlyCost, 6);
    assert.deepEqual(Object.getOwnPropertyDescriptor(d.gpuUse, "toString")?.value, {
      used: 3,
      taken: 3,
      requested: 10,
      quota: 3,
    });
  });
  it("a service named constructor without observations is invalid, not a crash", () => {
    const config = configOf({ constructor: serviceDoc() });
    const d = decide(config, {}, EMPTY_STATE, T0).services[0];
    assert.equal(d?.valid, false);
    assert.equal(d?.desiredReplicas, 1);
  });
});
