// mlas validate warns when a service that may sit at zero has no arrival signal to wake it.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runValidate, wakeFromZeroWarnings } from "../../../src/cli/validate.ts";
import { configOf, serviceDoc } from "../helpers.ts";

const podSignals = {
  rps: {
    source: "prometheus",
    query: "sum(rate(vllm:request_success_total[1m]))",
    target: 10,
    kind: "extensive",
  },
  kv: { source: "prometheus", query: "avg(vllm:kv_cache_usage_perc)", target: 0.8, kind: "intensive" },
};
const ingress = {
  source: "prometheus",
  query: 'sum(rate(nginx_ingress_controller_requests{ingress="vllm"}[1m]))',
  target: 10,
  kind: "extensive",
  arrival: true,
};
const queue = { source: "rabbitmq", queue: "jobs", target: 5, kind: "extensive" };
const rabbit = { rabbitmq: { managementUrl: "http://127.0.0.1:15672" } };

describe("mlas validate: a minReplicas 0 service needs an arrival signal", () => {
  const cases: [name: string, doc: Record<string, unknown>, warns: boolean][] = [
    ["min 0, only signals its own pods emit: warns", { minReplicas: 0, triggers: podSignals }, true],
    [
      "min 0, an ingress request rate marked arrival: quiet",
      { minReplicas: 0, triggers: { ...podSignals, ingress }, loadSignal: "ingress" },
      false,
    ],
    [
      "min 0, a RabbitMQ queue (an arrival by default): quiet",
      { minReplicas: 0, triggers: { queue }, loadSignal: "queue" },
      false,
    ],
    [
      "min 0, a queue marked arrival: false: warns",
      { minReplicas: 0, triggers: { queue: { ...queue, arrival: false } }, loadSignal: "queue" },
      true,
    ],
    [
      "min 1, only pod signals: quiet (it never sits at zero)",
      { minReplicas: 1, triggers: podSignals },
      false,
    ],
  ];
  for (const [name, doc, warns] of cases) {
    it(name, () => {
      const config = configOf(
        { vllmService: serviceDoc({ loadSignal: "rps", ...doc }) },
        { sources: { prometheus: { url: "http://127.0.0.1:9090" }, ...rabbit } },
      );
      const w = wakeFromZeroWarnings(config);
      if (warns) {
        assert.equal(w.length, 1);
        assert.match(
          w[0] ?? "",
          /^services\.vllmService: minReplicas is 0 but no trigger is an arrival signal/,
        );
      } else assert.deepEqual(w, []);
    });
  }
});

describe("mlas validate: an llm service's capacity at its expected lengths", () => {
  it("examples/vllm-gpu.yaml: one line with the profile, the capacity a replica and its bound", () => {
    const out: string[] = [];
    const code = runValidate(
      [new URL("../../../examples/vllm-gpu.yaml", import.meta.url).pathname],
      (s) => out.push(s),
      () => undefined,
      {},
    );
    assert.equal(code, 0);
    assert.match(
      out[1] ?? "",
      /vllmService in tokens: qwen3-8b\/h100_sxm\/vllm\/tp1 sustains \d+\.\d\d req\/s = [\d,]+ tokens\/s a replica at 1,024 \+ 256 tokens a request within TTFT p99 <= 2 s and ITL p99 <= 0\.05 s, KV <= 90% \(bound by [a-z-]+\); start-up 54 s$/,
    );
  });
});
