/**
 * A sweep's report.html: dose-response curves along each fitted axis (one line per value of the other
 * axes, the fitted Hill line where the fit converged, a log axis for doses), heatmaps of two-axis sweeps,
 * the fits table (refused fits said so) and the points table.
 */
import type { SweepFit, SweepResult } from '../sweep/run.js';
import { doseResponseSvg, heatmapSvg, type Curve } from './dose-response-svg.js';
import { escapeXml, fmtNum, fmtSeconds } from './format.js';
import { reportPage } from './html.js';
import { fitStatus, othersText } from './sweep-table.js';
import { SETTLE_TOLERANCE } from '../model/settling.js';

export interface SweepReportMeta {
  engine: string;
  adapter: string;
  neurons: number;
  wallSeconds: number;
  description?: string;
}

const READOUT_LABEL: Record<string, string> = {
  probeFold: 'probe 5-HT fold vs reference',
  rateRatio: 'firing rate ratio vs reference',
  rateHz: 'firing rate (Hz)',
  probe5htNm: 'probe 5-HT (nM)',
};

const MAX_TABLE_ROWS = 2000;

function axisLabel(r: SweepResult, name: string): string {
  const a = r.axes.find((x) => x.name === name);
  return a?.kind === 'drug' ? `${name} (nM, free)` : name;
}

/** One figure per (axis, readout): a curve per combination of the other axes. */
function doseResponseFigures(r: SweepResult): string[] {
  const out: string[] = [];
  const groups = new Map<string, SweepFit[]>();
  for (const f of r.fits) {
    const k = `${f.axis}\u0000${f.readout}`;
    groups.set(k, [...(groups.get(k) ?? []), f]);
  }
  for (const fits of groups.values()) {
    const f0 = fits[0];
    const axis = r.axes.find((a) => a.name === f0.axis)!;
    const curves: Curve[] = fits.map((f) => ({
      label: othersText(f) === '-' ? f0.readout : othersText(f),
      x: f.x,
      y: f.y,
      fit: f.converged ? { bottom: f.bottom!, top: f.top!, ec50: f.ec50!, hill: f.hill! } : undefined,
    }));
    const svg = doseResponseSvg(curves, {
      title: `${READOUT_LABEL[f0.readout] ?? f0.readout} against ${f0.axis}`,
      xLabel: axisLabel(r, f0.axis),
      yLabel: READOUT_LABEL[f0.readout] ?? f0.readout,
      logX: axis.log,
      refY: f0.readout === 'probeFold' || f0.readout === 'rateRatio' ? 1 : undefined,
      width: 540,
      height: 300,
    });
    out.push(
      `<figure data-axis="${escapeXml(f0.axis)}" data-readout="${escapeXml(f0.readout)}">${svg}<figcaption>lines: fitted four-parameter Hill curves (dashed: no converged fit)</figcaption></figure>`,
    );
  }
  return out;
}

/** Two-axis sweeps (seed aside): a heatmap of each readout, the mean over seeds. */
function heatmaps(r: SweepResult): string[] {
  const axes = r.axes.filter((a) => a.kind !== 'seed');
  if (axes.length !== 2) return [];
  const [ax, ay] = axes;
  const out: string[] = [];
  for (const readout of ['probeFold', 'rateRatio', 'rateHz', 'probe5htNm'] as const) {
    const z = ay.values.map((yv) =>
      ax.values.map((xv) => {
        const v = r.points
          .filter((p) => p.axes[ax.name] === xv && p.axes[ay.name] === yv)
          .map((p) => p[readout])
          .filter(Number.isFinite);
        return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
      }),
    );
    if (!z.flat().some(Number.isFinite)) continue;
    out.push(
      `<figure>${heatmapSvg(ax.values, ay.values, z, { title: READOUT_LABEL[readout], xLabel: axisLabel(r, ax.name), yLabel: ay.name, valueLabel: readout })}</figure>`,
    );
  }
  return out;
}

