/**
 * How the chronic driver changes a simulation's constants between fast phases (SERT down-regulation):
 * setConstants on every engine kind, bit for bit the same run as the doses that derive those constants,
 * and a constants block of another tissue refused.
 */
import { describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { ThreadedCpuBatch } from '../src/engines/cpu/threaded-batch.js';
import { sequentialBatch } from '../src/engines/engine.js';
import { WebGpuBatch } from '../src/engines/webgpu/batch.js';
import { appliedSertScale, balanceScale, constantsWithSert } from '../src/experiment/chronic-fast.js';
import { deriveConstants } from '../src/model/derive.js';
import { bitDiff, engineOpts, gpuOrSkip, smallModel } from './helpers/gpu.js';

const SSRI = { fluoxetine: 10 };

describe('setConstants (CPU)', () => {
  test('constants set midway run bit for bit as the doses they were derived from', async () => {
    const m = smallModel(300, 3);
    const a = new CpuEngine(engineOpts(m, { recordSpikes: false }));
    const b = new CpuEngine(engineOpts(m, { recordSpikes: false }));
    a.advanceSync(150);
    b.advanceSync(150);
    a.setDoses(SSRI);
    b.setConstants(deriveConstants(m, SSRI));
    expect(b.constants).toEqual(a.constants);
    a.advanceSync(200);
    b.advanceSync(200);
    expect(bitDiff(await a.snapshot(), await b.snapshot())).toEqual({});
    // and the run did change: the drug-free engine is elsewhere by now
    const c = new CpuEngine(engineOpts(m, { recordSpikes: false }));
    c.advanceSync(350);
    expect(bitDiff(await a.snapshot(), await c.snapshot())).not.toEqual({});
  });

  test("a block of another tissue is refused, naming what differs; the engine's constants stay", () => {
    const e = new CpuEngine(engineOpts(smallModel(300, 3), { recordSpikes: false }));
    const before = e.constants;
    expect(() => e.setConstants(deriveConstants(smallModel(200, 3), {}))).toThrow(/setConstants: nCells 200 differs .* 300/);
    expect(() => e.setConstants(deriveConstants(smallModel(300, 4), {}))).toThrow(/setConstants: seedLo/);
    expect(e.constants).toBe(before);
  });

  test('a batch passes it to its sim alone: the worker-thread batch and a sequential batch', async () => {
    const m = smallModel(300, 5);
    const sims = [engineOpts(m, { recordSpikes: false }), engineOpts(m, { recordSpikes: false })];
    const alone = sims.map((s) => new CpuEngine(s));
    alone[1].setDoses(SSRI);
    for (const e of alone) e.advanceSync(250);
    const threaded = await ThreadedCpuBatch.create(sims, 2);
    const seq = sequentialBatch(sims.map((s) => new CpuEngine(s)));
    try {
      for (const batch of [threaded, seq]) {
        batch.setConstants(1, deriveConstants(m, SSRI));
        await batch.advance(250);
        for (let s = 0; s < 2; s++) expect(bitDiff(await batch.snapshot(s), await alone[s].snapshot()), `sim ${s}`).toEqual({});
      }
    } finally {
      threaded.dispose();
      seq.dispose();
    }
  }, 60_000);

  test('the chronic driver derives its constants at the doses, SERT Vmax scaled by sertScale', () => {
    const m = smallModel(300, 3);
    const k = constantsWithSert(m, SSRI, 1);
    const { sertScale: _s, ...rest } = k as typeof k & { sertScale?: number };
    const { sertScale: _d, ...derived } = deriveConstants(m, SSRI) as typeof k & { sertScale?: number };
    expect(rest).toEqual(derived);
  });

  test("the grid's jump to the mass balance counts uptake at the engine's SERT scale: less SERT, more 5-HT to balance", () => {
    const m = smallModel(300, 3);
    const k = deriveConstants(m, SSRI);
    expect(appliedSertScale(k)).toBe((k as typeof k & { sertScale?: number }).sertScale ?? 1);
    const grid = new Float32Array(m.vmaxDt.length);
    for (const v of m.geometry.inside) grid[v] = 100;
    const full = balanceScale(m, k.KmEff, k.kClearDt, grid, 0, 1); // no release: nothing to balance
    expect(full).toBe(1);
    // the release that 100 nM everywhere removes at full SERT, then at half SERT: the grid must rise
    let removed = 0;
    for (const v of m.geometry.inside) removed += (m.vmaxDt[v] * 100) / (k.KmEff + 100) + k.kClearDt * 100;
    const R = removed / m.geometry.inside.length / m.dtGrid_s;
    expect(balanceScale(m, k.KmEff, k.kClearDt, grid, R, 1)).toBeCloseTo(1, 6);
    expect(balanceScale(m, k.KmEff, k.kClearDt, grid, R, 0.5)).toBeGreaterThan(1.1);
  });

  // the constant exists once the release-field model's deriveConstants takes { sertScale }
  test.skipIf(!('sertScale' in deriveConstants(smallModel(50, 1), {})))('sertScale reaches the constants block', () => {
    const k = constantsWithSert(smallModel(300, 3), SSRI, 0.55) as ReturnType<typeof deriveConstants> & { sertScale: number };
    expect(k.sertScale).toBe(Math.fround(0.55));
  });
});

const ctx = await gpuOrSkip();
describe.skipIf(!ctx)('setConstants (WebGPU)', () => {
  test('a batch sim with constants set midway: bit for bit the CPU run with those doses', async () => {
    const m = smallModel(300, 7);
    const sims = [engineOpts(m, { recordSpikes: false }), engineOpts(m, { recordSpikes: false })];
    const gpu = await WebGpuBatch.create(sims, ctx!);
    const cpus = sims.map((s) => new CpuEngine(s));
    try {
      await gpu.advance(100);
      for (const c of cpus) c.advanceSync(100);
      gpu.setConstants(0, deriveConstants(m, SSRI));
      cpus[0].setDoses(SSRI);
      await gpu.advance(150);
      for (const c of cpus) c.advanceSync(150);
      for (let s = 0; s < 2; s++) expect(bitDiff(await gpu.snapshot(s), await cpus[s].snapshot()), `sim ${s}`).toEqual({});
      expect(() => gpu.setConstants(1, deriveConstants(smallModel(200, 7), {}))).toThrow(/nCells/);
    } finally {
      gpu.dispose();
    }
  }, 120_000);
});
