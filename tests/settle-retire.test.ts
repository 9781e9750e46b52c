/**
 * Runs that end once settled (runScenarios' `settle`: the 8-OH-DPAT curves, the Belmer drug phases) end
 * each at its own step: a settled run is retired from its batch (Clock.retire), so its result is what it
 * would be alone, whatever it is batched with, and on the CPU engine its later steps are skipped. Checked
 * on the CPU batch and on the WebGPU batch (which steps a retired run on and drops its records).
 */
import { describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { ThreadedCpuBatch } from '../src/engines/cpu/threaded-batch.js';
import { runScenarios } from '../src/experiment/run-scenario.js';
import type { RunResult } from '../src/record/run-result.js';
import type { BatchProgress } from '../src/checkpoint/format.js';
import { buildModel } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import type { Scenario } from '../src/model/scenario.js';
import { gpuOrSkip } from './helpers/gpu.js';

const N = 400;
const params = { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200, voxel_um: 20 };
const scenario = (name: string, doses: Scenario['phases'][number]['doses']): Scenario => ({
  name,
  genotype: 'wt',
  neurons: N,
  seed: 5,
  phases: [{ name: 'drug', durationS: 6, doses }],
  params,
  recording: { spikes: false, sampleSteps: 10 },
});
// at this size 8-OH-DPAT 700 nM (near silence) settles after 2 s; the drug-free tissue runs its whole 6 s, as
// belmer2018's drug-free conditions do (minFraction 1: never early)
const QUICK = scenario('8-OH-DPAT 700 nM', { '8-oh-dpat': 700 });
const SLOW = scenario('drug-free', {});
const settle = { minFraction: (sc: Scenario) => (sc === SLOW ? 1 : 0.25) };
const traces = (r: RunResult) => ({ endS: r.phases.at(-1)?.endS, ...r.traces });

describe('a run that ends once settled', () => {
  test('ends at its own step and reads the same alone as beside a run that settles later (CPU batch)', async () => {
    const cpu = await resolveEngine('cpu');
    const [alone] = await runScenarios([QUICK], cpu, { settle });
    const [inBatch, slow] = await runScenarios([QUICK, SLOW], cpu, { settle });
    expect(alone.phases[0].endS).toBe(2);
    expect(slow.phases[0].endS).toBe(6);
    expect(traces(inBatch)).toEqual(traces(alone));
  });

  test('reads the same on the WebGPU batch, which steps it on and drops what it records', async () => {
    if (!(await gpuOrSkip())) return;
    const [alone] = await runScenarios([QUICK], await resolveEngine('cpu'), { settle });
    const [inBatch, slow] = await runScenarios([QUICK, SLOW], await resolveEngine('webgpu'), { settle });
    expect(alone.phases[0].endS).toBeLessThan(slow.phases[0].endS);
    expect(traces(inBatch)).toEqual(traces(alone));
  });

  test('of a checkpointed batch ends at the same step after a resume, from before and after it ended', async () => {
    const cpu = await resolveEngine('cpu');
    const o = { settle, chunkSteps: 500 };
    const plain = await runScenarios([QUICK, SLOW], cpu, o);
    const saved: BatchProgress[] = [];
    const kept = await runScenarios([QUICK, SLOW], cpu, {
      ...o,
      checkpoint: { due: () => true, save: async (p) => void saved.push(structuredClone(p)) },
    });
    expect(kept.map(traces)).toEqual(plain.map(traces));
    // a checkpoint every chunk: before the quick run ended (1,000 and 1,500 steps), as it did (2,000), after
    expect(saved.map((p) => p.stepInPhase)).toEqual([500, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000]);
    for (const p of saved.slice(0, -1)) {
      const resumed = await runScenarios([QUICK, SLOW], cpu, { ...o, resume: p });
      expect(resumed.map(traces), `resumed at step ${p.stepInPhase}`).toEqual(plain.map(traces));
    }
  });

  test('is skipped by the CPU batch once retired: it advances no further while the others do', async () => {
    const model = buildModel(params, 'wt', N, 5);
    const opts = { model, doses: {}, c0_nM: 20, rate0_Hz: 1, recordSpikes: false, sampleSteps: 10 };
    const batch = await ThreadedCpuBatch.create([opts, opts], 2);
    try {
      await batch.advance(100);
      batch.retire(0);
      const [retired, going] = await batch.advance(100);
      expect(retired.steps).toBe(0);
      expect(going.steps).toBe(100);
      expect((await batch.snapshot(0)).step).toBe(100);
      expect((await batch.snapshot(1)).step).toBe(200);
    } finally {
      batch.dispose();
    }
  });
});
