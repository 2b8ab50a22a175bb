// SVG chart primitives for the HTML reports: a line chart (time series, frontiers, with an optional
// band) and a grouped bar chart (with optional reference lines such as a budget). Pure: a spec in,
// one self-contained <figure> out (inline SVG, no scripts, nothing fetched).

export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 300;
const W = CHART_WIDTH;
const H = CHART_HEIGHT;
const M = { l: 64, r: 16, t: 28, b: 40 };

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export interface Line {
  readonly name: string;
  readonly color: string;
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  readonly dash?: string;
  readonly width?: number;
}

export interface Band {
  readonly xs: ArrayLike<number>;
  readonly lo: ArrayLike<number>;
  readonly hi: ArrayLike<number>;
  readonly color: string;
  readonly name: string;
}

export interface LineChartSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly xLabel: string;
  readonly lines: readonly Line[];
  readonly band?: Band;
  /** Format an x value for the axis. */
  readonly xFormat: (x: number) => string;
  readonly markers?: boolean;
}

/** Keeps at most `max` points, taking the maximum of each bucket so peaks stay visible. */
export function downsample(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  max: number,
): { xs: number[]; ys: number[] } {
  const n = Math.min(xs.length, ys.length);
  if (n <= max)
    return {
      xs: Array.from({ length: n }, (_, i) => xs[i] ?? 0),
      ys: Array.from({ length: n }, (_, i) => ys[i] ?? 0),
    };
  const ox: number[] = [];
  const oy: number[] = [];
  const k = n / max;
  for (let b = 0; b < max; b++) {
    const from = Math.floor(b * k);
    const to = Math.min(n, Math.floor((b + 1) * k));
    let best = -Infinity;
    for (let i = from; i < to; i++) best = Math.max(best, ys[i] ?? 0);
    ox.push(xs[from] ?? 0);
    oy.push(best);
  }
  return { xs: ox, ys: oy };
}

/** Round tick values (1, 2 or 5 times a power of ten apart), at most about `n` of them, from lo to hi. */
export function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Extent {
  readonly xmin: number;
  readonly xmax: number;
  /** The top of the y axis: 5% above the highest finite value, 1 when all are 0. */
  readonly ymax: number;
}

function extent(series: readonly { xs: ArrayLike<number>; ys: ArrayLike<number> }[]): Extent | undefined {
  let xmin = Infinity;
  let xmax = -Infinity;
  let ymax = 0;
  for (const l of series) {
    for (let i = 0; i < l.xs.length; i++) {
      const x = l.xs[i] ?? 0;
      const y = l.ys[i] ?? 0;
      if (x < xmin) xmin = x;
      if (x > xmax) xmax = x;
      if (Number.isFinite(y) && y > ymax) ymax = y;
    }
  }
  if (!Number.isFinite(xmin)) return undefined;
  return { xmin, xmax, ymax: ymax * 1.05 || 1 };
}

/** Pixel positions of data values inside the plot area. */
interface Scale {
  readonly px: (x: number) => number;
  readonly py: (y: number) => number;
}

function scaleOf(e: Extent): Scale {
  return {
    px: (x) => M.l + ((x - e.xmin) / (e.xmax - e.xmin || 1)) * (W - M.l - M.r),
    py: (y) => H - M.b - (Math.min(y, e.ymax) / e.ymax) * (H - M.t - M.b),
  };
}

function yGrid(ymax: number, py: (y: number) => number): string[] {
  const parts: string[] = [];
  for (const t of niceTicks(0, ymax, 5)) {
    parts.push(
      `<line x1="${M.l}" x2="${W - M.r}" y1="${py(t).toFixed(1)}" y2="${py(t).toFixed(1)}" class="grid"/>`,
    );
    parts.push(
      `<text x="${M.l - 6}" y="${(py(t) + 4).toFixed(1)}" class="tick" text-anchor="end">${esc(String(t))}</text>`,
    );
  }
  return parts;
}

function pathData(s: Scale, xs: ArrayLike<number>, ys: ArrayLike<number>): string {
  let d = "";
  for (let i = 0; i < xs.length; i++)
    d += `${i === 0 ? "M" : "L"}${s.px(xs[i] ?? 0).toFixed(1)},${s.py(ys[i] ?? 0).toFixed(1)}`;
  return d;
}

function bandPath(s: Scale, b: Band): string {
  let d = pathData(s, b.xs, b.hi);
  for (let i = b.xs.length - 1; i >= 0; i--)
    d += `L${s.px(b.xs[i] ?? 0).toFixed(1)},${s.py(b.lo[i] ?? 0).toFixed(1)}`;
  return `<path d="${d}Z" fill="${b.color}" fill-opacity="0.18" stroke="none"><title>${esc(b.name)}</title></path>`;
}

function linePath(s: Scale, l: Line, markers: boolean): string[] {
  const parts = [
    `<path class="series" data-series="${esc(l.name)}" d="${pathData(s, l.xs, l.ys)}" fill="none" stroke="${l.color}" stroke-width="${l.width ?? 1.4}"${l.dash ? ` stroke-dasharray="${l.dash}"` : ""}/>`,
  ];
  if (markers)
    for (let i = 0; i < l.xs.length; i++)
      parts.push(
        `<circle cx="${s.px(l.xs[i] ?? 0).toFixed(1)}" cy="${s.py(l.ys[i] ?? 0).toFixed(1)}" r="3.5" fill="${l.color}"/>`,
      );
  return parts;
}

