// The split: how many replicas of each variant, so that the fleet serves the demand at every
// checkpoint (with the spot hedge once every new replica serves) at the least dollar cost, within
// each variant's bounds, the GPU caps, the total bounds and the budget. An exact branch and bound
// over integer replica counts.
//
// The model (problem.ts). Variant i: capacity c_i tokens/s a replica, price p_i $/h, start-up S_i,
// r_i replicas ready now, bounds [lo_i, hi_i]. Checkpoint j: demand D_j at t_j from now; the last
// one, t_L, is the latest start-up. The split chooses f_i replicas the fleet keeps once every new
// replica serves, and h_i <= r_i - f_i ready replicas it holds until then (asked now: n_i = f_i +
// h_i). A replica still loading serves nothing: variant i serves at t_j
//   with f_i + h_i when S_i <= t_j, else with min(f_i, r_i) + h_i (its ready replicas),
// and at t_L with f_i alone. Constraints: every checkpoint served, cap_j >= R_j with R_j =
// min(D_j, the most the variants serve at t_j at their bounds) (a demand no split serves is sized
// for what can be); the hedge at t_L, sum_i c_i (f_i - L_i(f_i)) >= R_L (L_i: the preemptions of
// the variant's spot replicas within S_i at the hedge quantile, hedge.ts); minTotal <= sum_i f_i;
// on what runs now, sum_i n_i <= maxTotal, sum_i g_i n_i <= the GPU cap of each type,
// sum_i p_i n_i <= budget. Objective: the dollars over the horizon H, H x sum_i p_i f_i (the fleet
// kept) + t_L x sum_i p_i h_i (the replicas held until the new ones serve).
//
// So a cheap variant that loads slowly loses to a dear one already warm when the demand comes
// before it would serve: the dear one's replicas are kept (or new ones of a fast variant started),
// because only they serve then. And a fleet moves to a cheaper mix when what it saves over the
// horizon pays for holding the dear replicas until the cheap ones serve: with H = 30 min, keeping 3
// warm H100s at $8/h costs $12.00; moving to 7 L40S at $2/h, holding the H100s for their 480 s
// start-up, costs $7.00 + $3.20 = $10.20: the split moves.
//
// Ties in the objective go to the first declared variants (the larger kept count of the first
// variant that differs; then the cheaper hold, the same way), so the split is one function of its
// inputs, and it is stable: tightening a constraint the split does not bind leaves it as it was
// (the old split is still feasible and still the least of the smaller set). A `short` split is the
// exception: its targets are the most the variants serve at their bounds and each type's GPU cap,
// so tightening one of those lowers a target, and a split of another shape (with held replicas,
// which the shortfall search does not weigh) may then meet it. So is a `minimums` split, whose
// raised caps follow the minimums: tightening a minimum (or minTotal) to what it uses raises them.
//
// When the caps (budget, GPU caps, maxTotal) leave no feasible split, the constraints are given up
// in order: first the hedge (`hedge-dropped`), then the demand: the replicas that serve the most of
// it, as the shortfall summed over the checkpoints, at the least cost (`short`); if even the
// minimums do not fit, the caps they overrun are raised to what they use and the rest is as
// `short` (`minimums`).
//
// Why the search is exact, and what it costs. Each constraint on f but the caps only grows with
// each f_i, so an optimal split has no kept replica it could drop: for f_i > lo_i, dropping one
// breaks a checkpoint (c_i (f_i - 1) < R_j), the hedge (c_i (f_i - 1) < R_L + sum_j c_j L_j(hi_j))
// or minTotal. That bounds each count by N_i = ceil((max_j R_j + hedge slack) / c_i) (or minTotal),
// and the search enumerates every kept count of all variants but one within [lo_i, N_i]; the last
// one's least count is computed directly (a division per checkpoint, then a scan upward while a
// larger count could still save more hold than it costs), and the held replicas are the exact
// least-cost cover of what the kept ones leave uncovered before t_L (one more search, over the
// ready replicas, with a single constraint: every held replica serves at every checkpoint).
// Variants are enumerated in rising capacity per dollar, the best one last, so the first complete
// split is the cheapest-per-capacity fleet rounded up, and a branch is cut when its cost plus a
// lower bound of the rest (their minimums, plus the uncovered last-checkpoint demand at the best
// remaining dollars per token/s: the linear relaxation) reaches the best split found. Worst case
// O(prod_{i<k} (N_i + 1) x (J + s)) for k variants, J checkpoints and a leaf scan of s; a variant
// whose capacity per dollar is below the best one's is enumerated only while its extra cost over
// the relaxation stays within the rounding gap of the incumbent (bench/variants.bench.ts times
// decide() with the split on the example's services). A node limit keeps a pathological input from stalling the loop: past it
// the best split found is returned with `proven: false`.

