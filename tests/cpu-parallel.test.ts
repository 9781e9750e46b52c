/**
 * ParallelCpuEngine (worker threads over shared memory) against CpuEngine in the thread layouts the
 * engine conformance suite (tests/conformance/, 2 threads in chunks of 64 cells) does not run: three
 * threads over uneven cell ranges, and the default chunk, where one thread runs every cell. State,
 * spike lists (same order), trace samples and grid totals bit-identical; the mass-balance sums are
 * combined per thread in a fixed order, so they agree to float64 rounding (1e-12 relative). Uses the
 * bundled worker entry build/node/cpu-worker.mjs (built here when missing).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { ParallelCpuEngine } from '../src/engines/cpu/parallel-engine.js';
import type { EngineOptions, RecordBatch } from '../src/engines/engine.js';
import type { DrugDoses } from '../src/model/drugs.js';
import type { Model } from '../src/model/derive.js';
import { expectSameRecords, expectSameState } from './conformance/compare.js';
import { tissue } from './conformance/drive.js';
import { CPU_MT_AGREEMENT, ensureWorkerBundle } from './conformance/subjects.js';

beforeAll(ensureWorkerBundle);

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
  for (let i = 0; i < cb.length; i++) expectSameRecords(pb[i], cb[i], CPU_MT_AGREEMENT, `advance ${i}`);
}

describe('ParallelCpuEngine against CpuEngine', () => {
  test('3 threads (uneven ranges), several batches, recording off', async () => {
    const m = tissue(301, 5);
    const { cb, pb, sc, sp } = await runBoth(
      m,
      3,
      [1, 49, 0, 150, 101],
      [{}, {}, {}, { fluoxetine: 10 }],
      { recordSpikes: false, sampleSteps: 7 },
      37,
    );
    expectSameState(sp, sc, 'state');
    expectSame(cb, pb);
  });

  test('2 threads, default chunk (one chunk: a single thread runs the cells), spikes recorded', async () => {
    const m = tissue(500, 3);
    const { cb, pb, sc, sp } = await runBoth(m, 2, [120, 80], [{}, { citalopram: 5 }]);
    expectSameState(sp, sc, 'state');
    expectSame(cb, pb);
  });

  test('a missing worker entry is a clear error', async () => {
    const m = tissue(50, 1);
    await expect(
      ParallelCpuEngine.create(
        { model: m, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: false, sampleSteps: 10, workerUrl: '/nonexistent/cpu-worker.mjs' },
        2,
      ),
    ).rejects.toThrow(/worker entry/);
  });
});
