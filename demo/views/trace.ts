/**
 * A time plot of one quantity for every tissue (population rate, probe 5-HT in nM or as % of baseline),
 * with the phases marked and a legend naming the tissues. The data live in the page's store; a view
 * only reads them through its series. Scrolls over the last `windowS` seconds, or shows a fixed span
 * (a protocol's length) from 0.
 */
import { axes, COLORS, niceMax, fit } from './common.js';

export interface Series {
  label: string;
  color: string;
  /** Sample times, s. */
  t: readonly number[];
  /** Value of sample i (NaN: not drawn). */
  y(i: number): number;
}

export interface Mark {
  t: number;
  label: string;
  color: string;
}

export interface TraceOptions {
  title: string;
  unit: string;
  windowS: number;
  /** Shaded reference band, e.g. the F1 rate band. */
  band?: { lo: number; hi: number; label: string };
  /** A horizontal reference line (100% of baseline). */
  refLine?: number;
  minYMax: number;
  /** Shown instead of the traces while there are none (e.g. "after a baseline"). */
  emptyText?: string;
}

export class TraceView {
  private series: Series[] = [];
  private marks: Mark[] = [];
  private tNow = 0;
  private fixedS: number | null = null;
  dirty = true;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private o: TraceOptions,
  ) {}

  set(series: Series[], marks: Mark[], tNow: number): void {
    this.series = series;
    this.marks = marks;
    this.tNow = tNow;
    this.dirty = true;
  }

  /** The shaded reference band (it comes with the worker's info). */
  setBand(band: TraceOptions['band']): void {
    this.o.band = band;
    this.dirty = true;
  }

  /** Show [0, max(s, now)] instead of scrolling (null: scroll). */
  fixedSpan(s: number | null): void {
    this.fixedS = s;
    this.dirty = true;
  }

  draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, w, h, dpr } = fit(this.canvas);
    let tMin: number;
    let tMax: number;
    if (this.fixedS !== null) {
      tMin = 0;
      tMax = Math.max(this.fixedS, this.tNow);
    } else {
      tMax = Math.max(this.o.windowS, this.tNow);
      tMin = tMax - this.o.windowS;
    }
    let vis = 0;
    for (const s of this.series) {
      for (let i = 0; i < s.t.length; i++) {
        if (s.t[i] < tMin) continue;
        const v = s.y(i);
        if (Number.isFinite(v)) vis = Math.max(vis, v);
      }
    }
    const yMax = niceMax(Math.max(this.o.minYMax, vis * 1.12));
    const p = axes(ctx, w, h, dpr, { title: this.o.title, yMax, yUnit: this.o.unit, tMin, tMax });
    const X = (t: number) => p.x0 + ((t - tMin) / (tMax - tMin)) * p.pw;
    const Y = (v: number) => p.y0 + p.ph - (Math.min(v, yMax) / yMax) * p.ph;
    if (this.o.band) {
      const { lo, hi, label } = this.o.band;
      ctx.fillStyle = 'rgba(80, 200, 120, 0.12)';
      ctx.fillRect(p.x0, Y(hi), p.pw, Y(lo) - Y(hi));
      ctx.fillStyle = 'rgba(120, 220, 150, 0.7)';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(label, p.x0 + 4 * dpr, Y(hi) + 2 * dpr);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(p.x0, p.y0, p.pw, p.ph);
    ctx.clip();
    if (this.o.refLine !== undefined && this.series.length) {
      ctx.strokeStyle = COLORS.dim;
      ctx.setLineDash([2 * dpr, 3 * dpr]);
      ctx.beginPath();
      ctx.moveTo(p.x0, Y(this.o.refLine));
      ctx.lineTo(p.x0 + p.pw, Y(this.o.refLine));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    drawMarks(ctx, this.marks, tMin, X, p.y0, p.ph, dpr);
    for (const s of this.series) {
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.5 * dpr;
      ctx.beginPath();
      let pen = false;
      for (let i = 0; i < s.t.length; i++) {
        if (s.t[i] < tMin - 1) continue;
        const v = s.y(i);
        if (!Number.isFinite(v)) {
          pen = false;
          continue;
        }
        const x = X(s.t[i]);
        const y = Y(v);
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      }
      ctx.stroke();
    }
    ctx.restore();
    if (!this.series.length && this.o.emptyText) {
      ctx.fillStyle = COLORS.dim;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(this.o.emptyText, p.x0 + p.pw / 2, p.y0 + p.ph / 2);
    }
    // legend: the tissues, each with its last 1-s mean
    ctx.font = `bold ${11.5 * dpr}px system-ui, sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    let x = w - 10 * dpr;
    for (let k = this.series.length - 1; k >= 0; k--) {
      const s = this.series[k];
      const v = lastMean(s, this.tNow, 1);
      const text = `${s.label}: ${Number.isFinite(v) ? v.toFixed(v >= 100 ? 0 : 2) : '…'} ${this.o.unit}`;
      ctx.fillStyle = s.color;
      ctx.fillText(text, x, 4 * dpr);
      x -= ctx.measureText(text).width + 14 * dpr;
    }
  }
}

/** Dashed vertical lines at the phase changes, labelled (labels nudged down when they would overlap). */
export function drawMarks(
  ctx: CanvasRenderingContext2D,
  marks: Mark[],
  tMin: number,
  X: (t: number) => number,
  y0: number,
  ph: number,
  dpr: number,
): void {
  let lastX = -Infinity;
  let row = 0;
  ctx.font = `${10.5 * dpr}px system-ui, sans-serif`;
  for (const m of marks) {
    if (m.t < tMin) continue;
    const x = X(m.t);
    ctx.strokeStyle = m.color;
    ctx.setLineDash([4 * dpr, 3 * dpr]);
    ctx.beginPath();
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y0 + ph);
    ctx.stroke();
    ctx.setLineDash([]);
    if (!m.label) continue;
    row = x - lastX < 110 * dpr ? (row + 1) % 3 : 0;
    lastX = x;
    ctx.fillStyle = m.color;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(m.label, x + 3 * dpr, y0 + (2 + 12 * row) * dpr);
  }
}

/** Mean over the last `s` seconds before tNow (NaN: none). */
export function lastMean(s: Series, tNow: number, span: number): number {
  let sum = 0;
  let n = 0;
  for (let i = s.t.length - 1; i >= 0 && s.t[i] > tNow - span; i--) {
    const v = s.y(i);
    if (!Number.isFinite(v)) continue;
    sum += v;
    n++;
  }
  return n ? sum / n : NaN;
}
