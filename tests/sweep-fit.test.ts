/** The hand-written Levenberg-Marquardt Hill fit recovers known parameters from noisy synthetic data. */
import { describe, expect, test } from 'vitest';
import { HostStream, seedKey } from '../src/rng/philox.js';
import { fitHill, fitHillReplicates, hillValue, solve, t975 } from '../src/sweep/fit.js';

const doses = [0, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100];

function noisy(truth: { bottom: number; top: number; ec50: number; hill: number }, sd: number, seed: number): number[] {
  const rng = new HostStream(seedKey(seed), 0x1234, 0);
  return doses.map((x) => hillValue(x, truth) + sd * rng.normal());
}

describe('Hill fit', () => {
  test('solve: a small linear system', () => {
    expect(
      solve(
        [
          [2, 1],
          [1, 3],
        ],
        [3, 5],
      )!.map((v) => Number(v.toFixed(12))),
    ).toEqual([0.8, 1.4]);
    expect(
      solve(
        [
          [1, 2],
          [2, 4],
        ],
        [1, 2],
      ),
    ).toBeNull();
    expect(t975(4)).toBeCloseTo(2.776, 3);
  });

  test('exact data: parameters to 1e-6', () => {
    const truth = { bottom: 0.1, top: 1.2, ec50: 3, hill: -1.5 };
    const f = fitHill(
      doses,
      doses.map((x) => hillValue(x, truth)),
    );
    expect(f.converged).toBe(true);
    expect(f.ec50!).toBeCloseTo(3, 5);
    expect(f.hill!).toBeCloseTo(-1.5, 5);
    expect(f.bottom!).toBeCloseTo(0.1, 6);
    expect(f.top!).toBeCloseTo(1.2, 6);
  });

  test('noise: recovers a rising and a falling curve within their 95% intervals (most seeds)', () => {
    for (const truth of [
      { bottom: 1, top: 6, ec50: 2, hill: 1.2 },
      { bottom: 0.02, top: 1, ec50: 0.5, hill: -0.9 },
    ]) {
      let inside = 0;
      const N = 20;
      for (let s = 0; s < N; s++) {
        const f = fitHill(doses, noisy(truth, 0.03 * (truth.top - truth.bottom), s + 1));
        expect(f.converged).toBe(true);
        expect(Math.abs(Math.log10(f.ec50! / truth.ec50))).toBeLessThan(0.15);
        expect(Math.abs(f.hill! - truth.hill)).toBeLessThan(0.4 * Math.abs(truth.hill));
        if (f.ci95 && f.ci95.ec50[0] <= truth.ec50 && truth.ec50 <= f.ci95.ec50[1]) inside++;
      }
      expect(inside).toBeGreaterThanOrEqual(15); // nominal 95%: 19 of 20
    }
  });

  test('replicates: intervals over seeds contain the truth', () => {
    const truth = { bottom: 0.05, top: 1, ec50: 1, hill: -1 };
    const reps = [1, 2, 3, 4, 5].map((s) => noisy(truth, 0.02, s));
    const f = fitHillReplicates(doses, reps);
    expect(f.converged).toBe(true);
    expect(f.ciMethod).toBe('seeds');
    expect(f.ci95!.ec50[0]).toBeLessThan(1);
    expect(f.ci95!.ec50[1]).toBeGreaterThan(1);
  });

  test('refuses what it cannot fit: flat data, too few points, EC50 outside the range, negative x', () => {
    expect(
      fitHill(
        doses,
        doses.map(() => 2),
      ).converged,
    ).toBe(false);
    expect(fitHill([0, 1, 2], [1, 2, 3]).converged).toBe(false);
    // a straight line in log dose has no plateaus in range: the EC50 runs off
    const lin = fitHill(
      doses.slice(1),
      doses.slice(1).map((x) => Math.log10(x)),
    );
    if (lin.converged) expect(lin.ec50!).toBeGreaterThan(0);
    else expect(lin.reason).toMatch(/converge/);
    expect(fitHill([-1, 0, 1, 2, 3], [0, 1, 2, 3, 4]).reason).toMatch(/negative/);
  });
});
