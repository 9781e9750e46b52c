/**
 * Conformance, every engine: the BatchEngine contract. snapshot(sim) is a copy at the current step;
 * setGrid and setCellState replace the grid and a cell field from the next grid step on, as on the
 * reference; setDoses changes constants(sim) and no other sim's; bad calls are refused with a clear error.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { sequentialBatch } from '../../src/engines/engine.js';
import { deriveConstants } from '../../src/model/derive.js';
import { bitDiff } from '../helpers/gpu.js';
import { expectSameRun } from './compare.js';
import { drive, options, tissue } from './drive.js';
import { ensureWorkerBundle, reference, subjects, testOptions } from './subjects.js';

beforeAll(ensureWorkerBundle);

const model = tissue(300, 4);
const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

for (const subject of await subjects()) {
  describe.skipIf(subject.skip)(`${subject.name}: the engine contract`, testOptions(subject), () => {
    test('snapshot(sim) is a copy of the state at the current step', async () => {
      const b = await subject.batch([options(model), options(model, { c0_nM: 50 })]);
      try {
        const first = await b.snapshot(1);
        expect(first.step).toBe(0);
        const want = await reference(options(model, { c0_nM: 50 })).snapshot();
        expect(bitDiff(first, want)).toEqual({});
        first.V.fill(0);
        first.grid.fill(-1);
        expect(bitDiff(await b.snapshot(1), want), 'the engine kept its own state').toEqual({});
        await b.advance(12);
        expect((await b.snapshot(0)).step).toBe(12);
      } finally {
        b.dispose();
      }
    });

    test('setGrid and setCellState take effect from the next grid step, as on the reference', async () => {
      const grid = new Float32Array(model.geometry.nx * model.geometry.ny * model.geometry.nz);
      model.geometry.inside.forEach((v, m) => {
        grid[v] = 10 + (m % 17);
      });
      const d1A = Float32Array.from({ length: model.nCells }, (_, c) => (c % 4) * 0.2);
      const a1Sum = Float32Array.from({ length: model.nCells }, (_, c) => c);
      const d2B = Float32Array.from({ length: model.nCells }, (_, c) => ((c + 1) % 3) * 0.4);
      const a2Sum = Float32Array.from({ length: model.nCells }, (_, c) => 2 * c);
      const protocol = async (b: Awaited<ReturnType<typeof subject.batch>>) => {
        await b.advance(20);
        b.setGrid(0, grid);
        b.setCellState(0, 'd1A', d1A);
        b.setCellState(0, 'a1Sum', a1Sum);
        b.setCellState(0, 'd2B', d2B);
        b.setCellState(0, 'a2Sum', a2Sum);
        const set = await b.snapshot(0);
        expect(bits(set.grid)).toEqual(bits(grid));
        expect(bits(set.d1A)).toEqual(bits(d1A));
        expect(bits(set.a1Sum)).toEqual(bits(a1Sum));
        expect(bits(set.d2B)).toEqual(bits(d2B));
        expect(bits(set.a2Sum)).toEqual(bits(a2Sum));
        return drive(b, [{ steps: 40 }]);
      };
      const got = await protocol(await subject.batch([options(model)]));
      const want = await protocol(sequentialBatch([reference(options(model))]));
      expect(want.batches[0][0].spikeCount).toBeGreaterThan(0);
      expectSameRun(got, want, subject.agreement);
    });

    test('setDoses changes constants(sim) to the new doses, and no other sim', async () => {
      const b = await subject.batch([options(model), options(model)]);
      try {
        b.setDoses(1, { fluoxetine: 10 });
        expect(b.constants(1)).toEqual(deriveConstants(model, { fluoxetine: 10 }));
        expect(b.constants(0)).toEqual(deriveConstants(model, {}));
        const [r0, r1] = await b.advance(200);
        expect(r1.mass.uptaken / r1.mass.gridEnd).toBeLessThan(r0.mass.uptaken / r0.mass.gridEnd);
      } finally {
        b.dispose();
      }
    });

    test('refuses a grid or cell values of the wrong size, an unknown field and a sim not in the batch', async () => {
      const b = await subject.batch([options(model)]);
      try {
        const nBox = model.geometry.nx * model.geometry.ny * model.geometry.nz;
        expect(() => b.setGrid(0, new Float32Array(5))).toThrow(`setGrid: 5 values for a box of ${nBox} voxels`);
        expect(() => b.setCellState(0, 'd1A', new Float32Array(3))).toThrow(`setCellState: 3 values for ${model.nCells} cells`);
        expect(() => b.setCellState(0, 'V' as 'd1A', new Float32Array(model.nCells))).toThrow(/field V cannot be set/);
        expect(() => b.setDoses(1, {})).toThrow(/no sim 1 \(batch of 1\)/);
      } finally {
        b.dispose();
      }
    });
  });
}
