// PEM certificates and keys, parsed so that a wrong file is named before it is used: the server's
// TLS files (service/tls-files.ts) and a source's CA bundle and client certificate (client-auth.ts).

import { X509Certificate, createPrivateKey, type KeyObject } from "node:crypto";

const PEM_BEGIN = "-----BEGIN CERTIFICATE-----";
const PEM_END = "-----END CERTIFICATE-----";

/**
 * Each BEGIN ... END CERTIFICATE block of a PEM text, in order. One pass (a lazy regex over the
 * text searched from every BEGIN to the end: quadratic in a file of BEGIN lines without END).
 */
export function pemCertificateBlocks(pem: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const begin = pem.indexOf(PEM_BEGIN, from);
    if (begin < 0) return out;
    const end = pem.indexOf(PEM_END, begin + PEM_BEGIN.length);
    if (end < 0) return out;
    out.push(pem.slice(begin, end + PEM_END.length));
    from = end + PEM_END.length;
  }
}

/** Every certificate in a PEM file, and what is wrong with it (no certificate, one that does not parse). */
export function pemCertificates(
  file: string,
  pem: Buffer,
): { certificates: X509Certificate[]; problems: string[] } {
  const blocks = pemCertificateBlocks(pem.toString("latin1"));
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
