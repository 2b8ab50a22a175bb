// Small numeric helpers shared by the models (NaN-aware).

export function nanMean(a: ArrayLike<number>, from = 0, to = a.length): number {
  let s = 0;
  let n = 0;
  for (let i = Math.max(0, from); i < Math.min(to, a.length); i++) {
    const v = a[i] ?? Number.NaN;
    if (!Number.isNaN(v)) {
      s += v;
      n++;
    }
  }
  return n === 0 ? Number.NaN : s / n;
}

export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] ?? Number.NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

/** Quantile of a sorted array with linear interpolation. */
export function quantileSorted(s: ArrayLike<number>, p: number): number {
  if (s.length === 0) return Number.NaN;
  const x = p * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(s.length - 1, lo + 1);
  const a = s[lo] ?? Number.NaN;
  const b = s[hi] ?? Number.NaN;
  return a + (b - a) * (x - lo);
}

/** Spearman rank correlation of two equal-length arrays. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const rank = (x: readonly number[]): number[] => {
    const idx = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
    const r = new Array<number>(x.length).fill(0);
    for (let i = 0; i < idx.length;) {
      let j = i;
      while (j + 1 < idx.length && idx[j + 1]?.[0] === idx[i]?.[0]) j++;
      for (let k = i; k <= j; k++) r[idx[k]?.[1] ?? 0] = (i + j) / 2;
      i = j + 1;
    }
    return r;
  };
  const ra = rank(a);
  const rb = rank(b);
  const ma = ra.reduce((s, v) => s + v, 0) / ra.length;
  const mb = rb.reduce((s, v) => s + v, 0) / rb.length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    const x = (ra[i] ?? 0) - ma;
    const y = (rb[i] ?? 0) - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

/**
 * The split-conformal quantile of n sorted out-of-sample errors: the ceil((n + 1) p)-th smallest for
 * p >= 0.5 (floor for p < 0.5), so a band covers at least p of new cases even when n is small.
 * Example: 56 errors, p = 0.975: the 56th (the largest), where the interpolated quantile would sit
 * between the 54th and 55th.
 */
export function conformalQuantile(s: ArrayLike<number>, p: number): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  const k = p >= 0.5 ? Math.min(n, Math.ceil((n + 1) * p)) : Math.max(1, Math.floor((n + 1) * p));
  return s[k - 1] ?? Number.NaN;
}

/** True when a comes before b in TypedArray sort order: numeric, -0 before +0, NaN last. */
function sortsBefore(a: number, b: number): boolean {
  if (a < b) return true;
  if (a === 0 && b === 0) return Object.is(a, -0) && !Object.is(b, -0);
  return Number.isNaN(b) && !Number.isNaN(a);
}

/** Merges two arrays sorted in TypedArray order into one in that order. */
function mergeTwo(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] ?? Number.NaN;
    const y = b[j] ?? Number.NaN;
    // Ties take from a; -0/+0 and NaN go through sortsBefore.
    const takeB = y < x || (!(x < y) && sortsBefore(y, x));
    if (takeB) {
      out[k++] = y;
      j++;
    } else {
      out[k++] = x;
      i++;
    }
  }
  out.set(a.subarray(i), k);
  out.set(b.subarray(j), k + a.length - i);
  return out;
}

/**
 * Merges arrays that are each sorted in TypedArray order (numeric, -0 before +0, NaN last) into one
 * array in that order: the same as concatenating them and calling sort(), by pairwise merges, in
 * time linear in the total length times log2 of the number of parts. Example: [1, 4] and
 * [-0, 0, 2, NaN] give [-0, 0, 1, 2, 4, NaN].
 */
export function mergeSorted(parts: readonly Float64Array[]): Float64Array {
  if (parts.length === 0) return new Float64Array(0);
  let level = parts.slice();
  while (level.length > 1) {
    const next: Float64Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2)
      next.push(mergeTwo(level[i] ?? new Float64Array(0), level[i + 1] ?? new Float64Array(0)));
    if (level.length % 2 === 1) next.push(level[level.length - 1] ?? new Float64Array(0));
    level = next;
  }
  return Float64Array.from(level[0] ?? []);
}

const EMPTY = new Float64Array(0);

/**
 * For each h, the parts h - radius..h + radius (within bounds), each sorted in TypedArray order,
 * merged into one sorted array: what mergeSorted of that window gives, but each window made from the
 * one before by dropping the part that left it and merging in the part that entered, one pass each.
 * Example, radius 1: [[3], [1], [2]] -> [1, 3], [1, 2, 3], [1, 2].
 */
export function slidingPools(parts: readonly Float64Array[], radius: number): Float64Array[] {
  const out: Float64Array[] = [];
  let prev: Float64Array | undefined;
  for (let h = 0; h < parts.length; h++) {
    prev =
      prev === undefined
        ? mergeSorted(parts.slice(0, Math.min(parts.length, radius + 1)))
        : replaceSorted(prev, parts[h - radius - 1] ?? EMPTY, parts[h + radius] ?? EMPTY);
    out.push(prev);
  }
  return out;
}

/** `from` without `drop` (a sorted sub-multiset of it), merged with the sorted `add`. */
function replaceSorted(from: Float64Array, drop: Float64Array, add: Float64Array): Float64Array {
  const out = new Float64Array(from.length - drop.length + add.length);
  let i = 0;
  let d = 0;
  let a = 0;
  let k = 0;
  while (i < from.length) {
    const x = from[i] as number;
    // Object.is: -0 and +0 are different elements, and NaN is NaN.
    if (d < drop.length && Object.is(x, drop[d])) {
      i++;
      d++;
      continue;
    }
    if (a < add.length) {
      const y = add[a] as number;
      if (y < x ? true : x < y ? false : sortsBefore(y, x)) {
        out[k++] = y;
        a++;
        continue;
      }
    }
    out[k++] = x;
    i++;
  }
  while (a < add.length) out[k++] = add[a++] as number;
  return out;
}
