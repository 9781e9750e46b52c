/**
 * The initial state (src/engines/initial-state.ts, docs/model.md §3): a run starts at its cells' steady
 * state, so its first samples fire at the rate of the samples after them (before the warm-up, the first
 * 10 ms fired at a tenth of the rate and the first 50 ms at under half); and the warm-up (each engine's
 * own, held to the host reference by tests/warm-up-engines.test.ts) leaves a state at step 0.
 */
import { describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { estimateSteadyState } from '../src/engines/cpu/steady-state.js';
import { initialCells, initialState, startState, warmUpSteps } from '../src/engines/initial-state.js';
import { STATE_FIELDS } from '../src/model/layout.js';
import { warmedInitialState } from '../src/engines/reference/warm-up.js';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import type { DrugDoses } from '../src/model/drugs.js';
import { defaultParams } from '../src/model/params.js';

const N = 9000;
const model = buildModel(defaultParams(), 'wt', N, 1);

/** Rate (Hz) of each 10 ms sample of the first 1.05 s of a run of `model` under `doses`, started as runs start. */
async function rates(doses: DrugDoses): Promise<number[]> {
  const est = estimateSteadyState(model, doses);
  const e = new CpuEngine({ model, doses, c0_nM: est.c0_nM, rate0_Hz: est.rate_Hz, recordSpikes: false, sampleSteps: 10 });
  try {
    const rec = await e.advance(1050);
    return Array.from(rec.samples.spikes, (s) => s / N / 0.01);
  } finally {
    e.dispose();
  }
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

describe('the initial state', () => {
  test.each([
    ['drug-free', {}],
    ['on fluoxetine 10 nM', { fluoxetine: 10 }],
  ] as [string, DrugDoses][])(
    "a run's first 50 ms, and its first 10 ms, fire within 15% and 30% of its rate over the next second (%s)",
    async (_, doses) => {
      const r = await rates(doses);
      const later = mean(r.slice(5));
      // 9,000 cells at ~1 Hz: ~500 spikes in 50 ms (sd 4.5%), ~100 in 10 ms (sd 10%)
      expect(Math.abs(mean(r.slice(0, 5)) / later - 1)).toBeLessThan(0.15);
      expect(Math.abs(r[0] / later - 1)).toBeLessThan(0.3);
    },
    60_000,
  );

  test('the warm-up leaves step 0: chronic sums at 0, every background event step ahead', () => {
    const m = buildModel(defaultParams(), 'wt', 500, 2);
    const k = deriveConstants(m, {});
    expect(warmUpSteps(m)).toBe(300);
    // a built start owes the engine its warm-up
    expect(startState(m, k, { c0_nM: 7, rate0_Hz: 1.2 }).warmUp).toBe(300);
    const built = initialState(m, k, 7, 1.2);
    const s = warmedInitialState(m, k, 7, 1.2);
    expect(s.step).toBe(0);
    expect(Array.from(s.a1Sum).every((x) => x === 0)).toBe(true);
    expect(Array.from(s.a2Sum).every((x) => x === 0)).toBe(true);
    // the warm-up used background draws (a run goes on from them) and left every next event ahead of step 0
    for (let i = 0; i < m.nCells; i++) {
      expect(s.bgIdx[i] & 0x7fffffff).toBeGreaterThanOrEqual(built.bgIdx[i] & 0x7fffffff);
      expect(s.bgNext[i]).toBeLessThan(2 ** 31);
    }
    // the spread the built state lacks: background conductance differs cell to cell, and the slow AHP of
    // every cell that fired in the warm-up (at ~1 Hz over 0.3 s, about a quarter of them)
    expect(new Set(built.gbg).size).toBe(1);
    expect(new Set(built.ahp3).size).toBe(1);
    expect(new Set(s.gbg).size).toBeGreaterThan(m.nCells / 2);
    expect(new Set(s.ahp3).size).toBeGreaterThan(m.nCells / 10);
    // the grid and the receptor filters are the built ones
    expect(s.grid).toEqual(built.grid);
    expect(s.s2B).toEqual(built.s2B);
  });

  test("a sample of the first cells starts as those cells of the whole tissue's start, value for value", () => {
    const m = buildModel(defaultParams(), 'wt', 500, 3);
    const k = deriveConstants(m, { fluoxetine: 10 });
    const d1A = Float32Array.from({ length: m.nCells }, (_, i) => (i % 7) / 10);
    const whole = initialState(m, k, 12, 0.9, d1A);
    const first = initialCells(m, k, 12, 0.9, 64, d1A);
    for (const f of STATE_FIELDS) {
      expect(first[f.name].length, f.name).toBe(64);
      expect(Array.from(first[f.name]), f.name).toEqual(Array.from(whole[f.name].subarray(0, 64)));
    }
    // the membrane potentials are drawn (the one stream of the start), not a constant
    expect(new Set(first.V).size).toBe(64);
    // more than the tissue holds: the tissue's cells
    expect(initialCells(m, k, 12, 0.9, 10_000).V.length).toBe(m.nCells);
  });
});
