/**
 * A sweep's report.html: the figures of src/report/sweep-figures.ts (dose-response panels along each
 * fitted axis, labelled heatmaps faceted by the further axes, unsettled points marked), the fits table
 * (refused fits said so) and the points table (with --traces, each point's links to its own files).
 */
import type { SweepFit, SweepResult } from '../sweep/run.js';
import { escapeXml, fmtNum, fmtSeconds } from './format.js';
import { type ProvenanceSection, provenanceHtml, reportPage } from './html.js';
import { sweepDoseResponse, sweepHeatmaps } from './sweep-figures.js';
import { POINT_NWB, POINT_TRACES, pointFolder } from './point-files.js';
import { fitStatus, othersText } from './sweep-table.js';
import { SETTLE_TOLERANCE } from '../model/settling.js';

export interface SweepReportMeta {
  engine: string;
  adapter: string;
  neurons: number;
  wallSeconds: number;
  description?: string;
  /** The points that kept their files (--traces): each row links points/ID/traces.csv and point.nwb. */
  traces?: ReadonlySet<number>;
  /** How the sweep was made, and the base's parameters that differ from the defaults. */
  provenance?: ProvenanceSection;
}

const MAX_TABLE_ROWS = 2000;

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

/** A point's links to its kept files (an empty cell where it has none). */
function traceLinks(id: number, traces: ReadonlySet<number>): string {
  if (!traces.has(id)) return '<td>—</td>';
  const dir = pointFolder(id);
  return `<td><a href="${dir}/${POINT_TRACES}">traces.csv</a> <a href="${dir}/${POINT_NWB}">point.nwb</a></td>`;
}

function pointsTable(r: SweepResult, traces?: ReadonlySet<number>): string {
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
        `<td>${p.settled ? 'yes' : 'no'}</td>` +
        (traces ? traceLinks(p.id, traces) : '') +
        '</tr>',
    );
  const more = r.points.length > MAX_TABLE_ROWS ? `<p>First ${MAX_TABLE_ROWS} of ${r.points.length} points; all are in table.csv.</p>` : '';
  return (
    '<table class="points"><tr><th>point</th>' +
    names.map((n) => `<th>${escapeXml(n)}</th>`).join('') +
    '<th>rate (Hz)</th><th>ISI CV</th><th>probe (nM)</th><th>probe fold</th><th>rate ratio</th><th>s1A</th><th>s2B</th><th>settled</th>' +
    (traces ? '<th>files</th>' : '') +
    '</tr>' +
    rows.join('') +
    '</table>' +
    more
  );
}

// the small multiples: panels side by side, wrapping; each figure its own block
const FIGURE_CSS =
  '<style>body{max-width:1500px}.facets,figure[data-axis]{margin:0 0 18px;background:#fff;border:1px solid #e3e3e3;padding:6px 8px}' +
  'figure figcaption{font-size:13px;color:#333;margin:0 0 4px}.panels{display:flex;flex-wrap:wrap;gap:10px}</style>';

// the diff is the base scenario's; an axis overrides its own parameter at each point
const SWEEP_PARAMS_NOTE = "The sweep's base scenario; each axis sets its own parameter at every point (the axes above).";

export function sweepReportHtml(r: SweepResult, meta: SweepReportMeta): string {
  const title = `raphe sweep ${r.sweep}`;
  const parts: string[] = [FIGURE_CSS];
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
      `<p class="error">${unsettled} of ${r.points.length} points did not settle (probe drift over ${SETTLE_TOLERANCE * 100}% across the last quarter); their folds are not findings (hatched cells, ringed points in the figures).</p>`,
    );
  const dr = sweepDoseResponse(r);
  if (dr.length) parts.push('<h2>Dose-response</h2>', dr.join(''));
  const hm = sweepHeatmaps(r);
  if (hm.length) parts.push('<h2>Heatmaps</h2>', hm.join(''));
  parts.push('<h2>Fits</h2>', fitsTable(r));
  parts.push('<h2>Points</h2>', pointsTable(r, meta.traces));
  if (meta.provenance) parts.push(provenanceHtml(meta.provenance, SWEEP_PARAMS_NOTE));
  return reportPage(title, parts.join('\n'));
}
