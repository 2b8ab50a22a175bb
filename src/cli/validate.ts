// mlas validate --config FILE...: parse each config, check the TLS files it names, and print every
// problem with its field path.

import { loadConfigFile } from "../config/load.ts";
import { ConfigError } from "../config/read.ts";
import { redactUrls } from "../config/redact.ts";
import { enabledServices } from "../config/schema.ts";
import { checkTlsFiles } from "../service/tls-files.ts";

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
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      failed++;
      err(`${f}: ${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}`);
      for (const i of e.issues) err(redactUrls(`  ${i.path}: ${i.message}`));
    }
  }
  return failed === 0 ? 0 : 1;
}
