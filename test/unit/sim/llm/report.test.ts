// The token comparison's HTML report: the table at equal SLO attainment, real vs constructed
// arrivals, and the charts of TTFT, ITL and replicas over time and of the frontier.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { renderLlmReport } from "../../../../src/report/llm.ts";
import { atTarget, type LlmComparison, type LlmRow } from "../../../../src/sim/llm/compare.ts";
import type { LlmSeries } from "../../../../src/sim/llm/series.ts";

const f32 = (xs: readonly number[]): Float32Array => Float32Array.from(xs);

function series(ttft: readonly number[], itl: readonly number[], paying: readonly number[]): LlmSeries {
  return {
    ready: f32(paying),
    paying: f32(paying),
    desired: f32(paying),
    arrivals: f32(paying.map(() => 60)),
    sloMetPct: f32(paying.map(() => 100)),
    ttftP99Seconds: f32(ttft),
    itlP99Seconds: f32(itl),
  };
}

function run(
  policy: string,
  knob: number,
  attainmentPct: number,
  costDollars: number,
  perGpu: number,
): LlmRow {
  return {
    policy,
    knob,
    attainmentPct,
    costDollars,
    sloThroughputPerGpu: perGpu,
    gpuHours: costDollars / 4,
    ttftP99Seconds: 0.5,
    itlP99Seconds: 0.03,
  } as LlmRow;
}

const pts = (xs: readonly [number, number][]) =>
  xs.map(([miss, cost], i) => ({ headroom: i, costDollars: cost, sloViolationMinutesPct: miss }));

function comparison(trace: string, arrivals: "real" | "constructed"): LlmComparison {
  // At 99% (1% missing): reactive-waiting $110 (between $120 at 0.5% and $90 at 2%), the oracle
  // $50, ours-requests $80: 0.73x, 1.60x, closing (110 - 80) / (110 - 50) = 50% of the gap.
  const frontier = {
    "ours-requests": pts([[1, 80]]),
    "reactive-waiting": pts([
      [0.5, 120],
      [2, 90],
    ]),
    oracle: pts([[0.2, 50]]),
  };
  return {
    trace,
    arrivals,
    provenance:
      arrivals === "real" ? "azure code (real arrivals and token counts)" : "BurstGPT x Azure, seed 1",
    profile: "qwen3-8b/h100_sxm/vllm/tp1",
    start: Date.parse("2023-11-16T00:00:00Z"),
    measureFromSeconds: 0,
    slo: { ttftSeconds: 1, itlSeconds: 0.05 },
    capacity: {
      requestsPerSecond: 13.5,
      tokensPerSecond: 21_369,
      meanInputTokens: 1434,
      meanOutputTokens: 154,
      targetPct: 99,
    },
    targetAttainmentPct: 99,
    baseline: "reactive-waiting",
    rows: [
      run("ours-requests", 0.8, 99, 80, 1234),
      run("reactive-waiting", 1, 99.5, 120, 700),
      run("oracle", 0.9, 99.8, 50, 1500),
    ],
    frontier,
    atTarget: atTarget(frontier, 99, "reactive-waiting"),
    series: {
      // One minute nobody was served (an infinitely late p99), clipped at 4x the 1 s target.
      "ours-requests": series([0.4, Infinity, 0.6], [0.02, 0.03, 0.04], [2, 3, 3]),
      "reactive-waiting": series([0.3, 0.9, 0.5], [0.02, 0.06, 0.03], [2, 2, 4]),
      oracle: series([0.2, 0.3, 0.4], [0.01, 0.02, 0.03], [1, 2, 3]),
    },
  };
}

function figure(html: string, id: string): string {
  const at = html.indexOf(`id="${id}"`);
  assert.ok(at >= 0, `chart ${id} missing`);
  return html.slice(at, html.indexOf("</figure>", at));
}

