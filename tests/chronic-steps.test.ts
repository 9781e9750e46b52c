/**
 * The chronic driver's slow steps (src/experiment/chronic-steps.ts) and the grid's jump to the mass
 * balance with release's elasticity (chronic-fast.ts): pure functions, checked against hand-worked values.
 */
import { describe, expect, test } from 'vitest';
import { balanceScale, regionMean, releaseElasticity, ELASTICITY_MAX, ELASTICITY_MIN } from '../src/experiment/chronic-fast.js';
import { nextSlowTime, nextStepH, slowStops, slowTimes, slowWeights, stepError } from '../src/experiment/chronic-steps.js';
import { zeroChronicState, type ChronicSlowState } from '../src/model/chronic.js';
import { deriveConstants } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { smallModel } from './helpers/gpu.js';

const state = (d1A: number[], d2B: number[]): ChronicSlowState => {
  const x = zeroChronicState(d1A.length);
  x.d1A.d.set(d1A);
  x.d2B.d.set(d2B);
  return x;
};

describe('where the slow steps fall', () => {
  test('the stops are day 0, every readout day and the end, once each, ascending', () => {
    expect(slowStops({ days: 7, readoutDays: [0, 1, 3, 7] })).toEqual([0, 24, 72, 168]);
    expect(slowStops({ days: 2, readoutDays: [1.5] })).toEqual([0, 36, 48]);
  });

  test('a step is clipped to the next stop, and a sliver under a quarter step is taken with it', () => {
    const stops = [0, 24, 72];
    expect(nextSlowTime(0, 10, stops)).toBe(10);
    expect(nextSlowTime(10, 20, stops)).toBe(24); // clipped
    expect(nextSlowTime(0, 20, stops)).toBe(24); // 4 h left < 20/4: taken now
    expect(nextSlowTime(0, 16, stops)).toBe(16); // 8 h left >= 16/4: a step of its own
    expect(nextSlowTime(72, 10, stops)).toBe(72); // at the end: nowhere to go
  });

  test('fixed steps (tolerance 0) fall every slowStepH with the readout days inserted', () => {
    expect(slowTimes({ days: 2, slowStepH: 12, readoutDays: [0, 1.25, 2] })).toEqual([0, 12, 24, 30, 36, 48]);
  });
});

describe('how long the next step is', () => {
  test('no error doubles the step, at most slowStepH', () => {
    expect(nextStepH(4, 4, 0, 0.005, 48)).toBe(8);
    expect(nextStepH(40, 40, 0, 0.005, 48)).toBe(48);
  });

  test('an error four times the tolerance halves the step (0.9 x sqrt(1/4) is under the shrink bound of 1/2)', () => {
    expect(nextStepH(10, 10, 0.02, 0.005, 48)).toBe(5);
  });

  test('an error at a quarter of the tolerance scales the step by 0.9 x 2 = 1.8', () => {
    expect(nextStepH(10, 10, 0.00125, 0.005, 48)).toBeCloseTo(18, 12);
  });

  test('a step clipped to a readout day within the tolerance keeps the longer step it was asked for', () => {
    expect(nextStepH(2, 30, 0.004, 0.005, 48)).toBe(30);
    // but a clipped step over the tolerance shrinks from what was taken
    expect(nextStepH(2, 30, 0.02, 0.005, 48)).toBe(1);
  });
});

describe("a step's error", () => {
  test('is the largest weighted difference of mean d1A or mean d2B over the sims', () => {
    const pred = [state([0.1, 0.3], [0.2, 0.2]), state([0, 0], [0.5, 0.5])];
    const corr = [state([0.1, 0.2], [0.2, 0.22]), state([0, 0], [0.4, 0.4])];
    const w = [
      { w1A: 1, w2B: 1 },
      { w1A: 1, w2B: 1 },
    ];
    expect(stepError(pred, corr, w)).toBeCloseTo(0.1, 12); // sim 1's d2B
    // the same with sim 1 a tissue without 5-HT2B: its d2B weighs nothing; sim 0's d1A (0.05) is the error
    expect(stepError(pred, corr, [w[0], { w1A: 1, w2B: 0 }])).toBeCloseTo(0.05, 12);
  });

  test("the weights are the sim's receptor conductances over the defaults: 0 for 5-HT2B in the Htr2b knock-out", () => {
    const p = defaultParams();
    const m = smallModel(50, 1);
    const wt = slowWeights(deriveConstants(m, {}), p);
    expect(wt.w1A).toBeCloseTo(1, 6);
    expect(wt.w2B).toBeCloseTo(1, 6);
    expect(slowWeights({ g1A: 0, g2B: 0 }, p)).toEqual({ w1A: 0, w2B: 0 });
  });
});

describe("the grid's jump with release's elasticity", () => {
  test('the elasticity is the secant d ln R / d ln c, clamped, and held when the level barely moved', () => {
    expect(releaseElasticity(10, 4, 20, 1, 0)).toBeCloseTo(-2, 12); // R falls 4x as c doubles
    expect(releaseElasticity(10, 1, 20, 1e6, 0)).toBe(ELASTICITY_MAX);
    expect(releaseElasticity(10, 1e6, 20, 1, 0)).toBe(ELASTICITY_MIN);
    expect(releaseElasticity(10, 4, 10.1, 1, -1.5)).toBe(-1.5); // 1% apart: the last estimate stands
    expect(releaseElasticity(10, 0, 20, 1, -1)).toBe(-1); // no release to read from
    // the slow state moved between the two phases: release answered it too, so the secant is not read
    expect(releaseElasticity(10, 4, 20, 1, -0.5, 0.02)).toBe(-0.5);
    expect(releaseElasticity(10, 4, 20, 1, -0.5, 0.005)).toBeCloseTo(-2, 12);
  });

  test('with release falling as 5-HT rises, the jump lands where removal meets the release it will then give', () => {
    const m = smallModel(300, 3);
    const k = deriveConstants(m, { fluoxetine: 10 });
    const grid = new Float32Array(m.vmaxDt.length);
    for (const v of m.geometry.inside) grid[v] = 20;
    const removal = (lam: number) => {
      let s = 0;
      for (const v of m.geometry.inside) s += (m.vmaxDt[v] * lam * 20) / (k.KmEff + lam * 20) + k.kClearDt * lam * 20;
      return s / m.geometry.inside.length / m.dtGrid_s;
    };
    const R = 1.5 * removal(1); // release outruns removal: the level must rise
    const held = balanceScale(m, k.KmEff, k.kClearDt, grid, R, 1, 0);
    const elastic = balanceScale(m, k.KmEff, k.kClearDt, grid, R, 1, -2);
    expect(held).toBeGreaterThan(elastic); // release held overshoots what an answering release allows
    expect(elastic).toBeGreaterThan(1);
    expect(removal(elastic)).toBeCloseTo(R * elastic ** -2, 3);
    expect(regionMean(m, grid)).toBeCloseTo(20, 5);
  });
});
