// The server's TLS files, read and checked before anything starts: each must exist and hold what its
// field says (PEM certificates, a private key that matches the certificate), so that a wrong file is
// one clear line at start-up (and from `mlas validate`), not a handshake that fails for every client.

import type { KeyObject, X509Certificate } from "node:crypto";
import { FileProblem, readBoundedFile } from "../config/files.ts";
import type { ServerConfig } from "../config/schema.ts";
import { pemCertificates, pemPrivateKey } from "../signals/pem.ts";

/** A start-up failure caused by the environment (a file, a port): one line, exit 1. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StartupError";
  }
}

export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca?: Buffer;
  readonly requireClientCert: boolean;
}

export interface TlsIssue {
  readonly path: string;
  readonly message: string;
}

type TlsConfig = NonNullable<ServerConfig["tls"]>;

/** A CA bundle of every public CA is about 200 KB. */
const MAX_TLS_FILE_BYTES = 4 * 1024 * 1024;

function readOne(path: string, file: string, issues: TlsIssue[]): Buffer | undefined {
  try {
    return readBoundedFile(file, MAX_TLS_FILE_BYTES);
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    issues.push({ path, message: `cannot read ${file}: ${e.detail}` });
    return undefined;
  }
}

/** Every certificate in a PEM file; an issue if there is none or one does not parse. */
function certificates(path: string, file: string, pem: Buffer, issues: TlsIssue[]): X509Certificate[] {
  const { certificates: out, problems } = pemCertificates(file, pem);
  for (const message of problems) issues.push({ path, message });
  return out;
}

/** Reads and checks the TLS files; `issues` is empty when `files` can be used. */
export function checkTlsFiles(cfg: TlsConfig): { files?: TlsFiles; issues: TlsIssue[] } {
  const issues: TlsIssue[] = [];
  const cert = readOne("server.tls.certFile", cfg.certFile, issues);
  const key = readOne("server.tls.keyFile", cfg.keyFile, issues);
  const ca = cfg.caFile !== undefined ? readOne("server.tls.caFile", cfg.caFile, issues) : undefined;
  const leaf = cert ? certificates("server.tls.certFile", cfg.certFile, cert, issues)[0] : undefined;
  let privateKey: KeyObject | undefined;
  if (key) {
    const parsed = pemPrivateKey(cfg.keyFile, key);
    privateKey = parsed.key;
    if (parsed.problem !== undefined) issues.push({ path: "server.tls.keyFile", message: parsed.problem });
  }
  if (leaf && privateKey && !leaf.checkPrivateKey(privateKey))
    issues.push({
      path: "server.tls.keyFile",
      message: `${cfg.keyFile} is not the private key of the certificate in ${cfg.certFile}`,
    });
  if (ca && cfg.caFile !== undefined) certificates("server.tls.caFile", cfg.caFile, ca, issues);
  if (issues.length > 0 || !cert || !key) return { issues };
  return { files: { cert, key, ...(ca ? { ca } : {}), requireClientCert: cfg.requireClientCert }, issues };
}

/** The TLS files for the server, or a StartupError naming each bad file. */
export function readTlsFiles(cfg: TlsConfig): TlsFiles {
  const { files, issues } = checkTlsFiles(cfg);
  if (!files) throw new StartupError(issues.map((i) => `${i.path}: ${i.message}`).join("; "));
  return files;
}
