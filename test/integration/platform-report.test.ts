// The platform replay's HTML report as a person sees it: mlas simulate's request path for two
// services under examples/platform.yaml's $20/h budget, rendered in real headless Chromium.

import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadRequest } from "../../src/cli/load-request.ts";
import { runPlatform, writePlatformReport } from "../../src/cli/platform.ts";
import { parseSimulateArgs } from "../../src/cli/request.ts";
import { chromium } from "./chromium.ts";

const root = new URL("../../", import.meta.url).pathname;
const START = Date.parse("2026-01-07T03:00:00Z"); // a Wednesday night in Berlin: no business hours

/** Three hours at `rps` requests/s, one row per minute. */
function flatTrace(dir: string, name: string, rps: number): string {
  const rows = ["timestamp,requests"];
  for (let m = 0; m < 180; m++) rows.push(`${new Date(START + m * 60_000).toISOString()},${rps * 60}`);
  const file = join(dir, name);
  writeFileSync(file, rows.join("\n") + "\n");
  return file;
}

/** The <figure> with this id, as Chromium serialised it. */
function figure(dom: string, id: string): string {
  const at = dom.indexOf(`id="${id}"`);
  assert.ok(at >= 0, `chart ${id} missing`);
  return dom.slice(at, dom.indexOf("</figure>", at));
}

describe("platform report in headless Chromium", () => {
  it("renders the per-service charts, the peak and the $/h over time against the budget, and what the budget trimmed", () => {
    const dir = mkdtempSync(join(tmpdir(), "mlas-platform-report-"));
    // vLLM at 96 req/s needs 12 replicas of 10 x 0.8: 12 x $2.39/h = $28.6/h against the $20/h budget.
    const vllm = flatTrace(dir, "vllm.csv", 96);
    const celery = flatTrace(dir, "celery.csv", 16);
    const req = loadRequest(
      parseSimulateArgs({
        trace: `vllmService=${vllm},celeryWorker=${celery}`,
        config: join(root, "examples/platform.yaml"),
        warmup: "1h",
      }),
    );
    assert.equal(req.kind, "platform");
    const file = join(dir, "platform.html");
    writePlatformReport(file, runPlatform(req));

    const dom = chromium(["--dump-dom", `file://${file}`]);
    assert.match(dom, /vllmService &lt;- vllm\.csv · celeryWorker &lt;- celery\.csv · HPA tolerance 0\.1/);
    for (const id of ["chart-service-cost", "chart-service-slo", "chart-peak-hourly"]) {
      const fig = figure(dom, id);
      assert.match(fig, /<svg[^>]*viewBox/);
      for (const policy of ["ours", "reactive"])
        assert.match(fig, new RegExp(`<rect class="bar" data-series="${policy}"[^>]* height="[\\d.]+"`));
    }
    // Ours stays within the budget, reactive KEDA goes over it: SVG y grows downwards.
    const peak = figure(dom, "chart-peak-hourly");
    const budgetY = Number(
      /<line class="reference" data-series="budget \$20\/h"[^>]* y1="([\d.]+)"/.exec(peak)?.[1],
    );
    const barY = (policy: string): number =>
      Number(new RegExp(`<rect class="bar" data-series="${policy}"[^>]* y="([\\d.]+)"`).exec(peak)?.[1]);
    assert.ok(barY("ours") >= budgetY, `ours at y=${barY("ours")}, the budget at y=${budgetY}`);
    assert.ok(barY("reactive") < budgetY, `reactive at y=${barY("reactive")}, the budget at y=${budgetY}`);
    // The $/h over time: both policies' lines and the budget line; ours' line stays at or under the
    // budget (the text says over it for 0 min), reactive's goes above it.
    assert.match(
      dom,
      /<h2>ours<\/h2>\s*<p class="headline">[^<]*against a budget of \$20\/h; over it for 0 min/,
    );
    const hourly = figure(dom, "chart-hourly-cost");
    const ys = (series: string): number[] => {
      const d = new RegExp(`<path class="series" data-series="${series}" d="([^"]+)"`).exec(hourly)?.[1];
      assert.ok(d, `no ${series} line in chart-hourly-cost`);
      return [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
    };
    const [budgetLineY, ...restY] = ys("budget \\$20/h");
    assert.ok(budgetLineY !== undefined && restY.every((y) => y === budgetLineY), "the budget line is flat");
    const oursY = ys("ours");
    const reactiveY = ys("reactive");
    assert.ok(oursY.length >= 100 && reactiveY.length >= 100, `${oursY.length}, ${reactiveY.length} points`);
    assert.ok(
      oursY.every((y) => y >= budgetLineY),
      `ours above the budget (y=${budgetLineY}) at y=${Math.min(...oursY)}`,
    );
    assert.ok(
      reactiveY.some((y) => y < budgetLineY),
      `reactive never above the budget (y=${budgetLineY}): lowest y ${Math.min(...reactiveY)}`,
    );
    // The trims are drawn over the measured period: from the plot's left edge (x = 64) after the warm-up.
    assert.match(
      figure(dom, "chart-trims-ours"),
      /<path class="series" data-series="celeryWorker" d="M64\.0,[\d.]+L/,
    );
    assert.match(dom, /<td>celeryWorker<\/td><td>budget<\/td><td>2026-01-07 0\d:\d\d<\/td>/);
    assert.match(dom, /Reactive KEDA scales each service on its own and knows no budget or quota/);

    const png = join(dir, "platform.png");
    chromium(["--window-size=1100,2400", `--screenshot=${png}`, `file://${file}`]);
    assert.ok(statSync(png).size > 50_000, "the screenshot is not blank");
  });
});
