/**
 * Faults on the GPU: a device lost mid-run ends the run with an error that says what was lost, and
 * what was drained before is kept, marked incomplete, and written. Own file: it destroys this process's
 * device. Skips without an adapter, fails under RAPHE_GPU_REQUIRED.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { runScenario } from '../src/experiment/run-scenario.js';
import { resolveEngine } from '../src/engines/create.js';
import { singleAsBatch } from '../src/engines/engine.js';
import { WebGpuEngine } from '../src/engines/webgpu/webgpu-engine.js';
import { defaultParams } from '../src/model/params.js';
import { writeRunOutputs } from '../src/report/run-files.js';
import { gpuOrSkip } from './helpers/gpu.js';

test('device lost mid-run: clear error, earlier batches kept and written as incomplete', async (t) => {
  const ctx = await gpuOrSkip();
  if (!ctx) return t.skip();
  let advances = 0;
  const r = await runScenario(
    {
      name: 'lost',
      genotype: 'wt',
      neurons: 300,
      seed: 5,
      phases: [{ name: 'baseline', durationS: 0.6, doses: {} }],
      params: { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200 },
      recording: { spikes: true, sampleSteps: 10 },
      c0_nM: 30,
    },
    {
      ...(await resolveEngine('webgpu')),
      createBatch: async ([o]) => {
        const e = await WebGpuEngine.create(o, ctx);
        const advance = e.advance.bind(e);
        e.advance = async (n: number) => {
          if (++advances === 2) {
            ctx.device.destroy();
            await new Promise((res) => setTimeout(res, 50));
          }
          return advance(n);
        };
        return singleAsBatch(e);
      },
    },
    { chunkSteps: 200 },
  );
  expect(r.summary.complete).toBe(false);
  expect(r.summary.error).toMatch(/device lost/);
  expect(r.summary.error).toMatch(/grid step 200/);
  // the first batch (200 steps = 20 samples) survived
  expect(r.traces.tS.length).toBe(20);
  expect(r.summary.durationS).toBeCloseTo(0.2, 6);
  const dir = join(mkdtempSync(join(tmpdir(), 'raphe-lost-')), 'out');
  writeRunOutputs(dir, r, { force: false });
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
  expect(summary.summary.complete).toBe(false);
  expect(summary.summary.error).toMatch(/device lost/);
  expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/device lost/);
});