describe("renderLlmReport", () => {
  const html = renderLlmReport({
    title: "LLM <tokens>",
    comparisons: [comparison("azure <code>", "real"), comparison("burstgpt-week1", "constructed")],
    notes: ["one note"],
  });

  it("says which traces have real arrivals and which constructed ones, escaped", () => {
    assert.match(
      html,
      /<li>azure &lt;code&gt;: real arrivals \(recorded request times and token counts\)<\/li>/,
    );
    assert.match(html, /<li>burstgpt-week1: constructed arrivals<\/li>/);
    assert.match(html, /<p class="headline origin" data-arrivals="real"><b>Real arrivals<\/b>/);
    assert.match(html, /<p class="warning origin" data-arrivals="constructed"><b>Constructed arrivals<\/b>/);
    assert.match(html, /<title>LLM &lt;tokens&gt;<\/title>/);
  });

  it("the table: cost at 99%, ratios to the baseline and the oracle, the gap closed, SLO-meeting tokens/s per GPU", () => {
    const row = /<tr data-policy="ours-requests">(.*?)<\/tr>/.exec(html)?.[1] ?? "";
    const cells = [...row.matchAll(/<td>(.*?)<\/td>/g)].map((m) => m[1]);
    assert.deepEqual(cells.slice(1, 8), ["$80", "0.73&times;", "1.60&times;", "50%", "1234", "0.8", "99.00"]);
    const oracle = /<tr data-policy="oracle">(.*?)<\/tr>/.exec(html)?.[1] ?? "";
    assert.match(
      oracle,
      /<td>\$50<\/td><td>0\.45&times;<\/td><td>1\.00&times;<\/td><td>100%<\/td><td>1500<\/td>/,
    );
  });

  it("TTFT and ITL per minute against their targets, the never-served minute clipped at 4x the target", () => {
    const ttft = figure(html, "chart-ttft-0");
    for (const name of ["ours-requests", "reactive-waiting", "oracle", "TTFT target 1 s"])
      assert.match(ttft, new RegExp(`<path class="series" data-series="${name}" d="M[\\d.]+,[\\d.]+L`));
    // y grows downwards: the clipped point (4 s) is the highest drawn, the target line lower.
    const ys = (name: string): number[] =>
      [...(new RegExp(`data-series="${name}" d="([^"]+)"`).exec(ttft)?.[1] ?? "").matchAll(/,([\d.]+)/g)].map(
        (m) => Number(m[1]),
      );
    const top = Math.min(...ys("ours-requests"));
    assert.ok(top < Math.min(...ys("TTFT target 1 s")), "the clipped minute is above the target");
    assert.ok(top >= 28, `inside the plot: y=${top}`);
    assert.match(figure(html, "chart-itl-0"), /data-series="ITL target 50 ms"/);
    assert.doesNotMatch(html, /NaN|Infinity/);
  });

  it("says so when the baseline never reaches the target (its ratios cannot be formed)", () => {
    assert.doesNotMatch(html, /does not reach/);
    const c = comparison("t", "real");
    const frontier = { ...c.frontier, "reactive-waiting": pts([[3, 90]]) };
    const page = renderLlmReport({
      title: "t",
      comparisons: [{ ...c, frontier, atTarget: atTarget(frontier, 99, "reactive-waiting") }],
      notes: [],
    });
    assert.match(page, /<p class="warning">reactive-waiting does not reach 99% at any setting of its sweep/);
    assert.match(
      page,
      /<tr data-policy="ours-requests"><td>[^]*?<\/td><td>\$80<\/td><td>n\/a<\/td><td>1\.60&times;<\/td><td>n\/a<\/td>/,
    );
  });

  it("replicas over time and the frontier with the 99% line, per trace", () => {
    assert.match(figure(html, "chart-replicas-1"), /data-series="reactive-waiting" d="M/);
    const frontier = figure(html, "chart-frontier-1");
    assert.match(frontier, /data-series="99% attainment"/);
    assert.match(frontier, /<circle/);
  });
});
