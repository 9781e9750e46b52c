/**
 * Hand-written SVG plots: a spike raster and a line plot with axes, ticks, legend and shaded bands.
 * Pure functions returning self-contained <svg> strings. Non-finite data are skipped (lines break
 * there), so no "NaN" ever reaches the output; empty data give an empty frame saying "no data".
 * Over 400 lines: a small plotting library (scales, nice ticks, axes, legends, raster, lines, bands)
 * whose pieces share the same private helpers; splitting it would only export those helpers.
 */
import { escapeXml } from './format.js';

export interface Series {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  label: string;
  /** CSS colour; a palette colour when omitted. */
  color?: string;
}

export interface ShadeBand {
  x0: number;
  x1: number;
  label?: string;
  color?: string;
}

export interface LineSvgOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  logX?: boolean;
  logY?: boolean;
  shade?: ShadeBand[];
  /** Fixed axis limits (non-finite or missing: from the data). */
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Extend a linear y axis to include 0. */
  yIncludeZero?: boolean;
  /** Most points drawn per series; longer series are reduced to a min/max envelope. Default 2000. */
  maxPointsPerSeries?: number;
}

export interface SpikeData {
  cells: ArrayLike<number>;
  steps: ArrayLike<number>;
  dtFineS: number;
}

export interface RasterOptions {
  /** At most this many cell rows (every k-th cell is kept). Default 300. */
  maxCells?: number;
  /** At most this many dots (every k-th kept spike). Default 20000. */
  maxPoints?: number;
  /** Time window shown, s. Default: 0 .. last spike. */
  tMin?: number;
  tMax?: number;
  /** Number of cells in the run (default: highest cell index + 1). */
  nCells?: number;
  title?: string;
  width?: number;
  height?: number;
  color?: string;
  /** Dot radius, px. Default 1. */
  radius?: number;
  shade?: ShadeBand[];
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const SHADE_COLORS = ['#f2c14e', '#7fb3d5', '#a3d9a5', '#e8a0bf', '#c3b1e1'];
let clipSeq = 0;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Coordinate text with one decimal; callers pass finite numbers only. */
function c(v: number): string {
  return Number.isFinite(v) ? (Math.round(v * 10) / 10).toString() : '0';
}

/** Tick label: compact, no trailing zeros, exponent for very large/small values. */
export function tickLabel(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a) + 1e-9);
    const m = Number((v / 10 ** e).toPrecision(3));
    return m === 1 ? `1e${e}` : m === -1 ? `-1e${e}` : `${m}e${e}`;
  }
  return String(Number(v.toPrecision(6)));
}

/** "Nice" linear ticks covering [lo, hi], about `n` of them. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, n);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  const out: number[] = [];
  const start = Math.ceil(lo / step - 1e-9);
  const end = Math.floor(hi / step + 1e-9);
  for (let k = start; k <= end && out.length < 50; k++) {
    const v = k * step;
    out.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return out;
}

/** Decade ticks (1, 10, 100 ...) in [lo, hi] (> 0); adds 2 and 5 when there are few decades. */
export function logTicks(lo: number, hi: number): number[] {
  if (!(lo > 0) || !(hi > 0) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const e0 = Math.floor(Math.log10(lo));
  const e1 = Math.ceil(Math.log10(hi));
  const decades = e1 - e0;
  const stride = Math.max(1, Math.ceil(decades / 8));
  const mult = decades <= 2 ? [1, 2, 5] : [1];
  const out: number[] = [];
  for (let e = e0; e <= e1; e += stride) {
    for (const m of mult) {
      const v = Number((m * 10 ** e).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) out.push(v);
    }
  }
  return out;
}

interface Axis {
  lo: number;
  hi: number;
  log: boolean;
}

function axisFromData(min: number, max: number, log: boolean, fixedLo?: number, fixedHi?: number): Axis {
  let lo = fixedLo !== undefined && Number.isFinite(fixedLo) && (!log || fixedLo > 0) ? fixedLo : min;
  let hi = fixedHi !== undefined && Number.isFinite(fixedHi) && (!log || fixedHi > 0) ? fixedHi : max;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
    lo = log ? 1 : 0;
    hi = log ? 10 : 1;
  }
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    if (log) {
      lo /= Math.SQRT2 * 2;
      hi *= Math.SQRT2 * 2;
    } else {
      const pad = Math.abs(lo) * 0.1 || 1;
      lo -= pad;
      hi += pad;
    }
  }
  return { lo, hi, log };
}

