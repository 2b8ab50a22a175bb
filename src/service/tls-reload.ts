// The server's TLS files, watched. cert-manager renews the Secret, the kubelet swaps the mounted files
// (a symlink swap of `..data`), and the next check hands the new files, once they check out, to the
// gRPC server: new connections get the new certificate, established ones keep theirs. Renewed files
// that do not check out (unreadable, no certificate, a key of another certificate) are logged and the
// files in use are kept.

import { X509Certificate } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { dirname } from "node:path";
import type { ServerConfig } from "../config/schema.ts";
import type { Logger } from "./log.ts";
import { checkTlsFiles, type TlsFiles } from "./tls-files.ts";

/** After a file-system event, the files are read this much later, once the swap has settled. */
const SETTLE_MS = 100;

export interface TlsWatch {
  /** Reads the files now; applies them if they changed and check out. */
  check(): void;
  close(): void;
}

function sameFiles(a: TlsFiles, b: TlsFiles): boolean {
  const sameCa = a.ca === undefined || b.ca === undefined ? a.ca === b.ca : a.ca.equals(b.ca);
  return a.cert.equals(b.cert) && a.key.equals(b.key) && sameCa;
}

function describeCert(files: TlsFiles): Record<string, unknown> {
  const leaf = new X509Certificate(files.cert);
  return { subject: leaf.subject, notAfter: leaf.validTo, fingerprint256: leaf.fingerprint256 };
}

/**
 * Checks the files every `intervalMs`, and soon after the file system reports a change in their
 * directories; `apply` receives each new set that checks out.
 */
export function watchTlsFiles(
  cfg: NonNullable<ServerConfig["tls"]>,
  inUse: TlsFiles,
  apply: (files: TlsFiles) => void,
  log: Logger,
  intervalMs: number,
): TlsWatch {
  let current = inUse;
  let reported: string | undefined;
  let settle: NodeJS.Timeout | undefined;
  const check = (): void => {
    const { files, issues } = checkTlsFiles(cfg);
    if (!files) {
      const problem = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
      if (problem !== reported)
        log.error("the TLS files changed but cannot be used; serving the certificate in use", {
          problem,
          inUse: describeCert(current),
        });
      reported = problem;
      return;
    }
    reported = undefined;
    if (sameFiles(files, current)) return;
    current = files;
    apply(files);
    log.info("TLS files reloaded: new connections get the new certificate", describeCert(files));
  };
  const soon = (): void => {
    clearTimeout(settle);
    settle = setTimeout(check, SETTLE_MS);
    settle.unref();
  };
  const dirs = new Set(
    [cfg.certFile, cfg.keyFile, ...(cfg.caFile !== undefined ? [cfg.caFile] : [])].map(dirname),
  );
  const watchers: FSWatcher[] = [];
  for (const dir of dirs) {
    try {
      const w = watch(dir, { persistent: false }, soon);
      // A directory that cannot be watched is still polled.
      w.on("error", () => {
        w.close();
      });
      watchers.push(w);
    } catch {
      // Polled only.
    }
  }
  const poll = setInterval(check, intervalMs);
  poll.unref();
  return {
    check,
    close() {
      clearInterval(poll);
      clearTimeout(settle);
      for (const w of watchers) w.close();
    },
  };
}
