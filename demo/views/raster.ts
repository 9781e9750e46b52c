/** Spike raster of one tissue's displayed subset of cells over the last `windowS` simulated seconds, phases marked. */
import { axes, fit } from './common.js';
import { drawMarks, type Mark } from './trace.js';

export class RasterView {
  private cell: number[] = [];
  private t: number[] = [];
  private tNow = 0;
  private nCells = 1;
  private marks: Mark[] = [];
  title = 'Spike raster';
  dirty = true;

  constructor(
    readonly canvas: HTMLCanvasElement,
    public color: string,
    private readonly windowS = 5,
  ) {}

  reset(nCells: number, title: string, color: string): void {
    this.nCells = Math.max(1, nCells);
    this.title = title;
    this.color = color;
    this.cell = [];
    this.t = [];
    this.tNow = 0;
    this.marks = [];
    this.dirty = true;
  }

  setMarks(marks: Mark[]): void {
    this.marks = marks;
    this.dirty = true;
  }

  push(cells: Uint32Array, t: Float64Array, tNow: number): void {
    for (let i = 0; i < cells.length; i++) {
      this.cell.push(cells[i]);
      this.t.push(t[i]);
    }
    this.tNow = Math.max(this.tNow, tNow);
    let k = 0;
    const cut = this.tNow - this.windowS;
    while (k < this.t.length && this.t[k] < cut) k++;
    if (k > 0) {
      this.cell.splice(0, k);
      this.t.splice(0, k);
    }
    this.dirty = true;
  }

  draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, w, h, dpr } = fit(this.canvas);
    const tMax = Math.max(this.windowS, this.tNow);
    const tMin = tMax - this.windowS;
    const p = axes(ctx, w, h, dpr, {
      title: `${this.title} (${this.nCells} of the cells)`,
      yMax: this.nCells,
      yUnit: 'cell',
      tMin,
      tMax,
      yTicks: 2,
    });
    const X = (t: number) => p.x0 + ((t - tMin) / this.windowS) * p.pw;
    ctx.save();
    ctx.beginPath();
    ctx.rect(p.x0, p.y0, p.pw, p.ph);
    ctx.clip();
    drawMarks(ctx, this.marks, tMin, X, p.y0, p.ph, dpr);
    ctx.fillStyle = this.color;
    const dy = p.ph / this.nCells;
    const sz = Math.max(1.5 * dpr, Math.min(3 * dpr, dy));
    for (let i = 0; i < this.t.length; i++) {
      const x = X(this.t[i]);
      const y = p.y0 + p.ph - (this.cell[i] + 1) * dy;
      ctx.fillRect(x - sz / 2, y, sz, Math.max(dpr, dy * 0.9));
    }
    ctx.restore();
  }
}
