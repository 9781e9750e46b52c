/** Helpers shared by the views: canvas sizing, colour maps, axes. */

/** Matches the canvas' backing store to its CSS size (device pixels); returns the 2-D context. */
export function fit(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number; dpr: number } {
  const dpr = Math.min(2, globalThis.devicePixelRatio || 1);
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  return { ctx: canvas.getContext('2d')!, w, h, dpr };
}

type Stop = [number, number, number];
// viridis and inferno, 6 stops each (enough for a heatmap and an activity colour)
const VIRIDIS: Stop[] = [
  [68, 1, 84],
  [65, 68, 135],
  [42, 120, 142],
  [34, 168, 132],
  [122, 209, 81],
  [253, 231, 37],
];
const INFERNO: Stop[] = [
  [20, 11, 52],
  [87, 16, 110],
  [165, 44, 96],
  [229, 92, 48],
  [249, 164, 10],
  [252, 255, 164],
];

function ramp(stops: Stop[], x: number): Stop {
  const t = Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(t));
  const f = t - i;
  const a = stops[i];
  const b = stops[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}
export const viridis = (x: number) => ramp(VIRIDIS, x);
export const inferno = (x: number) => ramp(INFERNO, x);
export const css = (c: Stop) => `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`;

export const COLORS = { bg: '#0f1420', panel: '#151b2b', grid: '#2a3350', text: '#b8c2dc', dim: '#6b7799' };

/** A "nice" upper bound for an axis. */
export function niceMax(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

export interface Plot {
  x0: number;
  y0: number;
  pw: number;
  ph: number;
}

/** Clears, draws a frame with y ticks (0..yMax) and x labels (tMin..tMax), returns the plot box. */
export function axes(
  ctx: CanvasRenderingContext2D,
  w: number,
  h: number,
  dpr: number,
  o: { title: string; yMax: number; yUnit: string; tMin: number; tMax: number; yTicks?: number },
): Plot {
  ctx.fillStyle = COLORS.panel;
  ctx.fillRect(0, 0, w, h);
  const fs = 11 * dpr;
  ctx.font = `${fs}px system-ui, sans-serif`;
  const x0 = 44 * dpr;
  const y0 = 20 * dpr;
  const pw = w - x0 - 10 * dpr;
  const ph = h - y0 - 20 * dpr;
  ctx.fillStyle = COLORS.text;
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  ctx.fillText(o.title, x0, 4 * dpr);
  ctx.strokeStyle = COLORS.grid;
  ctx.lineWidth = 1;
  ctx.fillStyle = COLORS.dim;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const nT = o.yTicks ?? 4;
  for (let i = 0; i <= nT; i++) {
    const v = (o.yMax * i) / nT;
    const y = y0 + ph - (ph * i) / nT;
    ctx.beginPath();
    ctx.moveTo(x0, Math.round(y) + 0.5);
    ctx.lineTo(x0 + pw, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillText(`${+v.toPrecision(3)}`, x0 - 4 * dpr, y);
  }
  ctx.textBaseline = 'top';
  ctx.fillText(o.yUnit, x0 - 4 * dpr, y0 + ph + 5 * dpr);
  ctx.textAlign = 'left';
  ctx.fillText(`${o.tMin.toFixed(1)} s`, x0, y0 + ph + 5 * dpr);
  ctx.textAlign = 'right';
  ctx.fillText(`${o.tMax.toFixed(1)} s`, x0 + pw, y0 + ph + 5 * dpr);
  return { x0, y0, pw, ph };
}
