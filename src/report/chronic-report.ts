/**
 * The chronic experiment's report (docs/model.md §7): the C table, rate, probe 5-HT, mean d1A, the
 * share of desensitised cells, mean d2B and the SERT scale against days (every slow step; WT, KO and WT + WAY-100635 on each plot),
 * the two 8-OH-DPAT curves of each genotype (day 0 and day 21, Hill fits), and the trajectory table.
 * Pure: returns one self-contained HTML page.
 */
import type { ChronicDayOverSeeds, ValueOverSeeds } from '../experiment/chronic-seeds.js';
import type { ChronicExperimentResult } from '../experiment/chronic-ssri.js';
import { CHRONIC_DOSES } from '../model/chronic.js';
import { occupancyText } from '../model/drugs.js';
import { fitHill } from '../sweep/fit.js';
import { doseResponseSvg, type Curve } from './dose-response-svg.js';
import { escapeXml, fmtNum } from './format.js';
import { rowsWithIntervals } from './findings-table.js';
import { findingsTableHtml, reportPage } from './html.js';
import { lineSvg, type Series } from './svg.js';

const COLOURS: Record<string, string> = { 'wt+fluoxetine': '#1f77b4', 'ko+fluoxetine': '#d62728', 'wt+fluoxetine+way': '#2ca02c' };
const LABELS: Record<string, string> = { 'wt+fluoxetine': 'WT', 'ko+fluoxetine': 'Htr2b 5-HTKO', 'wt+fluoxetine+way': 'WT + WAY-100635' };
const fig = (svg: string, caption: string) => `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;

type StepKey = 'rateHz' | 'probe5htNm' | 'meanD1A' | 'fractionDesensitised' | 'meanD2B' | 'sertScale';

function trajectorySvg(res: ChronicExperimentResult, key: StepKey, title: string, yLabel: string, scale = 1): string {
  const series: Series[] = res.runs.map((r) => {
    // day 0 before the drug first, then the treatment's slow steps
    const day0 = r.readouts.find((x) => x.day === 0);
    const x = [...(day0 ? [0] : []), ...r.steps.map((s) => s.hours / 24)];
    const y = [...(day0 ? [day0[key] * scale] : []), ...r.steps.map((s) => s[key] * scale)];
    return { x, y, label: LABELS[r.name] ?? r.name, color: COLOURS[r.name] };
  });
  return lineSvg(series, { title, xLabel: 'days of treatment', yLabel, width: 520, height: 280, yIncludeZero: true });
}

function dpatSvg(res: ChronicExperimentResult, condition: string): string {
  const curves: Curve[] = res.dpat
    .filter((c) => c.condition === condition)
    .map((c) => {
      const x = [0, ...c.doses];
      const y = [1, ...c.rel];
      const f = fitHill(x, y);
      return {
        label: `day ${c.day}`,
        x,
        y,
        color: c.day === 0 ? '#7f7f7f' : (COLOURS[condition] ?? '#1f77b4'),
        fit: f.converged ? { bottom: f.bottom!, top: f.top!, ec50: f.ec50!, hill: f.hill! } : undefined,
      };
    });
  return doseResponseSvg(curves, {
    title: `8-OH-DPAT, ${LABELS[condition] ?? condition}: rate relative to no agonist`,
    xLabel: '8-OH-DPAT (nM, free)',
    yLabel: 'rate / rate without 8-OH-DPAT',
    logX: true,
    refY: 1,
    yMin: 0,
    width: 520,
    height: 280,
  });
}

function trajectoryTable(res: ChronicExperimentResult): string {
  const head = [
    'condition',
    'day',
    'rate (Hz)',
    'rate vs day 0',
    'probe 5-HT (nM)',
    'mean d1A',
    'd1A >= 0.25',
    'mean 5-HT1A activation',
    'mean d2B',
    'SERT scale',
    '8-OH-DPAT IC50 (nM)',
  ];
  const rows = res.days.map(
    (r) =>
      `<tr><td>${escapeXml(LABELS[r.condition] ?? r.condition)}</td><td class="num">${r.day}</td><td class="num">${fmtNum(r.rateHz, 3)}</td>` +
      `<td class="num">${Number.isFinite(r.rateRel) ? `${(100 * r.rateRel).toFixed(0)}%` : '—'}</td>` +
      `<td class="num">${fmtNum(r.probe5htNm, 3)}</td><td class="num">${fmtNum(r.meanD1A, 3)}</td>` +
      `<td class="num">${(100 * r.fractionDesensitised).toFixed(0)}%</td><td class="num">${fmtNum(r.meanA1A, 3)}</td>` +
      `<td class="num">${fmtNum(r.meanD2B, 3)}</td><td class="num">${fmtNum(r.sertScale, 3)}</td>` +
      `<td class="num">${r.dpatIc50Nm === undefined ? '' : fmtNum(r.dpatIc50Nm, 3)}</td></tr>`,
  );
  return `<table><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

