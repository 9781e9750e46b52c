/** A scrolling time trace (population rate, probe 5-HT) over the last `windowS` simulated seconds. */
import { axes, COLORS, niceMax, fit } from './common.js';

export interface TraceOptions {
  title: string;
  unit: string;
  color: string;
  windowS: number;
  /** Shaded reference band, e.g. the F1 rate band. */
  band?: { lo: number; hi: number; label: string };
  minYMax: number;
}

export class TraceView {
  private t: number[] = [];
  private y: number[] = [];
  private marks: { t: number; label: string }[] = [];
  private tNow = 0;
  private yMax: number;
  dirty = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly o: TraceOptions,
  ) {
    this.yMax = o.minYMax;
  }

  clear(): void {
    this.t = [];
    this.y = [];
    this.marks = [];
    this.tNow = 0;
    this.yMax = this.o.minYMax;
    this.dirty = true;
  }

  push(t: Float64Array, y: Float32Array, tNow: number): void {
    for (let i = 0; i < t.length; i++) {
      this.t.push(t[i]);
      this.y.push(y[i]);
    }
    this.tNow = Math.max(this.tNow, tNow);
    const cut = this.tNow - this.o.windowS * 1.5;
    let k = 0;
    while (k < this.t.length && this.t[k] < cut) k++;
    if (k > 256) {
      this.t.splice(0, k);
      this.y.splice(0, k);
    }
    this.dirty = true;
  }

  mark(t: number, label: string): void {
    this.marks.push({ t, label });
    this.dirty = true;
  }

  /** Last value, and mean over the last `s` seconds. */
  last(s = 1): number {
    let sum = 0;
    let n = 0;
    for (let i = this.t.length - 1; i >= 0 && this.t[i] > this.tNow - s; i--) {
      sum += this.y[i];
      n++;
    }
    return n ? sum / n : NaN;
  }

  draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, w, h, dpr } = fit(this.canvas);
    const tMax = Math.max(this.o.windowS, this.tNow);
    const tMin = tMax - this.o.windowS;
    let vis = 0;
    for (let i = 0; i < this.t.length; i++) if (this.t[i] >= tMin && Number.isFinite(this.y[i])) vis = Math.max(vis, this.y[i]);
    const target = niceMax(Math.max(this.o.minYMax, vis * 1.15));
    this.yMax = target; // jumps to nice values only
    const p = axes(ctx, w, h, dpr, { title: this.o.title, yMax: this.yMax, yUnit: this.o.unit, tMin, tMax });
    const X = (t: number) => p.x0 + ((t - tMin) / (tMax - tMin)) * p.pw;
    const Y = (v: number) => p.y0 + p.ph - (Math.min(v, this.yMax) / this.yMax) * p.ph;
    if (this.o.band) {
      const { lo, hi, label } = this.o.band;
      ctx.fillStyle = 'rgba(80, 200, 120, 0.12)';
      ctx.fillRect(p.x0, Y(hi), p.pw, Y(lo) - Y(hi));
      ctx.fillStyle = 'rgba(120, 220, 150, 0.7)';
      ctx.textAlign = 'right';
      ctx.textBaseline = 'top';
      ctx.fillText(label, p.x0 + p.pw - 4 * dpr, Y(hi) + 2 * dpr);
    }
    ctx.save();
    ctx.beginPath();
    ctx.rect(p.x0, p.y0, p.pw, p.ph);
    ctx.clip();
    for (const m of this.marks) {
      if (m.t < tMin) continue;
      ctx.strokeStyle = '#d9a441';
      ctx.setLineDash([4 * dpr, 3 * dpr]);
      ctx.beginPath();
      ctx.moveTo(X(m.t), p.y0);
      ctx.lineTo(X(m.t), p.y0 + p.ph);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = '#d9a441';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(m.label, X(m.t) + 3 * dpr, p.y0 + 2 * dpr);
    }
    ctx.strokeStyle = this.o.color;
    ctx.lineWidth = 1.5 * dpr;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < this.t.length; i++) {
      if (this.t[i] < tMin - 1) continue;
      const x = X(this.t[i]);
      const y = Y(this.y[i]);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
    ctx.restore();
    const v = this.last(1);
    ctx.fillStyle = Number.isFinite(v) ? this.o.color : COLORS.dim;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    ctx.font = `bold ${12 * dpr}px system-ui, sans-serif`;
    ctx.fillText(Number.isFinite(v) ? `${v.toFixed(2)} ${this.o.unit} (1 s mean)` : '…', w - 10 * dpr, 4 * dpr);
  }
}
