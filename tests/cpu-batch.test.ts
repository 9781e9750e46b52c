/**
 * ThreadedCpuBatch (the CPU engine's batch: simulations dealt over worker threads): how many threads
 * it starts, and, in the layout the engine conformance suite (tests/conformance/batch.test.ts: three
 * sims on two threads) does not run, a thread a sim where the batch may use every core
 * (batchThreadCount), with spike recording off for one sim: each sim, with its own genotype, drugs, a
 * dose change and a state change between advances, is bit-identical to a CpuEngine run of it alone
 * (state, grid, record batches). Uses the bundled worker entry (built here when missing).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { defaultCpuWorkerUrl } from '../src/engines/cpu/parallel-engine.js';
import { batchThreadCount, THREADS_PER_CORE, ThreadedCpuBatch, type BatchThreads } from '../src/engines/cpu/threaded-batch.js';
import type { EngineOptions, RecordBatch, StateSnapshot } from '../src/engines/engine.js';
import { buildModel } from '../src/model/derive.js';
import type { DrugDoses } from '../src/model/drugs.js';
import { STATE_FIELDS } from '../src/model/layout.js';
import { defaultParams } from '../src/model/params.js';

const root = fileURLToPath(new URL('..', import.meta.url));
beforeAll(() => {
  if (!existsSync(fileURLToPath(defaultCpuWorkerUrl())))
    execFileSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: root });
});

const params = { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200, voxel_um: 20 };
const SIMS: { genotype: 'wt' | 'htr2b-ko'; doses: DrugDoses; later: DrugDoses }[] = [
  { genotype: 'wt', doses: {}, later: { fluoxetine: 10 } },
  { genotype: 'htr2b-ko', doses: { fluoxetine: 10 }, later: { fluoxetine: 10 } },
  { genotype: 'wt', doses: { bw723c86: 100 }, later: { '8-oh-dpat': 1 } },
];
const options = (): EngineOptions[] =>
  SIMS.map((s, i) => ({
    model: buildModel(params, s.genotype, 400, 7),
    doses: s.doses,
    c0_nM: 20 + 5 * i,
    rate0_Hz: 1,
    recordSpikes: i !== 1,
    sampleSteps: 10,
  }));
const STEPS = [60, 90];
const d1A = (n: number) => Float32Array.from({ length: n }, (_, c) => (c % 5) * 0.1);

/** Bits of every state field and the grid that differ between two snapshots, by name. */
function bitDiff(a: StateSnapshot, b: StateSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of [...STATE_FIELDS.map((f) => f.name), 'grid'] as const) {
    const x = new Uint32Array(a[key].buffer, a[key].byteOffset, a[key].length);
    const y = new Uint32Array(b[key].buffer, b[key].byteOffset, b[key].length);
    const bad = x.length === y.length ? x.filter((v, i) => v !== y[i]).length : -1;
    if (bad) out[key] = bad;
  }
  return out;
}

async function alone(o: EngineOptions, i: number): Promise<{ batches: RecordBatch[]; snap: StateSnapshot }> {
  const e = new CpuEngine(o);
  const batches = [await e.advance(STEPS[0])];
  e.setDoses(SIMS[i].later);
  e.setCellState('d1A', d1A(o.model.nCells));
  batches.push(await e.advance(STEPS[1]));
  const snap = await e.snapshot();
  e.dispose();
  return { batches, snap };
}

async function batched(t: BatchThreads): Promise<{ batches: RecordBatch[][]; snaps: StateSnapshot[]; adapter: string }> {
  const opts = options();
  const b = await ThreadedCpuBatch.create(opts, t);
  try {
    const batches = [await b.advance(STEPS[0])];
    opts.forEach((o, s) => {
      b.setDoses(s, SIMS[s].later);
      b.setCellState(s, 'd1A', d1A(o.model.nCells));
    });
    batches.push(await b.advance(STEPS[1]));
    const snaps = await Promise.all(opts.map((_, s) => b.snapshot(s)));
    return { batches: opts.map((_, s) => batches.map((x) => x[s])), snaps, adapter: b.info.adapter };
  } finally {
    b.dispose();
  }
}

describe('ThreadedCpuBatch against CpuEngine', () => {
  test('threads: one a sim where the batch may use every core (up to THREADS_PER_CORE a core), else at most the cores', () => {
    expect(batchThreadCount(3, { cores: 2, everyCore: true })).toBe(3);
    expect(batchThreadCount(3, { cores: 2, everyCore: false })).toBe(2);
    expect(batchThreadCount(100, { cores: 2, everyCore: true })).toBe(2 * THREADS_PER_CORE);
    expect(batchThreadCount(1, { cores: 8, everyCore: true })).toBe(1);
    expect(batchThreadCount(5, { cores: 0, everyCore: false })).toBe(1);
  });

  for (const t of [{ cores: 2, everyCore: true }]) {
    test(`three sims on ${batchThreadCount(3, t)} threads: each bit-identical to a CpuEngine run of it alone`, async () => {
      const ref = await Promise.all(options().map((o, i) => alone(o, i)));
      const got = await batched(t);
      expect(got.adapter).toContain(`${batchThreadCount(3, t)} worker threads`);
      for (let s = 0; s < SIMS.length; s++) {
        expect(bitDiff(got.snaps[s], ref[s].snap), `sim ${s}`).toEqual({});
        expect(got.snaps[s].step).toBe(STEPS[0] + STEPS[1]);
        for (let k = 0; k < STEPS.length; k++) {
          const [x, y] = [got.batches[s][k], ref[s].batches[k]];
          expect(x.spikeCount, `sim ${s} batch ${k}`).toBe(y.spikeCount);
          expect(Array.from(x.samples.probe)).toEqual(Array.from(y.samples.probe));
          expect(Array.from(x.samples.spikes)).toEqual(Array.from(y.samples.spikes));
          if (y.spikes) expect(Array.from(x.spikes!.cells)).toEqual(Array.from(y.spikes.cells));
        }
      }
      expect(ref.reduce((a, r) => a + r.batches[1].spikeCount, 0)).toBeGreaterThan(20);
    });
  }
});
