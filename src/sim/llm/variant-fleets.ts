// One LLM service served by several variants (services.<name>.variants), in the token-level
// simulator: one fleet per variant (fleet.ts: its replicas run the variant's profile) mirroring the
// pods of its own modelled Cluster (its own ScaledObject scales it), all sharing the service's
// request ledger, so the service's vLLM metrics are the sums over every variant's replicas (what
// Prometheus answers for the service's queries over all its pods).
//
// The router across variants: a request goes to a variant with ready replicas, by smooth weighted
// round robin (nginx's: deterministic, each variant's share exactly its weight over any window);
// within the variant, to its replica with the least outstanding tokens (router.ts). A variant's
// weight is its ready replicas times its capacity per replica as the controller's last decision
// states it: the decision's routing weights (engine/split/explain.ts routingWeightNow, capacity-
// proportional) at the replicas ready at the moment of routing. Requests arriving while no variant
// has a ready replica wait at the gateway, first in first out.
//
// Spot preemption: pod i of a variant is removed at once (Cluster.remove, Fleet.preempt); the
// requests it held are routed again at once, recomputed (prefill of their prompt and the tokens
// already generated) on their new replica; the controller sees the pod gone and KEDA/HPA replace it.

import type { PerformanceProfile } from "../../llm/profile.ts";
import { Cluster } from "../cluster.ts";
import type { LlmArrivals } from "./arrivals.ts";
import { Fleet } from "./fleet.ts";
import { IntDeque } from "./int-queues.ts";
import type { RequestLedger } from "./ledger.ts";
import { LedgerMetrics } from "./ledger-metrics.ts";
import { RequestSlots } from "./slots.ts";

/** One variant as the simulator runs it. */
export interface VariantSim {
  readonly name: string;
  readonly profile: PerformanceProfile;
  readonly gpuType: string;
  /** Pod start-up in whole seconds: the variant's model load plus node provisioning. */
  readonly startupSeconds: number;
  /** One replica's USD per hour on demand, and the spot share and its price factor. */
  readonly onDemandPerHour: number;
  readonly spotShare: number;
  readonly spotFactor: number;
}

/** One variant's pods and replicas. */
export interface VariantPods {
  readonly variant: VariantSim;
  readonly cluster: Cluster;
  readonly fleet: Fleet;
}

/** Weight per ready replica of a variant (tokens/s one replica serves, per the last decision). */
export type ReplicaWeights = (variant: string) => number;

export class VariantFleets extends LedgerMetrics {
  readonly pods: readonly VariantPods[];
  arrivals = 0;
  /** Per request: how many times a preemption took it off its replica (saturates at 255). */
  readonly hitByPreemption: Uint8Array;
  /** Per request: the variant (index) it was last routed to; 255 while never routed. */
  readonly servedBy: Uint8Array;
  private readonly slots = new RequestSlots();
  private readonly gateway = new IntDeque();
  private readonly evicted = new IntDeque();
  private readonly current: Float64Array;
  private readonly weights: ReplicaWeights;

  constructor(
    variants: readonly VariantSim[],
    requests: LlmArrivals,
    ledger: RequestLedger,
    weights: ReplicaWeights,
    drainSeconds: number,
  ) {
    super(ledger);
    if (variants.length === 0) throw new RangeError("variants: a service needs at least one");
    this.weights = weights;
    this.hitByPreemption = new Uint8Array(requests.times.length);
    this.servedBy = new Uint8Array(requests.times.length).fill(255);
    if (variants.length > 254) throw new RangeError(`variants: at most 254, got ${variants.length}`);
    this.current = new Float64Array(variants.length);
    this.pods = variants.map((v) => ({
      variant: v,
      cluster: new Cluster(v.startupSeconds),
      fleet: new Fleet(
        v.profile,
        requests,
        ledger,
        "least-outstanding-tokens",
        drainSeconds,
        undefined,
        this.slots,
      ),
    }));
  }

  /** Each fleet follows its cluster at second t; requests held at the gateway or evicted are routed. */
  sync(t: number): void {
    for (const p of this.pods) p.fleet.sync(p.cluster, t);
    this.flush(t);
  }