import { ceilSafe } from "../hpa.ts";
import { variantHedge } from "./hedge.ts";
import type { CheckpointResult, SplitOutcome, SplitProblem, SplitResult, SplitVariant } from "./problem.ts";

/** Search nodes before the solve gives up proving optimality. */
export const NODE_LIMIT = 200_000;

const rel = (x: number): number => 1e-9 * Math.max(1, Math.abs(x));
/**
 * Dollars `a` above `b` by more than rounding: the same prices summed in another order differ in
 * their last bits, and such a tie must reach the tie-break (the first declared variants preferred).
 */
const above = (a: number, b: number): boolean => a - b > rel(b);

/** Each variant's upper bound: its max (its ready replicas while spot is unavailable) and, alone, the GPU cap of its type. */
export function upperBounds(p: SplitProblem): number[] {
  return p.variants.map((v) => {
    const cap = v.gpuType !== undefined && v.gpusPerReplica > 0 ? p.gpuCaps[v.gpuType] : undefined;
    const byGpu = cap === undefined ? Infinity : Math.floor(cap / v.gpusPerReplica + 1e-9);
    return Math.max(0, Math.min(v.spotUnavailable ? Math.min(v.max, v.ready) : v.max, byGpu));
  });
}

/** Replicas of `v` serving at `t` with `kept` of them kept and `held` ready ones held. */
function serving(v: SplitVariant, kept: number, held: number, t: number): number {
  return (v.startupSeconds <= t ? kept : Math.min(kept, v.ready)) + held;
}

/** Tokens/s served at `t`. */
export function capacityAt(
  p: SplitProblem,
  kept: readonly number[],
  t: number,
  held: readonly number[] = [],
): number {
  let sum = 0;
  p.variants.forEach((v, i) => {
    sum += v.capacity * serving(v, kept[i] ?? 0, held[i] ?? 0, t);
  });
  return sum;
}

/** USD per hour of the counts, summed in the variants' order (the same sum everywhere). */
export function costOf(p: SplitProblem, counts: readonly number[]): number {
  let sum = 0;
  p.variants.forEach((v, i) => {
    sum += v.price * (counts[i] ?? 0);
  });
  return sum;
}

function lossOf(v: SplitVariant, n: number, q: number): number {
  if (!(q > 0) || !(v.spotShare > 0) || !(v.preemptionsPerHour > 0)) return 0;
  return variantHedge(n, v.spotShare, v.preemptionsPerHour, v.startupSeconds, q).replicas;
}

/** Capacity of the kept replicas minus the hedge's loss, at `t`. */
function hedged(p: SplitProblem, kept: readonly number[], t: number): number {
  let loss = 0;
  p.variants.forEach((v, i) => {
    loss += v.capacity * lossOf(v, kept[i] ?? 0, p.hedgeQuantile);
  });
  return capacityAt(p, kept, t) - loss;
}

/** The sizing target of each checkpoint: its demand, or the most the variants serve then at their bounds. */
export function targetsOf(p: SplitProblem, hi: readonly number[]): number[] {
  return p.checkpoints.map((c) => Math.min(c.demand, capacityAt(p, hi, c.atSeconds)));
}