/** The two axes and their labels. */
function axes(yLabel: string, xLabel: string): string[] {
  return [
    `<line x1="${M.l}" x2="${M.l}" y1="${M.t}" y2="${H - M.b}" class="axis"/><line x1="${M.l}" x2="${W - M.r}" y1="${H - M.b}" y2="${H - M.b}" class="axis"/>`,
    `<text x="14" y="${(H / 2).toFixed(0)}" class="label" transform="rotate(-90 14 ${(H / 2).toFixed(0)})" text-anchor="middle">${esc(yLabel)}</text>`,
    `<text x="${((W + M.l) / 2).toFixed(0)}" y="${H - 6}" class="label" text-anchor="middle">${esc(xLabel)}</text>`,
  ];
}

function figure(
  id: string,
  title: string,
  keys: readonly { name: string; color: string }[],
  parts: readonly string[],
): string {
  const legend = keys
    .map((l) => `<span class="key"><i style="background:${l.color}"></i>${esc(l.name)}</span>`)
    .join("");
  return `<figure id="${id}" class="chart"><figcaption>${esc(title)}</figcaption><div class="legend">${legend}</div><svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">${parts.join("")}</svg></figure>`;
}

/** Lines (and a band) over a shared x axis; "no data" in words when there is nothing to draw. */
export function lineChart(c: LineChartSpec): string {
  const e = extent([
    ...c.lines.map((l) => ({ xs: l.xs, ys: l.ys })),
    ...(c.band ? [{ xs: c.band.xs, ys: c.band.hi }] : []),
  ]);
  if (!e) return `<p>${esc(c.title)}: no data</p>`;
  const s = scaleOf(e);
  const parts = yGrid(e.ymax, s.py);
  for (const t of niceTicks(e.xmin, e.xmax, 7))
    parts.push(
      `<text x="${s.px(t).toFixed(1)}" y="${H - M.b + 16}" class="tick" text-anchor="middle">${esc(c.xFormat(t))}</text>`,
    );
  if (c.band) parts.push(bandPath(s, c.band));
  for (const l of c.lines) parts.push(...linePath(s, l, c.markers === true));
  parts.push(...axes(c.yLabel, c.xLabel));
  const keys = [
    ...c.lines.map((l) => ({ name: l.name, color: l.color })),
    ...(c.band ? [{ name: c.band.name, color: c.band.color }] : []),
  ];
  return figure(c.id, c.title, keys, parts);
}

export interface BarSeries {
  readonly name: string;
  readonly color: string;
  /** One value per category, in the categories' order. */
  readonly values: readonly number[];
}

export interface BarChartSpec {
  readonly id: string;
  readonly title: string;
  readonly yLabel: string;
  readonly xLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly BarSeries[];
  /** Horizontal lines across the plot, such as a budget. */
  readonly references?: readonly { readonly name: string; readonly value: number; readonly color: string }[];
  /** Format a bar's value for its label. */
  readonly valueFormat: (v: number) => string;
}

/** Bars grouped by category, one bar per series in each group, with its value above it. */
export function barChart(c: BarChartSpec): string {
  if (c.categories.length === 0 || c.series.length === 0) return `<p>${esc(c.title)}: no data</p>`;
  const refs = c.references ?? [];
  let top = 0;
  for (const v of [...c.series.flatMap((s) => s.values), ...refs.map((r) => r.value)])
    if (Number.isFinite(v) && v > top) top = v;
  const ymax = top * 1.1 || 1;
  const py = (y: number): number => H - M.b - (Math.min(Math.max(y, 0), ymax) / ymax) * (H - M.t - M.b);
  const parts = yGrid(ymax, py);
  const group = (W - M.l - M.r) / c.categories.length;
  const bar = (group * 0.8) / c.series.length;
  c.categories.forEach((name, ci) => {
    const x0 = M.l + ci * group + group * 0.1;
    c.series.forEach((s, si) => {
      const v = s.values[ci] ?? 0;
      const x = x0 + si * bar;
      const y = py(Number.isFinite(v) ? v : 0);
      parts.push(
        `<rect class="bar" data-series="${esc(s.name)}" data-category="${esc(name)}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bar * 0.92).toFixed(1)}" height="${(H - M.b - y).toFixed(1)}" fill="${s.color}"><title>${esc(`${name}, ${s.name}: ${c.valueFormat(v)}`)}</title></rect>`,
        `<text x="${(x + bar * 0.46).toFixed(1)}" y="${(y - 4).toFixed(1)}" class="tick" text-anchor="middle">${esc(c.valueFormat(v))}</text>`,
      );
    });
    parts.push(
      `<text x="${(M.l + (ci + 0.5) * group).toFixed(1)}" y="${H - M.b + 16}" class="tick" text-anchor="middle">${esc(name)}</text>`,
    );
  });
  for (const r of refs)
    parts.push(
      `<line class="reference" data-series="${esc(r.name)}" x1="${M.l}" x2="${W - M.r}" y1="${py(r.value).toFixed(1)}" y2="${py(r.value).toFixed(1)}" stroke="${r.color}" stroke-width="1.6" stroke-dasharray="6 4"/>`,
    );
  parts.push(...axes(c.yLabel, c.xLabel));
  return figure(c.id, c.title, [...c.series, ...refs], parts);
}
