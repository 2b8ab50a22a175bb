// The live metrics a simulated service reads from its request ledger (ledger.ts): the counters and
// histograms of finished requests, the same whether one fleet or several variants' fleets serve the
// service. The fleets add what depends on their replicas (fleet.ts, variant-fleets.ts).

import type { LatencyHistogram } from "./histogram.ts";
import type { RequestLedger } from "./ledger.ts";
import type { LiveMetrics } from "./live-metrics.ts";

export abstract class LedgerMetrics implements LiveMetrics {
  abstract readonly arrivals: number;
  abstract readonly gatewayQueue: number;
  abstract readonly exporters: number;
  abstract readonly generationTokens: number;
  abstract running(): number;
  abstract waiting(): number;
  abstract kvCacheUsageMean(): number;
  abstract kvCacheUsageMax(): number;

  protected readonly ledger: RequestLedger;

  protected constructor(ledger: RequestLedger) {
    this.ledger = ledger;
  }

  get promptTokens(): number {
    return this.ledger.promptTokens;
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
}
