/**
 * A sweep of any shape is drawn: three axes give one heatmap panel and one dose-response panel per value of
 * the third axis, every cell labelled with its value, axes titled in words with units, colour bars named,
 * an unsettled point marked; two- and one-axis sweeps still render. Synthetic points, no simulation.
 */
import { describe, expect, test } from 'vitest';
import { hillValue } from '../src/model/hill-fit.js';
import { axisTitle, sweepDoseResponse, sweepHeatmaps } from '../src/report/sweep-figures.js';
import { sweepReportHtml } from '../src/report/sweep-report.js';
import { sweepPoints } from '../src/sweep/points.js';
import { assembleSweep, type PointMeasure, type SweepResult } from '../src/sweep/run.js';
import { parseSweep } from '../src/sweep/spec.js';

const FLUOXETINE = { axis: 'fluoxetine', values: { from: 1, to: 100, count: 4, scale: 'log' } };
const SERT = { axis: 'sertExpression', values: [0.5, 1, 1.5] };
const HTR1A = { axis: 'htr1aExpression', values: [0.5, 1] };

/** A sweep over `axes` whose probe and rate follow Hill curves; `unsettled` names points that did not settle. */
function syntheticSweep(axes: object[], unsettled: (axes: PointMeasure['axes']) => boolean = () => false): SweepResult {
  const spec = parseSweep({ name: 'synthetic', base: { neurons: 100, duration: 1, c0_nM: 10 }, axes });
  const pts = sweepPoints(spec);
  const measures: PointMeasure[] = pts.map((p) => {
    const x = (p.axes.fluoxetine as number | undefined) ?? 0;
    const sert = (p.axes.sertExpression as number | undefined) ?? 1;
    const htr1a = (p.axes.htr1aExpression as number | undefined) ?? 1;
    return {
      id: p.id,
      axes: p.axes,
      seed: 1,
      rateHz: hillValue(x, { bottom: 0.3, top: 1, ec50: 3 * htr1a, hill: -1.2 }),
      medianCvIsi: 0.3,
      probe5htNm: 10 * hillValue(x, { bottom: 1, top: 1 + 4 * sert, ec50: 2, hill: 1 }),
      s1A: 0.5,
      s2B: 0.3,
      settled: !unsettled(p.axes),
      complete: true,
      wallSeconds: 1,
    };
  });
  return assembleSweep(spec, pts, measures);
}

const count = (s: string, re: RegExp) => s.match(re)?.length ?? 0;
const panels = (fig: string) => fig.split(/(?=<svg[^>]*class="heatmap")/).slice(1);

describe('a three-axis sweep (fluoxetine x SERT x 5-HT1A) draws small multiples', () => {
  const r = syntheticSweep([FLUOXETINE, SERT, HTR1A], (a) => a.fluoxetine === 100 && a.sertExpression === 1.5 && a.htr1aExpression === 1);

  test('each heatmap figure has one panel per 5-HT1A level, titled with it, every cell labelled', () => {
    const figs = sweepHeatmaps(r);
    expect(figs).toHaveLength(4);
    for (const fig of figs) {
      const ps = panels(fig);
      expect(ps).toHaveLength(HTR1A.values.length);
      expect(ps[0]).toContain('data-facet="5-HT1A expression 0.5"');
      expect(ps[1]).toContain('>5-HT1A expression 1</text>');
      // 5 fluoxetine values (0 added as the reference) x 3 SERT levels, each cell with its value as text
      for (const p of ps) expect(count(p, /class="cell-label"/g)).toBe(5 * 3);
    }
    const fold = figs.find((f) => f.includes('data-readout="probeFold"'))!;
    const top = panels(fold)[1];
    const want = r.points.find((p) => p.axes.fluoxetine === 100 && p.axes.sertExpression === 1 && p.axes.htr1aExpression === 1)!.probeFold;
    expect(top).toContain(`>${Number(want.toPrecision(3))}</text>`);
  });

  test('axes and colour bars are titled in words with units', () => {
    const fig = sweepHeatmaps(r).find((f) => f.includes('data-readout="rateHz"'))!;
    expect(fig).toContain('class="axis-title" x="');
    expect(fig).toContain('>fluoxetine, free (nM)</text>');
    expect(fig).toContain('>SERT expression (× wild type)</text>');
    expect(fig).toContain('class="colour-title" x="12" y="14" fill="#222">colour: firing rate (Hz)</text>');
    expect(fig).not.toContain('>rateHz<');
    expect(axisTitle({ name: 'C_pF', kind: 'param' })).toBe('membrane capacitance (pF)');
  });

  test('the unsettled point is hatched in its one cell, ringed on its curve, and both legends say so', () => {
    const fold = sweepHeatmaps(r).find((f) => f.includes('data-readout="probeFold"'))!;
    const [low, wild] = panels(fold);
    expect(count(low, /class="unsettled"/g)).toBe(0);
    expect(count(wild, /class="unsettled"/g)).toBe(1);
    expect(wild).toMatch(/\*<\/text>/);
    expect(fold).toContain('a point that did not settle');
    const dr = sweepDoseResponse(r).find((f) => f.includes('data-axis="fluoxetine" data-readout="probeFold"'))!;
    expect(count(dr, /class="mark"/g)).toBe(1);
    expect(dr).toContain('>did not settle</text>');
  });

  test('dose-response: one panel per 5-HT1A level, a fitted curve per SERT level', () => {
    const dr = sweepDoseResponse(r).find((f) => f.includes('data-axis="fluoxetine" data-readout="probeFold"'))!;
    expect(dr).toContain(`data-panels="${HTR1A.values.length}"`);
    expect(count(dr, /data-kind="fit"/g)).toBe(SERT.values.length * HTR1A.values.length);
    expect(dr).toContain('data-label="SERT expression 0.5"');
    expect(dr).toContain('>5-HT1A expression 1</text>');
  });

  test('the report shows both kinds of figure and no NaN', () => {
    const html = sweepReportHtml(r, { engine: 'cpu', adapter: 'test', neurons: 100, wallSeconds: 1 });
    expect(html).toContain('<h2>Heatmaps</h2>');
    expect(html).toContain('<h2>Dose-response</h2>');
    expect(count(html, /class="heatmap"/g)).toBe(4 * HTR1A.values.length);
    expect(html).not.toMatch(/NaN|<script/);
  });
});

describe('fewer axes still render', () => {
  test('two axes: one heatmap panel per readout, no panel titles', () => {
    const figs = sweepHeatmaps(syntheticSweep([FLUOXETINE, SERT]));
    expect(figs).toHaveLength(4);
    for (const f of figs) {
      expect(panels(f)).toHaveLength(1);
      expect(f).not.toContain('class="panel-title"');
      expect(f).not.toContain('class="unsettled"');
    }
  });

  test('one axis: no heatmap, a dose-response panel per readout', () => {
    const r = syntheticSweep([FLUOXETINE]);
    expect(sweepHeatmaps(r)).toHaveLength(0);
    const dr = sweepDoseResponse(r);
    expect(dr).toHaveLength(4);
    for (const f of dr) expect(count(f, /data-kind="fit"/g)).toBe(1);
    expect(sweepReportHtml(r, { engine: 'cpu', adapter: 'test', neurons: 100, wallSeconds: 1 })).not.toMatch(/NaN/);
  });
});
