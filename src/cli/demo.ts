// mlas demo: the README's first command. A week of a vLLM-like GPU service (scale to zero, business
// hours) through the simulator, after a week of forecast history: the comparison table, the
// headline, and the HTML report; then, on the built-in workload, the same service sized in tokens
// through the token-level simulator (demo-tokens.ts) and its report. --trace FILE runs the request
// part on any trace instead of the built-in workload.

import { compare, formatComparison } from "../sim/compare.ts";
import { formatLlmComparison } from "../sim/llm/compare.ts";
import { MEASURED_HOURS, TOKEN_DAYS, tokenDemoRequest } from "./demo-tokens.ts";
import { compareLlmRequest, writeLlmReport } from "./simulate-llm.ts";
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
  if (req.tokenConfigPath !== undefined) runTokenPart(req, req.tokenConfigPath, out, progress);
  out(`took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/** The same service sized in tokens, through the token-level simulator (demo-tokens.ts), and its report. */
function runTokenPart(
  req: DemoRequest,
  configPath: string,
  out: (s: string) => void,
  progress?: (what: string, done: number, total: number) => void,
): void {
  const tokens = tokenDemoRequest(req.workload, configPath);
  out("");
  out(
    `The same service sized in tokens (${configPath}), the last ${TOKEN_DAYS} days of the workload through the token-level simulator, measured over their last ${MEASURED_HOURS} hours (the hours before are the forecasts' history):`,
  );
  const c = compareLlmRequest(tokens, progress, true);
  out(formatLlmComparison(c));
  const file = req.reportPath.replace(/\.html$/, "") + "-tokens.html";
  writeLlmReport(file, "ml-autoscaling: the demo's vLLM service in tokens", tokens, [c]);
  out(`report: ${file}`);
}
