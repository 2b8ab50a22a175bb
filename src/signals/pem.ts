// PEM certificates and keys, parsed so that a wrong file is named before it is used: the server's
// TLS files (service/tls-files.ts) and a source's CA bundle and client certificate (client-auth.ts).

import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM file, and what is wrong with it (no certificate, one that does not parse). */
export function pemCertificates(
  file: string,
  pem: Buffer,
): { certificates: X509Certificate[]; problems: string[] } {
  const blocks = pem.toString("latin1").match(PEM_CERT) ?? [];
  if (blocks.length === 0) return { certificates: [], problems: [`${file} holds no PEM certificate`] };
  const certificates: X509Certificate[] = [];
  const problems: string[] = [];
  for (const [i, b] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(b));
    } catch (e) {
      problems.push(`${file}: certificate ${i + 1} does not parse (${(e as Error).message})`);
    }
  }
  return { certificates, problems };
}

/** The private key in a PEM file, or what is wrong with it. */
export function pemPrivateKey(file: string, pem: Buffer): { key?: KeyObject; problem?: string } {
  try {
    return { key: createPrivateKey(pem) };
  } catch (e) {
    return { problem: `${file} holds no usable private key (${(e as Error).message})` };
  }
}