/** Every readout day over the seeds: each cell the mean ± the half-width of its 95% interval. */
function seedsTable(days: readonly ChronicDayOverSeeds[]): string {
  const pm = (v: ValueOverSeeds | undefined, scale = 1, unit = '') =>
    v === undefined ? '' : `${fmtNum(scale * v.mean, 3)}${unit} ± ${fmtNum(scale * v.halfWidth, 2)}${unit}`;
  const head = ['condition', 'day', 'rate (Hz)', 'rate vs day 0', 'probe 5-HT (nM)', 'mean d1A', 'd1A >= 0.25', 'mean d2B', 'SERT scale'];
  const rows = days.map((r) => {
    const v = r.values;
    const cells = [v.rateHz, v.rateRel, v.probe5htNm, v.meanD1A, v.fractionDesensitised, v.meanD2B, v.sertScale].map((x, i) =>
      i === 1 || i === 4 ? pm(x, 100, '%') : pm(x),
    );
    return (
      `<tr><td>${escapeXml(LABELS[r.condition] ?? r.condition)}</td><td class="num">${r.day}</td>` +
      cells.map((c) => `<td class="num">${escapeXml(c)}</td>`).join('') +
      '</tr>'
    );
  });
  return `<table class="seeds"><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr>${rows.join('')}</table>`;
}

/** What the chronic experiment treats, in words (a report given no intro of its own). */
const CHRONIC_INTRO =
  `Fluoxetine ${CHRONIC_DOSES.fluoxetine_nM} nM (${occupancyText('fluoxetine', CHRONIC_DOSES.fluoxetine_nM)}) held for 21 days ` +
  `(steady infusion) in WT, in the Htr2b 5-HTKO and in WT with WAY-100635 ${CHRONIC_DOSES.way_nM} nM.`;

/**
 * `intro`: what was held for how long (default: the experiment's); `tail`: trusted HTML put last (the
 * provenance); `seeds`: over K > 1 seeds, every day's readouts as mean ± 95% interval (the findings rows
 * then carry their intervals; the figures and the readouts table are the first seed's).
 */
