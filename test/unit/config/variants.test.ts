// services.<name>.variants: each variant's fields derive from its service's, its profile resolves
// and its SLO capacity is checked, and every problem is named by its field path and value; the
// example with variants parses.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../../../src/config/read.ts";
import { parseConfig, type Config } from "../../../src/config/schema.ts";

type Doc = Record<string, unknown>;

const H100 = { profile: "qwen3-8b/h100_sxm/vllm/tp1", resources: { gpuType: "nvidia-h100" } };
const L40S = { profile: "qwen3-8b/l40s/vllm/tp1", resources: { gpuType: "nvidia-l40s" } };

function configOf(variants: Doc, service: Doc = {}, llm: Doc = {}): Config {
  return parseConfig({
    sources: { prometheus: {} },
    services: {
      chat: {
        workload: { name: "chat", namespace: "inference" },
        minReplicas: 0,
        maxReplicas: 12,
        llm: { slo: { ttftSeconds: 2, itlSeconds: 0.1 }, ...llm },
        variants,
        triggers: {
          requestRate: { source: "prometheus", query: "q", target: 10, kind: "extensive", arrival: true },
        },
        ...service,
      },
    },
  });
}

function problems(f: () => unknown): string[] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
}

describe("config: a service with variants", () => {
  it("derives each variant's workload (<service>-<variant>), bounds, start-up (the profile's load, 54 s), GPUs and ready query; the service's start-up the longest", () => {
    const s = configOf({ h100: H100, l40s: { ...L40S, podStartupSeconds: 480, maxReplicas: 4 } }).services[0];
    assert.ok(s?.variants);
    const [h100, l40s] = s.variants;
    assert.deepEqual(h100?.workload, { kind: "Deployment", name: "chat-h100", namespace: "inference" });
    assert.equal(h100?.podStartupSeconds, 54);
    assert.equal(h100?.maxReplicas, 12);
    assert.equal(h100?.minReplicas, 0);
    assert.equal(h100?.resources.gpusPerReplica, 1);
    assert.equal(
      h100?.readyReplicasQuery,
      'sum(kube_deployment_status_replicas_ready{namespace="inference",deployment="chat-h100"})',
    );
    assert.equal(l40s?.maxReplicas, 4);
    assert.equal(s.podStartupSeconds, 480);
  });

  it("takes a scale-down delay: the split holds the demand asked within it (test/unit/engine/scale-down-delay.test.ts)", () => {
    assert.equal(
      configOf({ h100: H100 }, { scaleDownDelaySeconds: 900 }).services[0]?.scaleDownDelaySeconds,
      900,
    );
  });

  it("a spot variant gets a trigger counting its pods pending for capacity longer than spotPendingSeconds (600 s)", () => {
    const s = configOf({ spot: { ...L40S, spotShare: 1, preemptionsPerHour: 0.1 } }).services[0];
    const v = s?.variants?.[0];
    assert.equal(v?.spotPendingTrigger, "spot-spot-pending");
    assert.match(v?.spotPendingQuery ?? "", /> 600 and on\(namespace, pod\)/);
    assert.ok(s?.triggers.some((t) => t.name === "spot-spot-pending"));
  });

  const cases: [string, () => unknown, string[]][] = [
    [
      "a variant without a profile",
      () => configOf({ h100: { resources: { gpuType: "nvidia-h100" } } }),
      [
        "services.chat.variants.h100.profile: is required: the variant's performance profile (a shipped id or the path of a profile file)",
      ],
    ],
    [
      "an unknown shipped profile",
      () => configOf({ h100: { ...H100, profile: "qwen3-8b/a100/vllm/tp1" } }),
      ["services.chat.variants.h100.profile"],
    ],
    [
      "a GPU type without a price",
      () => configOf({ h100: { ...H100, resources: { gpuType: "nvidia-h999" } } }),
      [
        "services.chat.variants.h100.resources.gpuType: has no price: add it to businessRules.costOptimization.gpuHourlyPrices",
      ],
    ],
    [
      "gpusPerReplica other than the profile's",
      () => configOf({ h100: { ...H100, resources: { gpuType: "nvidia-h100", gpusPerReplica: 2 } } }),
      [
        "services.chat.variants.h100.resources.gpusPerReplica: must be the 1 GPU(s) one replica of qwen3-8b/h100_sxm/vllm/tp1 holds, got 2",
      ],
    ],
    [
      "maxReplicas below minReplicas",
      () => configOf({ h100: { ...H100, minReplicas: 3, maxReplicas: 2 } }),
      ["services.chat.variants.h100.maxReplicas: must be >= minReplicas (3), got 2"],
    ],
    [
      "spot without a preemption rate",
      () => configOf({ h100: { ...H100, spotShare: 0.5 } }),
      ["services.chat.variants.h100.preemptionsPerHour: is required with spotShare 0.5"],
    ],
    [
      "a spot share above 1",
      () => configOf({ h100: { ...H100, spotShare: 1.5, preemptionsPerHour: 1 } }),
      ["services.chat.variants.h100.spotShare"],
    ],
    [
      "a negative preemption rate",
      () => configOf({ h100: { ...H100, spotShare: 1, preemptionsPerHour: -1 } }),
      ["services.chat.variants.h100.preemptionsPerHour"],
    ],
    ["a variant name with upper case", () => configOf({ H100: H100 }), ["services.chat.variants.H100"]],
    [
      "an unknown variant field",
      () => configOf({ h100: { ...H100, gpu: "h100" } }),
      ["services.chat.variants.h100.gpu"],
    ],
    [
      "a profile that misses the SLO alone (ITL 5 ms)",
      () => configOf({ h100: H100 }, {}, { slo: { ttftSeconds: 2, itlSeconds: 0.005 } }),
      [
        "services.chat.variants.h100.profile: qwen3-8b/h100_sxm/vllm/tp1 misses ITL <= 0.005 s with one request alone",
      ],
    ],
    [
      "the service's own gpuType beside its variants",
      () => configOf({ h100: H100 }, { resources: { gpuType: "nvidia-h100" } }),
      [
        "services.chat.resources.gpuType: is set per variant (variants.<variant>.resources.gpuType): leave it unset",
      ],
    ],
    [
      "the service's own spotShare beside its variants",
      () => configOf({ h100: H100 }, { spotShare: 0.5 }),
      ["services.chat.spotShare: is set per variant: leave it unset"],
    ],
    [
      "the llm block's own profile beside its variants",
      () => configOf({ h100: H100 }, {}, { profile: "qwen3-8b/h100_sxm/vllm/tp1" }),
      [
        "services.chat.llm.profile: each variant names its own profile (variants.<variant>.profile): leave this unset",
      ],
    ],
    [
      "more than 6 variants",
      () => configOf(Object.fromEntries(["a", "b", "c", "d", "e", "f", "g"].map((n) => [n, H100]))),
      ["services.chat.variants"],
    ],
  ];
  for (const [name, f, want] of cases)
    it(`refuses ${name}, naming the field`, () => {
      const got = problems(f);
      for (const w of want)
        assert.ok(
          got.some((g) => g.startsWith(w)),
          `want a problem starting ${JSON.stringify(w)}, got ${JSON.stringify(got)}`,
        );
    });

  it("examples/llm-variants.yaml parses: three services, seven variants, prices and spot as stated in its header", () => {
    const c = parseConfig(parseYaml(readFileSync("examples/llm-variants.yaml", "utf8")));
    assert.deepEqual(
      c.services.map((s) => [s.name, s.variants?.map((v) => v.name)]),
      [
        ["chat", ["l40s", "l40s-spot", "h100"]],
        ["code", ["h100", "h100-spot"]],
        ["agents", ["l40s-spot", "h100"]],
      ],
    );
    assert.deepEqual(c.cost.gpuSpotHourlyPrices, { "nvidia-l40s": 0.56, "nvidia-h100": 2.09 });
  });
});