/** The index of the last checkpoint (the latest; the first of equals). */
export function lastCheckpoint(p: SplitProblem): number {
  return p.checkpoints.reduce(
    (best, c, j) => (c.atSeconds > (p.checkpoints[best]?.atSeconds ?? -1) ? j : best),
    0,
  );
}

type Mode = "cover" | "cover-hedged" | "coverage";

/** A split the search found, and how it ranks. */
interface Found {
  readonly kept: number[];
  readonly held: number[];
  /** $/h of the held replicas. */
  readonly holdCost: number;
  /** The objective: dollars over the horizon (cover modes). */
  readonly dollars: number;
  /** Demand served, summed over the checkpoints and capped at each target (coverage mode). */
  readonly coverage: number;
}

/** -1 when `a` comes first: the larger count of the first variant that differs (the first declared is preferred). */
function preferred(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x > y ? -1 : 1;
  }
  return 0;
}

/**
 * Fewer dollars first, then the kept counts that prefer the first declared variants, then the
 * cheaper hold, then the held counts that prefer the first declared; `a` strictly first.
 */
function cheaper(a: Found, b: Found | undefined): boolean {
  if (b === undefined) return true;
  if (above(a.dollars, b.dollars) || above(b.dollars, a.dollars)) return a.dollars < b.dollars;
  const kept = preferred(a.kept, b.kept);
  if (kept !== 0) return kept < 0;
  if (a.holdCost !== b.holdCost) return a.holdCost < b.holdCost;
  return preferred(a.held, b.held) < 0;
}

/** Coverage first (more is better), then (dollars, kept, held). */
function better(a: Found, b: Found | undefined): boolean {
  if (b === undefined) return true;
  if (Math.abs(a.coverage - b.coverage) > rel(b.coverage)) return a.coverage > b.coverage;
  return cheaper(a, b);
}

/** Sums over the variants still to be chosen below a level of the search. */
interface Rest {
  readonly minCost: number;
  readonly loSum: number;
  readonly loGpu: ReadonlyMap<string, number>;
  /** Capacity of their minimums at the last checkpoint. */
  readonly loCapLast: number;
  /** Their capacity at each checkpoint at their upper counts (holding every ready one). */
  readonly maxCap: readonly number[];
  /** The least dollars per token/s among them (Infinity: none has capacity). */
  readonly bestRatio: number;
  readonly minPrice: number;
}

/** One branch and bound over the kept counts (see the header). */
class Search {
  readonly p: SplitProblem;
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly upper: readonly number[];
  readonly targets: readonly number[];
  readonly mode: Mode;
  readonly times: readonly number[];
  readonly last: number;
  readonly order: readonly number[];
  readonly rest: readonly Rest[];
  readonly kept: number[];
  best: Found | undefined;
  nodes = 0;
  stopped = false;
  private fixedCost = 0;
  private fixedSum = 0;
  private fixedCap: number[];
  private readonly fixedGpu = new Map<string, number>();
  private readonly budget: number;

  constructor(
    p: SplitProblem,
    hi: readonly number[],
    upper: readonly number[],
    targets: readonly number[],
    mode: Mode,
  ) {
    this.p = p;
    this.hi = hi;
    this.lo = p.variants.map((v) => v.min);
    this.upper = upper;
    this.targets = targets;
    this.mode = mode;
    this.times = p.checkpoints.map((c) => c.atSeconds);
    this.last = lastCheckpoint(p);
    this.budget = p.budget ?? Infinity;
    this.kept = [...this.lo];
    this.fixedCap = this.times.map(() => 0);
    this.order = enumerationOrder(p.variants);
    this.rest = this.order.map((_, level) => this.restBelow(level));
  }

  private variant(i: number): SplitVariant {
    return this.p.variants[i] as SplitVariant;
  }

