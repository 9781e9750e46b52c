/**
 * The chronic driver's per-cell state in the engines (docs/model.md §7): d1A removes the 5-HT1A current,
 * a1Sum sums s1A, and both set midway on a WebGPU batch run bit for bit as on the CPU engine.
 */
import { describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { WebGpuBatch } from '../src/engines/webgpu/batch.js';
import { bitDiff, engineOpts, gpuOrSkip, smallModel } from './helpers/gpu.js';
import { DPAT_K_nM } from '../src/model/drugs.js';

describe('d1A in the engines', () => {
  test('d1A = 1 removes the 5-HT1A current: with 8-OH-DPAT a cell fires as with no agonist at all (CPU)', async () => {
    const m = smallModel(300, 3);
    const run = async (doses: Record<string, number>, d1A?: number) => {
      const e = new CpuEngine(
        engineOpts(m, { doses, recordSpikes: false, ...(d1A !== undefined ? { d1A: new Float32Array(300).fill(d1A) } : {}) }),
      );
      const b = e.advanceSync(2000);
      return b.spikeCount;
    };
    const free = await run({});
    // ten times its K: far above its IC50 on firing (F7)
    const dpat = await run({ '8-oh-dpat': 10 * DPAT_K_nM });
    const dpatDesens = await run({ '8-oh-dpat': 10 * DPAT_K_nM }, 1);
    expect(dpat).toBeLessThan(0.2 * free);
    expect(dpatDesens).toBeGreaterThan(free); // no 5-HT1A current at all: more than the drug-free tone allows
  });

  test('a1Sum sums s1A over grid steps since it was set to 0 (CPU)', async () => {
    const m = smallModel(200, 5);
    const e = new CpuEngine(engineOpts(m, { recordSpikes: false }));
    e.advanceSync(100);
    e.setCellState('a1Sum', new Float32Array(200));
    let sum = 0;
    for (let t = 0; t < 50; t++) {
      e.advanceSync(1);
      sum += (await e.snapshot()).s1A[17];
    }
    expect((await e.snapshot()).a1Sum[17]).toBeCloseTo(sum, 4);
    expect(() => e.setCellState('a1Sum', new Float32Array(3))).toThrow(/3 values for 200 cells/);
  });
});

const ctx = await gpuOrSkip();
describe.skipIf(!ctx)('d1A on WebGPU', () => {
  test('a batch with per-cell d1A (initial and set midway) and a1Sum: bit-identical to CPU runs of each sim alone', async () => {
    const m = smallModel(400, 7);
    const d0 = Float32Array.from({ length: 400 }, (_, i) => (i % 7) / 10);
    const sims = [
      engineOpts(m, { doses: { fluoxetine: 10 }, d1A: d0 }),
      engineOpts(smallModel(400, 7, 'htr2b-ko'), { doses: { '8-oh-dpat': 1 } }),
    ];
    const gpu = await WebGpuBatch.create(sims, ctx!);
    const cpus = sims.map((s) => new CpuEngine(s));
    try {
      const d1 = Float32Array.from({ length: 400 }, (_, i) => ((i * 13) % 11) / 12);
      await gpu.advance(120);
      for (const c of cpus) c.advanceSync(120);
      gpu.setCellState(1, 'd1A', d1);
      cpus[1].setCellState('d1A', d1);
      gpu.setCellState(0, 'a1Sum', new Float32Array(400));
      cpus[0].setCellState('a1Sum', new Float32Array(400));
      await gpu.advance(130);
      for (const c of cpus) c.advanceSync(130);
      for (let s = 0; s < 2; s++) {
        const g = await gpu.snapshot(s);
        const c = await cpus[s].snapshot();
        expect(bitDiff(g, c), `sim ${s}`).toEqual({});
        expect(g.d1A[5]).toBe(s === 0 ? d0[5] : d1[5]);
      }
    } finally {
      gpu.dispose();
    }
  }, 120_000);
});