function scale(ax: Axis, a: number, b: number): (v: number) => number {
  if (ax.log) {
    const l0 = Math.log10(ax.lo);
    const l1 = Math.log10(ax.hi);
    return (v) => a + ((Math.log10(v) - l0) / (l1 - l0)) * (b - a);
  }
  return (v) => a + ((v - ax.lo) / (ax.hi - ax.lo)) * (b - a);
}

function ok(v: number, log: boolean): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

/** Indices to draw for a series: all, or a min/max envelope of at most ~maxPts points. */
function reduceIndices(x: ArrayLike<number>, y: ArrayLike<number>, n: number, maxPts: number): number[] {
  const idx: number[] = [];
  if (n <= maxPts) {
    for (let i = 0; i < n; i++) idx.push(i);
    return idx;
  }
  const buckets = Math.max(1, Math.floor(maxPts / 2));
  const per = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const s = Math.floor(b * per);
    const e = Math.min(n, Math.floor((b + 1) * per));
    let iMin = -1;
    let iMax = -1;
    let hasGap = false;
    for (let i = s; i < e; i++) {
      const v = y[i]!;
      if (!Number.isFinite(v) || !Number.isFinite(x[i]!)) {
        hasGap = true;
        continue;
      }
      if (iMin < 0 || v < y[iMin]!) iMin = i;
      if (iMax < 0 || v > y[iMax]!) iMax = i;
    }
    if (iMin < 0) {
      if (hasGap) idx.push(s); // keep the break
      continue;
    }
    if (iMin === iMax) idx.push(iMin);
    else idx.push(Math.min(iMin, iMax), Math.max(iMin, iMax));
  }
  return idx;
}

function svgOpen(w: number, h: number, title: string | undefined): string {
  const label = title ? ` aria-label="${escapeXml(title)}"` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img"${label} ${FONT} font-size="11">` +
    `<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>` +
    (title ? `<text x="${c(w / 2)}" y="16" text-anchor="middle" font-size="13" font-weight="600">${escapeXml(title)}</text>` : '')
  );
}

interface Frame {
  x0: number;
  x1: number;
  y0: number; // top
  y1: number; // bottom
}

