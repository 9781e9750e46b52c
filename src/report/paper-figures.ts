/**
 * The figures a reader of Belmer et al. 2018 looks for first, at the top of the experiment's report:
 * the microdialysis time course (probe 5-HT as % of baseline, baseline then fluoxetine, WT and KO on one
 * plot, one protocol run each; its data also as microdialysis.csv), the 8-OH-DPAT dose-response with
 * fitted Hill curves (WT, WT + BW723C86, the WAY-100635 point), and firing rates by condition as bars.
 */
import { dosesText } from '../model/drugs.js';
import { DOSES } from '../model/findings.js';
import { meanInterval } from '../model/intervals.js';
import type { RunResult } from '../record/run-result.js';
import { fitHill } from '../sweep/fit.js';
import { csvField } from './csv.js';
import { barsSvg, doseResponseSvg, type Curve } from './dose-response-svg.js';
import { csvNum, escapeXml } from './format.js';
import { lineSvg, type Series } from './svg.js';

export interface NamedResult {
  name: string;
  result: RunResult;
  /** The same condition at each of K > 1 seeds (`--seeds K`): the figures then draw means with 95% error bars. */
  seeds?: { seed: number; result: RunResult }[];
}

const fig = (svg: string, caption: string) => `<figure>${svg}<figcaption>${escapeXml(caption)}</figcaption></figure>`;

/** One run's microdialysis time course: probe 5-HT (nM) and as % of its baseline, at each trace sample. */
export interface MicrodialysisSeries {
  name: string;
  genotype: string;
  /** The baseline: probe 5-HT over the first (drug-free) phase's last half, nM. */
  baselineNm: number;
  tS: Float64Array;
  probeNm: Float64Array;
  percent: Float64Array;
  /** The protocol phase of each sample (the phase its window ends in). */
  phase: string[];
}

/** Probe 5-HT as % of the baseline phase's last-half mean, against time: the figure's data. */
export function microdialysisSeries(runs: readonly NamedResult[]): MicrodialysisSeries[] {
  return runs.map(({ name, result: r }) => {
    const base = r.phases[0]?.probe5htNm ?? NaN;
    const t = r.traces.tS;
    const last = r.phases[r.phases.length - 1]?.name ?? '';
    return {
      name,
      genotype: r.summary.genotype,
      baselineNm: base,
      tS: t,
      probeNm: r.traces.probeNm,
      percent: Float64Array.from(r.traces.probeNm, (p) => (100 * p) / base),
      phase: Array.from(t, (x) => r.phases.find((p) => x > p.startS && x <= p.endS)?.name ?? last),
    };
  });
}

export const MICRODIALYSIS_HEADER = 'run,genotype,phase,time_s,probe_nm,baseline_nm,percent_of_baseline';

/** microdialysis.csv: every run's time course, one row per trace sample (the series the figure draws). */
export function microdialysisCsv(runs: readonly NamedResult[]): string {
  const rows = [MICRODIALYSIS_HEADER];
  for (const s of microdialysisSeries(runs))
    for (let i = 0; i < s.tS.length; i++)
      rows.push(
        [
          csvField(s.name),
          s.genotype,
          csvField(s.phase[i]!),
          csvNum(s.tS[i]!),
          csvNum(s.probeNm[i]!),
          csvNum(s.baselineNm),
          csvNum(s.percent[i]!),
        ].join(','),
      );
  return `${rows.join('\n')}\n`;
}

/** Probe 5-HT as % of the baseline phase's last-half mean, against time. */
export function microdialysisSvg(runs: readonly NamedResult[]): string {
  const series: Series[] = microdialysisSeries(runs).map((s, i) => ({
    x: s.tS,
    y: s.percent,
    label: s.name,
    color: ['#1f77b4', '#d62728'][i % 2],
  }));
  const ph = runs[0]?.result.phases ?? [];
  const drug = ph[1];
  return lineSvg(series, {
    title: 'Microdialysis: probe 5-HT, % of baseline',
    xLabel: 'time (s)',
    yLabel: 'probe 5-HT (% of baseline)',
    width: 540,
    height: 300,
    yIncludeZero: true,
    shade: drug
      ? [
          {
            x0: drug.startS,
            x1: drug.endS,
            label: dosesText(drug.doses),
          },
        ]
      : [],
  });
}

/** The number of seeds the conditions ran at (1 without `--seeds`). */
const seedCount = (conds: readonly NamedResult[]) => conds[0]?.seeds?.length ?? 1;

/**
 * A condition's firing rate at each seed (one value without seeds; NaN for a missing condition), so a
 * figure's point is the mean over the seeds and its error bar the 95% interval (model/intervals.ts).
 */
function seedRates(conds: readonly NamedResult[]): (name: string) => number[] {
  const byName = new Map(conds.map((c) => [c.name, c]));
  const k = seedCount(conds);
  return (name) => {
    const c = byName.get(name);
    if (!c) return Array.from({ length: k }, () => NaN);
    return c.seeds ? c.seeds.map((s) => s.result.summary.meanRateHz) : [c.result.summary.meanRateHz];
  };
}

/** Mean and 95% half-width of per-seed values (no half-width for one seed). */
function meanErr(values: readonly number[]): { y: number; err: number | undefined } {
  const m = meanInterval(values);
  return { y: m.mean, err: values.length > 1 ? m.halfWidth : undefined };
}

