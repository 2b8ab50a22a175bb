import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../../src/config/load.ts";
import { ConfigError } from "../../../src/config/read.ts";
import { parseConfig, parseConfigText } from "../../../src/config/schema.ts";
import { serviceDoc } from "../helpers.ts";

const root = new URL("../../../", import.meta.url).pathname;

describe("config: shipped examples", () => {
  const files = readdirSync(join(root, "examples")).filter((f) => f.endsWith(".yaml"));
  it("ships the four documented examples", () => {
    for (const f of ["celery-worker.yaml", "vllm-gpu.yaml", "orchestrator.yaml", "platform.yaml"])
      assert.ok(files.includes(f), f);
  });
  for (const f of files) {
    it(`${f} parses`, () => {
      const c = loadConfigFile(join(root, "examples", f));
      assert.ok(c.services.length >= 1);
      assert.ok(Object.isFrozen(c) && Object.isFrozen(c.services[0]));
    });
  }
  it("platform.yaml holds all three services under one budget", () => {
    const c = loadConfigFile(join(root, "examples", "platform.yaml"));
    assert.deepEqual(
      c.services.map((s) => s.name),
      ["celeryWorker", "vllmService", "orchestrator"],
    );
    assert.equal(c.cost.enabled, true);
    assert.equal(c.cost.maxHourlyCost, 20);
  });
});

describe("config: defaults", () => {
  it("a minimal config gets the documented defaults", () => {
    const c = parseConfig({
      sources: { prometheus: { url: "http://p:9090" } },
      services: { api: serviceDoc() },
    });
    assert.deepEqual(c.predictiveScaling, {
      enabled: true,
      lookbackHours: 168,
      forecastMinutes: 30,
      confidenceThreshold: 0.7,
      enableProactiveScaling: true,
      scaleAheadMinutes: 15,
      quantile: 0.95,
      violatingMinuteCost: 1,
      refreshSeconds: 60,
    });
    assert.equal(c.businessHours.enabled, false);
    assert.deepEqual(c.businessHours.days, [1, 2, 3, 4, 5]);
    assert.equal(c.cost.spotDiscountPercentage, 70);
    assert.equal(c.cost.gpuHourlyPrices["nvidia-a100"], 3.67);
    assert.equal(c.sources.maxStalenessSeconds, 300);
    const s = c.services[0];
    assert.equal(s?.capacityPerReplica, 10, "capacity defaults to the load trigger's target");
    assert.equal(s?.workload.name, "api");
    assert.equal(
      s?.readyReplicasQuery,
      'sum(kube_deployment_status_replicas_ready{namespace="default",deployment="api"})',
    );
  });
  it("a GPU service defaults to a 180 s start-up", () => {
    const c = parseConfig({
      sources: { prometheus: { url: "http://p:9090" } },
      services: {
        vllmService: serviceDoc({
          podStartupSeconds: undefined,
          resources: { gpusPerReplica: 1, gpuType: "nvidia-l4" },
        }),
      },
    });
    assert.equal(c.services[0]?.podStartupSeconds, 180);
    assert.equal(c.services[0]?.workload.name, "vllm-service");
  });
});

