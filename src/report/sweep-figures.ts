/**
 * The sweep report's figures, for sweeps of any shape. Heatmaps of the first two axes (seed aside), each
 * cell labelled with its value and hatched where a point did not settle, one panel per combination of the
 * further axes (small multiples on one colour scale, its bar named in words with its unit). Dose-response
 * panels along each fitted axis: one curve per value of the next axis, one panel per combination of the
 * rest, unsettled points ringed. Axes are titled in words with units (the parameter schema; drugs in nM).
 */
import { PARAM_SPECS, type ParamKey } from '../model/params.js';
import type { FitReadout, PointRow, SweepFit, SweepResult } from '../sweep/run.js';
import type { AxisValue } from '../sweep/spec.js';
import { type Curve, doseResponseSvg } from './dose-response-svg.js';
import { escapeXml } from './format.js';
import { niceTicks, tickLabel } from './svg.js';

type SweepAxis = Pick<SweepResult['axes'][number], 'name' | 'kind'>;

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const c = (v: number) => (Number.isFinite(v) ? (Math.round(v * 10) / 10).toString() : '0');
const READOUTS: FitReadout[] = ['probeFold', 'rateRatio', 'rateHz', 'probe5htNm'];
const UNSETTLED = 'did not settle (not a finding)';

/** A readout in words with its unit; folds are against the reference point, or the first phase. */
export function readoutTitle(readout: FitReadout, mode: SweepResult['readout']): string {
  const against = mode === 'protocol' ? 'the baseline phase' : 'the reference point';
  switch (readout) {
    case 'probeFold':
      return `probe 5-HT, fold of ${against} (×)`;
    case 'rateRatio':
      return `firing rate, ratio to ${against} (×)`;
    case 'rateHz':
      return 'firing rate (Hz)';
    case 'probe5htNm':
      return 'probe 5-HT (nM)';
  }
}