function axesSvg(fr: Frame, xa: Axis, ya: Axis, xLabel: string | undefined, yLabel: string | undefined, yTicksOverride?: number[]): string {
  const sx = scale(xa, fr.x0, fr.x1);
  const sy = scale(ya, fr.y1, fr.y0);
  const parts: string[] = [];
  const xt = xa.log ? logTicks(xa.lo, xa.hi) : niceTicks(xa.lo, xa.hi, Math.max(2, Math.round((fr.x1 - fr.x0) / 80)));
  const yt = yTicksOverride ?? (ya.log ? logTicks(ya.lo, ya.hi) : niceTicks(ya.lo, ya.hi, Math.max(2, Math.round((fr.y1 - fr.y0) / 40))));
  parts.push('<g stroke="#e6e6e6" stroke-width="1">');
  for (const v of yt) parts.push(`<line x1="${c(fr.x0)}" x2="${c(fr.x1)}" y1="${c(sy(v))}" y2="${c(sy(v))}"/>`);
  parts.push('</g>');
  parts.push(`<rect x="${c(fr.x0)}" y="${c(fr.y0)}" width="${c(fr.x1 - fr.x0)}" height="${c(fr.y1 - fr.y0)}" fill="none" stroke="#444"/>`);
  parts.push('<g stroke="#444">');
  for (const v of xt) parts.push(`<line x1="${c(sx(v))}" x2="${c(sx(v))}" y1="${c(fr.y1)}" y2="${c(fr.y1 + 4)}"/>`);
  for (const v of yt) parts.push(`<line x1="${c(fr.x0 - 4)}" x2="${c(fr.x0)}" y1="${c(sy(v))}" y2="${c(sy(v))}"/>`);
  parts.push('</g><g fill="#222">');
  for (const v of xt) parts.push(`<text x="${c(sx(v))}" y="${c(fr.y1 + 16)}" text-anchor="middle">${escapeXml(tickLabel(v))}</text>`);
  for (const v of yt) parts.push(`<text x="${c(fr.x0 - 6)}" y="${c(sy(v) + 4)}" text-anchor="end">${escapeXml(tickLabel(v))}</text>`);
  parts.push('</g>');
  if (xLabel) parts.push(`<text x="${c((fr.x0 + fr.x1) / 2)}" y="${c(fr.y1 + 32)}" text-anchor="middle">${escapeXml(xLabel)}</text>`);
  if (yLabel) {
    const yy = (fr.y0 + fr.y1) / 2;
    parts.push(`<text x="14" y="${c(yy)}" text-anchor="middle" transform="rotate(-90 14 ${c(yy)})">${escapeXml(yLabel)}</text>`);
  }
  return parts.join('');
}

function shadeSvg(fr: Frame, xa: Axis, bands: ShadeBand[] | undefined): string {
  if (!bands?.length) return '';
  const sx = scale(xa, fr.x0, fr.x1);
  const parts: string[] = [];
  bands.forEach((b, i) => {
    if (!ok(b.x0, xa.log) || !ok(b.x1, xa.log)) return;
    const lo = Math.max(Math.min(b.x0, b.x1), xa.lo);
    const hi = Math.min(Math.max(b.x0, b.x1), xa.hi);
    if (!(hi > lo)) return;
    const px0 = sx(lo);
    const px1 = sx(hi);
    const color = b.color ?? SHADE_COLORS[i % SHADE_COLORS.length]!;
    parts.push(
      `<rect x="${c(px0)}" y="${c(fr.y0)}" width="${c(Math.max(0.5, px1 - px0))}" height="${c(fr.y1 - fr.y0)}" fill="${escapeXml(color)}" fill-opacity="0.25"/>`,
    );
    if (b.label) {
      parts.push(
        `<text x="${c(px0 + 3)}" y="${c(fr.y1 - 5)}" font-size="10" fill="#444" stroke="#ffffff" stroke-width="3" stroke-opacity="0.8" paint-order="stroke">${escapeXml(b.label)}</text>`,
      );
    }
  });
  return parts.join('');
}

function emptyNote(fr: Frame): string {
  return `<text x="${c((fr.x0 + fr.x1) / 2)}" y="${c((fr.y0 + fr.y1) / 2)}" text-anchor="middle" fill="#888">no data</text>`;
}

