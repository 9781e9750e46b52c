/** A sweep as tables: table.csv (one row a point) and fits.csv (one row a fit, refused fits said so). */
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
