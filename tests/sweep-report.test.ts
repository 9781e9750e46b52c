/**
 * The reports hold their curves: the sweep report's dose-response figures (one curve per value of the
 * other axis, fitted lines where the fit converged, heatmaps; shapes of more axes: sweep-figures.test.ts),
 * and the experiment report's paper figures (microdialysis time course, 8-OH-DPAT dose-response with fits
 * and the WAY point, bars).
 */
import { describe, expect, test } from 'vitest';
import { DOSES } from '../src/model/findings.js';
import { hillValue } from '../src/model/hill-fit.js';
import type { RunResult } from '../src/record/run-result.js';
import { paperFiguresHtml } from '../src/report/paper-figures.js';
import { sweepReportHtml } from '../src/report/sweep-report.js';
import { sweepFitsCsv, sweepTableCsv } from '../src/report/sweep-table.js';
import { sweepPoints } from '../src/sweep/points.js';
import { assembleSweep, type PointMeasure } from '../src/sweep/run.js';
import { parseSweep } from '../src/sweep/spec.js';

function run(rate: number, probe: number[] = [10, 10, 30, 40]): RunResult {
  const tS = Float64Array.from(probe, (_, i) => (i + 1) * 0.5);
  return {
    name: 'x',
    engine: { engine: 'cpu', adapter: 'test' },
    summary: { meanRateHz: rate, probe5htNm: probe[probe.length - 1], settled: true, complete: true } as RunResult['summary'],
    phases: [
      { name: 'baseline', startS: 0, endS: 1, doses: {}, probe5htNm: 10 },
      { name: 'fluoxetine', startS: 1, endS: 2, doses: { fluoxetine: 10 }, probe5htNm: 40 },
    ],
    spikes: null,
    traces: { tS, rateHz: tS.map(() => rate), probeNm: Float64Array.from(probe), meanCNm: tS, s1A: tS, s2B: tS },
    mass: { released: 0, uptaken: 0, cleared: 0, gridStart: 0, gridEnd: 0, relError: 0 },
  };
}

describe('reports hold their curves', () => {
  test('sweep report: synthetic dose-response, 3 curves with fitted lines, a heatmap, tables', () => {
    const spec = parseSweep({
      name: 'synthetic',
      base: { neurons: 100, duration: 1, c0_nM: 10 },
      axes: [
        { axis: 'fluoxetine', values: { from: 0.1, to: 100, count: 6, scale: 'log' } },
        { axis: 'htr2bExpression', values: [0, 0.5, 1] },
      ],
    });
    const pts = sweepPoints(spec);
    const measures: PointMeasure[] = pts.map((p) => {
      const x = p.axes.fluoxetine as number;
      const e = p.axes.htr2bExpression as number;
      const probe = 10 * hillValue(x, { bottom: 1, top: 1 + 4 * e + 0.5, ec50: 2, hill: 1 });
      const rate = hillValue(x, { bottom: 0.3, top: 1, ec50: 3 + 5 * e, hill: -1.2 });
      return {
        id: p.id,
        axes: p.axes,
        seed: 1,
        rateHz: rate,
        medianCvIsi: 0.3,
        probe5htNm: probe,
        s1A: 0.5,
        s2B: 0.3,
        settled: true,
        complete: true,
        wallSeconds: 1,
      };
    });
    const r = assembleSweep(spec, pts, measures);
    expect(r.points.find((p) => p.axes.fluoxetine === 0)!.probeFold).toBe(1);
    const fold = r.fits.filter((f) => f.axis === 'fluoxetine' && f.readout === 'probeFold');
    expect(fold).toHaveLength(3);
    for (const f of fold) {
      expect(f.converged).toBe(true);
      expect(f.ec50!).toBeCloseTo(2, 4);
    }
    const html = sweepReportHtml(r, { engine: 'cpu', adapter: 'test', neurons: 100, wallSeconds: 1 });
    expect(html).not.toMatch(/NaN|<script/);
    const fig = html.slice(html.indexOf('data-axis="fluoxetine" data-readout="probeFold"'));
    expect(fig.slice(0, fig.indexOf('</figure>')).match(/data-kind="fit"/g)).toHaveLength(3);
    expect(html.match(/class="heatmap"/g)!.length).toBeGreaterThanOrEqual(2);
    expect(sweepTableCsv(r).trim().split('\n')).toHaveLength(1 + 21);
    // htr2bExpression has 3 values: no fit along it; fits.csv has one row per fit
    expect(r.fits.every((f) => f.axis === 'fluoxetine')).toBe(true);
    expect(sweepFitsCsv(r).trim().split('\n')).toHaveLength(1 + r.fits.length);
  });

  test('experiment report: the three paper figures', () => {
    const ic = 0.5;
    const conds = [
      { name: 'wt', result: run(1) },
      { name: 'ko', result: run(0.7) },
      { name: 'wt+bw', result: run(2) },
      ...DOSES.dpat_nM.flatMap((d) => [
        { name: `wt+dpat${d}`, result: run(hillValue(d, { bottom: 0, top: 1, ec50: ic, hill: -1.5 })) },
        { name: `wt+bw+dpat${d}`, result: run(2 * hillValue(d, { bottom: 0, top: 1, ec50: 8, hill: -1.5 })) },
      ]),
      { name: `wt+dpat${DOSES.dpatWayDose_nM}+way`, result: run(0.95) },
    ];
    const html = paperFiguresHtml(conds, [
      { name: 'WT', result: run(1, [10, 10, 40, 60]) },
      { name: 'Htr2b 5-HTKO', result: run(0.7, [10, 10, 12, 12]) },
    ]);
    expect(html).toContain('Microdialysis: probe 5-HT, % of baseline');
    expect(html).toContain('IC50 WT 0.5 nM, + BW723C86 8 nM');
    expect(html.match(/data-kind="fit"/g)).toHaveLength(2);
    expect(html).toContain('data-label="+ WAY-100635 10 nM"');
    expect(html.match(/class="bar"/g)).toHaveLength(conds.length);
    expect(html).not.toMatch(/NaN/);
  });
});
