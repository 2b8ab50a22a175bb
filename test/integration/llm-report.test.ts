// The token comparison's HTML report as a person sees it: every policy replayed on the Azure LLM
// 2023 code trace (real arrivals) with the shipped Qwen3-8B on H100 profile, rendered in real
// headless Chromium, which must log nothing to the console.

import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfigFile } from "../../src/config/load.ts";
import { shippedProfile } from "../../src/llm/registry.ts";
import { renderLlmReport } from "../../src/report/llm.ts";
import { DEFAULT_CONTROL_PLANE } from "../../src/sim/control-plane.ts";
import { arrivalsFromTrace } from "../../src/sim/llm/arrivals.ts";
import { measureReplicaCapacity } from "../../src/sim/llm/capacity.ts";
import { compareLlm } from "../../src/sim/llm/compare.ts";
import { LLM_POLICIES } from "../../src/sim/llm/policies.ts";
import { defaultLlmSettings } from "../../src/sim/llm/simulate.ts";
import { loadTrace } from "../../src/traces/parse.ts";
import { chromiumConsole } from "./chromium.ts";

const root = new URL("../../", import.meta.url).pathname;
const traces = process.env.MLAS_TRACES ?? new URL("../../../shared/traces/", import.meta.url).pathname;

describe("token comparison report in headless Chromium", () => {
  it("a page that logs to the console is caught (the check below can fail)", () => {
    const file = join(mkdtempSync(join(tmpdir(), "mlas-console-")), "bad.html");
    writeFileSync(file, `<!doctype html><html><body><script>console.error("boom")</script></body></html>`);
    assert.match(chromiumConsole(file).console.join("\n"), /"boom"/);
  });

  it("renders the table, TTFT/ITL/replica charts and the frontier for every policy, with no console message", () => {
    const profile = shippedProfile("qwen3-8b/h100_sxm/vllm/tp1");
    assert.ok(profile);
    const arrivals = arrivalsFromTrace(loadTrace(join(traces, "azure-llm-2023-code.csv")));
    const slo = { ttftSeconds: 2, itlSeconds: 0.05 };
    const capacity = measureReplicaCapacity(profile, arrivals, slo, { targetPct: 99, seconds: 300 });
    const config = loadConfigFile(join(root, "examples/vllm-gpu.yaml"));
    const service = config.services[0];
    assert.ok(service);
    const price = { onDemand: 4, blended: 4, spotShare: 0, spotFactor: 0.3 };
    const c = compareLlm(
      {
        arrivals,
        settings: defaultLlmSettings(profile, price, slo, service.maxReplicas),
        service: { ...service, minReplicas: 1 },
        config,
        controlPlane: DEFAULT_CONTROL_PLANE,
        capacity,
        forecasts: [],
      },
      { policies: LLM_POLICIES.map((p) => p.name), sweep: false, targetAttainmentPct: 99, keepSeries: true },
    );
    const file = join(mkdtempSync(join(tmpdir(), "mlas-llm-report-")), "llm.html");
    writeFileSync(file, renderLlmReport({ title: "token comparison", comparisons: [c], notes: ["a note"] }));

    const { dom, console } = chromiumConsole(file);
    assert.deepEqual(console, []);
    assert.match(dom, /<li>[^<]*azure-llm-2023-code\.csv: real arrivals/);
    for (const p of LLM_POLICIES) assert.match(dom, new RegExp(`<tr data-policy="${p.name}"><td>`));
    const figure = (id: string): string => {
      const at = dom.indexOf(`id="${id}"`);
      assert.ok(at >= 0, `chart ${id} missing`);
      return dom.slice(at, dom.indexOf("</figure>", at));
    };
    for (const id of ["chart-ttft-0", "chart-itl-0", "chart-replicas-0"]) {
      const fig = figure(id);
      assert.match(fig, /<svg[^>]*viewBox/);
      for (const p of LLM_POLICIES)
        assert.match(
          fig,
          new RegExp(`<path class="series" data-series="${p.name}" d="M[\\d.]+,[\\d.]+L`),
          `${id}: ${p.name}`,
        );
    }
    // The frontier draws the policies within 5% of requests missing the SLO, and the 99% line.
    assert.match(
      figure("chart-frontier-0"),
      /<path class="series" data-series="99% attainment" d="M[\d.]+,[\d.]+L/,
    );
  });
});
