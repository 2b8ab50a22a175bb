// mlas validate --config FILE...: parse each config, check the TLS, credential and header files
// (and credential environment variables) it names, and print every problem with its field path,
// then warnings about configs that parse but cannot work as meant.

import { loadConfigFile } from "../config/load.ts";
import { ConfigError } from "../config/read.ts";
import type { LlmConfig } from "../config/llm.ts";
import { enabledServices, type Config, type ServiceConfig } from "../config/schema.ts";
import { priceOf } from "../engine/cost.ts";
import { checkTlsFiles } from "../service/tls-files.ts";
import { loadProfileFile } from "../llm/profile-file.ts";
import type { TabulatedProfile } from "../llm/step-time.ts";
import { capacityAt } from "../engine/llm-sizing.ts";
import { sourceFileIssues } from "../signals/registry.ts";

/**
 * A service that may sit at zero wakes only on a signal that exists while none of its pods runs:
 * a queue or a gateway's request rate (`arrival: true`). Signals its own pods emit (vLLM's
 * counters, GPU utilisation) are absent at zero, and an empty result reads as 0, so it never wakes.
 */
export function wakeFromZeroWarnings(config: Config): string[] {
  return enabledServices(config)
    .filter((s) => s.minReplicas === 0 && !s.triggers.some((t) => t.arrival === true))
    .map(
      (s) =>
        `services.${s.name}: minReplicas is 0 but no trigger is an arrival signal, so nothing wakes it from zero: add a queue (rabbitmq) or a gateway/ingress request-rate trigger with arrival: true`,
    );
}

/**
 * One line per llm service: one replica's capacity at the expected request lengths, e.g.
 * `vllmService in tokens: qwen3-8b/h100_sxm/vllm/tp1 sustains 23.50 req/s = 30,075 tokens/s a
 * replica at 1,024 + 256 tokens a request within TTFT p99 <= 2 s and ITL p99 <= 0.05 s, KV <= 90%
 * (bound by throughput); start-up 54 s`.
 */
export function llmSummaries(config: Config): string[] {
  return enabledServices(config).flatMap((s) => {
    const llm = s.llm;
    if (llm === undefined) return [];
    if (s.variants !== undefined) return variantSummaries(config, s, llm);
    const shape = { promptTokens: llm.meanPromptTokens, outputTokens: llm.meanOutputTokens };
    const c = capacityAt(llm, shape);
    return [
      `${s.name} in tokens: ${llm.profile.id} sustains ${c.requestsPerSecond.toFixed(2)} req/s = ${n(c.tokensPerSecond)} tokens/s a replica at ${n(shape.promptTokens)} + ${n(shape.outputTokens)} tokens a request within ${sloText(llm)} (bound by ${c.boundBy}); start-up ${s.podStartupSeconds} s`,
    ];
  });
}

const n = (x: number): string => Math.round(x).toLocaleString("en-US");

function sloText(llm: LlmConfig): string {
  const q = `p${Number((llm.slo.percentile * 100).toFixed(1))}`;
  return `TTFT ${q} <= ${llm.slo.ttftSeconds} s and ITL ${q} <= ${llm.slo.itlSeconds} s, KV <= ${Math.round((1 - llm.kvCacheHeadroom) * 100)}%`;
}

/**
 * A service with variants: one line for the service, then one per variant with its capacity,
 * price and tokens per dollar, e.g. `chat.h100: qwen3-8b/h100_sxm/vllm/tp1 on nvidia-h100 sustains
 * 30,075 tokens/s a replica (bound by throughput) at $6.98/h on demand: 15.5 M tokens per $;
 * replicas 0-40; start-up 54 s`.
 */