function paramWords(name: string): { words: string; unit: string } | undefined {
  if (!Object.hasOwn(PARAM_SPECS, name)) return undefined;
  const s = PARAM_SPECS[name as ParamKey];
  const head = s.doc.split(/[:;,(]/)[0].trim();
  const words = head.length > 0 && head.length <= 36 ? head : name;
  const unit = s.unit !== '1' ? s.unit : /fraction of the wild type/.test(s.doc) ? '× wild type' : '';
  return { words, unit };
}

/** An axis title in words with its unit: "SERT expression (× wild type)", "fluoxetine, free (nM)". */
export function axisTitle(a: SweepAxis): string {
  if (a.kind === 'drug') return `${a.name}, free (nM)`;
  const p = a.kind === 'param' ? paramWords(a.name) : undefined;
  if (!p) return a.name;
  return p.unit ? `${p.words} (${p.unit})` : p.words;
}

/** One value of an axis in words: "fluoxetine 10 nM", "SERT expression 0.5", "genotype wt". */
export function axisValueText(a: SweepAxis, v: AxisValue): string {
  const n = typeof v === 'number' ? tickLabel(Number(v.toPrecision(4))) : v;
  if (a.kind === 'drug') return `${a.name} ${n} nM`;
  const p = a.kind === 'param' ? paramWords(a.name) : undefined;
  if (!p) return `${a.name} ${n}`;
  return p.unit && p.unit !== '× wild type' ? `${p.words} ${n} ${p.unit}` : `${p.words} ${n}`;
}

const keyOf = (p: Pick<PointRow, 'axes'>, names: readonly string[]) => names.map((n) => JSON.stringify(p.axes[n])).join('|');

/** The combinations of `extra` axes the points hold, in point order, with their title. */
function facets(r: SweepResult, extra: readonly SweepAxis[]): { key: string; title: string }[] {
  const out = new Map<string, string>();
  const names = extra.map((a) => a.name);
  for (const p of r.points) {
    const k = keyOf(p, names);
    if (!out.has(k)) out.set(k, extra.map((a) => axisValueText(a, p.axes[a.name])).join(' · '));
  }
  return [...out].map(([key, title]) => ({ key, title }));
}

// viridis, five stops: dark violet -> blue -> teal -> green -> yellow
const STOPS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
function viridis(t: number): string {
  const u = Math.max(0, Math.min(1, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(u));
  const f = u - i;
  const ch = (k: number) => Math.round(STOPS[i][k] + f * (STOPS[i + 1][k] - STOPS[i][k]));
  return `rgb(${ch(0)},${ch(1)},${ch(2)})`;
}

interface Cell {
  value: number;
  unsettled: boolean;
}

interface Scale {
  lo: number;
  hi: number;
}
const frac = (s: Scale, v: number) => (s.hi > s.lo ? (v - s.lo) / (s.hi - s.lo) : 0.5);
const cellText = (v: number) => (Number.isFinite(v) ? tickLabel(Number(v.toPrecision(3))) : 'n/a');
const valueLabel = (v: AxisValue) => (typeof v === 'number' ? tickLabel(Number(v.toPrecision(3))) : v);

function hatch(id: string): string {
  return (
    `<defs><pattern id="${id}" patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">` +
    '<line x1="1" y1="0" x2="1" y2="6" stroke="#fff" stroke-width="1.4"/><line x1="4" y1="0" x2="4" y2="6" stroke="#000" stroke-width="1.4"/>' +
    '</pattern></defs>'
  );
}

/** One heatmap panel: columns ax, rows ay (first value at the bottom), every cell labelled. */
function heatmapPanel(
  ax: SweepResult['axes'][number],
  ay: SweepResult['axes'][number],
  cells: Cell[][],
  scale: Scale,
  o: { title?: string; id: string; facet: string },
): string {
  const nx = ax.values.length;
  const ny = ay.values.length;
  const labelled = nx <= 24 && ny <= 30;
  const cw = labelled ? Math.max(40, Math.min(64, 440 / nx)) : Math.max(8, 440 / nx);
  // tall enough for the rotated y axis title (about 6 px a character)
  const ch = Math.max(labelled ? Math.max(22, Math.min(36, 260 / ny)) : Math.max(6, 260 / ny), (axisTitle(ay).length * 6) / ny);
  const rowLabels = ay.values.map(valueLabel);
  const left = 34 + Math.min(90, 6.5 * Math.max(...rowLabels.map((s) => s.length)));
  const fr = { x0: left, y0: o.title ? 30 : 10, x1: left + nx * cw, y1: 0 };
  fr.y1 = fr.y0 + ny * ch;
  const w = Math.max(fr.x1 + 12, 240);
  const h = fr.y1 + 42;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" data-facet="${escapeXml(o.facet)}" width="${c(w)}" height="${c(h)}" viewBox="0 0 ${c(w)} ${c(h)}" ${FONT} font-size="11">`,
    hatch(o.id),
    `<rect x="0" y="0" width="${c(w)}" height="${c(h)}" fill="#fff"/>`,
  ];
  if (o.title) parts.push(`<text class="panel-title" x="${c(fr.x0)}" y="18" font-size="12" font-weight="600">${escapeXml(o.title)}</text>`);
  ay.values.forEach((_, r) => {
    const Y = fr.y1 - (r + 1) * ch;
    parts.push(`<text x="${c(fr.x0 - 5)}" y="${c(Y + ch / 2 + 3.5)}" text-anchor="end" fill="#444">${escapeXml(rowLabels[r])}</text>`);
    ax.values.forEach((_, k) => {
      const cell = cells[r][k];
      const X = fr.x0 + k * cw;
      const t = frac(scale, cell.value);
      const fill = Number.isFinite(cell.value) ? viridis(t) : '#ddd';
      const tip = `${cellText(cell.value)}${cell.unsettled ? `, ${UNSETTLED}` : ''}`;
      parts.push(
        `<rect class="cell" x="${c(X)}" y="${c(Y)}" width="${c(cw)}" height="${c(ch)}" fill="${fill}" stroke="#fff" stroke-width="0.5"><title>${escapeXml(tip)}</title></rect>`,
      );
      if (cell.unsettled)
        parts.push(
          `<rect class="unsettled" x="${c(X)}" y="${c(Y)}" width="${c(cw)}" height="${c(ch)}" fill="url(#${o.id})" opacity="0.55"/>`,
        );
      if (labelled) {
        const ink = !Number.isFinite(cell.value) || t > 0.6 ? '#111' : '#fff';
        parts.push(
          `<text class="cell-label" x="${c(X + cw / 2)}" y="${c(Y + ch / 2 + 3.5)}" text-anchor="middle" font-size="${cw < 48 ? 10 : 11}" fill="${ink}"${cell.unsettled ? ` font-style="italic" stroke="${fill}" stroke-width="3" paint-order="stroke"` : ''}>${escapeXml(cellText(cell.value))}${cell.unsettled ? '*' : ''}</text>`,
        );
      }
    });
  });
  const step = Math.max(1, Math.ceil((nx * 34) / (fr.x1 - fr.x0)));
  ax.values.forEach((v, k) => {
    if (k % step) return;
    parts.push(
      `<text x="${c(fr.x0 + (k + 0.5) * cw)}" y="${c(fr.y1 + 14)}" text-anchor="middle" fill="#444">${escapeXml(valueLabel(v))}</text>`,
    );
  });
  parts.push(
    `<text class="axis-title" x="${c((fr.x0 + fr.x1) / 2)}" y="${c(h - 8)}" text-anchor="middle">${escapeXml(axisTitle(ax))}</text>`,
  );
  parts.push(
    `<text class="axis-title" transform="translate(13 ${c((fr.y0 + fr.y1) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(axisTitle(ay))}</text>`,
  );
  parts.push('</svg>');
  return parts.join('');
}

/** The colour bar of a figure, named in words with its unit, and the legend line for hatched cells. */
function colourBar(name: string, scale: Scale, id: string, anyUnsettled: boolean): string {
  const w = 720;
  const h = 50;
  const bar = { x0: 12, x1: 272, y0: 22, y1: 34 };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="colour-bar" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="11">`,
    anyUnsettled ? hatch(id) : '',
    `<text class="colour-title" x="${bar.x0}" y="14" fill="#222">colour: ${escapeXml(name)}</text>`,
  ];
  const n = 40;
  for (let j = 0; j < n; j++) {
    const x = bar.x0 + ((bar.x1 - bar.x0) * j) / n;
    parts.push(
      `<rect x="${c(x)}" y="${bar.y0}" width="${c((bar.x1 - bar.x0) / n + 0.5)}" height="${bar.y1 - bar.y0}" fill="${viridis(j / (n - 1))}"/>`,
    );
  }
  const ticks = scale.hi > scale.lo ? niceTicks(scale.lo, scale.hi, 4) : [scale.lo];
  for (const t of ticks) {
    const x = bar.x0 + frac(scale, t) * (bar.x1 - bar.x0);
    parts.push(`<line x1="${c(x)}" y1="${bar.y1}" x2="${c(x)}" y2="${bar.y1 + 3}" stroke="#444"/>`);
    parts.push(`<text x="${c(x)}" y="${bar.y1 + 14}" text-anchor="middle" fill="#444">${escapeXml(tickLabel(t))}</text>`);
  }
  if (anyUnsettled) {
    parts.push(
      `<rect x="300" y="${bar.y0 - 2}" width="26" height="16" fill="#888"/><rect x="300" y="${bar.y0 - 2}" width="26" height="16" fill="url(#${id})" opacity="0.55"/>`,
    );
    parts.push(`<text class="legend" x="334" y="${bar.y1 - 1}" fill="#222">hatched, value*: a point that ${UNSETTLED}</text>`);
  }
  parts.push('</svg>');
  return parts.join('');
}

/**
 * Heatmaps of the first two axes (seed aside; the mean over seeds), one figure per readout, one panel
 * per combination of the further axes, on the figure's one colour scale. Fewer than two axes: none.
 */
export function sweepHeatmaps(r: SweepResult): string[] {
  const axes = r.axes.filter((a) => a.kind !== 'seed');
  if (axes.length < 2) return [];
  const [ax, ay, ...extra] = axes;
  const panels = facets(r, extra);
  const names = extra.map((a) => a.name);
  const out: string[] = [];
  READOUTS.forEach((readout, ri) => {
    const grid = new Map(panels.map((f) => [f.key, ay.values.map(() => ax.values.map(() => ({ sum: 0, n: 0, unsettled: false })))]));
    for (const p of r.points) {
      const g = grid.get(keyOf(p, names))!;
      const cell = g[ay.values.indexOf(p.axes[ay.name])]?.[ax.values.indexOf(p.axes[ax.name])];
      if (!cell) continue;
      if (!p.settled) cell.unsettled = true;
      if (Number.isFinite(p[readout])) {
        cell.sum += p[readout];
        cell.n++;
      }
    }
    const cells = new Map(
      [...grid].map(([k, g]) => [k, g.map((row) => row.map((s) => ({ value: s.n ? s.sum / s.n : NaN, unsettled: s.unsettled })))]),
    );
    const all = [...cells.values()].flat(2);
    const vals = all.map((x) => x.value).filter(Number.isFinite);
    if (!vals.length) return;
    const scale = { lo: Math.min(...vals), hi: Math.max(...vals) };
    const name = readoutTitle(readout, r.readout);
    const svgs = panels.map((f, fi) =>
      heatmapPanel(ax, ay, cells.get(f.key)!, scale, {
        title: extra.length ? f.title : undefined,
        id: `hatch-${ri}-${fi}`,
        facet: f.title,
      }),
    );
    const by = extra.length ? `; one panel per ${extra.map((a) => axisTitle(a)).join(' × ')}` : '';
    out.push(
      `<figure class="facets" data-readout="${readout}" data-panels="${panels.length}"><figcaption>${escapeXml(name)}: columns ${escapeXml(axisTitle(ax))}, rows ${escapeXml(axisTitle(ay))}${escapeXml(by)}</figcaption>` +
        colourBar(
          name,
          scale,
          `hatch-${ri}-bar`,
          all.some((x) => x.unsettled),
        ) +
        `<div class="panels">${svgs.join('')}</div></figure>`,
    );
  });
  return out;
}

/** Whether any point behind each of a fit's x values did not settle. */
function unsettledAlong(r: SweepResult, f: SweepFit): boolean[] {
  const others = Object.entries(f.others);
  return f.x.map((x) => r.points.some((p) => !p.settled && p.axes[f.axis] === x && others.every(([k, v]) => p.axes[k] === v)));
}

/**
 * Dose-response along each fitted axis, one figure per (axis, readout): a curve per value of the first
 * other axis, a panel per combination of the rest, all panels on one y range.
 */
export function sweepDoseResponse(r: SweepResult): string[] {
  const groups = new Map<string, SweepFit[]>();
  for (const f of r.fits) {
    const k = `${f.axis}\u0000${f.readout}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  const out: string[] = [];
  for (const fits of groups.values()) {
    const f0 = fits[0];
    const axis = r.axes.find((a) => a.name === f0.axis)!;
    const others = r.axes.filter((a) => Object.hasOwn(f0.others, a.name));
    const [hue, ...extra] = others;
    const panelKey = (f: SweepFit) => extra.map((a) => JSON.stringify(f.others[a.name])).join('|');
    const panels = new Map<string, SweepFit[]>();
    for (const f of fits) panels.set(panelKey(f), [...(panels.get(panelKey(f)) ?? []), f]);
    const ys = fits.flatMap((f) => f.y).filter(Number.isFinite);
    const name = readoutTitle(f0.readout, r.readout);
    const ref = f0.readout === 'probeFold' || f0.readout === 'rateRatio' ? 1 : undefined;
    const svgs = [...panels.values()].map((pf) => {
      const curves: Curve[] = pf.map((f) => ({
        label: hue ? axisValueText(hue, f.others[hue.name]) : name,
        x: f.x,
        y: f.y,
        fit: f.converged ? { bottom: f.bottom!, top: f.top!, ec50: f.ec50!, hill: f.hill! } : undefined,
        marked: unsettledAlong(r, f),
      }));
      const title = extra.length ? extra.map((a) => axisValueText(a, pf[0].others[a.name])).join(' · ') : `${name} against ${f0.axis}`;
      return doseResponseSvg(curves, {
        title,
        xLabel: axisTitle(axis),
        yLabel: name,
        logX: axis.log,
        refY: ref,
        yMin: Math.min(0, ...ys, ref ?? 0),
        yMax: Math.max(...ys, ref ?? -Infinity),
        markLabel: 'did not settle',
        width: extra.length ? 500 : 540,
        height: extra.length ? 280 : 300,
      });
    });
    const by = extra.length ? `; one panel per ${extra.map((a) => axisTitle(a)).join(' × ')}` : '';
    out.push(
      `<figure data-axis="${escapeXml(f0.axis)}" data-readout="${escapeXml(f0.readout)}" data-panels="${panels.size}"><figcaption>${escapeXml(`${name} against ${axisTitle(axis)}${by}`)}. Lines: fitted four-parameter Hill curves (dashed: no converged fit); ringed: a point that ${UNSETTLED}.</figcaption><div class="panels">${svgs.join('')}</div></figure>`,
    );
  }
  return out;
}
