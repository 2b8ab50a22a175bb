// The durations of a run of K identical decode-only engine steps, without calling the profile K
// times. Between two scheduling events of a replica (an arrival, a finish, a full KV cache) every
// step decodes the same n sequences, each one token longer than in the step before, so step j's
// batch differs from step 0's only in its context: C0 + j * n tokens. Its duration q(j) is fitted
// as a quadratic through the profile's step time at j = 0, (K-1)/2 and K-1 (exact for K <= 3, and
// for any profile whose step time is at most quadratic in the context, as attention-read and
// roofline models are); the run's cumulative times then have a closed form.
//
// Worked example: q(0) = 10 ms, q(1) = 11 ms, q(2) = 12 ms (K = 3, linear): beta = 1 ms,
// gamma = 0; the steps start at 0, 10 and 21 ms and the run ends at S(3) = 33 ms.

export class SpanTimes {
  /** Steps in the run. */
  steps = 0;
  private f0 = 0;
  private beta = 0;
  private gamma = 0;

  /**
   * Fits the run of `steps` steps; `stepAt(j)` is the profile's duration of step j (j may be
   * fractional: the middle of an even run). Throws if the profile gives a duration that is not
   * finite and positive.
   */
  fit(steps: number, stepAt: (j: number) => number): void {
    this.steps = steps;
    const f0 = positive(stepAt(0));
    this.f0 = f0;
    this.beta = 0;
    this.gamma = 0;
    if (steps <= 1) return;
    const last = steps - 1;
    const fl = positive(stepAt(last));
    // Through (0, f0), (m, fm), (L, fl): q(j) = f0 + beta j + gamma j^2.
    const m = steps === 2 ? last : last / 2;
    const fm = steps === 2 ? fl : positive(stepAt(m));
    if (steps === 2) {
      this.beta = fl - f0;
      return;
    }
    const gamma = (2 * (fl - 2 * fm + f0)) / (last * last);
    const beta = (fl - f0 - gamma * last * last) / last;
    // A fit that dips to zero or below inside the run (a profile far from quadratic) falls back to
    // the straight line between the ends, which stays positive.
    const vertex = gamma !== 0 ? -beta / (2 * gamma) : -1;
    const dip = vertex > 0 && vertex < last ? f0 + beta * vertex + gamma * vertex * vertex : Infinity;
    if (dip <= 0) {
      this.beta = (fl - f0) / last;
      return;
    }
    this.beta = beta;
    this.gamma = gamma;
  }

  /** A single step of duration `d`. */
  one(d: number): void {
    this.steps = 1;
    this.f0 = positive(d);
    this.beta = 0;
    this.gamma = 0;
  }

  /** Duration of step j (0 <= j < steps). */
  at(j: number): number {
    return this.f0 + this.beta * j + this.gamma * j * j;
  }

  /** Start of step k relative to the run's start: the sum of steps 0..k-1 (S(steps) is the run's length). */
  until(k: number): number {
    return k * this.f0 + (this.beta * k * (k - 1)) / 2 + (this.gamma * (k - 1) * k * (2 * k - 1)) / 6;
  }

  /** How many steps start strictly before `dt` after the run's start (0..steps). */
  startedBefore(dt: number): number {
    if (dt <= 0) return 0;
    // From the guess dt / (first step), walk to the last step starting before dt: steps change
    // slowly within a run, so the walk is a step or two.
    let k = Math.min(this.steps, Math.floor(dt / this.f0));
    while (k > 0 && this.until(k) >= dt) k--;
    while (k < this.steps && this.until(k + 1) < dt) k++;
    return Math.min(k + 1, this.steps);
  }

  /** Set by measureRange: the smallest and largest step duration measured. */
  rangeMin = 0;
  rangeMax = 0;

  /** The smallest and largest step duration in the first `k` steps, into rangeMin and rangeMax. */
  measureRange(k: number): void {
    const last = k - 1;
    let min = Math.min(this.at(0), this.at(last));
    let max = Math.max(this.at(0), this.at(last));
    if (this.gamma !== 0) {
      const v = -this.beta / (2 * this.gamma);
      if (v > 0 && v < last) {
        const q = this.at(v);
        min = Math.min(min, q);
        max = Math.max(max, q);
      }
    }
    this.rangeMin = min;
    this.rangeMax = max;
  }
}

function positive(v: number): number {
  if (!Number.isFinite(v) || v <= 0)
    throw new RangeError(`profile step time must be finite and positive, got ${String(v)}`);
  return v;
}
