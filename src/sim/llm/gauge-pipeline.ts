// Prometheus scraping a gauge (vllm:num_requests_waiting summed over pods, for example): a sample
// every scrapeSeconds, and an instant query returns the latest sample, so what KEDA reads is up to
// one scrape interval old. With no pod exporting the gauge the query returns nothing, which KEDA's
// Prometheus scaler reads as 0 (ignoreNullValues, its default). Counters go through RatePipeline
// (control-plane.ts) instead.
// Example, 15 s scrape: waiting 0 until t = 20, then 12: the query gives 0 at t = 29 and 12 from t = 30.

import type { ControlPlaneParams } from "../control-plane.ts";

export class GaugePipeline {
  /** The latest scraped value; undefined before the first scrape. */
  value: number | undefined;
  private readonly scrapeSeconds: number;

  constructor(p: ControlPlaneParams) {
    this.scrapeSeconds = p.scrapeSeconds;
  }

  /** Call every second with the gauge's current value (0 when no pod exports it). */
  step(t: number, current: number): void {
    if (t % this.scrapeSeconds !== 0) return;
    this.value = current;
  }
}
