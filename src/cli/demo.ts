// mlas demo: the README's first command. A week of a vLLM-like GPU service (scale to zero, business
// hours) through the simulator, after a week of forecast history: the comparison table, the
// headline, and the HTML report. --trace FILE runs it on any trace instead of the built-in workload.

import { compare, formatComparison } from "../sim/compare.ts";
import { DEMO_COMPARE, type DemoRequest } from "./request.ts";
import { writeReport } from "./simulate.ts";

export function runDemo(
  req: DemoRequest,
  out: (s: string) => void,
  progress?: (what: string, done: number, total: number) => void,
): void {
  const w = req.workload;
  const days = w.rate.length / 86400;
  const service = req.service;
  out(
    `ml-autoscaling demo: ${w.name}, ${days.toFixed(1)} days (the first ${(req.settings.warmupSeconds / 86400).toFixed(1)} are forecast history)`,
  );
  out(
    `config ${req.configPath}: service ${service.name}, start-up ${service.podStartupSeconds}s, min ${service.minReplicas}, max ${service.maxReplicas}, ${req.settings.capacity} req/s per replica`,
  );
  const t0 = performance.now();
  const options = { ...DEMO_COMPARE, ...(progress ? { onProgress: progress } : {}) };
  const c = compare(w, req.settings, options);
  out("");
  out(formatComparison(c));
  const nz = compare(w, req.noScaleToZero, options);
  out("");
  out("Without scale to zero (minReplicas 1):");
  out(formatComparison(nz));
  writeReport(
    req.reportPath,
    "ml-autoscaling: simulated week of a vLLM-like GPU service",
    w,
    req.settings,
    c,
    {
      title: "Without scale to zero (minReplicas 1)",
      comparison: nz,
    },
  );
  out("");
  out(`report: ${req.reportPath}`);
  out(`took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
