// Forecast accuracy on every shared trace (rolling origin, 30-minute horizon): ours (the
// combination) and every candidate and baseline; ours against statsforecast's AutoETS, AutoTheta and
// MSTL on the same origins when bench/anchors/statsforecast.sh has written its results; and the
// speed of one fit + forecast over 168 h of 1-minute history against the naive baseline's.
// Run: npm run bench -- forecast   (traces from ../shared/traces, or MLAS_TRACES; anchors from
// out/anchors/statsforecast.json, or MLAS_ANCHORS)

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatForecastEval, runForecastEval } from "../src/cli/forecast-eval.ts";
import { forecastWith } from "../src/forecast/calibrate.ts";
import { naive } from "../src/forecast/models/naive.ts";
import { ours } from "../src/forecast/models/ours.ts";
import { loadTrace } from "../src/traces/parse.ts";
import { machine, SHARED_TRACES, sideBySide } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const anchorsFile =
  process.env.MLAS_ANCHORS ?? new URL("../out/anchors/statsforecast.json", import.meta.url).pathname;
/** ServeGen records its collection gaps as zeros: it is evaluated both ways. */
const ZERO_GAP_TRACES = new Set(["servegen-language-m-small-10min.csv"]);
console.log(`forecast accuracy (${machine()})`);
/** ours / naive WAPE per trace, for the average over the traces with at least two weeks. */
const ratios: { trace: string; ratio: number; days: number }[] = [];

function evaluateTrace(t: string, zeroGaps: boolean): void {
  const path = join(dir, t);
  const r = runForecastEval({ trace: path, horizon: "30m", lookback: "168h", json: false, zeroGaps });
  console.log(`\n${formatForecastEval(r)}`);
  const o = r.models.find((m) => m.model === "ours");
  const n = r.models.find((m) => m.model === "naive");
  if (!o || !n) return;
  const ratio = o.wape / n.wape;
  const days = (loadTrace(path).series.values.length * r.stepSeconds) / 86400;
  ratios.push({ trace: `${t}${zeroGaps ? " (zeros as gaps)" : ""}`, ratio, days });
  const off = (v: number, p: number): string => ((v - p) * 100).toFixed(1);
  console.log(
    `ours/naive WAPE ${ratio.toFixed(3)} (${days.toFixed(1)} days); coverage 90/95 off by ${off(o.coverage90, 0.9)}/${off(o.coverage95, 0.95)} points`,
  );
}

for (const t of SHARED_TRACES) {
  if (!existsSync(join(dir, t))) {
    console.log(`\n${t}: not found under ${dir}`);
    continue;
  }
  try {
    evaluateTrace(t, false);
    if (ZERO_GAP_TRACES.has(t)) evaluateTrace(t, true);
  } catch (e) {
    console.log(`\n${t}: ${(e as Error).message}`);
  }
}

const long = ratios.filter((r) => r.days >= 14 && !r.trace.includes("gaps"));
if (long.length > 0)
  console.log(
    `\nmean ours/naive WAPE over the ${long.length} traces with >= 14 days (as recorded): ${(long.reduce((a, b) => a + b.ratio, 0) / long.length).toFixed(3)} (target <= 0.85)`,
  );
const all = ratios.filter((r) => !r.trace.includes("gaps"));
console.log(
  `mean ours/naive WAPE over the ${all.length} traces: ${(all.reduce((a, b) => a + b.ratio, 0) / all.length).toFixed(3)}`,
);

interface AnchorResult {
  readonly trace: string;
  readonly maxOrigins: number;
  readonly zeroGaps?: boolean;
  readonly origins: number;
  readonly wape: Readonly<Record<string, number>>;
  readonly medianMs: Readonly<Record<string, number>>;
}

/** Ours on the origins statsforecast was run on (the same thinning), against its models. */
function compareWithAnchors(): void {
  if (!existsSync(anchorsFile)) {
    console.log(`\nno statsforecast results at ${anchorsFile}: run bash bench/anchors/statsforecast.sh`);
    return;
  }
  const doc = JSON.parse(readFileSync(anchorsFile, "utf8")) as {
    statsforecast: string;
    results: AnchorResult[];
  };
  console.log(
    `\nagainst statsforecast ${doc.statsforecast} on the same origins (${anchorsFile}); WAPE / naive's, time per forecast:`,
  );
  for (const a of doc.results) {
    const path = join(dir, a.trace);
    if (!existsSync(path)) continue;
    const r = runForecastEval({
      trace: path,
      horizon: "30m",
      lookback: "168h",
      json: false,
      zeroGaps: a.zeroGaps === true,
      // 0: the anchors ran on every origin.
      ...(a.maxOrigins > 0 ? { maxOrigins: a.maxOrigins } : {}),
      models: [ours, naive],
    });
    const o = r.models.find((m) => m.model === "ours");
    const n = r.models.find((m) => m.model === "naive");
    const anchorNaive = a.wape.naive ?? Number.NaN;
    if (!o || !n) continue;
    const best = Math.min(a.wape.AutoETS ?? Infinity, a.wape.AutoTheta ?? Infinity, a.wape.MSTL ?? Infinity);
    const cells = ["AutoETS", "AutoTheta", "MSTL", "SeasonalNaive"].map(
      (m) =>
        `${m} ${((a.wape[m] ?? Number.NaN) / anchorNaive).toFixed(3)} (${(a.medianMs[m] ?? 0).toFixed(0)} ms)`,
    );
    console.log(
      `  ${a.trace}${a.zeroGaps ? " (zeros as gaps)" : ""}, ${r.origins} origins: ours ${(o.wape / n.wape).toFixed(3)} (${o.msPerForecast.toFixed(1)} ms); ${cells.join(", ")}; ours / best of AutoETS, AutoTheta, MSTL ${(o.wape / best).toFixed(3)}; naive WAPE here ${n.wape.toFixed(5)}, in Python ${anchorNaive.toFixed(5)}`,
    );
  }
}
compareWithAnchors();

// Speed: one fit + 30-minute forecast (with calibration) over 168 h of 1-minute history.
const nasa = join(dir, "nasa-http-1995-07.csv");
if (existsSync(nasa)) {
  const s = loadTrace(nasa).series;
  const L = 168 * 60;
  let k = 0;
  const window = (): { values: Float64Array; stepSeconds: number; start: number } => {
    const from = 10_000 + ((k++ * 997) % (s.values.length - L - 10_000));
    return { values: s.values.subarray(from, from + L), stepSeconds: 60, start: s.start + from * 60_000 };
  };
  let sink = 0;
  const [a, b] = sideBySide(
    100,
    10,
    () => (sink += forecastWith(ours, window(), 30).confidence),
    () => (sink += forecastWith(naive, window(), 30).confidence),
  );
  console.log(`\nfit + 30-min forecast over 168 h of 1-minute history (10,080 samples), 100 rounds:`);
  console.log(
    `  ours:  median ${a.medianMs.toFixed(2)} ms, p90 ${a.p90Ms.toFixed(2)} ms (target: median < 20 ms on one core)`,
  );
  console.log(
    `  naive: median ${b.medianMs.toFixed(2)} ms, p90 ${b.p90Ms.toFixed(2)} ms; ratio ours/naive ${(a.medianMs / b.medianMs).toFixed(2)}x`,
  );
  if (sink === -1) console.log(sink);
}
