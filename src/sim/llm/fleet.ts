// The replicas of one service behind its gateway, mirroring the pods of the control plane's
// Cluster (cluster.ts): Cluster decides how many pods exist and which are ready; the fleet gives
// each pod a serving engine (replica.ts) and routes requests to the ready ones.
//  - a new pod serves once ready (load time + node provisioning, whole seconds);
//  - requests arriving while no replica is ready wait at the gateway, first in first out, and are
//    routed the second one becomes ready (their wait counts in their time to first token);
//  - a pod the control plane removes (the newest, as Kubernetes' ReplicaSet removes pods not yet
//    ready and then the youngest) stops taking requests and drains: it finishes what it holds,
//    waiting ones included, for at most drainSeconds (Kubernetes' terminationGracePeriodSeconds,
//    default 30 s), and is paid until it is done; what is left then is aborted. A pod removed
//    before it was ready goes at once.

import type { PerformanceProfile } from "../../llm/profile.ts";
import type { Cluster } from "../cluster.ts";
import type { LlmArrivals } from "./arrivals.ts";
import type { LatencyHistogram } from "./histogram.ts";
import { IntDeque } from "./int-queues.ts";
import type { RequestLedger } from "./ledger.ts";
import type { LiveMetrics } from "./live-metrics.ts";
import { MAX_SPAN_STEPS, Replica } from "./replica.ts";
import { makeRouter, type Router, type RouterKind } from "./router.ts";
import { RequestSlots } from "./slots.ts";

interface Draining {
  readonly replica: Replica;
  readonly since: number;
}

export class Fleet implements LiveMetrics {
  /** The pods' engines, oldest first, as Cluster holds them; the first `ready` serve. */
  readonly live: Replica[] = [];
  readonly draining: Draining[] = [];
  ready = 0;
  arrivals = 0;
  /** The time every replica has been advanced to (the live metrics' moment). */
  private now = 0;
  private readonly gateway = new IntDeque();
  private readonly slots = new RequestSlots();
  private readonly router: Router;
  private readonly profile: PerformanceProfile;
  private readonly requests: LlmArrivals;
  private readonly ledger: RequestLedger;
  private readonly drainSeconds: number;
  private readonly kvCapacityTokens: number;
  private readonly maxSpanSteps: number;

  constructor(
    profile: PerformanceProfile,
    requests: LlmArrivals,
    ledger: RequestLedger,
    router: RouterKind,
    drainSeconds: number,
    maxSpanSteps = MAX_SPAN_STEPS,
  ) {
    this.profile = profile;
    this.requests = requests;
    this.ledger = ledger;
    this.router = makeRouter(router);
    this.drainSeconds = drainSeconds;
    this.maxSpanSteps = maxSpanSteps;
    // A first engine checks the profile's limits now rather than when the first pod starts.
    this.kvCapacityTokens = new Replica(profile, this.slots, ledger).kvCapacityTokens;
  }

  /** Pods paid for now: every pod of the cluster plus the replicas still draining. */
  get paying(): number {
    return this.live.length + this.draining.length;
  }

  /** Follows the cluster's pods at second t (after the controller acted and readiness advanced). */
  sync(cluster: Cluster, t: number): void {
    while (this.live.length > cluster.size) {
      const r = this.live.pop() as Replica;
      if (this.live.length < this.ready) {
        this.ready = this.live.length;
        if (r.hasWork()) this.draining.push({ replica: r, since: t });
      }
    }
    while (this.live.length < cluster.size)
      this.live.push(new Replica(this.profile, this.slots, this.ledger, this.maxSpanSteps));
    const ready = Math.min(cluster.ready, this.live.length);
    if (ready <= this.ready) return;
    for (let i = this.ready; i < ready; i++) (this.live[i] as Replica).idleSince = t;
    this.ready = ready;
    while (this.gateway.length > 0) this.route(this.gateway.popFront(), t);
  }

  /** Request `req` reaches the gateway at time t. */
  arrive(req: number, t: number): void {
    this.arrivals++;
    const r = this.requests;
    const prompt = r.inputTokens[req] ?? 1;
    const output = r.outputTokens[req] ?? 1;
    if (prompt + output - 1 > this.kvCapacityTokens) {
      this.ledger.reject(req);
      return;
    }
    if (this.ready === 0) this.gateway.pushBack(req);
    else this.route(req, t);
  }

  private route(req: number, t: number): void {
    const r = this.requests;
    const prompt = r.inputTokens[req] ?? 1;
    const i = this.router.pick(this.live, this.ready, t, prompt);
    const s = this.slots.take(req, prompt, r.outputTokens[req] ?? 1, r.times[req] ?? t);
    (this.live[i] as Replica).enqueue(s, t);
  }

  /** Runs every replica up to time t; drained replicas leave, those past their drain time are aborted. */
  advanceAll(t: number): void {
    this.now = t;
    for (const r of this.live) r.advanceTo(t);
    for (let i = this.draining.length - 1; i >= 0; i--) {
      const d = this.draining[i] as Draining;
      d.replica.advanceTo(t);
      if (!d.replica.hasWork()) this.draining.splice(i, 1);
      else if (t - d.since >= this.drainSeconds) {
        d.replica.abortAll();
        this.draining.splice(i, 1);
      }
    }
  }

  /** Nothing in flight: no request at the gateway or on any replica. */
  idle(): boolean {
    return this.gateway.length === 0 && this.slots.inUse === 0;
  }

  get gatewayQueue(): number {
    return this.gateway.length;
  }

  get exporters(): number {
    return this.ready + this.draining.length;
  }

  get promptTokens(): number {
    return this.ledger.promptTokens;
  }

  get generationTokens(): number {
    return this.ledger.generationTokens + this.sumOver((r) => r.tokensOutBy(this.now));
  }

  get preemptions(): number {
    return this.ledger.preemptionsTotal;
  }

  get finishedOutputTokens(): number {
    return this.ledger.finishedOutputTokens;
  }

  get finishedPromptTokens(): number {
    return this.ledger.finishedPromptTokens;
  }

  get ttft(): LatencyHistogram {
    return this.ledger.ttftHistogram;
  }

  get itl(): LatencyHistogram {
    return this.ledger.itlHistogram;
  }

  get e2e(): LatencyHistogram {
    return this.ledger.e2eHistogram;
  }

  get tpot(): LatencyHistogram {
    return this.ledger.tpotHistogram;
  }

  get promptLengths(): LatencyHistogram {
    return this.ledger.promptLengths;
  }

  get outputLengths(): LatencyHistogram {
    return this.ledger.outputLengths;
  }

  running(): number {
    return this.sumOver((r) => r.nRunning);
  }

  waiting(): number {
    return this.sumOver((r) => r.waiting.length);
  }

  kvCacheUsageMean(): number {
    const n = this.exporters;
    return n === 0 ? 0 : this.sumOver((r) => r.kvUsageAt(this.now)) / n;
  }

  kvCacheUsageMax(): number {
    let m = 0;
    this.forExporters((r) => {
      m = Math.max(m, r.kvUsageAt(this.now));
    });
    return m;
  }

  private sumOver(f: (r: Replica) => number): number {
    let s = 0;
    this.forExporters((r) => {
      s += f(r);
    });
    return s;
  }

  private forExporters(f: (r: Replica) => void): void {
    for (let i = 0; i < this.ready; i++) f(this.live[i] as Replica);
    for (const d of this.draining) f(d.replica);
  }
}
