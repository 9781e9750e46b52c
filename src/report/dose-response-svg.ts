/**
 * Plots for sweeps and the paper's figures: dose-response curves (measured points, fitted Hill lines,
 * a log dose axis whose 0 is drawn one step left of the smallest dose, points ringed on request) and
 * bars; the sweep heatmaps are in sweep-figures.ts. Pure functions returning self-contained <svg>
 * strings; non-finite values are skipped.
 */
import { hillValue, type HillParams } from '../sweep/fit.js';
import { escapeXml } from './format.js';
import { PALETTE, logTicks, niceTicks, tickLabel } from './svg.js';

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const c = (v: number) => (Number.isFinite(v) ? (Math.round(v * 10) / 10).toString() : '0');

export interface Curve {
  label: string;
  color?: string;
  x: number[];
  y: number[];
  /** Optional error bars (half-widths). */
  err?: number[];
  /** The fitted curve, drawn as a line (none: the points are joined by a dashed line). */
  fit?: HillParams;
  /** Points to ring (e.g. runs that did not settle); `markLabel` names the ring in the legend. */
  marked?: boolean[];
}

export interface DoseResponseOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
  logX?: boolean;
  yMin?: number;
  yMax?: number;
  /** Horizontal reference line (e.g. 1 for a fold, 100 for % of baseline). */
  refY?: number;
  /** The legend line for the ring around `Curve.marked` points (drawn only when a point is marked). */
  markLabel?: string;
}

/**
 * A vertical error bar with caps at X from Y0 to Y1 (pixels), its value, error and x as data attributes
 * (a figure's reader, or a test, finds them by class="errorbar").
 */
function errorBar(X: number, Y0: number, Y1: number, col: string, d: { x?: number; y: number; err: number }): string {
  const data = `${d.x !== undefined ? ` data-x="${d.x}"` : ''} data-y="${d.y}" data-err="${d.err}"`;
  const cap = (Y: number) => `<line x1="${c(X - 3)}" y1="${c(Y)}" x2="${c(X + 3)}" y2="${c(Y)}"/>`;
  return (
    `<g class="errorbar"${data} stroke="${col}">` + `<line x1="${c(X)}" y1="${c(Y0)}" x2="${c(X)}" y2="${c(Y1)}"/>${cap(Y0)}${cap(Y1)}</g>`
  );
}

