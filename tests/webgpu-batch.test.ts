/**
 * WebGpuBatch: K simulations of one tissue in the same dispatches (that each sim is bit-identical to a
 * CPU run of it alone, with its own samples and mass balance, is the engine conformance suite's
 * tests/conformance/batch.test.ts). The batch refuses sims of different tissues and sizes over the
 * device limits with a clear error.
 * Skips without a WebGPU adapter, fails under RAPHE_GPU_REQUIRED.
 */
import { describe, expect, test } from 'vitest';
import { STATE_WORDS } from '../src/model/layout.js';
import { WebGpuBatch } from '../src/engines/webgpu/batch.js';
import { engineOpts, gpuOrSkip, gpuRequired, smallModel } from './helpers/gpu.js';

const ctx = await gpuOrSkip();
const d = ctx ? describe : describe.skip;

if (!ctx) {
  test('WebGPU adapter (skipped: none found; set RAPHE_GPU_REQUIRED=1 to fail instead)', () => {
    expect(gpuRequired).toBe(false);
  });
}

d('WebGpuBatch: K sims in one set of dispatches', () => {
  test('sims of different tissues or recording settings are refused', async () => {
    const a = engineOpts(smallModel(500, 7));
    await expect(WebGpuBatch.create([a, engineOpts(smallModel(400, 7))], ctx!)).rejects.toThrow(
      /sim 1 does not share sim 0's tissue.*nCells 400 vs 500/,
    );
    await expect(WebGpuBatch.create([a, engineOpts(smallModel(500, 8))], ctx!)).rejects.toThrow(/sim 1 does not share.*seedLo/);
    await expect(WebGpuBatch.create([a, engineOpts(smallModel(500, 7), { sampleSteps: 5 })], ctx!)).rejects.toThrow(/sampleSteps 5 vs 10/);
    await expect(WebGpuBatch.create([], ctx!)).rejects.toThrow(/no simulations/);
  });

  test('a batch over maxStorageBufferBindingSize is refused naming the limit; maxSims says how many fit', async () => {
    const m = smallModel(500, 7);
    // cell state: STATE_WORDS x 4 x 500 bytes a sim (22,000 with 11 words): 2 fit in 2.5 times that, 3 do not
    const perSimState = STATE_WORDS * 4 * 500;
    const limits = { maxStorageBufferBindingSize: Math.floor(2.5 * perSimState) };
    expect(WebGpuBatch.maxSims(m, ctx!, { limits })).toBe(2);
    await expect(
      WebGpuBatch.create(
        [0, 1, 2].map(() => engineOpts(m)),
        ctx!,
        { limits },
      ),
    ).rejects.toThrow(
      new RegExp(
        `cell state buffer needs ${3 * perSimState} bytes \\(nCells 500, grid 15x12x10, 3 sims\\), over the adapter's maxStorageBufferBindingSize of ${limits.maxStorageBufferBindingSize} bytes; split the batch \\(WebGpuBatch\\.maxSims: at most 2 sims`,
      ),
    );
    const two = await WebGpuBatch.create(
      [0, 1].map(() => engineOpts(m)),
      ctx!,
      { limits },
    );
    const r = await two.advance(20);
    two.dispose();
    expect(r.length).toBe(2);
    expect(r[0].spikeCount).toBe(r[1].spikeCount); // identical sims, identical results
    // the spike buffer budget limits K too
    const perSim = 500 * 2 * 8; // worst case per grid step: ceil(10 sub-steps / 65 refractory) + 1 = 2 spikes a cell
    expect(WebGpuBatch.maxSims(m, ctx!, { spikeBufferBytes: 3 * perSim })).toBe(3);
    await expect(
      WebGpuBatch.create(
        [0, 1, 2, 3].map(() => engineOpts(m)),
        ctx!,
        { spikeBufferBytes: 3 * perSim },
      ),
    ).rejects.toThrow(/spike recording needs room for 4000 spikes per grid step \(4 sims x 500 cells\).*at most 3 sims/);
    // the default device limits hold the whole experiment at 9,000 cells many times over
    expect(WebGpuBatch.maxSims(m, ctx!)).toBeGreaterThan(21);
  });
});
