/**
 * The slow variables beside d1A (model/chronic-slow.ts): 5-HT2B desensitisation d2B per cell and SERT
 * down-regulation per simulation, their exact advance over a slow step, and advanceChronic that moves
 * all three together.
 */
import { describe, expect, test } from 'vitest';
import { advanceChronic, advanceSlow, cellA50, copyChronicState, zeroChronicState, zeroSlowState } from '../src/model/chronic.js';
import { advanceD2B, advanceSertDown, d2BTarget, drive, sertDownTarget, sertOccupancyOf, sertScaleOf } from '../src/model/chronic-slow.js';
import { DRUGS } from '../src/model/drugs.js';
import { defaultParams, type Params } from '../src/model/params.js';

const P = defaultParams();
const K_FLX = DRUGS.fluoxetine.K_nM;

describe('5-HT2B desensitisation d2B', () => {
  test('one slow step of 2 dt equals two of dt with the drive held (exact advance)', () => {
    const n = 40;
    const abar = Float64Array.from({ length: n }, (_, i) => 0.2 + (0.7 * i) / n);
    const a = advanceD2B(P, zeroSlowState(n), abar, 30);
    const b = advanceD2B(P, advanceD2B(P, zeroSlowState(n), abar, 15), abar, 15);
    for (let i = 0; i < n; i++) expect(Math.abs(a.d[i] - b.d[i])).toBeLessThan(1e-12);
    expect(a.d[n - 1]).toBeGreaterThan(a.d[0]); // more activation, more desensitisation
  });

  test('one stage: d2B(t) = d2BMax h(abar) (1 - e^(-t/tau)), heading to d2BMax h(abar); u follows d', () => {
    const p: Params = { ...P, tauD2B_h: 48, d2BMax: 0.5, A50_2B: 0.5, nD2B: 4 };
    const X = 0.5 * drive(0.7, 0.5, 4);
    expect(d2BTarget(p, 0.7)).toBeCloseTo(X, 15);
    const s = advanceD2B(p, zeroSlowState(1), [0.7], 30);
    expect(s.d[0]).toBeCloseTo(X * (1 - Math.exp(-30 / 48)), 12);
    expect(s.u[0]).toBe(s.d[0]);
    advanceD2B(p, s, [0.7], 1e6);
    expect(s.d[0]).toBeCloseTo(X, 12);
    expect(d2BTarget(p, 0.5)).toBeCloseTo(0.25, 12); // half the largest loss at A50_2B
    expect(d2BTarget(p, 0)).toBe(0);
  });

  test('a drive linear in time: exact, as the limit of many short steps with the drive held at their midpoints', () => {
    const p: Params = { ...P, tauD2B_h: 20, d2BMax: 0.8, A50_2B: 0.5, nD2B: 1 };
    // n = 1: h(a) = a / (a + A50), so pick abar with d2BMax h linear in time
    const X = (t: number) => 0.1 + (0.4 * t) / 24;
    const abarFor = (x: number) => (x / 0.8 / (1 - x / 0.8)) * 0.5;
    const one = advanceD2B(p, zeroSlowState(1), [abarFor(X(0))], 24, [abarFor(X(24))]);
    const fine = zeroSlowState(1);
    const N = 3000;
    for (let k = 0; k < N; k++) advanceD2B(p, fine, [abarFor(X((k + 0.5) * (24 / N)))], 24 / N);
    expect(one.d[0]).toBeCloseTo(fine.d[0], 7);
  });
});

describe('SERT down-regulation', () => {
  test('the occupancy of SERT inhibitors is sum(S/K) / (1 + sum(S/K)); a receptor ligand occupies none', () => {
    expect(sertOccupancyOf({})).toBe(0);
    expect(sertOccupancyOf({ fluoxetine: 4 * K_FLX })).toBeCloseTo(0.8, 12);
    expect(sertOccupancyOf({ fluoxetine: 4 * K_FLX, 'way-100635': 10 })).toBeCloseTo(0.8, 12);
    expect(sertDownTarget(P, { fluoxetine: 4 * K_FLX })).toBeCloseTo(0.8 * P.sertDownMax, 12);
  });

  test('two stages: sertDown(t) = X (1 - e^(-t/tau) (1 + t/tau)); one long step equals many short ones; sertScale = 1 - sertDown', () => {
    const doses = { fluoxetine: 4 * K_FLX };
    const X = sertDownTarget(P, doses);
    const one = advanceSertDown(P, zeroSlowState(1), doses, 200);
    const x = 200 / P.tauSertDown_h;
    expect(one.d[0]).toBeCloseTo(X * (1 - Math.exp(-x) * (1 + x)), 12);
    const many = zeroSlowState(1);
    for (let k = 0; k < 25; k++) advanceSertDown(P, many, doses, 8);
    expect(many.d[0]).toBeCloseTo(one.d[0], 12);
    expect(sertScaleOf(one)).toBeCloseTo(1 - one.d[0], 15);
    expect(sertScaleOf(advanceSertDown(P, zeroSlowState(1), {}, 1e4))).toBe(1); // drug-free: SERT intact
  });

  test('the default time constant puts 80% of the target at day 15 and a smaller share at days 4 and 10', () => {
    const share = (day: number) => advanceSertDown({ ...P, sertDownMax: 1 }, zeroSlowState(1), { fluoxetine: 1e9 }, day * 24).d[0];
    expect(share(15)).toBeGreaterThan(0.78);
    expect(share(15)).toBeLessThan(0.82);
    expect(share(4)).toBeLessThan(0.25);
    expect(share(10)).toBeLessThan(share(15));
  });
});

describe('every slow variable together (advanceChronic)', () => {
  test('moves d1A as advanceSlow, d2B as advanceD2B and sertDown as advanceSertDown, predictor and corrector alike', () => {
    const n = 30;
    const A50 = cellA50(P, n, 4);
    const doses = { fluoxetine: 10 };
    const f0 = { abar: Float64Array.from({ length: n }, (_, i) => 0.8 + i / 300), abar2B: new Float64Array(n).fill(0.6) };
    const f1 = { abar: f0.abar.map((a) => a - 0.05), abar2B: new Float64Array(n).fill(0.7) };
    const x = advanceChronic(P, zeroChronicState(n), A50, doses, f0, 12);
    const y = advanceChronic(P, copyChronicState(x), A50, doses, f0, 12, f1);
    const d1A = advanceSlow(P, advanceSlow(P, zeroSlowState(n), f0.abar, A50, 12), f0.abar, A50, 12, f1.abar);
    const d2B = advanceD2B(P, advanceD2B(P, zeroSlowState(n), f0.abar2B, 12), f0.abar2B, 12, f1.abar2B);
    expect(Array.from(y.d1A.d)).toEqual(Array.from(d1A.d));
    expect(Array.from(y.d2B.d)).toEqual(Array.from(d2B.d));
    expect(y.sert.d[0]).toBe(advanceSertDown(P, advanceSertDown(P, zeroSlowState(1), doses, 12), doses, 12).d[0]);
    expect(x.d1A.d[0]).not.toBe(y.d1A.d[0]); // the copy kept x as it was
  });
});