  private restBelow(level: number): Rest {
    const ids = this.order.slice(level + 1);
    const loGpu = new Map<string, number>();
    let minCost = 0;
    let loSum = 0;
    let loCapLast = 0;
    let bestRatio = Infinity;
    let minPrice = Infinity;
    for (const i of ids) {
      const v = this.variant(i);
      const lo = this.lo[i] ?? 0;
      minCost += v.price * lo;
      loSum += lo;
      loCapLast += v.capacity * lo;
      if (v.gpuType !== undefined) loGpu.set(v.gpuType, (loGpu.get(v.gpuType) ?? 0) + lo * v.gpusPerReplica);
      if (v.capacity > 0) bestRatio = Math.min(bestRatio, v.price / v.capacity);
      minPrice = Math.min(minPrice, v.price);
    }
    const maxCap = this.times.map((t) =>
      ids.reduce((s, i) => {
        const v = this.variant(i);
        const top = this.upper[i] ?? 0;
        return s + v.capacity * Math.max(serving(v, top, 0, t), Math.min(this.hi[i] ?? 0, v.ready));
      }, 0),
    );
    return { minCost, loSum, loGpu, loCapLast, maxCap, bestRatio, minPrice };
  }

  run(): void {
    if (this.order.length > 0) this.enumerate(0);
  }

  private push(i: number, n: number, sign: 1 | -1): void {
    const v = this.variant(i);
    this.fixedCost += sign * v.price * n;
    this.fixedSum += sign * n;
    this.fixedCap = this.fixedCap.map((c, j) => c + sign * v.capacity * serving(v, n, 0, this.times[j] ?? 0));
    if (v.gpuType !== undefined)
      this.fixedGpu.set(v.gpuType, (this.fixedGpu.get(v.gpuType) ?? 0) + sign * n * v.gpusPerReplica);
    this.kept[i] = sign > 0 ? n : (this.lo[i] ?? 0);
  }

  /** The chosen counts, `n` more of variant `i` and the rest's minimums hold more GPUs of a type than its cap. */
  private gpuOver(i: number, n: number, rest: Rest): boolean {
    const v = this.variant(i);
    for (const [type, cap] of Object.entries(this.p.gpuCaps)) {
      const own = v.gpuType === type ? n * v.gpusPerReplica : 0;
      if ((this.fixedGpu.get(type) ?? 0) + own + (rest.loGpu.get(type) ?? 0) > cap + 1e-9) return true;
    }
    return false;
  }

  private tick(): boolean {
    if (++this.nodes > NODE_LIMIT) this.stopped = true;
    return this.stopped;
  }

  private enumerate(level: number): void {
    if (level === this.order.length - 1) {
      if (this.mode === "coverage") this.leafCoverage();
      else this.leafCover();
      return;
    }
    const i = this.order[level] as number;
    const v = this.variant(i);
    const rest = this.rest[level] as Rest;
    for (let n = this.lo[i] ?? 0; n <= (this.upper[i] ?? 0); n++) {
      if (this.tick()) return;
      const cost = this.fixedCost + v.price * n;
      if (cost + rest.minCost > this.budget + rel(this.budget)) break;
      if (this.fixedSum + n + rest.loSum > this.p.maxTotal) break;
      if (this.gpuOver(i, n, rest)) break;
      const cut = this.cut(i, n, cost, rest);
      if (cut === "stop") break;
      if (cut === "skip") continue;
      this.push(i, n, 1);
      this.enumerate(level + 1);
      this.push(i, n, -1);
      if (this.stopped) return;
    }
  }

  /** The horizon's weights: the kept fleet's dollars per $/h, and the held replicas'. */
  private get weights(): { readonly kept: number; readonly held: number } {
    return { kept: this.p.horizonSeconds, held: this.times[this.last] ?? 0 };
  }