export function doseResponseSvg(curves: readonly Curve[], o: DoseResponseOptions = {}): string {
  const w = o.width ?? 520;
  const h = o.height ?? 300;
  const legendW = 150;
  const fr = { x0: 60, x1: w - legendW, y0: o.title ? 28 : 12, y1: h - 42 };
  const logX = o.logX ?? false;
  const allX = curves.flatMap((k) => k.x).filter(Number.isFinite);
  const pos = allX.filter((x) => x > 0);
  const hasZero = logX && allX.some((x) => x === 0);
  let xlo = logX ? Math.log10(Math.min(...pos)) : Math.min(...allX);
  const xhi = logX ? Math.log10(Math.max(...pos)) : Math.max(...allX);
  const span = Math.max(1e-9, xhi - xlo);
  const zeroAt = xlo - Math.max(0.5, span / 8);
  if (hasZero) xlo = zeroAt - span * 0.03;
  const tx = (x: number) => {
    const v = logX ? (x > 0 ? Math.log10(x) : zeroAt) : x;
    return fr.x0 + ((v - xlo) / Math.max(1e-12, xhi + span * 0.03 - xlo)) * (fr.x1 - fr.x0);
  };
  const ys = curves.flatMap((k) => k.y.flatMap((y, i) => [y - (k.err?.[i] ?? 0), y + (k.err?.[i] ?? 0)])).filter(Number.isFinite);
  if (o.refY !== undefined) ys.push(o.refY);
  let ylo = o.yMin ?? Math.min(0, ...ys);
  let yhi = o.yMax ?? Math.max(...ys);
  if (!Number.isFinite(ylo) || !Number.isFinite(yhi) || !pos.length) {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ${FONT} font-size="11"><text x="${w / 2}" y="${h / 2}" text-anchor="middle" fill="#888">no data</text></svg>`;
  }
  if (yhi <= ylo) yhi = ylo + 1;
  const pad = (yhi - ylo) * 0.05;
  yhi += pad;
  if (o.yMin === undefined && ylo < 0) ylo -= pad;
  const ty = (y: number) => fr.y1 - ((y - ylo) / (yhi - ylo)) * (fr.y1 - fr.y0);
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="11">`);
  parts.push(`<rect x="0" y="0" width="${w}" height="${h}" fill="#fff"/>`);
  if (o.title) parts.push(`<text x="${c(fr.x0)}" y="16" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`);
  // axes and ticks
  parts.push(`<rect x="${c(fr.x0)}" y="${c(fr.y0)}" width="${c(fr.x1 - fr.x0)}" height="${c(fr.y1 - fr.y0)}" fill="none" stroke="#999"/>`);
  const xt = logX ? logTicks(Math.min(...pos), Math.max(...pos)) : niceTicks(xlo, xhi, 6);
  if (logX && xt.length < 2) xt.push(...pos.filter((_, i) => i === 0 || i === pos.length - 1));
  for (const t of [...new Set(xt)]) {
    const X = tx(t);
    parts.push(`<line x1="${c(X)}" y1="${c(fr.y1)}" x2="${c(X)}" y2="${c(fr.y1 + 4)}" stroke="#666"/>`);
    parts.push(`<text x="${c(X)}" y="${c(fr.y1 + 15)}" text-anchor="middle" fill="#444">${escapeXml(tickLabel(t))}</text>`);
  }
  if (hasZero) {
    const X = tx(0);
    parts.push(`<text x="${c(X)}" y="${c(fr.y1 + 15)}" text-anchor="middle" fill="#444">0</text>`);
    const b = fr.x0 + (tx(Math.min(...pos)) - fr.x0) * 0.55;
    parts.push(`<text x="${c(b)}" y="${c(fr.y1 + 4)}" text-anchor="middle" fill="#666">//</text>`);
  }
  for (const t of niceTicks(ylo, yhi, 5)) {
    const Y = ty(t);
    parts.push(`<line x1="${c(fr.x0 - 4)}" y1="${c(Y)}" x2="${c(fr.x1)}" y2="${c(Y)}" stroke="#eee"/>`);
    parts.push(`<text x="${c(fr.x0 - 6)}" y="${c(Y + 3.5)}" text-anchor="end" fill="#444">${escapeXml(tickLabel(t))}</text>`);
  }
  if (o.refY !== undefined) {
    parts.push(
      `<line x1="${c(fr.x0)}" y1="${c(ty(o.refY))}" x2="${c(fr.x1)}" y2="${c(ty(o.refY))}" stroke="#aaa" stroke-dasharray="4 3"/>`,
    );
  }
  if (o.xLabel) parts.push(`<text x="${c((fr.x0 + fr.x1) / 2)}" y="${c(h - 8)}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  if (o.yLabel) {
    parts.push(`<text transform="translate(14 ${c((fr.y0 + fr.y1) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  }
  curves.forEach((k, i) => {
    const col = k.color ?? PALETTE[i % PALETTE.length];
    const cls = `class="curve" data-label="${escapeXml(k.label)}"`;
    if (k.fit) {
      // the fitted line over the positive doses (log spaced), plus its value at 0 on a log axis
      const lo = logX ? Math.log10(Math.min(...pos)) : Math.min(...allX);
      const pts: string[] = [];
      for (let j = 0; j <= 80; j++) {
        const v = lo + ((xhi - lo) * j) / 80;
        const x = logX ? 10 ** v : v;
        const y = hillValue(x, k.fit);
        if (Number.isFinite(y)) pts.push(`${c(tx(x))},${c(ty(Math.max(ylo, Math.min(yhi, y))))}`);
      }
      parts.push(`<polyline ${cls} data-kind="fit" points="${pts.join(' ')}" fill="none" stroke="${col}" stroke-width="2"/>`);
    } else {
      const pts = k.x
        .map((x, j) => [x, k.y[j]] as const)
        .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!logX || x > 0))
        .map(([x, y]) => `${c(tx(x))},${c(ty(y))}`);
      parts.push(
        `<polyline ${cls} data-kind="join" points="${pts.join(' ')}" fill="none" stroke="${col}" stroke-width="1.2" stroke-dasharray="5 3"/>`,
      );
    }
    k.x.forEach((x, j) => {
      const y = k.y[j];
      if (!Number.isFinite(x) || !Number.isFinite(y) || (logX && x < 0)) return;
      const e = k.err?.[j];
      if (e !== undefined && Number.isFinite(e) && e > 0) {
        parts.push(errorBar(tx(x), ty(y - e), ty(y + e), col, { x, y, err: e }));
      }
      parts.push(`<circle cx="${c(tx(x))}" cy="${c(ty(y))}" r="3.2" fill="${col}" stroke="#fff" stroke-width="0.8"/>`);
      if (k.marked?.[j]) parts.push(`<circle class="mark" cx="${c(tx(x))}" cy="${c(ty(y))}" r="6.5" fill="none" stroke="#000"/>`);
    });
    const ly = fr.y0 + 8 + i * 16;
    parts.push(`<line x1="${c(fr.x1 + 10)}" y1="${c(ly)}" x2="${c(fr.x1 + 28)}" y2="${c(ly)}" stroke="${col}" stroke-width="2"/>`);
    parts.push(`<text x="${c(fr.x1 + 32)}" y="${c(ly + 4)}">${escapeXml(k.label)}</text>`);
  });
  if (o.markLabel && curves.some((k) => k.marked?.some(Boolean))) {
    const ly = fr.y0 + 8 + curves.length * 16;
    parts.push(`<circle cx="${c(fr.x1 + 19)}" cy="${c(ly)}" r="6.5" fill="none" stroke="#000"/>`);
    parts.push(`<text x="${c(fr.x1 + 32)}" y="${c(ly + 4)}">${escapeXml(o.markLabel)}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

export interface Bar {
  label: string;
  value: number;
  color?: string;
  /** Error bar half-width (e.g. a 95% interval over seeds); none drawn when absent. */
  err?: number;
}

/** Vertical bars with value labels (and error bars where a bar has `err`). */
export function barsSvg(bars: readonly Bar[], o: { title?: string; yLabel?: string; width?: number; height?: number } = {}): string {
  const w = o.width ?? 520;
  const h = o.height ?? 280;
  const fr = { x0: 60, x1: w - 12, y0: o.title ? 28 : 12, y1: h - 70 };
  const vals = bars.map((b) => b.value + (b.err !== undefined && Number.isFinite(b.err) ? b.err : 0)).filter(Number.isFinite);
  const hi = Math.max(1e-9, ...vals) * 1.1;
  const ty = (y: number) => fr.y1 - (y / hi) * (fr.y1 - fr.y0);
  const bw = (fr.x1 - fr.x0) / Math.max(1, bars.length);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="bars" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="11">`,
  );
  parts.push(`<rect x="0" y="0" width="${w}" height="${h}" fill="#fff"/>`);
  if (o.title) parts.push(`<text x="${c(fr.x0)}" y="16" font-size="13" font-weight="600">${escapeXml(o.title)}</text>`);
  for (const t of niceTicks(0, hi, 5)) {
    parts.push(`<line x1="${c(fr.x0 - 4)}" y1="${c(ty(t))}" x2="${c(fr.x1)}" y2="${c(ty(t))}" stroke="#eee"/>`);
    parts.push(`<text x="${c(fr.x0 - 6)}" y="${c(ty(t) + 3.5)}" text-anchor="end" fill="#444">${escapeXml(tickLabel(t))}</text>`);
  }
  bars.forEach((b, i) => {
    const X = fr.x0 + i * bw + bw * 0.15;
    const v = Number.isFinite(b.value) ? b.value : 0;
    parts.push(
      `<rect class="bar" x="${c(X)}" y="${c(ty(v))}" width="${c(bw * 0.7)}" height="${c(fr.y1 - ty(v))}" fill="${b.color ?? PALETTE[i % PALETTE.length]}"/>`,
    );
    const e = b.err !== undefined && Number.isFinite(b.err) && b.err > 0 && Number.isFinite(b.value) ? b.err : undefined;
    if (e !== undefined) parts.push(errorBar(X + bw * 0.35, ty(v - e), ty(v + e), '#333', { y: b.value, err: e }));
    parts.push(
      `<text x="${c(X + bw * 0.35)}" y="${c(ty(v + (e ?? 0)) - 3)}" text-anchor="middle" fill="#333">${escapeXml(Number.isFinite(b.value) ? tickLabel(Number(b.value.toPrecision(3))) : 'n/a')}</text>`,
    );
    parts.push(`<text transform="translate(${c(X + bw * 0.35)} ${c(fr.y1 + 10)}) rotate(35)" fill="#444">${escapeXml(b.label)}</text>`);
  });
  parts.push(`<line x1="${c(fr.x0)}" y1="${c(fr.y1)}" x2="${c(fr.x1)}" y2="${c(fr.y1)}" stroke="#666"/>`);
  if (o.yLabel)
    parts.push(`<text transform="translate(14 ${c((fr.y0 + fr.y1) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(o.yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('');
}
