// Interpolation in a profile's step-time tables: the twin of tools/gpu-profiles/interp.py, which
// computed every shipped profile's recorded checks (the loader rejects a file whose tables give
// anything else, so the two cannot drift apart unnoticed).
//
// Along each axis the coordinate is ln(1 + x) and the value is ln(ms); a point between grid points
// is the multilinear blend of its corners in those coordinates, which is exact for power laws (a
// decode step's attention grows with sequences x context, a prompt's with its length squared) and
// close for a fixed cost plus a power law. Below an axis's first point the first point's value
// holds; above its last point the value grows in proportion to x / last: linear work beyond the
// measured range. Worked example on the axis [16, 32] with values [2, 4] ms: at x = 24 the weight
// is (ln 25 - ln 17) / (ln 33 - ln 17) = 0.5814, so 2^(1 - 0.5814) * 4^0.5814 = 2.993 ms; at x = 64,
// 4 ms x 64 / 32 = 8 ms; at x = 8, 2 ms.

/** Where x falls on one axis: the lower grid index, the blend weight, and the growth past the end. */
interface Bracket {
  /** The x this bracket was located for (NaN: none yet). */
  x: number;
  lo: number;
  weight: number;
  growth: number;
}

const bracket = (): Bracket => ({ x: Number.NaN, lo: 0, weight: 0, growth: 1 });

/** Locates x in `out`, unless `out` already holds x (a simulated decode run asks at one batch size step after step). */
function locate(axis: readonly number[], lnAxis: Float64Array, x: number, out: Bracket): void {
  if (x === out.x) return;
  out.x = x;
  const last = axis.length - 1;
  const first = axis[0] ?? 0;
  const top = axis[last] ?? 0;
  if (x <= first) {
    out.lo = 0;
    out.weight = 0;
    out.growth = 1;
    return;
  }
  if (x >= top) {
    out.lo = last - 1;
    out.weight = 1;
    out.growth = x / top;
    return;
  }
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((axis[mid] ?? 0) <= x) lo = mid;
    else hi = mid;
  }
  const u0 = lnAxis[lo] ?? 0;
  out.lo = lo;
  out.weight = (Math.log1p(x) - u0) / ((lnAxis[lo + 1] ?? 0) - u0);
  out.growth = 1;
}

function lnOf(axis: readonly number[]): Float64Array {
  return Float64Array.from(axis, (x) => Math.log1p(x));
}

/** A table over one axis (at least two strictly increasing points, positive values). */
export class Table1 {
  private readonly axis: readonly number[];
  private readonly lnAxis: Float64Array;
  private readonly lnValues: Float64Array;
  private readonly at = bracket();

  constructor(axis: readonly number[], values: readonly number[]) {
    this.axis = axis;
    this.lnAxis = lnOf(axis);
    this.lnValues = Float64Array.from(values, (v) => Math.log(v));
  }

  private last = Number.NaN;

  value(x: number): number {
    if (x === this.at.x) return this.last;
    locate(this.axis, this.lnAxis, x, this.at);
    const { lo, weight, growth } = this.at;
    const v0 = this.lnValues[lo] ?? 0;
    const v1 = this.lnValues[lo + 1] ?? 0;
    this.last = Math.exp((1 - weight) * v0 + weight * v1) * growth;
    return this.last;
  }
}

/**
 * Points a two-axis table remembers: the capacity model's step map times the same few prompt
 * classes at every probe, and one probe's batches share their decodes.
 */
const RECENT = 8;

/** A table over two axes; `values[i][j]` belongs to (rows[i], columns[j]). */
export class Table2 {
  private readonly rows: readonly number[];
  private readonly columns: readonly number[];
  private readonly lnRows: Float64Array;
  private readonly lnColumns: Float64Array;
  private readonly lnValues: Float64Array;
  private readonly atRow = bracket();
  private readonly atColumn = bracket();

  constructor(rows: readonly number[], columns: readonly number[], values: readonly (readonly number[])[]) {
    this.rows = rows;
    this.columns = columns;
    this.lnRows = lnOf(rows);
    this.lnColumns = lnOf(columns);
    this.lnValues = Float64Array.from(values.flat(), (v) => Math.log(v));
  }

  /** The last RECENT points asked for and their values, oldest overwritten first. */
  private readonly recentRows = new Float64Array(RECENT).fill(Number.NaN);
  private readonly recentColumns = new Float64Array(RECENT).fill(Number.NaN);
  private readonly recentValues = new Float64Array(RECENT);
  private next = 0;

  value(row: number, column: number): number {
    for (let i = 0; i < RECENT; i++)
      if (this.recentRows[i] === row && this.recentColumns[i] === column) return this.recentValues[i] ?? 0;
    const v = this.interpolate(row, column);
    this.recentRows[this.next] = row;
    this.recentColumns[this.next] = column;
    this.recentValues[this.next] = v;
    this.next = (this.next + 1) % RECENT;
    return v;
  }

  private interpolate(row: number, column: number): number {
    locate(this.rows, this.lnRows, row, this.atRow);
    locate(this.columns, this.lnColumns, column, this.atColumn);
    const r = this.atRow;
    const c = this.atColumn;
    const width = this.columns.length;
    const base = r.lo * width + c.lo;
    const v00 = this.lnValues[base] ?? 0;
    const v01 = this.lnValues[base + 1] ?? 0;
    const v10 = this.lnValues[base + width] ?? 0;
    const v11 = this.lnValues[base + width + 1] ?? 0;
    const lnValue =
      (1 - r.weight) * ((1 - c.weight) * v00 + c.weight * v01) +
      r.weight * ((1 - c.weight) * v10 + c.weight * v11);
    return Math.exp(lnValue) * r.growth * c.growth;
  }
}