  /**
   * Whether the branch with `n` of variant `i` can still beat the best split: "stop" when it and
   * every larger count cannot (cost alone), "skip" when this count cannot (its lower bound).
   */
  private cut(i: number, n: number, cost: number, rest: Rest): "go" | "skip" | "stop" {
    if (this.mode !== "coverage" && !this.reachable(i, n, rest)) return "skip";
    const best = this.best;
    if (best === undefined) return "go";
    if (this.mode === "coverage") {
      const v = this.variant(i);
      let reach = 0;
      this.times.forEach((t, j) => {
        const cap = (this.fixedCap[j] ?? 0) + v.capacity * serving(v, n, 0, t) + (rest.maxCap[j] ?? 0);
        reach += Math.min(this.targets[j] ?? 0, cap);
      });
      if (reach < best.coverage - rel(best.coverage)) return "skip";
      const tie = reach <= best.coverage + rel(best.coverage);
      return tie && above((cost + rest.minCost) * this.weights.kept, best.dollars) ? "skip" : "go";
    }
    if (above((cost + rest.minCost) * this.weights.kept, best.dollars)) return "stop";
    return above(this.lowerBound(i, n, cost, rest) * this.weights.kept, best.dollars) ? "skip" : "go";
  }

  /**
   * Whether a completion of the branch can serve every target: the chosen kept replicas and the
   * ready ones they leave to hold, `n` of variant `i` (likewise), and the rest at their most.
   */
  private reachable(i: number, n: number, rest: Rest): boolean {
    for (let j = 0; j < this.times.length; j++) {
      const t = this.times[j] ?? 0;
      let cap = (rest.maxCap[j] ?? 0) + this.variant(i).capacity * this.most(i, n, t, j);
      for (let level = 0; level < this.order.length; level++) {
        const f = this.order[level] as number;
        if (f === i) break;
        cap += this.variant(f).capacity * this.most(f, this.kept[f] ?? 0, t, j);
      }
      const target = this.targets[j] ?? 0;
      if (cap < target - rel(target)) return false;
    }
    return true;
  }

  /** Replicas of variant `i` with `n` kept that can serve at checkpoint `j` (holding its other ready ones). */
  private most(i: number, n: number, t: number, j: number): number {
    const v = this.variant(i);
    const kept = serving(v, n, 0, t);
    return j === this.last ? kept : kept + Math.max(0, Math.min(v.ready, this.hi[i] ?? 0) - n);
  }

  /** The least $/h of kept replicas any completion of the branch can have: its linear relaxation at t_L and on minTotal. */
  private lowerBound(i: number, n: number, cost: number, rest: Rest): number {
    const v = this.variant(i);
    const target = this.targets[this.last] ?? 0;
    const deficit = target - (this.fixedCap[this.last] ?? 0) - v.capacity * n - rest.loCapLast;
    const byDemand = deficit > rel(target) ? deficit * rest.bestRatio : 0;
    const missing = this.p.minTotal - this.fixedSum - n - rest.loSum;
    const byTotal = missing > 0 ? missing * rest.minPrice : 0;
    return cost + rest.minCost + Math.max(byDemand, byTotal);
  }

  /** The most of variant `x` the caps leave room for, with the other counts chosen (-1: none). */
  private room(x: number): number {
    const v = this.variant(x);
    let up = Math.min(this.upper[x] ?? 0, this.p.maxTotal - this.fixedSum);
    const cap = v.gpuType !== undefined && v.gpusPerReplica > 0 ? this.p.gpuCaps[v.gpuType] : undefined;
    if (cap !== undefined)
      up = Math.min(
        up,
        Math.floor((cap - (this.fixedGpu.get(v.gpuType ?? "") ?? 0)) / v.gpusPerReplica + 1e-9),
      );
    if (v.price > 0) up = Math.min(up, Math.floor((this.budget - this.fixedCost) / v.price + 1e-9));
    else if (this.fixedCost > this.budget + rel(this.budget)) return -1;
    return up;
  }

  /** The last variant's least kept count serving the last checkpoint and minTotal (-1: none can). */
  private leastKept(x: number): number {
    const v = this.variant(x);
    const lower = Math.max(this.lo[x] ?? 0, this.p.minTotal - this.fixedSum);
    const target = this.targets[this.last] ?? 0;
    const need = target - (this.fixedCap[this.last] ?? 0);
    if (need <= rel(target)) return lower;
    return v.capacity > 0 ? Math.max(lower, ceilSafe(need / v.capacity)) : -1;
  }

