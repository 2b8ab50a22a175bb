// What KEDA's calls need of each decision, and nothing more: the gRPC thread holds a table of these,
// kept current by the loop's thread, so that answering KEDA touches neither the loop's state nor its
// heap.

import type { ServiceDecision } from "../engine/types.ts";
import type { LoopSnapshot } from "./snapshot.ts";

export interface Verdict {
  /** false: the scaler answers UNAVAILABLE (with `problem`) and KEDA's fallback applies. */
  readonly valid: boolean;
  readonly active: boolean;
  readonly desiredReplicas: number;
  readonly problem?: string;
}

/** A safe number for KEDA: finite, non-negative, whole (a replica count). */
function safeCount(n: number): number {
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : 0;
}

export function verdictOf(d: ServiceDecision): Verdict {
  const v = { valid: d.valid, active: d.active, desiredReplicas: safeCount(d.desiredReplicas) };
  return d.valid
    ? v
    : { ...v, problem: d.reasons.find((r) => r.rule === "invalid")?.message ?? "decision invalid" };
}

/**
 * The key of a variant's verdict: `<service>/<variant>` (a service's name holds no '/'). Each
 * variant has its own ScaledObject, whose trigger metadata names the service and the variant.
 */
export const variantKey = (service: string, variant: string): string => `${service}/${variant}`;

/** Every verdict key of the services: each service's, and each of its variants'. */
export function verdictKeys(
  services: readonly { readonly name: string; readonly variants?: readonly { readonly name: string }[] }[],
): string[] {
  return services.flatMap((s) => [s.name, ...(s.variants ?? []).map((v) => variantKey(s.name, v.name))]);
}

/**
 * The verdicts of one decision: the service's, and each of `variants`' (its count in the split;
 * invalid with the service's problem when the decision is, or when it holds no split).
 */
export function verdictsOf(d: ServiceDecision, variants: readonly string[]): VerdictChange[] {
  const service = verdictOf(d);
  const out: VerdictChange[] = [[d.service, service]];
  for (const name of variants) {
    const v = d.variants?.variants.find((x) => x.variant === name);
    const verdict: Verdict =
      service.valid && v !== undefined
        ? { valid: true, active: v.desiredReplicas > 0, desiredReplicas: safeCount(v.desiredReplicas) }
        : {
            valid: false,
            active: service.active,
            desiredReplicas: 0,
            problem: service.problem ?? `no split for variant ${name}`,
          };
    out.push([variantKey(d.service, name), verdict]);
  }
  return out;
}

function same(a: Verdict | undefined, b: Verdict): boolean {
  return (
    a !== undefined &&
    a.valid === b.valid &&
    a.active === b.active &&
    a.desiredReplicas === b.desiredReplicas &&
    a.problem === b.problem
  );
}

export type VerdictChange = readonly [service: string, verdict: Verdict];

/**
 * What the gRPC server reads: the latest verdict per service (and per variant, keyed
 * `<service>/<variant>`), and each change as it happens.
 */
export interface VerdictSource {
  readonly services: ReadonlySet<string>;
  verdict(service: string): Verdict | undefined;
  /** Ready once every service has a verdict (valid or not). */
  ready(): boolean;
  /** Calls `l` on each change of the service's verdict; returns the function that stops it. */
  watch(service: string, l: (v: Verdict) => void): () => void;
}

export class VerdictTable implements VerdictSource {
  readonly services: ReadonlySet<string>;
  private readonly table = new Map<string, Verdict>();
  private readonly watchers = new Map<string, Set<(v: Verdict) => void>>();
  /** Per service, the names of its variants (from the keys `<service>/<variant>`). */
  private readonly variants = new Map<string, string[]>();

  /** `services`: the verdict keys, each service's and each variant's (verdictKeys). */
  constructor(services: Iterable<string>) {
    this.services = new Set(services);
    for (const key of this.services) {
      const slash = key.indexOf("/");
      if (slash < 0) continue;
      const service = key.slice(0, slash);
      this.variants.set(service, [...(this.variants.get(service) ?? []), key.slice(slash + 1)]);
    }
  }

  verdict(service: string): Verdict | undefined {
    return this.table.get(service);
  }

  ready(): boolean {
    return this.table.size === this.services.size;
  }

  watch(service: string, l: (v: Verdict) => void): () => void {
    let set = this.watchers.get(service);
    if (!set) this.watchers.set(service, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0 && this.watchers.get(service) === set) this.watchers.delete(service);
    };
  }

  /** Records the decisions; returns only what changed, for forwarding to another table. */
  update(decisions: Iterable<ServiceDecision>): VerdictChange[] {
    return this.apply([...decisions].flatMap((d) => verdictsOf(d, this.variants.get(d.service) ?? [])));
  }

  /** The table as a projection of the loop's snapshot: each service's published decision. */
  project(snapshot: LoopSnapshot): VerdictChange[] {
    const decided: ServiceDecision[] = [];
    for (const s of snapshot.services.values()) if (s.decision) decided.push(s.decision);
    return this.update(decided);
  }

  /** Applies changes (unknown services are ignored); returns those that changed anything. */
  apply(changes: readonly VerdictChange[]): VerdictChange[] {
    const changed: VerdictChange[] = [];
    for (const c of changes) {
      const [service, v] = c;
      if (!this.services.has(service) || same(this.table.get(service), v)) continue;
      this.table.set(service, v);
      changed.push(c);
    }
    for (const [service, v] of changed) for (const l of this.watchers.get(service) ?? []) l(v);
    return changed;
  }
}
