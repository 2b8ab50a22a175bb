// Forecast accuracy on every shared trace (rolling origin, 30-minute horizon), and the speed of one
// fit + forecast over 168 h of 1-minute history against the naive baseline's.
// Run: npm run bench -- forecast   (traces are read from ../shared/traces, or MLAS_TRACES)

import { existsSync } from "node:fs";
import { join } from "node:path";
import { formatForecastEval, runForecastEval } from "../src/cli/forecast-eval.ts";
import { forecastWith } from "../src/forecast/calibrate.ts";
import { naive } from "../src/forecast/models/naive.ts";
import { ours } from "../src/forecast/models/ours.ts";
import { loadTrace } from "../src/traces/parse.ts";
import { machine, SHARED_TRACES, sideBySide } from "./util.ts";

const dir = process.env.MLAS_TRACES ?? new URL("../../shared/traces/", import.meta.url).pathname;
const traces = [...SHARED_TRACES];
console.log(`forecast accuracy (${machine()})`);
/** ours / naive WAPE on the traces with at least two weeks of history (the target's average). */
const longRatios: number[] = [];
for (const t of traces) {
  const path = join(dir, t);
  if (!existsSync(path)) {
    console.log(`\n${t}: not found under ${dir}`);
    continue;
  }
  try {
    const r = runForecastEval({ trace: path, horizon: "30m", lookback: "168h", json: false });
    console.log(`\n${formatForecastEval(r)}`);
    const o = r.models.find((m) => m.model === "ours");
    const n = r.models.find((m) => m.model === "naive");
    if (o && n) {
      const ratio = o.wape / n.wape;
      const days = (loadTrace(path).series.values.length * r.stepSeconds) / 86400;
      if (days >= 14) longRatios.push(ratio);
      console.log(
        `ours/naive WAPE ${ratio.toFixed(3)} (${days.toFixed(1)} days of trace); coverage 90/95 off by ${(Math.abs(o.coverage90 - 0.9) * 100).toFixed(1)}/${(Math.abs(o.coverage95 - 0.95) * 100).toFixed(1)} points; confidence~error Spearman ${o.confidenceErrorSpearman.toFixed(2)} (negative: higher confidence, lower error)`,
      );
    }
  } catch (e) {
    console.log(`\n${t}: ${(e as Error).message}`);
  }
}

if (longRatios.length > 0)
  console.log(
    `\nmean ours/naive WAPE over the ${longRatios.length} traces with >= 14 days: ${(longRatios.reduce((a, b) => a + b, 0) / longRatios.length).toFixed(3)} (target <= 0.85)`,
  );

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
