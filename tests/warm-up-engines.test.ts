/**
 * The engines warm a built start up themselves (docs/model.md §3): CpuEngine in slices between awaits,
 * ParallelCpuEngine on its worker threads, ThreadedCpuBatch each sim on its own thread, WebGPU in
 * dispatches of the neurons kernel. Each hands the first step the state the host reference
 * (src/engines/reference/warm-up.ts: one loop over all cells, each reading voxel 0 at c0) leaves, bit for
 * bit; a restart's state (EngineOptions.initial) is not warmed.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { ParallelCpuEngine } from '../src/engines/cpu/parallel-engine.js';
import { ThreadedCpuBatch } from '../src/engines/cpu/threaded-batch.js';
import type { EngineOptions, StateSnapshot } from '../src/engines/engine.js';
import { initialState, startState, warmUpSteps } from '../src/engines/initial-state.js';
import { warmedInitialState } from '../src/engines/reference/warm-up.js';
import { WebGpuBatch } from '../src/engines/webgpu/batch.js';
import { deriveConstants } from '../src/model/derive.js';
import { ensureWorkerBundle } from './conformance/subjects.js';
import { bitDiff, engineOpts, gpuOrSkip, smallModel } from './helpers/gpu.js';

beforeAll(ensureWorkerBundle);

// 1,001 cells: not a multiple of 4 (the SIMD blocks), several chunks of every engine's warm-up
const model = smallModel(1001, 7);
const d1A = Float32Array.from({ length: 1001 }, (_, c) => (c % 7) * 0.05);
const SIMS: EngineOptions[] = [
  engineOpts(model, { c0_nM: 30, rate0_Hz: 1 }),
  engineOpts(smallModel(1001, 7, 'htr2b-ko'), { doses: { fluoxetine: 10 }, c0_nM: 12, rate0_Hz: 0.4, d1A }),
  engineOpts(model, { doses: { '8-oh-dpat': 3 }, c0_nM: 20, rate0_Hz: 1.5 }),
];

/** The host reference's warmed state of `o`, as a snapshot at step 0. */
function reference(o: EngineOptions): StateSnapshot {
  return { ...warmedInitialState(o.model, deriveConstants(o.model, o.doses), o.c0_nM, o.rate0_Hz, o.d1A), windowSpikes: 0 };
}

function expectSame(got: StateSnapshot, want: StateSnapshot, what: string): void {
  expect(bitDiff(got, want), what).toEqual({});
  expect(got.step, what).toBe(0);
  expect(got.windowSpikes ?? 0, what).toBe(0);
}

describe('the engines warm a built start up as the host reference does, bit for bit', () => {
  test('the warm-up changes the built state (else this test would prove nothing)', () => {
    const o = SIMS[0];
    const built = initialState(o.model, deriveConstants(o.model, o.doses), o.c0_nM, o.rate0_Hz);
    const warm = reference(o);
    expect(warmUpSteps(o.model)).toBe(300);
    // the receptor filters start at their equilibrium with c0 and stay there; everything else moves
    expect(Object.keys(bitDiff(warm, { ...built, windowSpikes: 0 })).sort()).toEqual(
      ['V', 'gbg', 'ahp1', 'ahp2', 'ahp3', 'pool', 'ref', 'bgNext', 'bgIdx'].sort(),
    );
  });

  test('CpuEngine, in slices between awaits (advance, snapshot) or at once (advanceSync, setters)', async () => {
    for (const [s, o] of SIMS.entries()) {
      const e = new CpuEngine(o);
      expectSame(await e.snapshot(), reference(o), `sim ${s}`);
      // at once: advanceSync(0) warms, then the run goes on from the same state as after the slices
      const f = new CpuEngine(o);
      f.advanceSync(0);
      expectSame(await f.snapshot(), reference(o), `sim ${s}, advanceSync`);
    }
  });

  test('CpuEngine: a dose change before the first step does not change the warm-up (it runs at the start doses)', async () => {
    const e = new CpuEngine(SIMS[0]);
    e.setDoses({ fluoxetine: 30 });
    expectSame(await e.snapshot(), reference(SIMS[0]), 'after setDoses');
  });

  test('ParallelCpuEngine, 2 worker threads taking chunks of 64 cells in turn', async () => {
    for (const [s, o] of SIMS.entries()) {
      const e = await ParallelCpuEngine.create({ ...o, chunk: 64 }, 2);
      try {
        expectSame(await e.snapshot(), reference(o), `sim ${s}`);
      } finally {
        e.dispose();
      }
    }
  });

  test('ThreadedCpuBatch, 3 sims on 2 threads, each at its own c0 and doses', async () => {
    const b = await ThreadedCpuBatch.create(SIMS, 2);
    try {
      for (let s = 0; s < SIMS.length; s++) expectSame(await b.snapshot(s), reference(SIMS[s]), `sim ${s}`);
    } finally {
      b.dispose();
    }
  });

  test("a restart's state is not warmed again", async () => {
    const o = SIMS[1];
    const initial = { ...reference(o), step: 40, windowSpikes: 3 };
    expect(startState(o.model, deriveConstants(o.model, o.doses), { ...o, initial }).warmUp).toBe(0);
    const e = new CpuEngine({ ...o, initial });
    const p = await ParallelCpuEngine.create({ ...o, initial, chunk: 64 }, 2);
    try {
      for (const s of [await e.snapshot(), await p.snapshot()]) {
        expect(bitDiff(s, initial)).toEqual({});
        expect(s.step).toBe(40);
        expect(s.windowSpikes).toBe(3);
      }
    } finally {
      p.dispose();
    }
  });
});

const gpu = await gpuOrSkip();
describe.skipIf(!gpu)('WebGPU warms a built start up as the host reference does, bit for bit', () => {
  test('a batch of 3 sims, each at its own c0 and doses; a restart in the batch is kept as it was', async () => {
    const b = await WebGpuBatch.create(SIMS, gpu!);
    try {
      for (let s = 0; s < SIMS.length; s++) expectSame(await b.snapshot(s), reference(SIMS[s]), `sim ${s}`);
    } finally {
      b.dispose();
    }
    // sim 1 restarts from a state at step 0 (its warm-up already done): only sims 0 and 2 warm
    const initial = { ...reference(SIMS[1]), windowSpikes: 2 };
    const mixed = await WebGpuBatch.create([SIMS[0], { ...SIMS[1], initial }, SIMS[2]], gpu!);
    try {
      expectSame(await mixed.snapshot(0), reference(SIMS[0]), 'mixed, sim 0');
      const kept = await mixed.snapshot(1);
      expect(bitDiff(kept, initial), 'mixed, sim 1 (restart)').toEqual({});
      expect(kept.windowSpikes).toBe(2);
      expectSame(await mixed.snapshot(2), reference(SIMS[2]), 'mixed, sim 2');
    } finally {
      mixed.dispose();
    }
  }, 600_000);
});
