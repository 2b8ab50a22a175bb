// The platform's cost rate over the measured period, one point per minute: what the alive replicas
// cost per hour, summed over services at each one's blended price (on-demand and spot by the spot
// share), as the budget rule prices them. A 27.6-day replay has ~40k minutes, so the series are
// typed arrays: 8 bytes a minute for the total, 4 per service for its replicas.
//
// Worked example: vLLM at $2.39/h a replica and celery at $0.10/h. In a minute where vLLM runs 8
// replicas for 30 s then 7, and celery 2 throughout: the total is 8 x 2.39 + 2 x 0.10 = $19.32/h at
// its highest, vLLM's replicas 8 and celery's 2; against a $19/h budget that minute has 30 seconds over.

/** Per measured minute (the last may be partial), from the first measured second. */
export interface HourlyCostSeries {
  /** Epoch ms of the first measured second; minute i starts i x 60 s later. */
  readonly from: number;
  /** The highest total $/h of the alive replicas at any second of the minute. */
  readonly total: Float64Array;
  /** Seconds of the minute with the total over maxHourlyCost (all 0 without a budget). */
  readonly secondsOverBudget: Uint8Array;
  /** Per service, in the replay's order; its $/h in a minute is replicas x pricePerReplicaHour. */
  readonly services: readonly ServiceCostSeries[];
}

export interface ServiceCostSeries {
  readonly service: string;
  /** Blended $/h of one replica. */
  readonly pricePerReplicaHour: number;
  /** The most replicas alive at any second of the minute. */
  readonly replicas: Uint32Array;
}

/** Collects the series second by second; the peak and the seconds over budget follow from it. */
export class HourlyCostRecorder {
  private readonly total: Float64Array;
  private readonly over: Uint8Array;
  private readonly replicas: readonly Uint32Array[];
  private readonly services: readonly { readonly name: string; readonly price: number }[];
  private readonly maxHourlyCost: number | undefined;

  /**
   * `services`: name and blended $/h of one replica, in the replay's order; `seconds`: the length of
   * the measured period; `maxHourlyCost`: the budget, if any.
   */
  constructor(
    services: readonly { readonly name: string; readonly price: number }[],
    seconds: number,
    maxHourlyCost: number | undefined,
  ) {
    const minutes = Math.max(0, Math.ceil(seconds / 60));
    this.total = new Float64Array(minutes);
    this.over = new Uint8Array(minutes);
    this.replicas = services.map(() => new Uint32Array(minutes));
    this.services = services;
    this.maxHourlyCost = maxHourlyCost;
  }

  /** Measured second `s` (0 = the first): each service's alive replicas. */
  record(s: number, alive: readonly number[]): void {
    const m = Math.floor(s / 60);
    let hourly = 0;
    alive.forEach((n, i) => {
      hourly += n * (this.services[i]?.price ?? 0);
      const r = this.replicas[i];
      if (r && n > (r[m] ?? 0)) r[m] = n;
    });
    if (hourly > (this.total[m] ?? 0)) this.total[m] = hourly;
    if (this.maxHourlyCost !== undefined && hourly > this.maxHourlyCost + 1e-9)
      this.over[m] = (this.over[m] ?? 0) + 1;
  }

  /** The series so far; `from` is the epoch ms of the first measured second. */
  series(from: number): HourlyCostSeries {
    return {
      from,
      total: this.total,
      secondsOverBudget: this.over,
      services: this.services.map((s, i) => ({
        service: s.name,
        pricePerReplicaHour: s.price,
        replicas: this.replicas[i] ?? new Uint32Array(),
      })),
    };
  }
}

/** The highest total $/h of the series: the platform's peak. */
export function peakOf(series: HourlyCostSeries): number {
  let peak = 0;
  for (const v of series.total) if (v > peak) peak = v;
  return peak;
}

/** Seconds over the budget over the whole series. */
export function secondsOverBudgetOf(series: HourlyCostSeries): number {
  let sum = 0;
  for (const v of series.secondsOverBudget) sum += v;
  return sum;
}

/** The series as plain numbers for JSON, at full per-minute resolution. */
export function hourlyCostJson(series: HourlyCostSeries): unknown {
  return {
    from: new Date(series.from).toISOString(),
    stepSeconds: 60,
    total: Array.from(series.total),
    secondsOverBudget: Array.from(series.secondsOverBudget),
    services: series.services.map((s) => ({
      service: s.service,
      pricePerReplicaHour: s.pricePerReplicaHour,
      replicas: Array.from(s.replicas),
    })),
  };
}
