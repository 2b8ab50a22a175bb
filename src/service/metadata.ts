// KEDA's scalerMetadata for our trigger: it names the service. Validated like any external input;
// an error names the key and the value.

import { show } from "../config/read.ts";

/** Keys KEDA itself may put in the trigger metadata besides ours. */
const KEDA_KEYS = new Set([
  "scalerAddress",
  "enableTLS",
  "unsafeSsl",
  "caCert",
  "tlsClientCert",
  "tlsClientKey",
  "tlsCertFile",
]);

export class MetadataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetadataError";
  }
}

export function serviceFromMetadata(
  meta: Readonly<Record<string, string>> | undefined,
  known: ReadonlySet<string>,
): string {
  const m = meta ?? {};
  for (const k of Object.keys(m)) {
    if (k !== "service" && !KEDA_KEYS.has(k))
      throw new MetadataError(
        `scalerMetadata.${k.length > 64 ? `${k.slice(0, 61)}...` : k}: unknown key (allowed: service, ${[...KEDA_KEYS].join(", ")})`,
      );
  }
  const s = m.service;
  if (s === undefined || s === "")
    throw new MetadataError(
      "scalerMetadata.service: is required (the name of a service in the scaler's config)",
    );
  if (!known.has(s)) throw new MetadataError(`scalerMetadata.service: no enabled service named ${show(s)}`);
  return s;
}

/** The metric name we announce for a service (KEDA prefixes it with s<index>- for the HPA). */
export function metricNameFor(service: string): string {
  return `mlas-${service.replace(/[^A-Za-z0-9-]/g, "-").toLowerCase()}`;
}
