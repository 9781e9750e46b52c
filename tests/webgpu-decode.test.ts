/**
 * The WebGPU engine's readback decoding (src/engines/webgpu/decode.ts) on hand-made arrays, no
 * adapter needed: spikes split per sim in the CPU engine's order (grid step, then cell, then
 * sub-step, whatever the device order and chunking), mass accumulators and grid totals summed per sim,
 * and the control block's checks.
 */
import { describe, expect, test } from 'vitest';
import { SAMPLE_WORDS } from '../src/model/layout.js';
import { decodeBatches, gridTotals, massOf, splitSpikes } from '../src/engines/webgpu/decode.js';
import { CTL, ctlBytes } from '../src/engines/webgpu/wgsl-header.js';

/** (global cell, fine step) pairs as one drained chunk. */
const chunk = (...pairs: [number, number][]) => new Uint32Array(pairs.flat());

describe('splitSpikes', () => {
  // 3 cells per sim, 2 sub-steps per grid step, 2 sims: global cell = sim * 3 + cell
  const parts = [chunk([4, 3], [0, 2], [2, 0], [1, 1], [4, 2]), chunk([3, 5], [5, 2])];

  test('per sim, ordered by grid step, then cell, then sub-step', () => {
    const [s0, s1] = splitSpikes(parts, 3, 2, 2);
    // sim 0: (cell 0, fine 2) is grid step 1; (2, 0) and (1, 1) are grid step 0: cell 1 before cell 2
    expect(Array.from(s0.cells)).toEqual([1, 2, 0]);
    expect(Array.from(s0.steps)).toEqual([1, 0, 2]);
    // sim 1: grid step 1 holds cell 1 twice (sub-steps 0 and 1) and cell 2; grid step 2 cell 0
    expect(Array.from(s1.cells)).toEqual([1, 1, 2, 0]);
    expect(Array.from(s1.steps)).toEqual([2, 3, 2, 5]);
  });

  test('independent of how the pairs were chunked and ordered on the device', () => {
    const flat = parts.flatMap((p) => Array.from({ length: p.length / 2 }, (_, i) => [p[2 * i], p[2 * i + 1]] as [number, number]));
    const again = splitSpikes([chunk(...flat.reverse())], 3, 2, 2);
    expect(again.map((s) => [Array.from(s.cells), Array.from(s.steps)])).toEqual(
      splitSpikes(parts, 3, 2, 2).map((s) => [Array.from(s.cells), Array.from(s.steps)]),
    );
  });

  test('a sim without spikes gets empty arrays', () => {
    const [s0, s1, s2] = splitSpikes([chunk([7, 4])], 3, 2, 3);
    expect(s0.cells.length + s1.cells.length).toBe(0);
    expect(Array.from(s2.cells)).toEqual([1]);
    expect(Array.from(s2.steps)).toEqual([4]);
  });
});

describe('mass and grid totals', () => {
  // 2 sims x 2 release threads x 8 floats: released, comp, uptaken, comp, cleared, comp, unused x 2
  const acc = new Float32Array([
    10,
    0.5,
    4,
    0.25,
    1,
    0,
    99,
    99,
    20,
    1,
    6,
    0,
    2,
    0.5,
    99,
    99, // sim 0
    100,
    0,
    40,
    0,
    10,
    0,
    99,
    99,
    0.125,
    0.0625,
    3,
    1,
    5,
    0.5,
    99,
    99, // sim 1
  ]);

  test('accumulators minus their compensations, summed over each sim’s threads', () => {
    expect(massOf(acc, 0, 2, 7, 8)).toEqual({ released: 28.5, uptaken: 9.75, cleared: 2.5, gridStart: 7, gridEnd: 8 });
    expect(massOf(acc, 1, 2, 0, 0)).toEqual({ released: 100.0625, uptaken: 42, cleared: 14.5, gridStart: 0, gridEnd: 0 });
  });

  test('grid totals add each sim’s partials’ region component only', () => {
    // 2 sims x 3 partials x vec4 (region, probe, s1A, s2B)
    const p = new Float32Array([1, 9, 9, 9, 2, 9, 9, 9, 0.5, 9, 9, 9, 8, 9, 9, 9, 16, 9, 9, 9, 0.25, 9, 9, 9]);
    expect(gridTotals(p.buffer, 2, 3)).toEqual([3.5, 24.25]);
  });
});

describe('decodeBatches', () => {
  const K = 2;
  const base = () => {
    const ctl = new Uint32Array(ctlBytes(K) / 4);
    ctl[CTL.step / 4] = 30;
    for (let s = 0; s < K; s++) {
      ctl[(CTL.sim + s * CTL.simBytes + CTL.batchSpikes) / 4] = 5 + s;
      ctl[(CTL.sim + s * CTL.simBytes + CTL.sampleIdx) / 4] = 1;
    }
    const partials = new Float32Array(4 * K);
    partials[0] = 2;
    partials[4] = 3;
    return {
      nSims: K,
      nCells: 3,
      subSteps: 2,
      relThreads: 1,
      nPart: 1,
      firstStep: 20,
      steps: 10,
      nSamples: 1,
      hostStep: 30,
      ctl: ctl.buffer,
      partialsStart: partials.buffer,
      partialsEnd: partials.buffer,
      samples: new Uint32Array(K * SAMPLE_WORDS).buffer,
      mass: new Float32Array([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]).buffer,
      spikeParts: [chunk([4, 41], [0, 40])],
    };
  };

  test('one batch per sim with its counters, mass and spikes', () => {
    const [b0, b1] = decodeBatches(base());
    expect([b0.firstStep, b0.steps, b0.spikeCount, b1.spikeCount]).toEqual([20, 10, 5, 6]);
    expect(b0.mass).toEqual({ released: 1, uptaken: 0, cleared: 0, gridStart: 2, gridEnd: 2 });
    expect(b1.mass.released).toBe(2);
    expect(b1.mass.gridEnd).toBe(3);
    expect(Array.from(b0.spikes!.cells)).toEqual([0]);
    expect(Array.from(b1.spikes!.cells)).toEqual([1]);
    expect(decodeBatches({ ...base(), spikeParts: null })[0].spikes).toBeUndefined();
  });

  test('refuses a device step or sample count that disagrees with the host', () => {
    expect(() => decodeBatches({ ...base(), hostStep: 31 })).toThrow(/device step 30 != host step 31/);
    expect(() => decodeBatches({ ...base(), nSamples: 2 })).toThrow(/1 trace samples written for sim 0, expected 2/);
  });
});