  /**
   * The last variant's kept count, from its least upward: each count with the least hold of the
   * ready replicas that covers the earlier checkpoints. A larger count is tried only while its own
   * kept dollars stay within the least kept-plus-hold dollars of the counts tried (the hold cannot
   * go below zero), and while it serves at an earlier checkpoint (else it adds nothing there).
   */
  private leafCover(): void {
    const x = this.order[this.order.length - 1] as number;
    const v = this.variant(x);
    const least = this.leastKept(x);
    const upper = this.room(x);
    const w = this.weights;
    // The least of x's own kept dollars plus the hold over the counts tried: a larger count costs
    // more kept dollars, so once those alone exceed it no larger count can do better.
    let bestOwn = Infinity;
    for (let n = least; least >= 0 && n <= upper; n++) {
      if (this.tick()) break;
      if (above(w.kept * v.price * n, bestOwn)) break;
      this.kept[x] = n;
      if (this.mode === "cover-hedged" && !this.hedgeHolds()) continue;
      const held = this.leastHold();
      if (held !== undefined) {
        const holdCost = costOf(this.p, held);
        bestOwn = Math.min(bestOwn, w.kept * v.price * n + w.held * holdCost);
        this.offer(held, w.kept * costOf(this.p, this.kept) + w.held * holdCost, 0);
        if (holdCost === 0) break;
      }
      if (!this.servesEarlier(x, n)) break;
    }
    this.kept[x] = this.lo[x] ?? 0;
  }

  /** One more kept replica of `x` (after `n`) serves at some checkpoint before the last. */
  private servesEarlier(x: number, n: number): boolean {
    const v = this.variant(x);
    return this.times.some((t, j) => j !== this.last && (v.startupSeconds <= t || n < v.ready));
  }

  private hedgeHolds(): boolean {
    const target = this.targets[this.last] ?? 0;
    return hedged(this.p, this.kept, this.times[this.last] ?? 0) >= target - rel(target);
  }

  /**
   * The least-cost ready replicas to hold beyond the kept ones so that every checkpoint before the
   * last is served, within the caps; zeros when none is needed, undefined when none suffices. A
   * held replica serves at every checkpoint (it is ready), so this is one covering constraint.
   */
  private leastHold(): number[] | undefined {
    const p = this.p;
    let need = 0;
    this.times.forEach((t, j) => {
      if (j !== this.last) need = Math.max(need, (this.targets[j] ?? 0) - capacityAt(p, this.kept, t));
    });
    const none = p.variants.map(() => 0);
    if (need <= rel(need)) return none;
    const rooms = p.variants.map((v, i) =>
      Math.max(0, Math.min(v.ready, this.hi[i] ?? 0) - (this.kept[i] ?? 0)),
    );
    if (capacityAt(p, rooms, 0) < need - rel(need)) return undefined;
    const gpuCaps: Record<string, number> = {};
    for (const [type, cap] of Object.entries(p.gpuCaps)) {
      const used = p.variants.reduce(
        (s, v, i) => s + (v.gpuType === type ? (this.kept[i] ?? 0) * v.gpusPerReplica : 0),
        0,
      );
      gpuCaps[type] = cap - used;
    }
    const sub: SplitProblem = {
      variants: p.variants.map((v, i) => ({
        ...v,
        min: 0,
        max: rooms[i] ?? 0,
        startupSeconds: 0,
        ready: rooms[i] ?? 0,
        spotShare: 0,
        preemptionsPerHour: 0,
      })),
      horizonSeconds: 1,
      checkpoints: [{ atSeconds: 0, demand: need }],
      hedgeQuantile: 0,
      budget: this.budget - costOf(p, this.kept),
      gpuCaps,
      minTotal: 0,
      maxTotal: p.maxTotal - this.kept.reduce((s, n) => s + n, 0),
    };
    const s = new Search(sub, rooms, usefulCounts(sub, rooms, [need], false), [need], "cover");
    s.run();
    this.nodes += s.nodes;
    if (s.stopped) this.stopped = true;
    return s.best?.kept;
  }

