// The HTML report as a person sees it: loaded in real headless Chromium (Debian's package).

import assert from "node:assert/strict";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { writeReport } from "../../src/cli/simulate.ts";
import { loadConfigFile } from "../../src/config/load.ts";
import { compare } from "../../src/sim/compare.ts";
import { defaultSettings } from "../../src/sim/run.ts";
import { DEMO_PARAMS, generateWorkload } from "../../src/sim/workload.ts";
import { chromium } from "./chromium.ts";

const root = new URL("../../", import.meta.url).pathname;

describe("HTML report in headless Chromium", () => {
  it("renders the four charts and the summary table", () => {
    const config = loadConfigFile(join(root, "examples/vllm-gpu-requests.yaml"));
    const svc = config.services[0];
    assert.ok(svc);
    const w = generateWorkload({ ...DEMO_PARAMS, days: 3 });
    const s = { ...defaultSettings(config, svc, 10), warmupSeconds: 2 * 86400 };
    const c = compare(w, s, {
      policies: ["ours", "reactive", "static", "oracle"],
      sweep: true,
      headroom: 0.8,
      sloTargetPct: 1,
    });
    const dir = mkdtempSync(join(tmpdir(), "mlas-report-"));
    const file = join(dir, "report.html");
    writeReport(file, "test report", w, s, c);

    const dom = chromium(["--dump-dom", `file://${file}`]);
    for (const id of ["chart-capacity", "chart-forecast", "chart-cost", "chart-frontier"]) {
      const at = dom.indexOf(`id="${id}"`);
      assert.ok(at >= 0, `chart ${id} missing`);
      const fig = dom.slice(at, dom.indexOf("</figure>", at));
      assert.match(fig, /<svg[^>]*viewBox/);
      assert.match(fig, /<path class="series"[^>]* d="M[\d.]+,[\d.]+L/, `chart ${id} has no drawn series`);
    }
    assert.match(dom, /<td><i class="sw"[^>]*><\/i>ours<\/td>/);
    assert.match(dom, /Cost of <b>ours<\/b> at equal SLO/);
    assert.match(dom, /HPA tolerance 0\.1 \(the controller default: Kubernetes &lt; 1\.35\)/);

    const png = join(dir, "report.png");
    chromium(["--window-size=1100,2400", `--screenshot=${png}`, `file://${file}`]);
    assert.ok(statSync(png).size > 50_000, "the screenshot is not blank");
  });
});