describe("config: bad input names the field and the value", () => {
  const base = { sources: { prometheus: { url: "http://p:9090" } } };
  const cases: [name: string, doc: unknown, path: string, message: RegExp][] = [
    [
      "max below its range",
      { ...base, services: { vllmService: serviceDoc({ minReplicas: 0, maxReplicas: -1 }) } },
      "services.vllmService.maxReplicas",
      /must be >= 1, got -1/,
    ],
    [
      "max below a positive min",
      { ...base, services: { s: serviceDoc({ minReplicas: 5, maxReplicas: 3 }) } },
      "services.s.maxReplicas",
      /must be >= minReplicas \(5\), got 3/,
    ],
    [
      "fractional replicas",
      { ...base, services: { s: serviceDoc({ minReplicas: 1.5 }) } },
      "services.s.minReplicas",
      /whole number, got 1.5/,
    ],
    [
      "string number is not coerced",
      { ...base, services: { s: serviceDoc({ maxReplicas: "10" }) } },
      "services.s.maxReplicas",
      /finite number, got "10"/,
    ],
    [
      "unknown key",
      { ...base, services: { s: serviceDoc({ maxReplica: 3 }) } },
      "services.s.maxReplica",
      /unknown key/,
    ],
    ["unknown top-level key", { ...base, service: {} }, "service", /unknown key/],
    [
      "bad time zone",
      {
        ...base,
        services: { s: serviceDoc() },
        businessRules: { businessHours: { timezone: "Mars/Olympus" } },
      },
      "businessRules.businessHours.timezone",
      /IANA time zone.*"Mars\/Olympus"/,
    ],
    [
      "end before start",
      {
        ...base,
        services: { s: serviceDoc() },
        businessRules: { businessHours: { startHour: 18, endHour: 8 } },
      },
      "businessRules.businessHours.endHour",
      /must be > startHour \(18\), got 8/,
    ],
    [
      "bad holiday",
      {
        ...base,
        services: { s: serviceDoc() },
        businessRules: { businessHours: { holidays: ["25/12/2026"] } },
      },
      "businessRules.businessHours.holidays[0]",
      /YYYY-MM-DD/,
    ],
    [
      "bad weekday",
      {
        ...base,
        services: { s: serviceDoc() },
        businessRules: { businessHours: { days: ["mon", "funday"] } },
      },
      "businessRules.businessHours.days[1]",
      /must be one of sun, mon, tue, wed, thu, fri, sat, got "funday"/,
    ],
    [
      "missing kind",
      {
        ...base,
        services: { s: serviceDoc({ triggers: { rps: { source: "prometheus", query: "up", target: 1 } } }) },
      },
      "services.s.triggers.rps.kind",
      /required/,
    ],
    [
      "zero target",
      {
        ...base,
        services: {
          s: serviceDoc({
            triggers: { rps: { source: "prometheus", query: "up", target: 0, kind: "extensive" } },
          }),
        },
      },
      "services.s.triggers.rps.target",
      /must be > 0, got 0/,
    ],
    [
      "rabbitmq without queue",
      {
        ...base,
        sources: { rabbitmq: {} },
        services: {
          s: serviceDoc({ triggers: { q: { source: "rabbitmq", target: 5, kind: "extensive" } } }),
        },
      },
      "services.s.triggers.q.queue",
      /required for a rabbitmq trigger/,
    ],
    [
      "intensive load signal",
      { ...base, services: { s: serviceDoc({ loadSignal: "gpu" }) } },
      "services.s.loadSignal",
      /extensive/,
    ],
    [
      "load signal that is no trigger",
      { ...base, services: { s: serviceDoc({ loadSignal: "tokens" }) } },
      "services.s.loadSignal",
      /must name one of the service's triggers.*"tokens"/,
    ],
    [
      "GPU without type",
      { ...base, services: { s: serviceDoc({ resources: { gpusPerReplica: 1 } }) } },
      "services.s.resources.gpuType",
      /required when gpusPerReplica > 0/,
    ],
    [
      "GPU type without price",
      { ...base, services: { s: serviceDoc({ resources: { gpusPerReplica: 1, gpuType: "nvidia-b9000" } }) } },
      "services.s.resources.gpuType",
      /has no price.*"nvidia-b9000"/,
    ],
    [
      "budget without a maximum",
      { ...base, services: { s: serviceDoc() }, businessRules: { costOptimization: { enabled: true } } },
      "businessRules.costOptimization.maxHourlyCost",
      /required/,
    ],
    [
      "spot discount out of range",
      {
        ...base,
        services: { s: serviceDoc() },
        businessRules: { costOptimization: { spotDiscountPercentage: 120 } },
      },
      "businessRules.costOptimization.spotDiscountPercentage",
      /must be <= 95, got 120/,
    ],
    [
      "confidence above 1",
      { ...base, services: { s: serviceDoc() }, predictiveScaling: { confidenceThreshold: 1.5 } },
      "predictiveScaling.confidenceThreshold",
      /must be <= 1, got 1.5/,
    ],
    [
      "prometheus trigger without a source",
      { services: { s: serviceDoc() } },
      "sources.prometheus",
      /required/,
    ],
    [
      "credentials in the RabbitMQ URL",
      {
        ...base,
        sources: { rabbitmq: { managementUrl: "http://guest:secret@rmq:15672" } },
        services: { s: serviceDoc() },
      },
      "sources.rabbitmq.managementUrl",
      /must not embed credentials/,
    ],
    ["no services", { ...base, services: {} }, "services", /at least one service/],
    [
      "a prometheus trigger without sources.prometheus",
      { services: { s: serviceDoc() } },
      "sources.prometheus",
      /is required: services\.s\.triggers\.rps has source prometheus/,
    ],
    [
      "a GPU count without a GPU type",
      { ...base, services: { s: serviceDoc({ resources: { gpusPerReplica: 2 } }) } },
      "services.s.resources.gpuType",
      /got gpusPerReplica 2 and no gpuType/,
    ],
    [
      "service name with spaces",
      { ...base, services: { "my svc": serviceDoc() } },
      "services.my svc",
      /must start with a letter/,
    ],
    [
      "a service name ending in '-' (the chart labels its ScaledObject with it)",
      { ...base, services: { "vllm-": serviceDoc() } },
      "services.vllm-",
      /must start with a letter, end with a letter or digit/,
    ],
    [
      "a trigger name ending in '_'",
      {
        ...base,
        services: {
          s: serviceDoc({
            loadSignal: "rps_",
            triggers: { rps_: { source: "prometheus", query: "up", target: 10, kind: "extensive" } },
          }),
        },
      },
      "services.s.triggers.rps_",
      /end with a letter or digit/,
    ],
    ["empty document", null, "(root)", /empty/],
    ["a list is not a config", [1, 2], "(root)", /must be an object, got a list/],
    [
      "scale to zero after 0 minutes (a busy service would count as idle)",
      { ...base, services: { s: serviceDoc({ minReplicas: 0, scaleToZeroAfterMinutes: 0 }) } },
      "services.s.scaleToZeroAfterMinutes",
      /must be >= 1, got 0/,
    ],
    [
      "NaN",
      { ...base, services: { s: serviceDoc({ priority: Number.NaN }) } },
      "services.s.priority",
      /finite number, got NaN/,
    ],
    [
      "huge number",
      { ...base, services: { s: serviceDoc({ maxReplicas: 1e308 }) } },
      "services.s.maxReplicas",
      /must be <= 10000/,
    ],
  ];
  for (const [name, doc, path, message] of cases) {
    it(name, () => {
      try {
        parseConfig(doc);
        assert.fail("expected a ConfigError");
      } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        const hit = e.issues.find((i) => i.path === path && message.test(i.message));
        assert.ok(hit, `no issue at ${path} matching ${String(message)}; got ${e.message}`);
      }
    });
  }
  it("reports every problem at once", () => {
    try {
      parseConfig({
        ...base,
        services: { s: serviceDoc({ minReplicas: -1, priority: "high" }) },
        logLevel: "loud",
      });
      assert.fail("expected a ConfigError");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.issues.length >= 3, e.message);
    }
  });
  it("invalid YAML is a config error, not a crash", () => {
    assert.throws(
      () => parseConfigText("services: [unclosed", "x.yaml"),
      (e: unknown) => e instanceof ConfigError && /x.yaml: is not valid YAML/.test(e.message),
    );
  });
});

describe("mlas validate", () => {
  it("exits 0 on the examples and 1 with field errors on a bad file", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(
      bad,
      "services:\n  vllmService:\n    minReplicas: 0\n    maxReplicas: -1\n    triggers: {}\n",
    );
    const ok = spawnSync(
      process.execPath,
      [join(root, "src/cli/main.ts"), "validate", "--config", join(root, "examples/platform.yaml")],
      { encoding: "utf8" },
    );
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /ok \(3 services/);
    const r = spawnSync(process.execPath, [join(root, "src/cli/main.ts"), "validate", "--config", bad], {
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /services\.vllmService\.maxReplicas: must be >= 1, got -1/);
    assert.match(r.stderr, /services\.vllmService\.triggers: must declare at least one trigger/);
  });
});
