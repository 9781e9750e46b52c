/**
 * Throughput of the WebGPU engine against CpuEngine.advanceSync (neuron-updates/s = cells x subSteps x
 * grid steps / wall s), recording off, default region. Runs only with RAPHE_BENCH=1 (slow on software
 * Vulkan); pick the adapter with RAPHE_GPU_ICD=lavapipe|swiftshader. Cell counts: RAPHE_BENCH_CELLS
 * (default "10000,100000").
 */
import { expect, test } from 'vitest';
import { buildModel } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { getGpu } from '../src/engines/webgpu/gpu-context.js';
import { WebGpuEngine } from '../src/engines/webgpu/webgpu-engine.js';

const run = process.env.RAPHE_BENCH === '1';

test.runIf(run)('neuron-updates/s, WebGPU vs CPU', async () => {
  const ctx = await getGpu();
  expect(ctx, 'no WebGPU adapter').not.toBeNull();
  const cellsList = (process.env.RAPHE_BENCH_CELLS ?? '10000,100000').split(',').map(Number);
  const rows: string[] = [];
  for (const n of cellsList) {
    const m = buildModel(defaultParams(), 'wt', n, 1);
    const opts = { model: m, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: false, sampleSteps: 100 };
    const S = m.params.subSteps;
    const timeIt = async (advance: (s: number) => Promise<unknown> | unknown, minMs: number) => {
      await advance(10); // warm-up (pipelines, caches)
      let steps = 10;
      for (;;) {
        const t0 = performance.now();
        await advance(steps);
        const ms = performance.now() - t0;
        if (ms >= minMs || steps >= 20000) return (n * S * steps) / (ms / 1000);
        steps = Math.min(20000, Math.ceil(steps * Math.max(2, (1.2 * minMs) / Math.max(ms, 1))));
      }
    };
    const gpu = await WebGpuEngine.create(opts, ctx!);
    const g = await timeIt((s) => gpu.advance(s), 3000);
    gpu.dispose();
    const cpu = new CpuEngine(opts);
    const c = await timeIt((s) => cpu.advanceSync(s), 3000);
    rows.push(`${n} cells, grid ${m.geometry.nx}x${m.geometry.ny}x${m.geometry.nz} (${m.geometry.inside.length} region voxels): ` +
      `webgpu ${(g / 1e6).toFixed(1)} M/s, cpu ${(c / 1e6).toFixed(1)} M/s, ratio ${(g / c).toFixed(2)}`);
  }
  console.log(`adapter: ${ctx!.adapterName}\n` + rows.join('\n'));
});
