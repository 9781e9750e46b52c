/**
 * Restarting an engine from a snapshot (EngineOptions.initial): on every engine form (the conformance
 * suite's subjects: CPU single, CPU on worker threads, the threaded CPU batch, WebGPU single and batch),
 * a run stopped after N steps and continued by a new engine from its snapshot records and ends exactly as
 * a run that never stopped; a CPU snapshot continues on WebGPU (and back) as the CPU run would. A bad
 * starting state is refused, naming the field. The WebGPU rows skip without an adapter (RAPHE_GPU_REQUIRED=1
 * makes that a failure).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import {
  type BatchEngine,
  type EngineOptions,
  type RecordBatch,
  type StateSnapshot,
  sequentialBatch,
  singleAsBatch,
} from '../src/engines/engine.js';
import { ThreadedCpuBatch } from '../src/engines/cpu/threaded-batch.js';
import { WebGpuEngine } from '../src/engines/webgpu/webgpu-engine.js';
import type { DrugDoses } from '../src/model/drugs.js';
import { expectSameRecords, expectSameState } from './conformance/compare.js';
import { options, tissue } from './conformance/drive.js';
import { type Agreement, ensureWorkerBundle, GPU_AGREEMENT, subjects, testOptions } from './conformance/subjects.js';
import { gpuOrSkip } from './helpers/gpu.js';

beforeAll(ensureWorkerBundle);

const EXACT: Agreement = { samples: 'bits', mass: 0, gridTotals: 'bits' };
const model = tissue(300, 6);
/** N is not a whole number of trace windows (10 steps): the restart carries a window's spikes. */
const N = 137;
const M = 95;
const LATER: DrugDoses = { fluoxetine: 20 };

async function snapshots(b: BatchEngine): Promise<StateSnapshot[]> {
  return Promise.all(Array.from({ length: b.nSims }, (_, s) => b.snapshot(s)));
}

/** N steps, the doses changed, M steps: the second advance's records and the final states. */
async function straight(make: (sims: EngineOptions[]) => Promise<BatchEngine>, sims: EngineOptions[]) {
  const b = await make(sims);
  try {
    await b.advance(N);
    for (let s = 0; s < b.nSims; s++) b.setDoses(s, LATER);
    const rec = await b.advance(M);
    return { rec, snaps: await snapshots(b) };
  } finally {
    b.dispose();
  }
}

/** N steps and a snapshot on one engine; a new engine started from it (with the later doses), M steps. */
async function restarted(
  first: (sims: EngineOptions[]) => Promise<BatchEngine>,
  second: (sims: EngineOptions[]) => Promise<BatchEngine>,
  sims: EngineOptions[],
) {
  const a = await first(sims);
  let mid: StateSnapshot[];
  try {
    await a.advance(N);
    mid = await snapshots(a);
  } finally {
    a.dispose();
  }
  const b = await second(sims.map((o, s) => ({ ...o, doses: LATER, initial: mid[s] })));
  try {
    const rec = await b.advance(M);
    return { mid, rec, snaps: await snapshots(b) };
  } finally {
    b.dispose();
  }
}

function expectSame(got: { rec: RecordBatch[]; snaps: StateSnapshot[] }, want: typeof got, agreement: Agreement) {
  expect(got.rec.length).toBe(want.rec.length);
  want.rec.forEach((r, s) => {
    expectSameRecords(got.rec[s], r, agreement, `sim ${s}`);
    expectSameState(got.snaps[s], want.snaps[s], `sim ${s}`);
    expect(got.snaps[s].windowSpikes, `sim ${s}: spikes of the open trace window`).toBe(want.snaps[s].windowSpikes);
  });
}

const sims2 = [options(model, { doses: { fluoxetine: 5 } }), options(model, { c0_nM: 50, doses: {} })];

for (const subject of await subjects()) {
  describe.skipIf(subject.skip)(`${subject.name}: a restart from a snapshot`, testOptions(subject), () => {
    test('N steps, a snapshot and a new engine from it for M steps record and end bit for bit as N + M steps without a stop', async () => {
      const sims = [sims2[0]];
      const want = await straight(subject.batch, sims);
      const got = await restarted(subject.batch, subject.batch, sims);
      expect(got.mid[0].step).toBe(N);
      expect(got.mid[0].windowSpikes, 'the restart point lies inside a trace window that has spikes').toBeGreaterThan(0);
      expectSame(got, want, EXACT);
    });

    test('a batch of two sims restarts each from its own snapshot, bit for bit', async () => {
      expectSame(await restarted(subject.batch, subject.batch, sims2), await straight(subject.batch, sims2), EXACT);
    });
  });
}

const gpu = await gpuOrSkip();
describe.skipIf(!gpu)('a snapshot moves between the CPU and WebGPU engines', { timeout: 600_000 }, () => {
  const cpu = async (sims: EngineOptions[]) => sequentialBatch(sims.map((o) => new CpuEngine(o)));
  const webgpu = async (sims: EngineOptions[]) => singleAsBatch(await WebGpuEngine.create(sims[0], gpu!));

  test("a CPU snapshot continued on WebGPU ends in the CPU run's state, its records within the engines' agreement", async () => {
    const sims = [sims2[0]];
    const want = await straight(cpu, sims);
    const got = await restarted(cpu, webgpu, sims);
    expectSame(got, want, GPU_AGREEMENT);
  });

  test("a WebGPU snapshot continued on the CPU engine ends in the WebGPU run's state", async () => {
    const sims = [sims2[0]];
    const want = await straight(webgpu, sims);
    const got = await restarted(webgpu, cpu, sims);
    expectSame(got, want, GPU_AGREEMENT);
  });
});

describe('a starting state is checked before any step', () => {
  const good = () => new CpuEngine(options(model)).snapshot();
  const refused = async (spoil: (s: StateSnapshot) => void, why: RegExp) => {
    const s = await good();
    spoil(s);
    expect(() => new CpuEngine({ ...options(model), initial: s })).toThrow(why);
  };

  test('a state of another tissue size is refused, naming the field', async () => {
    await refused((s) => {
      s.V = s.V.slice(1);
    }, /V has 299 values for 300 cells/);
  });

  test('a non-finite value, a bad step or a wrongly typed field is refused', async () => {
    await refused((s) => {
      s.ahp2[7] = Number.NaN;
    }, /ahp2\[7\] is NaN/);
    await refused((s) => {
      s.step = -1;
    }, /step -1/);
    await refused((s) => {
      s.step = 2.5;
    }, /step 2.5/);
    await refused((s) => {
      s.windowSpikes = -3;
    }, /windowSpikes -3/);
    await refused((s) => {
      (s as unknown as Record<string, unknown>).ref = new Float32Array(300);
    }, /ref is not a Uint32Array/);
  });

  test('a grid of another box, or with 5-HT outside the region, is refused', async () => {
    await refused((s) => {
      s.grid = new Float32Array(10);
    }, /grid has 10 values/);
    const outside = model.geometry.nbrMask.findIndex((_, v) => !model.geometry.inside.includes(v));
    await refused((s) => {
      s.grid[outside] = 1;
    }, /outside the region/);
  });

  test('sims of one batch starting at different steps are refused', async () => {
    const a = await good();
    const b = { ...(await good()), step: 5 };
    await expect(
      ThreadedCpuBatch.create(
        [
          { ...options(model), initial: a },
          { ...options(model), initial: b },
        ],
        2,
      ),
    ).rejects.toThrow(/different steps \(0, 5\)/);
  });
});