export function chronicReportHtml(
  res: ChronicExperimentResult,
  o: { title: string; engineReason?: string; intro?: string; tail?: string; seeds?: { seeds: number[]; days: ChronicDayOverSeeds[] } },
): string {
  const parts: string[] = [];
  parts.push(`<h1>${escapeXml(o.title)}</h1>`);
  parts.push(
    `<p class="meta"><span>${res.neurons} neurons</span><span>engine ${escapeXml(res.engine)} (${escapeXml(res.adapter)})</span>` +
      `<span>wall time ${res.wallSeconds.toFixed(1)} s</span></p>`,
  );
  if (o.engineReason) parts.push(`<p class="meta">${escapeXml(o.engineReason)}</p>`);
  parts.push(
    `<p>${escapeXml(o.intro ?? CHRONIC_INTRO)} ` +
      "Each cell's 5-HT1A-GIRK coupling loses a fraction d1A (g1A (1 - d1A)), driven by its own 5-HT1A activation averaged over each slow step, " +
      "its 5-HT2B coupling a fraction d2B, driven by its 5-HT2B activation, and SERT is down-regulated with the drug's occupancy " +
      '(docs/model.md §7); the fast network is re-settled with these frozen once per slow step. Day 0 is read before the drug.</p>',
  );
  if (res.findings.length) parts.push('<h2>Chronic findings</h2>', findingsTableHtml(rowsWithIntervals(res.findings)));
  if (o.seeds) {
    const k = o.seeds.seeds.length;
    parts.push(
      `<h2>Readouts over ${k} seeds</h2>`,
      `<p class="meta">Seeds ${o.seeds.seeds.join(', ')}: the mean ± the 95% interval, t(0.975, ${k - 1}) · sd / √${k}. ` +
        `The findings are decided on the means; the figures and the readouts table below are seed ${o.seeds.seeds[0]}'s.</p>`,
      seedsTable(o.seeds.days),
    );
  }
  parts.push('<h2>Trajectory</h2><div class="plots">');
  parts.push(fig(trajectorySvg(res, 'meanD1A', 'Mean 5-HT1A desensitisation d1A', 'mean d1A'), 'mean over cells at every slow step'));
  parts.push(
    fig(
      trajectorySvg(res, 'fractionDesensitised', 'Cells with d1A >= 0.25', 'cells (%)', 100),
      'share of cells whose coupling loss is at least 0.25 (C1)',
    ),
  );
  parts.push(fig(trajectorySvg(res, 'rateHz', 'Firing rate', 'rate (Hz)'), 'population mean over the averaging window of each slow step'));
  parts.push(
    fig(trajectorySvg(res, 'probe5htNm', 'Probe 5-HT', 'probe 5-HT (nM)'), 'virtual microdialysis, mean over the averaging window'),
  );
  parts.push(
    fig(
      trajectorySvg(res, 'meanD2B', 'Mean 5-HT2B desensitisation d2B', 'mean d2B'),
      "mean over cells at every slow step: each cell's 5-HT2B coupling loss, driven by its own 5-HT2B activation",
    ),
  );
  parts.push(
    fig(
      trajectorySvg(res, 'sertScale', 'SERT down-regulation', 'SERT Vmax scale'),
      "1 - sertDown: the factor on every voxel's SERT Vmax, driven by the drug's SERT occupancy",
    ),
  );
  parts.push('</div>');
  if (res.dpat.length) {
    parts.push('<h2>8-OH-DPAT dose-response, day 0 and day 21</h2><div class="plots">');
    for (const cond of [...new Set(res.dpat.map((c) => c.condition))]) {
      const ics = res.dpat
        .filter((c) => c.condition === cond)
        .map((c) => `day ${c.day}: IC50 ${Number.isFinite(c.ic50Nm) ? `${Number(c.ic50Nm.toPrecision(3))} nM` : 'no converged fit'}`)
        .join('; ');
      parts.push(fig(dpatSvg(res, cond), `drug-free, with that day's d1A (as in a slice of the treated tissue); Hill fits; ${ics}`));
    }
    parts.push('</div>');
  }
  parts.push('<h2>Readouts</h2>', trajectoryTable(res));
  const veh = res.runs.map((r) => `${LABELS[r.name] ?? r.name} ${fmtNum(r.vehicleTarget, 3)}`).join(', ');
  const veh2B = res.runs.map((r) => `${LABELS[r.name] ?? r.name} ${fmtNum(r.vehicleTargetD2B, 3)}`).join(', ');
  parts.push(
    `<p class="meta">Where d1A would head without treatment (mean of d_max h(abar) at the drug-free day 0): ${escapeXml(veh)}; ` +
      `d2B: ${escapeXml(veh2B)}.</p>`,
  );
  if (o.tail) parts.push(o.tail);
  return reportPage(o.title, parts.join('\n'));
}
