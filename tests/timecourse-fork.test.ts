/**
 * The report's microdialysis time courses (a drug-free start, then fluoxetine) continue their genotype's
 * drug-free baseline condition from the end of their own drug-free phase (RunOptions.fork), instead of
 * running that start again: the same tissue, seed, estimate and engine make it the same run, so each time
 * course reads exactly what it reads when run from step 0, on the CPU engine and on WebGPU.
 */
import { describe, expect, test } from 'vitest';
import { resolveEngine, type ResolvedEngine } from '../src/engines/create.js';
import { runBelmer2018, timecourseScenarios } from '../src/experiment/belmer2018.js';
import { runScenarios } from '../src/experiment/run-scenario.js';
import { defaultParams } from '../src/model/params.js';
import type { RunResult } from '../src/record/run-result.js';
import { gpuOrSkip } from './helpers/gpu.js';

const params = { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200 };
// baselines 4 s, the time courses 2 s drug-free then 3 s of fluoxetine
const durations = { baseline: 4, ssri: 3, bw: 2, dpat: 2 };
const o = { neurons: 300, seed: 4, params, durations };

const readout = (r: RunResult) => ({ traces: r.traces, phases: r.phases, mass: r.mass, spikes: r.spikes, c0: r.summary.c0Nm });

async function compare(engine: ResolvedEngine) {
  // the steps each batch starts from (undefined: the built start)
  const starts: (number | undefined)[][] = [];
  const spied: ResolvedEngine = {
    ...engine,
    createBatch: (opts) => {
      starts.push(opts.map((x) => x.initial?.step));
      return engine.createBatch(opts);
    },
  };
  const res = await runBelmer2018({ ...o, engine: spied, timecourse: true, settleMinFraction: 1 });
  // the conditions from the start, then the two time courses from 2 s (2,000 grid steps of 1 ms)
  expect(starts.at(-1)).toEqual([2000, 2000]);
  expect(
    starts
      .slice(0, -1)
      .flat()
      .every((s) => s === undefined),
  ).toBe(true);
  const alone = await runScenarios(timecourseScenarios(o), engine);
  expect(res.timecourse.map((t) => t.name)).toEqual(['WT', 'Htr2b 5-HTKO']);
  res.timecourse.forEach((t, i) => {
    expect(t.result.summary.complete).toBe(true);
    expect(t.result.traces.tS[0]).toBeCloseTo(0.01, 9); // from the start, drug-free part included
    expect(t.result.summary.durationS).toBe(5);
    expect(readout(t.result)).toEqual(readout(alone[i]));
  });
  // the drug-free start is the baseline condition's own first 2 s
  const wt = res.conditions.find((c) => c.name === 'wt')!.result;
  const n = res.timecourse[0].result.traces.tS.filter((t) => t <= 2).length;
  expect(n).toBe(200);
  expect(wt.traces.probeNm.subarray(0, n)).toEqual(res.timecourse[0].result.traces.probeNm.subarray(0, n));
}

describe('the microdialysis time courses continue the baseline conditions', () => {
  test('and read the same as when run from the start, on the CPU engine', async () => {
    await compare(await resolveEngine('cpu'));
  }, 120_000);

  test('and on WebGPU', async () => {
    if (!(await gpuOrSkip())) return;
    await compare(await resolveEngine('webgpu'));
  }, 300_000);
});