function variantSummaries(config: Config, s: ServiceConfig, llm: LlmConfig): string[] {
  const head = `${s.name} in tokens across ${s.variants?.length ?? 0} variants at ${n(llm.meanPromptTokens)} + ${n(llm.meanOutputTokens)} tokens a request within ${sloText(llm)}:`;
  const lines = (s.variants ?? []).map((v) => {
    const price = priceOf(v.resources, v.spotShare, config.cost);
    const perDollar = price.blended > 0 ? (v.expectedCapacity * 3600) / price.blended / 1e6 : Infinity;
    const spot =
      v.spotShare > 0
        ? `${Math.round(v.spotShare * 100)}% spot (on demand $${price.onDemand.toFixed(2)}/h, ${v.preemptionsPerHour} preemptions per replica-hour)`
        : "on demand";
    return `${s.name}.${v.name}: ${v.profile.id} on ${v.resources.gpuType} sustains ${n(v.expectedCapacity)} tokens/s a replica at $${price.blended.toFixed(2)}/h ${spot}: ${Number.isFinite(perDollar) ? perDollar.toFixed(1) : "free"} M tokens per $; replicas ${v.minReplicas}-${v.maxReplicas}; start-up ${v.podStartupSeconds} s`;
  });
  return [head, ...lines];
}

/**
 * One line on a profile that validates: its id and the figures a reader checks first. Example:
 * `qwen3-8b/h100_sxm/vllm/tp1: KV cache 382,705 tokens, load 53.7 s, decode step 6.36 ms at batch 1
 * and 10.95 ms at 64 (context 1,024), prefill of 2,048 tokens 44.52 ms, per-request overhead 28.8 ms`
 * (the last part only for a profile that has one).
 */
export function profileSummary(p: TabulatedProfile): string {
  const decode = (n: number): string =>
    p
      .stepMs({
        prefillTokens: 0,
        prefillSeqs: 0,
        prefillContextTokens: 0,
        decodeSeqs: n,
        decodeContextTokens: n * 1024,
      })
      .toFixed(2);
  const prefill = p.stepMs({
    prefillTokens: 2048,
    prefillSeqs: 1,
    prefillContextTokens: 0,
    decodeSeqs: 0,
    decodeContextTokens: 0,
  });
  return (
    `${p.id}: KV cache ${p.kvCacheTokens.toLocaleString("en-US")} tokens, load ${p.loadSeconds} s, ` +
    `decode step ${decode(1)} ms at batch 1 and ${decode(64)} ms at 64 (context 1,024), ` +
    `prefill of 2,048 tokens ${prefill.toFixed(2)} ms` +
    (p.requestOverheadSeconds > 0
      ? `, per-request overhead ${Number((p.requestOverheadSeconds * 1000).toFixed(3))} ms`
      : "")
  );
}

/** Validates performance-profile files (profiles/README.md); returns the number that failed. */
export function validateProfiles(
  files: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  let failed = 0;
  for (const f of files) {
    try {
      out(`${f}: ok (${profileSummary(loadProfileFile(f))})`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      failed++;
      err(`${f}: ${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}`);
      for (const i of e.issues) err(`  ${i.path}: ${i.message}`);
    }
  }
  return failed;
}

export function runValidate(
  files: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
  env: NodeJS.ProcessEnv,
  profiles: readonly string[] = [],
): number {
  let failed = validateProfiles(profiles, out, err);
  for (const f of files) {
    try {
      const c = loadConfigFile(f);
      // Relative paths in the config are resolved from the working directory, as `serve` does.
      const fileIssues = [
        ...(c.server.tls ? checkTlsFiles(c.server.tls).issues : []),
        ...sourceFileIssues(c, env),
      ];
      if (fileIssues.length > 0) throw new ConfigError(fileIssues);
      const names = enabledServices(c).map((s) => s.name);
      out(`${f}: ok (${names.length} service${names.length === 1 ? "" : "s"}: ${names.join(", ")})`);
      for (const l of llmSummaries(c)) out(`${f}: ${l}`);
      for (const w of wakeFromZeroWarnings(c)) err(`${f}: warning: ${w}`);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      failed++;
      err(`${f}: ${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}`);
      // Each value and key in an issue is already bounded and redacted where it was read (show, join).
      for (const i of e.issues) err(`  ${i.path}: ${i.message}`);
    }
  }
  return failed === 0 ? 0 : 1;
}
