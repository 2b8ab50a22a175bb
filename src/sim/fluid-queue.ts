// Requests as a fluid served first in, first out, one second at a time, and what their latency was.
// Example: 12 requests arrive in a second and 10 are served: 2 wait; if the next second brings 5
// and 10 can be served, all 7 leave, the 2 from before first.

/** The latency outcome of a run, from the first measured second on. */
export interface Quality {
  readonly sloViolationMinutesPct: number;
  readonly lateRequestsPct: number;
  readonly p95LatencySeconds: number;
  readonly p99LatencySeconds: number;
}

/** How latency is judged: service time plus queueing delay, against the SLO. */
export interface LatencySettings {
  readonly serviceTimeSeconds: number;
  readonly sloSeconds: number;
  /** A minute violates the SLO when more than this share of its requests is late (p95 > SLO). */
  readonly lateShareForViolation: number;
}

export class FluidQueue {
  /** arrived[t]: requests arrived before second t (the service's request counter at t). */
  readonly arrived: Float64Array;
  /** departed[t]: requests served before second t. */
  readonly departed: Float64Array;
  private waiting = 0;

  constructor(seconds: number) {
    this.arrived = new Float64Array(seconds + 1);
    this.departed = new Float64Array(seconds + 1);
  }

  /** Second t: `arrivals` join the queue and up to `capacity` requests leave it. */
  step(t: number, arrivals: number, capacity: number): void {
    this.waiting += arrivals;
    const served = Math.min(this.waiting, capacity);
    this.waiting -= served;
    this.arrived[t + 1] = (this.arrived[t] ?? 0) + arrivals;
    this.departed[t + 1] = (this.departed[t] ?? 0) + served;
  }

  /**
   * Latency of the requests arriving from second `from` on (`rate`: arrivals per second, as
   * stepped): the middle of second t's arrivals leaves when the departures catch up with them.
   */
  quality(rate: Float32Array, from: number, s: LatencySettings): Quality {
    const { arrived, departed } = this;
    const T = rate.length;
    const hist = new Float64Array(HIST_BINS + 1);
    let total = 0;
    let late = 0;
    const minutes = { active: 0, violating: 0, arrivals: 0, late: 0 };
    let leaves = from;
    for (let t = from; t < T; t++) {
      const a = rate[t] ?? 0;
      if (a > 0) {
        const middle = (arrived[t] ?? 0) + a / 2;
        while (leaves < T && (departed[leaves + 1] ?? 0) < middle - 1e-9) leaves++;
        const delay = leaves >= T ? T - t : Math.max(0, leaves + 1 - (t + 0.5));
        const latency = s.serviceTimeSeconds + delay;
        total += a;
        minutes.arrivals += a;
        const bin = Math.min(HIST_BINS, Math.floor(latency / HIST_STEP));
        hist[bin] = (hist[bin] ?? 0) + a;
        if (latency > s.sloSeconds) {
          late += a;
          minutes.late += a;
        }
      }
      if ((t - from) % 60 === 59) {
        if (minutes.arrivals > 0) {
          minutes.active++;
          if (minutes.late / minutes.arrivals > s.lateShareForViolation) minutes.violating++;
        }
        minutes.arrivals = 0;
        minutes.late = 0;
      }
    }
    return {
      sloViolationMinutesPct: minutes.active > 0 ? (100 * minutes.violating) / minutes.active : 0,
      lateRequestsPct: total > 0 ? (100 * late) / total : 0,
      p95LatencySeconds: histQuantile(hist, total, 0.95),
      p99LatencySeconds: histQuantile(hist, total, 0.99),
    };
  }
}

/** Latency histogram: 0.1 s bins up to an hour. */
const HIST_STEP = 0.1;
const HIST_BINS = 36_000;

function histQuantile(hist: Float64Array, total: number, q: number): number {
  let acc = 0;
  for (let i = 0; i < hist.length; i++) {
    acc += hist[i] ?? 0;
    if (acc >= q * total) return (i + 1) * HIST_STEP;
  }
  return hist.length * HIST_STEP;
}
