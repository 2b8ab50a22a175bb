// mlas simulate: replay a trace through the same engine the service runs, against a modelled
// cluster and KEDA/HPA, and compare with reactive KEDA, static peak provisioning and the oracle.

import { renderReport } from "../report/html.ts";
import { compare, formatComparison, type Comparison } from "../sim/compare.ts";
import { describeHpaTolerance, withHpaTolerance } from "../sim/control-plane.ts";
import type { SimSettings } from "../sim/run.ts";
import type { Workload } from "../sim/workload.ts";
import type { CompareRequest } from "./request.ts";
import { writeOutputFile } from "./output-file.ts";

/** How the model works, with the HPA tolerances of the runs in the report. */
export function modelNotes(tolerances: readonly number[]): string[] {
  const hpa = `The HPA syncs every 15 s with ${tolerances.map(describeHpaTolerance).join("; separately, ")}, and the autoscaling/v2 default behavior set explicitly: scale-up max(+100%, +4 pods) per 15 s without stabilisation; scale-down stabilised over 300 s, then up to 100% per 15 s.`;
  return [...PIPELINE_NOTES, hpa, ...POLICY_NOTES];
}

const PIPELINE_NOTES: readonly string[] = [
  "Time advances in 1 s steps; arrivals are spread evenly inside each trace interval; requests are a fluid served first-in first-out.",
  "Latency = service time + queueing delay; a minute violates the SLO when more than 5% of its requests are late (its p95 exceeds the SLO).",
  "Pods start for podStartupSeconds before serving; cost accrues from creation to termination at the blended on-demand/spot price.",
  "Prometheus scrapes every 15 s; rate() over 1 m sees about 4 samples (no extrapolation) and lags the truth; the counter counts arrivals.",
  "KEDA polls every 30 s, scales to zero after a 300 s cooldown, and acts at once on an external-push activation (ours only).",
];

const POLICY_NOTES: readonly string[] = [
  "KEDA passes values as milli-quantities (truncated to 0.001, guarded against float noise).",
  "Only the service's load signal is modelled; other triggers (latency, GPU utilisation) are not simulated.",
  "ours: the engine's decide() every sources.refreshSeconds, forecasts refitted every 5 min from the past only (per-minute rates, as a range query of rate() would give).",
  "oracle: perfect foresight of per-second demand; pods created exactly start-up seconds before they are needed and kept through gaps shorter than the start-up.",
  "static: enough replicas for the trace's peak second at the headroom, always on.",
  "Headroom is the target utilisation: each policy aims at capacity x headroom per replica; the sweep traces each policy's cost-vs-SLO frontier.",
];

export function writeReport(
  file: string,
  title: string,
  w: Workload,
  s: SimSettings,
  c: Comparison,
  extra?: { title: string; comparison: Comparison },
): void {
  writeOutputFile(
    file,
    renderReport({
      title,
      workload: w,
      comparison: c,
      capacity: s.capacity,
      warmupSeconds: s.warmupSeconds,
      notes: modelNotes([...new Set([c.hpaTolerance, ...(extra ? [extra.comparison.hpaTolerance] : [])])]),
      ...(extra ? { extra } : {}),
    }),
  );
}

export function comparisonJson(c: Comparison): unknown {
  return {
    trace: c.trace,
    service: c.service,
    headroom: c.headroom,
    hpaTolerance: c.hpaTolerance,
    hpaToleranceNote: describeHpaTolerance(c.hpaTolerance),
    policies: c.policies,
    frontier: c.frontier,
    costRatioAtEqualSlo: c.costRatioAtEqualSlo,
    sloPct: c.headline.sloPct,
    note: c.headline.note,
    warnings: c.warnings,
  };
}

export function progressPrinter(
  enabled: boolean,
): ((what: string, done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  return (what, done, total) => {
    const width = 30;
    const filled = total > 0 ? Math.round((done / total) * width) : width;
    process.stderr.write(
      `\r${what.padEnd(9)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`,
    );
  };
}

/**
 * mlas simulate on one trace: one comparison per HPA tolerance (the forecasts, which do not depend
 * on the control plane, are computed once). Prints one table per tolerance, or JSON: one object for
 * one tolerance, a list for several.
 */
export function runCompare(
  req: CompareRequest,
  out: (s: string) => void,
  progress?: (what: string, done: number, total: number) => void,
): void {
  const comparisons: Comparison[] = [];
  for (const tolerance of req.hpaTolerances) {
    comparisons.push(
      compare(
        req.workload,
        { ...req.settings, controlPlane: withHpaTolerance(tolerance, req.settings.controlPlane) },
        {
          policies: req.policies,
          sweep: req.sweep,
          headroom: req.headroom,
          sloTargetPct: req.sloTargetPct,
          ...(progress ? { onProgress: progress } : {}),
          ...(comparisons[0] ? { forecasts: comparisons[0].forecasts } : {}),
        },
      ),
    );
  }
  const [first, second] = comparisons;
  if (!first) return;
  if (req.output.reportPath !== undefined)
    writeReport(
      req.output.reportPath,
      `ml-autoscaling: ${req.workload.name}`,
      req.workload,
      req.settings,
      first,
      second ? { title: describeHpaTolerance(second.hpaTolerance), comparison: second } : undefined,
    );
  if (req.output.json) {
    const j = comparisons.map(comparisonJson);
    out(JSON.stringify(j.length === 1 ? j[0] : j, null, 2));
  } else out(comparisons.map(formatComparison).join("\n\n"));
}
