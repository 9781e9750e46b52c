/**
 * Seeds as an axis (`--seeds K`): the 95% t interval over seeds, and findings decided on the mean
 * readouts over the seeds, with each seed's readouts kept and a note where an interval holds a bound.
 */
import { describe, expect, test } from 'vitest';
import { meanInterval, tQuantile, tTwoSided } from '../src/model/intervals.js';
import { DOSES, type ConditionMeasure, evaluateFindings, evaluateFindingsOverSeeds } from '../src/model/findings.js';
import { formatFindingsTable } from '../src/report/findings-table.js';

describe('the t interval over seeds', () => {
  test.each([
    [1, 12.706],
    [2, 4.303],
    [3, 3.182],
    [4, 2.776],
    [9, 2.262],
    [10, 2.228],
    [30, 2.042],
    [63, 1.998],
  ])('t(0.975, %i) is %f, as printed in statistics tables', (df, t) => {
    expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
  });

  test('the two-sided probability of t is 0 at 0, rises with t and reaches 0.95 at the 0.975 quantile', () => {
    for (const df of [1, 2, 5, 6]) {
      expect(tTwoSided(0, df)).toBe(0);
      expect(tTwoSided(1, df)).toBeLessThan(tTwoSided(2, df));
      expect(tTwoSided(tQuantile(0.975, df), df)).toBeCloseTo(0.95, 10);
    }
    // one degree of freedom is the Cauchy distribution: P(|T| <= 1) = 1/2
    expect(tTwoSided(1, 1)).toBeCloseTo(0.5, 12);
  });

  test('three values 1, 2, 3: mean 2, sd 1, half-width t(0.975, 2) / √3', () => {
    const m = meanInterval([1, 2, 3]);
    expect(m.n).toBe(3);
    expect(m.mean).toBe(2);
    expect(m.sd).toBeCloseTo(1, 12);
    expect(m.halfWidth).toBeCloseTo(4.302653 / Math.sqrt(3), 5);
    expect([m.lo, m.hi]).toEqual([m.mean - m.halfWidth, m.mean + m.halfWidth]);
  });

  test('one value has a mean and no interval; equal values an interval of width 0', () => {
    const one = meanInterval([1.5]);
    expect(one.mean).toBe(1.5);
    expect([one.sd, one.halfWidth, one.lo, one.hi].every(Number.isNaN)).toBe(true);
    expect(meanInterval([2, 2, 2, 2]).halfWidth).toBe(0);
  });
});

/** Every condition's measures at one seed: a consistent set (all findings pass), the WT rate and KO rate given. */
function measures(wtRate: number, koRate: number, over: Record<string, Partial<ConditionMeasure>> = {}): Record<string, ConditionMeasure> {
  const base = (rateHz: number, probeNm: number): ConditionMeasure => ({ rateHz, probeNm, medianCvIsi: 0.3, settled: true, drift: 0 });
  const hill = (d: number, ic50: number) => 1 / (1 + (d / ic50) ** 2);
  const m: Record<string, ConditionMeasure> = {
    wt: base(wtRate, 30),
    ko: base(koRate, 20),
    'wt+ssri': base(0.7 * wtRate, 105),
    'ko+ssri': base(0.2 * koRate, 25),
    'wt+bw': base(2 * wtRate, 65),
    'ko+bw': base(koRate, 20),
    [`wt+dpat${DOSES.dpatWayDose_nM}+way`]: base(wtRate, 60),
  };
  for (const d of DOSES.dpat_nM) {
    m[`wt+dpat${d}`] = base(wtRate * hill(d, 10), 20);
    m[`wt+bw+dpat${d}`] = base(2 * wtRate * hill(d, 100), 50);
  }
  for (const [k, v] of Object.entries(over)) m[k] = { ...m[k], ...v };
  return m;
}

describe('findings over seeds', () => {
  const seeds = [4, 5, 6];
  // KO/WT of 0.5, 0.6 and 0.95: the third seed alone fails F2 (0.40-0.85), the mean 0.683 passes
  const perSeed = [measures(1, 0.5), measures(1, 0.6), measures(1, 0.95)];
  const rows = evaluateFindingsOverSeeds(seeds, perSeed);
  const f2 = rows.find((r) => r.id === 'F2')!;

  test("each seed's readout is kept, and the mean and interval are those of the seeds' values", () => {
    const koWt = f2.readouts.find((r) => r.readout === 'koWt')!;
    expect(koWt.perSeed).toEqual([0.5, 0.6, 0.95]);
    const m = meanInterval([0.5, 0.6, 0.95]);
    expect(koWt.mean).toBeCloseTo(m.mean, 12);
    expect([koWt.lo, koWt.hi]).toEqual([m.lo, m.hi]);
    expect(f2.seeds).toEqual(seeds);
  });

  test("a finding is decided on the mean, each seed's own verdict kept beside it", () => {
    expect(f2.pass).toBe(true);
    expect(f2.perSeedPass).toEqual([true, true, false]);
    expect(f2.perSeedPass).toEqual(perSeed.map((m) => evaluateFindings(m)[1].pass));
    expect(f2.measured).toBe('KO/WT rate 0.68 (mean of 3 seeds)');
  });

  test('an interval that holds a bound of the band gets a note naming the readout and the bound', () => {
    expect(f2.note).toMatch(/^F2: the 95% interval of koWt \(.+ to .+\) holds the bounds? .*0\.85/);
    expect(rows.find((r) => r.id === 'F3')!.note).toBeUndefined();
  });

  test('a condition a finding needs settled must have settled at every seed', () => {
    const unsettled = evaluateFindingsOverSeeds(seeds, [measures(1, 0.6), measures(1, 0.6, { ko: { settled: false } }), measures(1, 0.6)]);
    expect(unsettled.find((r) => r.id === 'F2')!.pass).toBe(false);
    expect(evaluateFindingsOverSeeds(seeds, [measures(1, 0.6), measures(1, 0.6), measures(1, 0.6)])[1].pass).toBe(true);
  });

  test('the table adds the interval column and the notes; one seed prints the table as before', () => {
    const table = formatFindingsTable(rows);
    const [header] = table.split('\n');
    expect(header).toMatch(/measured\s+\| 95% interval \(3 seeds\)\s+\| expected/);
    expect(table).toContain(f2.interval);
    expect(table).toContain(`note: ${f2.note}`);
    const plain = formatFindingsTable(evaluateFindings(perSeed[0]));
    expect(plain).not.toContain('interval');
    expect(plain.split('\n')[0]).toMatch(/^id\s+\| condition\s+\| measured\s+\| expected\s+\| pass\/FAIL$/);
    expect(plain.endsWith('7/7 findings pass')).toBe(true);
  });
});