/** A line plot of one or more series with axes, ticks, tick labels, legend and optional shaded bands. */
export function lineSvg(series: readonly Series[], opts: LineSvgOptions = {}): string {
  const w = opts.width ?? 640;
  const h = opts.height ?? 260;
  const logX = !!opts.logX;
  const logY = !!opts.logY;
  const maxPts = Math.max(4, opts.maxPointsPerSeries ?? 2000);
  const fr: Frame = { x0: 64, x1: w - 14, y0: opts.title ? 28 : 12, y1: h - 40 };

  let xMin = Infinity;
  let xMax = -Infinity;
  let yMin = Infinity;
  let yMax = -Infinity;
  let any = false;
  for (const s of series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      if (!ok(x, logX) || !ok(y, logY)) continue;
      any = true;
      if (x < xMin) xMin = x;
      if (x > xMax) xMax = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
  }
  if (any && opts.yIncludeZero && !logY) {
    yMin = Math.min(yMin, 0);
    yMax = Math.max(yMax, 0);
  }
  const xa = axisFromData(xMin, xMax, logX, opts.xMin, opts.xMax);
  let ya = axisFromData(yMin, yMax, logY, opts.yMin, opts.yMax);
  if (any && !logY && opts.yMax === undefined) {
    // A little headroom above the data so lines don't sit on the frame.
    ya = { ...ya, hi: ya.hi + (ya.hi - ya.lo) * 0.05 };
  }

  const parts: string[] = [svgOpen(w, h, opts.title)];
  parts.push(shadeSvg(fr, xa, opts.shade));
  parts.push(axesSvg(fr, xa, ya, opts.xLabel, opts.yLabel));
  if (!any) {
    parts.push(emptyNote(fr));
    parts.push('</svg>');
    return parts.join('');
  }

  const sx = scale(xa, fr.x0, fr.x1);
  const sy = scale(ya, fr.y1, fr.y0);
  const clipId = `raphe-clip-${++clipSeq}`;
  parts.push(
    `<defs><clipPath id="${clipId}"><rect x="${c(fr.x0)}" y="${c(fr.y0)}" width="${c(fr.x1 - fr.x0)}" height="${c(fr.y1 - fr.y0)}"/></clipPath></defs>`,
  );
  parts.push(`<g clip-path="url(#${clipId})" fill="none" stroke-width="1.5" stroke-linejoin="round" stroke-linecap="round">`);
  series.forEach((s, si) => {
    const n = Math.min(s.x.length, s.y.length);
    const color = s.color ?? PALETTE[si % PALETTE.length]!;
    const d: string[] = [];
    let segLen = 0; // points in the current polyline segment
    const endSeg = (): void => {
      if (segLen === 1) d.push('h0.01'); // an isolated point: a round-capped dot
      segLen = 0;
    };
    for (const i of reduceIndices(s.x, s.y, n, maxPts)) {
      const x = s.x[i]!;
      const y = s.y[i]!;
      const px = ok(x, logX) ? sx(x) : NaN;
      const py = ok(y, logY) ? sy(y) : NaN;
      if (!Number.isFinite(px) || !Number.isFinite(py)) {
        endSeg();
        continue;
      }
      d.push(`${segLen > 0 ? 'L' : 'M'}${c(px)} ${c(py)}`);
      segLen++;
    }
    endSeg();
    if (d.length) parts.push(`<path d="${d.join('')}" stroke="${escapeXml(color)}"/>`);
  });
  parts.push('</g>');

  // Legend: top-right inside the frame, only when there is something to tell apart.
  const labelled = series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length]! })).filter((s) => s.label);
  if (labelled.length > 0 && (labelled.length > 1 || !opts.yLabel)) {
    const lw = Math.min(fr.x1 - fr.x0 - 8, 24 + 6.2 * Math.max(...labelled.map((s) => s.label.length)));
    const lh = 6 + 14 * labelled.length;
    const lx = fr.x1 - lw - 6;
    const ly = fr.y0 + 6;
    parts.push(`<g><rect x="${c(lx)}" y="${c(ly)}" width="${c(lw)}" height="${c(lh)}" fill="#ffffff" fill-opacity="0.85" stroke="#bbb"/>`);
    labelled.forEach((s, i) => {
      const yy = ly + 13 + i * 14;
      parts.push(`<rect x="${c(lx + 6)}" y="${c(yy - 7)}" width="12" height="3" fill="${escapeXml(s.color)}"/>`);
      parts.push(`<text x="${c(lx + 22)}" y="${c(yy)}">${escapeXml(s.label)}</text>`);
    });
    parts.push('</g>');
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * A spike raster: one dot per spike (cell vs time). Large runs are subsampled to at most `maxCells`
 * cell rows (every k-th cell) and `maxPoints` dots (every j-th remaining spike); the title says so.
 */
export function rasterSvg(spikes: SpikeData | null | undefined, opts: RasterOptions = {}): string {
  const w = opts.width ?? 640;
  const h = opts.height ?? 300;
  const maxCells = Math.max(1, Math.floor(opts.maxCells ?? 300));
  const maxPoints = Math.max(1, Math.floor(opts.maxPoints ?? 20000));
  const r = opts.radius !== undefined && Number.isFinite(opts.radius) && opts.radius > 0 ? opts.radius : 1;
  const color = opts.color ?? '#222';
  const n = spikes ? Math.min(spikes.cells.length, spikes.steps.length) : 0;
  const dt = spikes && Number.isFinite(spikes.dtFineS) ? spikes.dtFineS : NaN;

  let maxCell = -1;
  let lastT = -Infinity;
  for (let i = 0; i < n; i++) {
    const cell = spikes!.cells[i]!;
    if (cell > maxCell) maxCell = cell;
    const t = spikes!.steps[i]! * dt;
    if (Number.isFinite(t) && t > lastT) lastT = t;
  }
  const nCells = opts.nCells !== undefined && Number.isFinite(opts.nCells) && opts.nCells > 0 ? Math.floor(opts.nCells) : maxCell + 1;
  const tMin = opts.tMin !== undefined && Number.isFinite(opts.tMin) ? opts.tMin : 0;
  let tMax = opts.tMax !== undefined && Number.isFinite(opts.tMax) ? opts.tMax : lastT;
  if (!Number.isFinite(tMax) || tMax <= tMin) tMax = tMin + 1;

  const cellStride = Math.max(1, Math.ceil(nCells / maxCells));
  const rows = Math.max(1, Math.ceil(Math.max(1, nCells) / cellStride));
  const keep = (i: number): boolean => {
    const cell = spikes!.cells[i]!;
    if (cell % cellStride !== 0 || cell >= Math.max(nCells, 1)) return false;
    const t = spikes!.steps[i]! * dt;
    return Number.isFinite(t) && t >= tMin && t <= tMax;
  };
  let kept = 0;
  for (let i = 0; i < n; i++) if (keep(i)) kept++;
  const spikeStride = Math.max(1, Math.ceil(kept / maxPoints));

  const notes: string[] = [];
  if (cellStride > 1) notes.push(`${rows} of ${nCells} cells`);
  if (spikeStride > 1) notes.push(`every ${spikeStride}th spike`);
  const title = (opts.title ?? 'Spike raster') + (notes.length ? ` (${notes.join(', ')})` : '');

  const fr: Frame = { x0: 64, x1: w - 14, y0: 28, y1: h - 40 };
  const xa: Axis = { lo: tMin, hi: tMax, log: false };
  const ya: Axis = { lo: -0.5, hi: rows - 0.5, log: false };
  const yTicks = niceTicks(0, Math.max(0, nCells - 1), 4).filter((v) => Number.isInteger(v) && v >= 0);
  const parts: string[] = [svgOpen(w, h, title)];
  parts.push(shadeSvg(fr, xa, opts.shade));
  // y ticks are in cell indices; map them to rows for placement.
  const rowAxis: Axis = { lo: ya.lo * cellStride, hi: ya.hi * cellStride, log: false };
  parts.push(axesSvg(fr, xa, rowAxis, 'time (s)', 'cell', yTicks));
  if (kept === 0) {
    parts.push(emptyNote(fr));
    parts.push('</svg>');
    return parts.join('');
  }
  const sx = scale(xa, fr.x0, fr.x1);
  const sy = scale(ya, fr.y1, fr.y0);
  parts.push(`<g fill="${escapeXml(color)}">`);
  let seen = 0;
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    if (seen++ % spikeStride !== 0) continue;
    const t = spikes!.steps[i]! * dt;
    const row = spikes!.cells[i]! / cellStride;
    parts.push(`<circle cx="${c(sx(t))}" cy="${c(sy(row))}" r="${c(r)}"/>`);
  }
  parts.push('</g></svg>');
  return parts.join('');
}