function fitsTable(r: SweepResult): string {
  if (!r.fits.length) return '<p>No fits: a fit needs a numeric axis with at least 4 values.</p>';
  const ci = (f: SweepFit, k: 'ec50' | 'hill' | 'bottom' | 'top') => (f.ci95 ? `${fmtNum(f.ci95[k][0])} – ${fmtNum(f.ci95[k][1])}` : '—');
  const rows = r.fits.map(
    (f) =>
      `<tr class="${f.converged ? 'pass' : 'fail'}"><td>${escapeXml(f.axis)}</td><td>${escapeXml(f.readout)}</td><td>${escapeXml(othersText(f))}</td>` +
      (f.converged
        ? `<td class="num">${fmtNum(f.ec50)}</td><td>${ci(f, 'ec50')}</td><td class="num">${fmtNum(f.hill)}</td><td>${ci(f, 'hill')}</td><td class="num">${fmtNum(f.bottom)}</td><td class="num">${fmtNum(f.top)}</td><td>${escapeXml(f.ciMethod ?? '—')}</td>`
        : `<td colspan="7" class="verdict">${escapeXml(fitStatus(f))}</td>`) +
      '</tr>',
  );
  return (
    '<table class="fits"><tr><th>axis</th><th>readout</th><th>other axes</th><th>EC50 / IC50</th><th>95% CI</th><th>Hill</th><th>95% CI</th><th>bottom</th><th>top</th><th>CI from</th></tr>' +
    rows.join('') +
    '</table>'
  );
}

function pointsTable(r: SweepResult): string {
  const names = r.axes.map((a) => a.name);
  const rows = r.points
    .slice(0, MAX_TABLE_ROWS)
    .map(
      (p) =>
        '<tr>' +
        [String(p.id), ...names.map((n) => (typeof p.axes[n] === 'number' ? fmtNum(p.axes[n] as number, 6) : String(p.axes[n])))]
          .map((v) => `<td>${escapeXml(v)}</td>`)
          .join('') +
        [p.rateHz, p.medianCvIsi, p.probe5htNm, p.probeFold, p.rateRatio, p.s1A, p.s2B]
          .map((v) => `<td class="num">${fmtNum(v)}</td>`)
          .join('') +
        `<td>${p.settled ? 'yes' : 'no'}</td></tr>`,
    );
  const more = r.points.length > MAX_TABLE_ROWS ? `<p>First ${MAX_TABLE_ROWS} of ${r.points.length} points; all are in table.csv.</p>` : '';
  return (
    '<table class="points"><tr><th>point</th>' +
    names.map((n) => `<th>${escapeXml(n)}</th>`).join('') +
    '<th>rate (Hz)</th><th>ISI CV</th><th>probe (nM)</th><th>probe fold</th><th>rate ratio</th><th>s1A</th><th>s2B</th><th>settled</th></tr>' +
    rows.join('') +
    '</table>' +
    more
  );
}

export function sweepReportHtml(r: SweepResult, meta: SweepReportMeta): string {
  const title = `raphe sweep ${r.sweep}`;
  const parts: string[] = [];
  parts.push(`<h1>${escapeXml(title)}</h1>`);
  if (meta.description) parts.push(`<p>${escapeXml(meta.description)}</p>`);
  parts.push(
    '<p class="meta" style="display:flex;flex-wrap:wrap">' +
      [
        ['engine', meta.engine],
        ['adapter', meta.adapter],
        ['neurons', fmtNum(meta.neurons, 6)],
        ['points', String(r.points.length)],
        ['readout', r.readout === 'steady' ? 'settled, from the estimated steady state' : 'within the protocol (last phase vs first)'],
        ['wall time', fmtSeconds(meta.wallSeconds)],
      ]
        .map(([k, v]) => `<span><b>${escapeXml(k)}:</b> ${escapeXml(v)}</span>`)
        .join('') +
      '</p>',
  );
  parts.push(
    '<p class="meta">' +
      r.axes
        .map(
          (a) =>
            `<span><b>${escapeXml(a.name)}</b>: ${escapeXml(a.values.map((v) => (typeof v === 'number' ? fmtNum(v, 4) : v)).join(', '))}${a.reference !== undefined ? ` (reference ${a.reference})` : ''}</span>`,
        )
        .join('<br>') +
      '</p>',
  );
  const unsettled = r.points.filter((p) => !p.settled).length;
  if (unsettled)
    parts.push(
      `<p class="error">${unsettled} of ${r.points.length} points did not settle (probe drift over ${SETTLE_TOLERANCE * 100}% across the last quarter); their folds are not findings.</p>`,
    );
  const dr = doseResponseFigures(r);
  if (dr.length) parts.push('<h2>Dose-response</h2>', `<div class="plots">${dr.join('')}</div>`);
  const hm = heatmaps(r);
  if (hm.length) parts.push('<h2>Heatmaps</h2>', `<div class="plots">${hm.join('')}</div>`);
  parts.push('<h2>Fits</h2>', fitsTable(r));
  parts.push('<h2>Points</h2>', pointsTable(r));
  return reportPage(title, parts.join('\n'));
}