  /** Coverage mode: the last variant's count serving the most of the targets, the least such. */
  private leafCoverage(): void {
    const x = this.order[this.order.length - 1] as number;
    const v = this.variant(x);
    if (this.tick()) return;
    const lower = Math.max(this.lo[x] ?? 0, this.p.minTotal - this.fixedSum);
    const upper = this.room(x);
    if (lower > upper) return;
    let n = lower;
    this.times.forEach((t, j) => {
      const short = (this.targets[j] ?? 0) - (this.fixedCap[j] ?? 0);
      if (!(short > 0) || !(v.capacity > 0)) return;
      let m = ceilSafe(short / v.capacity);
      if (v.startupSeconds > t) m = Math.min(m, v.ready);
      n = Math.max(n, Math.min(m, upper));
    });
    this.kept[x] = n;
    let coverage = 0;
    this.times.forEach((t, j) => {
      coverage += Math.min(this.targets[j] ?? 0, capacityAt(this.p, this.kept, t));
    });
    this.offer(
      this.p.variants.map(() => 0),
      this.weights.kept * costOf(this.p, this.kept),
      coverage,
    );
    this.kept[x] = this.lo[x] ?? 0;
  }

  private offer(held: number[], dollars: number, coverage: number): void {
    const found: Found = { kept: [...this.kept], held, holdCost: costOf(this.p, held), dollars, coverage };
    if (this.mode === "coverage" ? better(found, this.best) : cheaper(found, this.best)) this.best = found;
  }
}

/** Rising capacity per dollar, the best last (a free variant counts as the best; ties by order). */
function enumerationOrder(variants: readonly SplitVariant[]): number[] {
  const value = (v: SplitVariant): number =>
    v.capacity <= 0 ? 0 : v.price > 0 ? v.capacity / v.price : Infinity;
  return variants
    .map((v, i) => ({ i, value: value(v) }))
    .sort((a, b) => a.value - b.value || a.i - b.i)
    .map((x) => x.i);
}

/**
 * Each variant's useful kept counts: none above what alone serves the largest target (plus the
 * hedge's most, when hedged) or minTotal, by the argument of the header; never above its bound.
 */
function usefulCounts(
  p: SplitProblem,
  hi: readonly number[],
  targets: readonly number[],
  hedge: boolean,
): number[] {
  const top = Math.max(0, ...targets);
  const slack = hedge
    ? p.variants.reduce((s, v, i) => s + v.capacity * lossOf(v, hi[i] ?? 0, p.hedgeQuantile), 0)
    : 0;
  return p.variants.map((v, i) => {
    const byDemand = v.capacity > 0 ? Math.ceil((top + slack) / v.capacity) + 1 : 0;
    return Math.min(hi[i] ?? 0, Math.max(v.min, p.minTotal, byDemand));
  });
}

function resultOf(
  p: SplitProblem,
  found: Found,
  outcome: SplitOutcome,
  targets: readonly number[],
  search: { proven: boolean; nodes: number },
): SplitResult {
  const { kept, held } = found;
  const counts = kept.map((k, i) => k + (held[i] ?? 0));
  const last = lastCheckpoint(p);
  const checkpoints: CheckpointResult[] = p.checkpoints.map((c, j) => ({
    ...c,
    target: targets[j] ?? 0,
    capacity: j === last ? capacityAt(p, kept, c.atSeconds) : capacityAt(p, kept, c.atSeconds, held),
  }));
  // Short once every replica asked for serves (earlier checkpoints may be short only for want of time).
  const final = checkpoints[last];
  const short = final !== undefined && final.target < final.demand - rel(final.demand);
  const hedge = p.variants.map((v, i) => ({
    spot: variantHedge(kept[i] ?? 0, v.spotShare, 0, 0, 0).spot,
    covered: outcome === "met" ? lossOf(v, kept[i] ?? 0, p.hedgeQuantile) : 0,
  }));
  return {
    counts,
    kept,
    held,
    cost: costOf(p, counts),
    outcome: short && (outcome === "met" || outcome === "hedge-dropped") ? "short" : outcome,
    checkpoints,
    hedge,
    ...search,
  };
}

