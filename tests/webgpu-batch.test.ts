/**
 * WebGpuBatch: K simulations of one tissue in the same dispatches. Each sim must be bit-identical to
 * a CPU run of that sim alone (state, spikes), with its own samples and mass balance; the batch
 * refuses sims of different tissues and sizes over the device limits with a clear error.
 * Skips without a WebGPU adapter, fails under RAPHE_GPU_REQUIRED.
 */
import { describe, expect, test } from 'vitest';
import { STATE_WORDS } from '../src/model/layout.js';
import type { DrugDoses } from '../src/model/drugs.js';
import type { EngineOptions, RecordBatch } from '../src/engines/engine.js';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { WebGpuBatch } from '../src/engines/webgpu/batch.js';
import { bitDiff, engineOpts, gpuOrSkip, gpuRequired, smallModel } from './helpers/gpu.js';

const ctx = await gpuOrSkip();
const d = ctx ? describe : describe.skip;

if (!ctx) {
  test('WebGPU adapter (skipped: none found; set RAPHE_GPU_REQUIRED=1 to fail instead)', () => {
    expect(gpuRequired).toBe(false);
  });
}

const relClose = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(Math.abs(a), Math.abs(b), 1e-30);

function expectSameRecords(g: RecordBatch, c: RecordBatch, label: string) {
  expect(g.firstStep, label).toBe(c.firstStep);
  expect(g.steps, label).toBe(c.steps);
  expect(g.spikeCount, label).toBe(c.spikeCount);
  expect(Array.from(g.spikes!.cells), label).toEqual(Array.from(c.spikes!.cells));
  expect(Array.from(g.spikes!.steps), label).toEqual(Array.from(c.spikes!.steps));
  expect(Array.from(g.samples.step), label).toEqual(Array.from(c.samples.step));
  expect(Array.from(g.samples.spikes), label).toEqual(Array.from(c.samples.spikes));
  for (const key of ['probe', 'meanC', 's1A', 's2B'] as const) {
    const a = g.samples[key];
    const b = c.samples[key];
    expect(a.length, label).toBe(b.length);
    for (let j = 0; j < a.length; j++) {
      if (!relClose(a[j], b[j], 1e-5)) expect.fail(`${label}: samples.${key}[${j}] ${a[j]} vs CPU ${b[j]}`);
    }
  }
  // per-sim mass accounting: f32 Kahan sums on the GPU, float64 on the CPU
  for (const key of ['released', 'uptaken', 'cleared', 'gridStart', 'gridEnd'] as const) {
    if (!relClose(g.mass[key], c.mass[key], 1e-5)) expect.fail(`${label}: mass.${key} ${g.mass[key]} vs CPU ${c.mass[key]}`);
  }
}

d('WebGpuBatch: K sims in one set of dispatches', () => {
  test('3 sims (WT; Htr2b KO + fluoxetine; WT + 8-OH-DPAT, dose change midway): each bit-identical to a CPU run alone', async () => {
    const sims: EngineOptions[] = [
      engineOpts(smallModel(500, 7, 'wt')),
      engineOpts(smallModel(500, 7, 'htr2b-ko'), { doses: { fluoxetine: 10 }, c0_nM: 55, rate0_Hz: 0.5 }),
      engineOpts(smallModel(500, 7, 'wt'), { doses: { '8-oh-dpat': 3 }, c0_nM: 20, rate0_Hz: 1.5 }),
    ];
    const phase2: (DrugDoses | null)[] = [null, null, { '8-oh-dpat': 0.3, 'way-100635': 10 }];
    const steps = [110, 95];
    const batch = await WebGpuBatch.create(sims, ctx!);
    expect(batch.nSims).toBe(3);
    const gb: RecordBatch[][] = [];
    gb.push(await batch.advance(steps[0]));
    phase2.forEach((p, s) => {
      if (p) batch.setDoses(s, p);
    });
    gb.push(await batch.advance(steps[1]));
    expect(batch.steps).toBe(205);
    const snaps = await Promise.all(sims.map((_, s) => batch.snapshot(s)));
    batch.dispose();

    const spikeTotals: number[] = [];
    for (let s = 0; s < sims.length; s++) {
      const cpu = new CpuEngine(sims[s]);
      const c1 = cpu.advanceSync(steps[0]);
      if (phase2[s]) cpu.setDoses(phase2[s]!);
      const c2 = cpu.advanceSync(steps[1]);
      const sc = await cpu.snapshot();
      expect(snaps[s].step).toBe(205);
      expect(bitDiff(sc, snaps[s]), `sim ${s}`).toEqual({});
      expectSameRecords(gb[0][s], c1, `sim ${s} batch 0`);
      expectSameRecords(gb[1][s], c2, `sim ${s} batch 1`);
      // mass balance of the sim over both batches
      const rel = gb[0][s].mass.released + gb[1][s].mass.released;
      const net = [gb[0][s], gb[1][s]].reduce((a, b) => a + b.mass.released - b.mass.uptaken - b.mass.cleared, 0);
      expect(gb[1][s].mass.gridStart).toBeCloseTo(gb[0][s].mass.gridEnd, 6);
      const err = Math.abs(gb[1][s].mass.gridEnd - gb[0][s].mass.gridStart - net) / rel;
      expect(err, `sim ${s} mass balance`).toBeLessThan(1e-5);
      spikeTotals.push(c1.spikeCount + c2.spikeCount);
    }
    // the sims really differ (else the test would not see crossed wires)
    expect(spikeTotals[0]).toBeGreaterThan(10);
    expect(new Set(spikeTotals).size).toBe(3);
  });

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
