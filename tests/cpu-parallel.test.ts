/**
 * ParallelCpuEngine (worker threads over shared memory) against CpuEngine: bit-identical state, spike
 * lists (same order), trace samples and grid totals; the mass-balance sums are combined per thread in a
 * fixed order, so they agree to float64 rounding (1e-12 relative). Uses the bundled worker entry
 * build/node/cpu-worker.mjs (`npm test` builds it first; built here when missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { buildModel, type Model } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import type { DrugDoses } from '../src/model/drugs.js';
import type { EngineOptions, RecordBatch, StateSnapshot } from '../src/engines/engine.js';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { defaultCpuWorkerUrl, ParallelCpuEngine } from '../src/engines/cpu/parallel-engine.js';
import { SAMPLE_FIELDS, STATE_FIELDS } from '../src/model/layout.js';

const root = fileURLToPath(new URL('..', import.meta.url));

beforeAll(() => {
  if (!existsSync(fileURLToPath(defaultCpuWorkerUrl())))
    execFileSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: root });
});

function smallModel(nCells: number, seed: number): Model {
  return buildModel({ ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200, voxel_um: 20 }, 'wt', nCells, seed);
}

const KEYS = [...STATE_FIELDS.map((f) => f.name), 'grid'] as const;

function bitDiff(a: StateSnapshot, b: StateSnapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of KEYS) {
    const ux = new Uint32Array(a[key].buffer, a[key].byteOffset, a[key].length);
    const uy = new Uint32Array(b[key].buffer, b[key].byteOffset, b[key].length);
    if (ux.length !== uy.length) out[key] = `length ${ux.length} vs ${uy.length}`;
    else {
      let bad = 0;
      for (let i = 0; i < ux.length; i++) if (ux[i] !== uy[i]) bad++;
      if (bad) out[key] = `${bad} differ`;
    }
  }
  return out;
}

async function runBoth(
  model: Model,
  threads: number,
  steps: number[],
  phases: DrugDoses[],
  extra: Partial<EngineOptions> = {},
  chunk?: number,
) {
  const opts: EngineOptions = { model, doses: phases[0], c0_nM: 30, rate0_Hz: 1, recordSpikes: true, sampleSteps: 10, ...extra };
  const cpu = new CpuEngine(opts);
  const par = await ParallelCpuEngine.create({ ...opts, chunk }, threads);
  const cb: RecordBatch[] = [];
  const pb: RecordBatch[] = [];
  try {
    for (let p = 0; p < steps.length; p++) {
      if (p > 0 && phases[p]) {
        cpu.setDoses(phases[p]);
        par.setDoses(phases[p]);
      }
      cb.push(cpu.advanceSync(steps[p]));
      pb.push(await par.advance(steps[p]));
    }
    return { cb, pb, sc: await cpu.snapshot(), sp: await par.snapshot(), info: par.info };
  } finally {
    par.dispose();
  }
}

function expectSame(cb: RecordBatch[], pb: RecordBatch[]) {
  expect(pb.length).toBe(cb.length);
  for (let i = 0; i < cb.length; i++) {
    const c = cb[i];
    const p = pb[i];
    expect(p.firstStep).toBe(c.firstStep);
    expect(p.steps).toBe(c.steps);
    expect(p.spikeCount).toBe(c.spikeCount);
    if (c.spikes) {
      expect(Array.from(p.spikes!.cells)).toEqual(Array.from(c.spikes.cells));
      expect(Array.from(p.spikes!.steps)).toEqual(Array.from(c.spikes.steps));
    } else expect(p.spikes).toBeUndefined();
    for (const key of SAMPLE_FIELDS.map((f) => f.name)) {
      expect(Array.from(p.samples[key]), key).toEqual(Array.from(c.samples[key]));
    }
    expect(p.mass.gridStart).toBe(c.mass.gridStart);
    expect(p.mass.gridEnd).toBe(c.mass.gridEnd);
    for (const key of ['released', 'uptaken', 'cleared'] as const) {
      const scale = Math.max(1e-30, Math.abs(c.mass[key]));
      expect(Math.abs(p.mass[key] - c.mass[key]) / scale, key).toBeLessThan(1e-12);
    }
  }
}

describe('ParallelCpuEngine against CpuEngine', () => {
  test('2 threads: bit-identical after 300 grid steps with drugs and a dose change', async () => {
    // chunks of 64 cells: the threads take ~11 chunks per step in turn, and their spike lists interleave
    const m = smallModel(700, 11);
    const { cb, pb, sc, sp, info } = await runBoth(m, 2, [137, 163], [{ fluoxetine: 10, bw723c86: 100 }, { '8-oh-dpat': 1 }], {}, 64);
    expect(info.adapter).toContain('2 worker threads');
    expect(cb[0].spikeCount + cb[1].spikeCount).toBeGreaterThan(50);
    expect(sp.step).toBe(300);
    expect(bitDiff(sc, sp)).toEqual({});
    expectSame(cb, pb);
  });

  test('3 threads (uneven ranges), several batches, recording off', async () => {
    const m = smallModel(301, 5);
    const { cb, pb, sc, sp } = await runBoth(
      m,
      3,
      [1, 49, 0, 150, 101],
      [{}, {}, {}, { fluoxetine: 10 }],
      { recordSpikes: false, sampleSteps: 7 },
      37,
    );
    expect(bitDiff(sc, sp)).toEqual({});
    expectSame(cb, pb);
  });

  test('2 threads, default chunk (one chunk: a single thread runs the cells), spikes recorded', async () => {
    const m = smallModel(500, 3);
    const { cb, pb, sc, sp } = await runBoth(m, 2, [120, 80], [{}, { citalopram: 5 }]);
    expect(bitDiff(sc, sp)).toEqual({});
    expectSame(cb, pb);
  });

  test('a missing worker entry is a clear error', async () => {
    const m = smallModel(50, 1);
    await expect(
      ParallelCpuEngine.create(
        { model: m, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: false, sampleSteps: 10, workerUrl: '/nonexistent/cpu-worker.mjs' },
        2,
      ),
    ).rejects.toThrow(/worker entry/);
  });
});