const hedges = (p: SplitProblem): boolean =>
  p.hedgeQuantile > 0 && p.variants.some((v) => v.spotShare > 0 && v.preemptionsPerHour > 0);

/** The split of `p` (see the header). */
export function solveSplit(p: SplitProblem): SplitResult {
  const search = { proven: true, nodes: 0 };
  const found = staged(p, search);
  if (found !== undefined) return found;
  const raised = capsRaisedToMinimums(p);
  const under = staged(raised, search);
  if (under !== undefined) return { ...under, outcome: "minimums" };
  // Not even minTotal fits beside them: the minimums raised to it at the least cost, whatever the caps.
  const kept = minimums(p);
  const none = { kept, held: kept.map(() => 0), holdCost: 0, dollars: 0, coverage: 0 };
  return resultOf(p, none, "minimums", targetsOf(p, upperBounds(p)), search);
}

/** The first stage (hedged, cover, coverage) with a split, or undefined when the caps leave none. */
function staged(p: SplitProblem, search: { proven: boolean; nodes: number }): SplitResult | undefined {
  const hi = upperBounds(p);
  const targets = targetsOf(p, hi);
  const stages: [Mode, SplitOutcome][] = [
    ...(hedges(p) ? [["cover-hedged", "met"] as [Mode, SplitOutcome]] : []),
    ["cover", hedges(p) ? "hedge-dropped" : "met"],
    ["coverage", "short"],
  ];
  for (const [mode, outcome] of stages) {
    const upper = usefulCounts(p, hi, targets, mode === "cover-hedged");
    const s = new Search(p, hi, upper, targets, mode);
    s.run();
    search.nodes += s.nodes;
    search.proven &&= !s.stopped;
    if (s.best !== undefined) return resultOf(p, s.best, outcome, targets, search);
  }
  return undefined;
}

/**
 * The minimums alone exceed a cap: each cap the variants' minimums exceed is raised to what they
 * use (they run whatever the caps), and the split is solved again under those caps, so a cap
 * still holds beyond them (a budget the minimums overrun leaves no room for another paid replica,
 * a GPU quota they overrun none for more of its type).
 */
function capsRaisedToMinimums(p: SplitProblem): SplitProblem {
  const mins = p.variants.map((v) => v.min);
  const gpuCaps: Record<string, number> = {};
  for (const [type, cap] of Object.entries(p.gpuCaps)) {
    const used = p.variants.reduce((s, v) => s + (v.gpuType === type ? v.min * v.gpusPerReplica : 0), 0);
    gpuCaps[type] = Math.max(cap, used);
  }
  return {
    ...p,
    gpuCaps,
    budget: p.budget === undefined ? undefined : Math.max(p.budget, costOf(p, mins)),
    maxTotal: Math.max(
      p.maxTotal,
      mins.reduce((s, n) => s + n, 0),
    ),
  };
}

/**
 * The variants' minimums, raised to minTotal at the least cost (the cheapest replicas first; ties
 * to the first declared), whatever the caps: what runs when even they do not fit.
 */
function minimums(p: SplitProblem): number[] {
  const counts = p.variants.map((v) => v.min);
  let missing = p.minTotal - counts.reduce((s, n) => s + n, 0);
  const byPrice = p.variants
    .map((v, i) => ({ i, v }))
    .filter(({ v }) => v.max > v.min)
    .sort((a, b) => a.v.price - b.v.price || a.i - b.i);
  for (const { i, v } of byPrice) {
    if (missing <= 0) break;
    const add = Math.min(missing, v.max - v.min);
    counts[i] = (counts[i] ?? 0) + add;
    missing -= add;
  }
  return counts;
}
