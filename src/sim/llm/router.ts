// Which ready replica a request goes to.
//  - least-outstanding-tokens: the replica with the fewest tokens of work, counted as its KV cache
//    holds them plus the prompt tokens it has still to prefill: what llm-d's endpoint picker weighs
//    through its KV-cache-utilisation and queue scorers, in one number. Like the endpoint picker,
//    the router reads each replica's load from its metrics, refreshed every 50 ms (the picker's
//    default --refresh-metrics-interval); between readings it adds the prompt tokens it routed there
//    itself, so a burst spreads instead of piling onto one replica. Ties go to the oldest replica.
//  - round-robin: each ready replica in turn.

import type { Replica } from "./replica.ts";

export type RouterKind = "least-outstanding-tokens" | "round-robin";

/** How old the router's reading of a replica's load may be, seconds. */
export const ROUTER_REFRESH_SECONDS = 0.05;

export interface Router {
  /**
   * Index of the replica (among the first `ready` of `replicas`) that takes a request of
   * `promptTokens` at time t; the chosen replica has been advanced to t.
   */
  pick(replicas: readonly Replica[], ready: number, t: number, promptTokens: number): number;
}

class LeastOutstandingTokens implements Router {
  pick(replicas: readonly Replica[], ready: number, t: number, promptTokens: number): number {
    let best = 0;
    let bestLoad = Infinity;
    for (let i = 0; i < ready; i++) {
      const r = replicas[i] as Replica;
      if (t - r.routerViewAt >= ROUTER_REFRESH_SECONDS) {
        r.advanceTo(t);
        r.routerView = r.outstandingTokensAt(t);
        r.routerViewAt = t;
      }
      if (r.routerView < bestLoad) {
        bestLoad = r.routerView;
        best = i;
        if (bestLoad <= 0) break; // an empty replica: none can be lower, and ties go to the oldest
      }
    }
    const chosen = replicas[best] as Replica;
    chosen.advanceTo(t);
    chosen.routerView += promptTokens;
    return best;
  }
}

class RoundRobin implements Router {
  private next = 0;

  pick(replicas: readonly Replica[], ready: number, t: number): number {
    const i = this.next % ready;
    this.next = i + 1;
    (replicas[i] as Replica).advanceTo(t);
    return i;
  }
}

export function makeRouter(kind: RouterKind): Router {
  return kind === "round-robin" ? new RoundRobin() : new LeastOutstandingTokens();
}
