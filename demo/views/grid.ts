/**
 * Heatmap of one z-slice of one tissue's extracellular 5-HT grid, with a colour bar in nM. Side by side
 * tissues share one colour scale (the caller passes it), so that their colours compare.
 */
import type { GridSlice } from '../../src/worker/protocol.js';
import { COLORS, css, fit, niceMax, viridis } from './common.js';

export class GridView {
  private slice: GridSlice | null = null;
  private img: HTMLCanvasElement = document.createElement('canvas');
  private vMax = 0;
  private voxelUm = 20;
  private nz = 1;
  private title = '';
  dirty = true;

  constructor(readonly canvas: HTMLCanvasElement) {}

  reset(voxelUm: number, nz: number, title: string): void {
    this.voxelUm = voxelUm;
    this.nz = nz;
    this.title = title;
    this.slice = null;
    this.vMax = 0;
    this.dirty = true;
  }

  /** The colour scale the data ask for: their 98th percentile (single hot voxels, fresh release, saturate), in "nice" steps. */
  static scaleOf(slice: GridSlice): number {
    const vals: number[] = [];
    for (let i = 0; i < slice.data.length; i++) if (slice.inside[i]) vals.push(slice.data[i]);
    vals.sort((a, b) => a - b);
    return niceMax(vals.length ? vals[Math.min(vals.length - 1, Math.floor(vals.length * 0.98))] : 0);
  }

  /** Shows `slice`; the colour scale moves to `target` (scaleOf) only when it grows or falls 3-fold, so colours stay comparable from frame to frame. */
  set(slice: GridSlice, target = GridView.scaleOf(slice)): void {
    this.slice = slice;
    if (target > this.vMax || target < this.vMax / 3) this.vMax = target;
    const { nx, ny, data, inside } = slice;
    this.img.width = nx;
    this.img.height = ny;
    const ictx = this.img.getContext('2d')!;
    const id = ictx.createImageData(nx, ny);
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = i + nx * j;
        const o = 4 * (i + nx * (ny - 1 - j));
        if (!inside[v]) {
          id.data[o] = 24;
          id.data[o + 1] = 28;
          id.data[o + 2] = 40;
        } else {
          const c = viridis(data[v] / this.vMax);
          id.data[o] = c[0];
          id.data[o + 1] = c[1];
          id.data[o + 2] = c[2];
        }
        id.data[o + 3] = 255;
      }
    }
    ictx.putImageData(id, 0, 0);
    this.dirty = true;
  }

  draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const { ctx, w, h, dpr } = fit(this.canvas);
    ctx.fillStyle = COLORS.panel;
    ctx.fillRect(0, 0, w, h);
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    ctx.fillStyle = COLORS.text;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    const s = this.slice;
    const depth = s ? ((s.z + 0.5) * this.voxelUm).toFixed(0) : '…';
    ctx.fillText(
      `${this.title}: 5-HT, slice z = ${s ? s.z : '…'} of ${this.nz} (depth ${depth} µm, ${this.voxelUm} µm voxels)`,
      8 * dpr,
      4 * dpr,
    );
    if (!s) return;
    const barW = 46 * dpr;
    const top = 22 * dpr;
    const aw = w - barW - 16 * dpr;
    const ah = h - top - 8 * dpr;
    const scale = Math.min(aw / s.nx, ah / s.ny);
    const dw = s.nx * scale;
    const dh = s.ny * scale;
    const x0 = 8 * dpr + (aw - dw) / 2;
    const y0 = top + (ah - dh) / 2;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.img, x0, y0, dw, dh);
    // colour bar
    const bx = w - barW;
    const bh = ah;
    for (let k = 0; k < 64; k++) {
      ctx.fillStyle = css(viridis(k / 63));
      const y = top + bh - ((k + 1) / 64) * bh;
      ctx.fillRect(bx, y, 10 * dpr, bh / 64 + 1);
    }
    ctx.fillStyle = COLORS.text;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillText(`${this.vMax} nM`, bx + 13 * dpr, top);
    ctx.textBaseline = 'bottom';
    ctx.fillText('0', bx + 13 * dpr, top + bh);
  }
}
