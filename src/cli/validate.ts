// mlas validate --config FILE...: parse each config, check the TLS files it names, and print every
// problem with its field path, then warnings about configs that parse but cannot work as meant.

import { loadConfigFile } from "../config/load.ts";
import { ConfigError } from "../config/read.ts";
import { enabledServices, type Config } from "../config/schema.ts";
import { checkTlsFiles } from "../service/tls-files.ts";

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

export function runValidate(
  files: readonly string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  let failed = 0;
  for (const f of files) {
    try {
      const c = loadConfigFile(f);
      // Relative paths in the config are resolved from the working directory, as `serve` does.
      const tlsIssues = c.server.tls ? checkTlsFiles(c.server.tls).issues : [];
      if (tlsIssues.length > 0) throw new ConfigError(tlsIssues);
      const names = enabledServices(c).map((s) => s.name);
      out(`${f}: ok (${names.length} service${names.length === 1 ? "" : "s"}: ${names.join(", ")})`);
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
