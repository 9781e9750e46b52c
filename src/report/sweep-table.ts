/**
 * A sweep as tables: table.csv (one row a point), fits.csv (one row a fit, refused fits said so), and
 * the summary lines a finished sweep prints (a local run's, a collected one's).
 */
import type { SweepFit, SweepResult } from '../sweep/run.js';
import { csvField } from './csv.js';
import { csvNum, fmtNum } from './format.js';

const val = (v: number | string) => (typeof v === 'number' ? csvNum(v) : csvField(v));

export function sweepTableCsv(r: SweepResult): string {
  const names = r.axes.map((a) => a.name);
  const head = [
    'point',
    ...names,
    'seed',
    'rate_hz',
    'median_cv_isi',
    'probe_5ht_nm',
    'probe_fold',
    'rate_ratio',
    's1a',
    's2b',
    'settled',
    'complete',
  ];
  const lines = [head.map(csvField).join(',')];
  for (const p of r.points) {
    lines.push(
      [
        String(p.id),
        ...names.map((n) => val(p.axes[n])),
        String(p.seed),
        csvNum(p.rateHz),
        csvNum(p.medianCvIsi),
        csvNum(p.probe5htNm),
        csvNum(p.probeFold),
        csvNum(p.rateRatio),
        csvNum(p.s1A),
        csvNum(p.s2B),
        String(p.settled),
        String(p.complete),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

export function othersText(f: Pick<SweepFit, 'others'>): string {
  const e = Object.entries(f.others);
  return e.length ? e.map(([k, v]) => `${k}=${typeof v === 'number' ? fmtNum(v, 6) : v}`).join('; ') : '-';
}

/** Why a fit is shown without numbers. */
export function fitStatus(f: SweepFit): string {
  return f.converged ? 'converged' : `not reported: ${f.reason ?? 'did not converge'}`;
}

export function sweepFitsCsv(r: SweepResult): string {
  const head =
    'axis,readout,others,status,ec50,hill,bottom,top,ec50_lo,ec50_hi,hill_lo,hill_hi,bottom_lo,bottom_hi,top_lo,top_hi,ci_method,n';
  const lines = [head];
  for (const f of r.fits) {
    const ci = f.converged ? f.ci95 : null;
    const n = (x: number | undefined) => (f.converged && x !== undefined ? csvNum(x) : '');
    lines.push(
      [
        csvField(f.axis),
        f.readout,
        csvField(othersText(f)),
        csvField(fitStatus(f)),
        n(f.ec50),
        n(f.hill),
        n(f.bottom),
        n(f.top),
        ...(ci ? [ci.ec50, ci.hill, ci.bottom, ci.top].flatMap((iv) => iv.map(csvNum)) : new Array(8).fill('')),
        f.ciMethod ?? '',
        String(f.n),
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}

/** The summary lines of a finished sweep, below `head`. */
export function sweepSummaryLines(result: SweepResult, head: string): string[] {
  const conv = result.fits.filter((f) => f.converged).length;
  const lines = [
    head,
    `settled     ${result.points.filter((p) => p.settled).length} of ${result.points.length} points`,
    `fits        ${conv} of ${result.fits.length} converged`,
  ];
  for (const f of result.fits.filter((x) => x.converged && (x.readout === 'probeFold' || x.readout === 'rateRatio'))) {
    const o = Object.entries(f.others)
      .map(([k, x]) => `${k}=${x}`)
      .join(' ');
    lines.push(
      `  ${f.readout} vs ${f.axis}${o ? ` (${o})` : ''}: EC50 ${Number(f.ec50!.toPrecision(3))}, Hill ${f.hill!.toFixed(2)}, ${f.bottom!.toFixed(3)}-${f.top!.toFixed(3)}`,
    );
  }
  return lines;
}
