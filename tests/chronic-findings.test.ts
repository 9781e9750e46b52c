/**
 * Finding C4 of docs/model.md §7 (src/model/findings-chronic.ts): chronic fluoxetine in WT lowers firing
 * below 70% of drug-free at day 2, firing is back to 80-120% at days 14 and 21, and never above 130% on
 * any readout day; each band just inside and just outside its edges, through evaluateChronicFindings.
 */
import { describe, expect, test } from 'vitest';
import { CHRONIC_FINDINGS, D1A_FINDINGS, evaluateChronicFindings, type ChronicRow } from '../src/model/findings-chronic.js';

const EPS = 1e-9;
const DAYS = [1, 2, 3, 7, 14, 21];

/** WT readouts with these relative rates (a recovering course unless overridden), d1A passing C1-C2. */
function rows(over: Record<number, number> = {}): ChronicRow[] {
  const base: Record<number, number> = { 1: 0.6, 2: 0.5, 3: 0.6, 7: 0.8, 14: 0.95, 21: 1.0 };
  return DAYS.map((day) => ({
    condition: 'wt+fluoxetine',
    day,
    meanD1A: 0.4,
    fractionDesensitised: 0.6,
    rateRel: over[day] ?? base[day],
  }));
}
const c4 = (r: ChronicRow[]) => evaluateChronicFindings(r).find((f) => f.id === 'C4')!;

describe('C4: firing falls, then recovers to drug-free, never beyond', () => {
  test('a course that dips and recovers passes, and its row says what was measured against what', () => {
    const f = c4(rows());
    expect(f.pass).toBe(true);
    expect(f.measured).toBe('rate vs day 0: 50% at day 2, 95% at day 14, 100% at day 21, at most 100%');
    expect(f.expected).toBe('< 70% at day 2, 80-120% at days 14 and 21, <= 130% on every readout day');
  });

  test('day 2: just under 70% passes, 70% fails (an open edge)', () => {
    expect(c4(rows({ 2: 0.7 - EPS })).pass).toBe(true);
    expect(c4(rows({ 2: 0.7 })).pass).toBe(false);
  });

  test.each([14, 21])('day %i: 80% and 120% pass, just beyond either fails', (day) => {
    expect(c4(rows({ [day]: 0.8 })).pass).toBe(true);
    expect(c4(rows({ [day]: 1.2 })).pass).toBe(true);
    expect(c4(rows({ [day]: 0.8 - EPS })).pass).toBe(false);
    expect(c4(rows({ [day]: 1.2 + EPS })).pass).toBe(false);
  });

  test('an overshoot on any readout day fails: 130% passes, just above fails, also on a day no other band reads', () => {
    expect(c4(rows({ 7: 1.3 })).pass).toBe(true);
    expect(c4(rows({ 7: 1.3 + EPS })).pass).toBe(false);
    expect(c4(rows({ 3: 1.31 })).pass).toBe(false);
  });

  test('a missing day, or a row without its relative rate, fails', () => {
    expect(c4(rows().filter((r) => r.day !== 14)).pass).toBe(false);
    expect(c4(rows().filter((r) => r.day !== 2)).measured).toBe('day 2, 14 or 21 missing');
    const without = rows().map((r) => (r.day === 7 ? { ...r, rateRel: undefined } : r));
    expect(c4(without).pass).toBe(false);
  });

  test("it reads WT on fluoxetine only: another condition's overshoot does not count", () => {
    const other = rows().map((r) => ({ ...r, condition: 'ko+fluoxetine', rateRel: 2 }));
    expect(c4([...rows(), ...other]).pass).toBe(true);
  });

  test("the calibration's reduced model scores C1-C3 only: every d1A finding, not C4", () => {
    expect(CHRONIC_FINDINGS.map((f) => f.id)).toEqual(['C1', 'C2', 'C3', 'C4']);
    expect(D1A_FINDINGS).toEqual(['C1', 'C2', 'C3']);
  });
});