  /** Pod `i` of variant `k` is preempted at second t; its requests are routed again. */
  preempt(k: number, i: number, t: number): void {
    const p = this.pods[k];
    if (p === undefined)
      throw new RangeError(`variant: must be an index below ${this.pods.length}, got ${k}`);
    p.cluster.remove(i);
    for (const s of p.fleet.preempt(i)) {
      const req = this.slots.req[s] ?? 0;
      const hits = this.hitByPreemption[req] ?? 0;
      if (hits < 255) this.hitByPreemption[req] = hits + 1;
      this.evicted.pushBack(s);
    }
    this.flush(t);
  }

  /** Request `req` reaches the gateway at time t. */
  arrive(req: number, t: number): void {
    this.arrivals++;
    if (this.gateway.length > 0) this.gateway.pushBack(req);
    else this.routeRequest(req, t);
  }

  private routeRequest(req: number, t: number): void {
    const k = this.pick();
    if (k < 0) {
      this.gateway.pushBack(req);
      return;
    }
    this.servedBy[req] = k;
    // The fleet counts its own arrivals and rejects a request longer than its KV cache.
    (this.pods[k] as VariantPods).fleet.arrive(req, t);
  }

  private flush(t: number): void {
    while (this.evicted.length > 0) {
      const k = this.pick();
      if (k < 0) break;
      const s = this.evicted.popFront();
      this.servedBy[this.slots.req[s] ?? 0] = k;
      (this.pods[k] as VariantPods).fleet.routeSlot(s, t);
    }
    while (this.gateway.length > 0 && this.evicted.length === 0) {
      const k = this.pick();
      if (k < 0) break;
      const req = this.gateway.popFront();
      this.servedBy[req] = k;
      (this.pods[k] as VariantPods).fleet.arrive(req, t);
    }
  }

  /** Smooth weighted round robin over the variants with ready replicas; -1 when none has one. */
  private pick(): number {
    let total = 0;
    let best = -1;
    for (let k = 0; k < this.pods.length; k++) {
      const p = this.pods[k] as VariantPods;
      const w = p.fleet.ready > 0 ? p.fleet.ready * Math.max(1e-9, this.weights(p.variant.name)) : 0;
      if (w <= 0) continue;
      total += w;
      const c = (this.current[k] ?? 0) + w;
      this.current[k] = c;
      if (best < 0 || c > (this.current[best] ?? 0)) best = k;
    }
    if (best >= 0) this.current[best] = (this.current[best] ?? 0) - total;
    return best;
  }

  /** Runs every replica of every variant up to time t. */
  advanceAll(t: number): void {
    for (const p of this.pods) p.fleet.advanceAll(t);
  }

  idle(): boolean {
    return this.gateway.length === 0 && this.evicted.length === 0 && this.slots.inUse === 0;
  }

  /** Pods paid for now, per variant index. */
  paying(k: number): number {
    return this.pods[k]?.fleet.paying ?? 0;
  }

  get ready(): number {
    return this.sum((f) => f.ready);
  }

  get size(): number {
    return this.pods.reduce((s, p) => s + p.cluster.size, 0);
  }

  get gatewayQueue(): number {
    return this.gateway.length + this.evicted.length;
  }

  get exporters(): number {
    return this.sum((f) => f.exporters);
  }

  get generationTokens(): number {
    // Each fleet counts the ledger's committed tokens plus its replicas' tokens in flight.
    return this.ledger.generationTokens + this.sum((f) => f.generationTokens - this.ledger.generationTokens);
  }

  running(): number {
    return this.sum((f) => f.running());
  }

  waiting(): number {
    return this.sum((f) => f.waiting());
  }

  kvCacheUsageMean(): number {
    const n = this.exporters;
    return n === 0 ? 0 : this.sum((f) => f.kvCacheUsageMean() * f.exporters) / n;
  }

  kvCacheUsageMax(): number {
    return this.pods.reduce((m, p) => Math.max(m, p.fleet.kvCacheUsageMax()), 0);
  }

  private sum(f: (fleet: Fleet) => number): number {
    let s = 0;
    for (const p of this.pods) s += f(p.fleet);
    return s;
  }
}
