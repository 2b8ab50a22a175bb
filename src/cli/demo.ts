// mlas demo: the README's first command. A week of a vLLM-like GPU service (scale to zero, business
// hours) through the simulator, after a week of forecast history: the comparison table, the
// headline, and the HTML report. --trace FILE runs it on any trace instead of the built-in workload.

import { resolve } from "node:path";
import { loadConfigFile } from "../config/load.ts";
import { compare, formatComparison } from "../sim/compare.ts";
import { POLICIES } from "../sim/policies.ts";
import { generateWorkload, type Workload } from "../sim/workload.ts";
import {
  progressPrinter,
  settingsFrom,
  workloadFrom,
  writeReport,
  type SimulateFlags,
  pickService,
} from "./simulate.ts";

export interface DemoFlags {
  readonly trace?: string;
  readonly report: string;
  readonly config?: string;
}

/** The comparison the demo (and the simulator benchmark) runs: all policies, headroom swept. */
export const DEMO_FLAGS: SimulateFlags = {
  policy: "all",
  sweep: true,
  headroom: "0.8",
  sloSeconds: "5",
  serviceTime: "1",
  sloTarget: "1",
};

export function runDemo(f: DemoFlags, out: (s: string) => void): void {
  const configPath = f.config ?? new URL("../../examples/vllm-gpu.yaml", import.meta.url).pathname;
  const config = loadConfigFile(configPath);
  const service = pickService(config, config.services.length === 1 ? undefined : "vllmService");
  const flags: SimulateFlags = { ...DEMO_FLAGS, ...(f.trace ? { peakReplicas: "10" } : {}) };
  const capacity = service.capacityPerReplica ?? 1;
  const w: Workload = f.trace ? workloadFrom(f.trace, flags, capacity) : generateWorkload();
  const days = w.rate.length / 86400;
  const settings = settingsFrom(config, service, flags, days);
  const progress = progressPrinter(process.stderr.isTTY);
  out(
    `ml-autoscaling demo: ${w.name}, ${days.toFixed(1)} days (the first ${(settings.warmupSeconds / 86400).toFixed(1)} are forecast history)`,
  );
  out(
    `config ${configPath}: service ${service.name}, start-up ${service.podStartupSeconds}s, min ${service.minReplicas}, max ${service.maxReplicas}, ${capacity} req/s per replica`,
  );
  const t0 = performance.now();
  const options = {
    policies: POLICIES,
    sweep: true,
    headroom: 0.8,
    sloTargetPct: 1,
    ...(progress ? { onProgress: progress } : {}),
  };
  const c = compare(w, settings, options);
  out("");
  out(formatComparison(c));
  const noZeroSettings = settingsFrom(config, service, { ...flags, noScaleToZero: true }, days);
  const nz = compare(w, noZeroSettings, options);
  out("");
  out("Without scale to zero (minReplicas 1):");
  out(formatComparison(nz));
  const report = resolve(f.report);
  writeReport(report, "ml-autoscaling: simulated week of a vLLM-like GPU service", w, settings, c, {
    title: "Without scale to zero (minReplicas 1)",
    comparison: nz,
  });
  out("");
  out(`report: ${report}`);
  out(`took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
