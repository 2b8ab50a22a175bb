// KEDA's scalerMetadata for our trigger: it names the service. Validated like any external input;
// an error names the key and the value. Anyone who reaches the port can send 4 MB of metadata: each
// string is bounded before anything else reads it.

import { show } from "../config/read.ts";
import { excerpt } from "../config/redact.ts";
import { variantKey } from "./verdicts.ts";

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

/**
 * The longest metadata value read: a Kubernetes object name (253). A service name in the config is
 * at most 63 characters; longer is an error that states the length, with nothing else read or echoed.
 */
export const MAX_METADATA_VALUE = 253;

/**
 * The verdict key the metadata names: `service`, or with `variant` (a service with variants, one
 * ScaledObject per variant) `<service>/<variant>`; `known` holds every key (verdicts.ts).
 */
export function serviceFromMetadata(
  meta: Readonly<Record<string, string>> | undefined,
  known: ReadonlySet<string>,
): string {
  const m = meta ?? {};
  for (const k of Object.keys(m)) {
    if (k !== "service" && k !== "variant" && !KEDA_KEYS.has(k))
      throw new MetadataError(
        `scalerMetadata.${excerpt(k, 64)}: unknown key (allowed: service, variant, ${[...KEDA_KEYS].join(", ")})`,
      );
  }
  const s = m.service;
  if (s === undefined || s === "")
    throw new MetadataError(
      "scalerMetadata.service: is required (the name of a service in the scaler's config)",
    );
  if (s.length > MAX_METADATA_VALUE)
    throw new MetadataError(
      `scalerMetadata.service: must be at most ${MAX_METADATA_VALUE} characters (a service's name), got ${s.length}`,
    );
  if (!known.has(s)) throw new MetadataError(`scalerMetadata.service: no enabled service named ${show(s)}`);
  const variant = m.variant;
  if (variant === undefined) return s;
  if (variant.length > MAX_METADATA_VALUE)
    throw new MetadataError(
      `scalerMetadata.variant: must be at most ${MAX_METADATA_VALUE} characters (a variant's name), got ${variant.length}`,
    );
  const key = variantKey(s, variant);
  if (variant === "" || !known.has(key))
    throw new MetadataError(`scalerMetadata.variant: service ${s} has no variant named ${show(variant)}`);
  return key;
}

/** The metric name we announce for a service or variant key (KEDA prefixes it with s<index>- for the HPA). */
export function metricNameFor(service: string): string {
  return `mlas-${service.replace(/[^A-Za-z0-9-]/g, "-").toLowerCase()}`;
}
