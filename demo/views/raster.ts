/** Spike raster of the displayed subset of cells over the last `windowS` simulated seconds. */
import { axes, fit } from './common.js';

export class RasterView {
  private cell: number[] = [];
  private t: number[] = [];
  private tNow = 0;
  private nCells = 1;
  dirty = true;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly windowS = 5,
  ) {}

  reset(nCells: number): void {
    this.nCells = Math.max(1, nCells);
    this.cell = [];
    this.t = [];
    this.tNow = 0;
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
      title: `Spike raster (${this.nCells} of the cells)`,
      yMax: this.nCells,
      yUnit: 'cell',
      tMin,
      tMax,
      yTicks: 2,
    });
    ctx.fillStyle = '#7fd3ff';
    const dy = p.ph / this.nCells;
    const sz = Math.max(1.5 * dpr, Math.min(3 * dpr, dy));
    for (let i = 0; i < this.t.length; i++) {
      const x = p.x0 + ((this.t[i] - tMin) / this.windowS) * p.pw;
      const y = p.y0 + p.ph - (this.cell[i] + 1) * dy;
      ctx.fillRect(x - sz / 2, y, sz, Math.max(dpr, dy * 0.9));
    }
  }
}
