/**
 * Milliseconds per grid step of WebGpuBatch at the experiment's size (9,000 cells, default region,
 * spike recording on, a sample every 10 steps) for K = 1 and larger batches: how much of a step is
 * per-dispatch overhead. Runs only with RAPHE_BENCH=1; K list: RAPHE_BENCH_SIMS (default "1,4,13"),
 * cells: RAPHE_BENCH_CELLS (default 9000). Pick the adapter with RAPHE_GPU_ICD.
 */
import { expect, test } from 'vitest';
import { buildModel } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { getGpu } from '../src/engines/webgpu/gpu-context.js';
import { WebGpuBatch } from '../src/engines/webgpu/batch.js';
import type { DrugDoses } from '../src/model/drugs.js';

const run = process.env.RAPHE_BENCH === '1';

test.runIf(run)('ms per grid step, WebGpuBatch of K sims', async () => {
  const ctx = await getGpu();
  expect(ctx, 'no WebGPU adapter').not.toBeNull();
  const n = Number(process.env.RAPHE_BENCH_CELLS ?? 9000);
  const Ks = (process.env.RAPHE_BENCH_SIMS ?? '1,4,13').split(',').map(Number);
  const m = buildModel(defaultParams(), 'wt', n, 1);
  const dosesFor = (s: number): DrugDoses => (s % 3 === 0 ? {} : s % 3 === 1 ? { fluoxetine: 10 } : { '8-oh-dpat': 0.3 * s });
  const rows: string[] = [];
  for (const K of Ks) {
    const sims = Array.from({ length: K }, (_, s) => ({ model: m, doses: dosesFor(s), c0_nM: 30, rate0_Hz: 1, recordSpikes: true, sampleSteps: 10 }));
    const b = await WebGpuBatch.create(sims, ctx!);
    await b.advance(20); // warm-up
    let steps = 20;
    let ms = 0;
    for (;;) {
      const t0 = performance.now();
      await b.advance(steps);
      ms = performance.now() - t0;
      if (ms >= 4000 || steps >= 5000) break;
      steps = Math.min(5000, Math.ceil(steps * Math.max(2, 4500 / Math.max(ms, 1))));
    }
    b.dispose();
    const perStep = ms / steps;
    rows.push(`K ${K} x ${n} cells: ${perStep.toFixed(2)} ms/grid step (${(perStep / K).toFixed(2)} ms per sim-step; ${steps} steps timed)`);
  }
  console.log(`adapter: ${ctx!.adapterName}\n` + rows.join('\n'));
});