/**
 * 8-OH-DPAT: rate relative to the drug-free condition, WT and WT + BW723C86, with Hill fits; the
 * WAY-100635 point. Over seeds: each point the mean of the seeds' ratios with its 95% interval as an
 * error bar, the Hill fits made to the means.
 */
export function dpatDoseResponse(conds: readonly NamedResult[]): { svg: string; ic50Wt: number; ic50Bw: number } {
  const rates = seedRates(conds);
  const ratio = (a: string, b: string) => {
    const [x, y] = [rates(a), rates(b)];
    return meanErr(x.map((v, i) => v / y[i]!));
  };
  const doses = [0, ...DOSES.dpat_nM];
  const rel = (prefix: string, base: string) => doses.map((d) => (d === 0 ? { y: 1, err: undefined } : ratio(`${prefix}${d}`, base)));
  const wtPts = rel('wt+dpat', 'wt');
  const bwPts = rel('wt+bw+dpat', 'wt+bw');
  const wt = wtPts.map((p) => p.y);
  const bw = bwPts.map((p) => p.y);
  const fWt = fitHill(doses, wt);
  const fBw = fitHill(doses, bw);
  const fitOf = (f: ReturnType<typeof fitHill>) =>
    f.converged ? { bottom: f.bottom!, top: f.top!, ec50: f.ec50!, hill: f.hill! } : undefined;
  const way = ratio(`wt+dpat${DOSES.dpatWayDose_nM}+way`, 'wt');
  const errs = (pts: { err: number | undefined }[]) => (seedCount(conds) > 1 ? { err: pts.map((p) => p.err ?? 0) } : {});
  const curves: Curve[] = [
    { label: 'WT', x: doses, y: wt, fit: fitOf(fWt), color: '#1f77b4', ...errs(wtPts) },
    { label: 'WT + BW723C86', x: doses, y: bw, fit: fitOf(fBw), color: '#ff7f0e', ...errs(bwPts) },
    { label: `+ WAY-100635 ${DOSES.way_nM} nM`, x: [DOSES.dpatWayDose_nM], y: [way.y], color: '#2ca02c', ...errs([way]) },
  ];
  const svg = doseResponseSvg(curves, {
    title: '8-OH-DPAT: firing rate relative to no agonist',
    xLabel: '8-OH-DPAT (nM, free)',
    yLabel: 'rate / rate without 8-OH-DPAT',
    logX: true,
    refY: 1,
    yMin: 0,
    width: 540,
    height: 300,
  });
  return { svg, ic50Wt: fWt.converged ? fWt.ec50! : NaN, ic50Bw: fBw.converged ? fBw.ec50! : NaN };
}

/** Firing rate of every condition, as bars (over seeds: the mean, with the 95% interval as an error bar). */
export function ratesBarsSvg(conds: readonly NamedResult[]): string {
  const colour = (n: string) => (n.startsWith('ko') ? '#d62728' : n.includes('+bw') ? '#ff7f0e' : '#1f77b4');
  const rates = seedRates(conds);
  const k = seedCount(conds);
  return barsSvg(
    conds.map((c) => {
      const m = meanErr(rates(c.name));
      return { label: c.name, value: m.y, color: colour(c.name), ...(m.err !== undefined ? { err: m.err } : {}) };
    }),
    {
      title:
        k > 1
          ? `Firing rate by condition (last half, Hz per cell; mean of ${k} seeds, 95% interval)`
          : 'Firing rate by condition (last half, Hz per cell)',
      yLabel: 'rate (Hz)',
      width: 1060,
      height: 300,
    },
  );
}

/** The three figures as one HTML section. */
export function paperFiguresHtml(conds: readonly NamedResult[], timecourse: readonly NamedResult[] | undefined): string {
  const parts: string[] = ['<h2>Figures of Belmer et al. 2018</h2>'];
  const seeds = conds[0]?.seeds;
  if (seeds) {
    parts.push(
      `<p class="meta">Seeds ${escapeXml(seeds.map((s) => s.seed).join(', '))}: the findings are decided on the means over the seeds; ` +
        `the figures show the means with their 95% intervals; the conditions below are seed ${seeds[0]!.seed}'s (conditions.json holds every seed's).</p>`,
    );
  }
  parts.push('<div class="plots">');
  if (timecourse?.length) {
    parts.push(
      fig(
        microdialysisSvg(timecourse),
        'One protocol run per genotype: drug-free baseline, then fluoxetine, started from the baseline steady state (probe 5-HT / baseline mean).' +
          (seedCount(conds) > 1 ? ' Run at the first seed only.' : ''),
      ),
    );
  }
  const d = dpatDoseResponse(conds);
  const ic = (x: number) => (Number.isFinite(x) ? `${Number(x.toPrecision(3))} nM` : 'no converged fit');
  const k = seedCount(conds);
  const seedsText = k > 1 ? ` Points: the mean over ${k} seeds, bars their 95% interval; the fits are to the means.` : '';
  parts.push(
    fig(
      d.svg,
      `Lines: four-parameter Hill fits (IC50 WT ${ic(d.ic50Wt)}, + BW723C86 ${ic(d.ic50Bw)}); the 0 dose is drawn left of the axis break.${seedsText}`,
    ),
  );
  parts.push('</div>');
  parts.push(`<div class="plots">${fig(ratesBarsSvg(conds), 'blue: WT, orange: WT + BW723C86, red: Htr2b 5-HTKO')}</div>`);
  return parts.join('\n');
}
