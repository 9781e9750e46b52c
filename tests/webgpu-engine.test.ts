/**
 * WebGPU engine tests beyond the engine conformance suite (tests/conformance/: agreement with the CPU
 * reference, batches, mass balance, the engine contract): bit-identical to the CPU reference with the
 * exact integer division, 2-D workgroup grids, small command buffers and profiling; the division
 * self-test; statistics of a longer run; size limits; compile errors. They skip without a WebGPU adapter, or fail when RAPHE_GPU_REQUIRED is set.
 * Small models (software Vulkan is slow).
 */
import { describe, expect, test } from 'vitest';
import { STATE_WORDS } from '../src/model/layout.js';
import type { Model } from '../src/model/derive.js';
import type { DrugDoses } from '../src/model/drugs.js';
import type { RecordBatch } from '../src/engines/engine.js';
import { CpuEngine } from '../src/engines/cpu/cpu-engine.js';
import { bitDiff, engineOpts, gpuOrSkip, gpuRequired, smallModel, spikeStats } from './helpers/gpu.js';
import { expectSameRecords } from './conformance/compare.js';
import { GPU_AGREEMENT } from './conformance/subjects.js';
import { wgslHeader } from '../src/engines/webgpu/wgsl-header.js';
import { divideOnGpu, nativeDivisionIsExact } from '../src/engines/webgpu/division-check.js';
import { compileKernel, WebGpuEngine, type WebGpuEngineOptions } from '../src/engines/webgpu/webgpu-engine.js';

// ---------------------------------------------------------------------------------------------------

const ctx = await gpuOrSkip();
const d = ctx ? describe : describe.skip;

if (!ctx) {
  test('WebGPU adapter (skipped: none found; set RAPHE_GPU_REQUIRED=1 to fail instead)', () => {
    expect(gpuRequired).toBe(false);
  });
}

async function runBoth(model: Model, steps: number[], extra: Partial<WebGpuEngineOptions> = {}, phases: DrugDoses[] = [{}]) {
  const opts = engineOpts(model, { doses: phases[0] });
  const cpu = new CpuEngine(opts);
  const gpu = await WebGpuEngine.create({ ...opts, ...extra }, ctx!);
  const cb: RecordBatch[] = [];
  const gb: RecordBatch[] = [];
  for (let p = 0; p < steps.length; p++) {
    if (p > 0 && phases[p]) {
      cpu.setDoses(phases[p]);
      gpu.setDoses(phases[p]);
    }
    cb.push(cpu.advanceSync(steps[p]));
    gb.push(await gpu.advance(steps[p]));
  }
  const sc = await cpu.snapshot();
  const sg = await gpu.snapshot();
  gpu.dispose();
  return { cb, gb, sc, sg };
}

function expectSameBatches(cb: RecordBatch[], gb: RecordBatch[]) {
  for (let i = 0; i < cb.length; i++) expectSameRecords(gb[i], cb[i], GPU_AGREEMENT, `advance ${i}`);
}

d('WebGPU engine against the CPU reference', () => {
  test('adapter is reported', () => {
    expect(ctx!.adapterName.length).toBeGreaterThan(0);
  });

  test('bit-identical with the exact integer division too (exactDivision: true, used where `/` is not exact)', async () => {
    const m = smallModel(400, 3);
    const { sc, sg } = await runBoth(m, [150], { exactDivision: true }, [{ fluoxetine: 10 }]);
    expect(bitDiff(sc, sg)).toEqual({});
  });

  test('division self-test: software Vulkan divides exactly, so the default is native `/`', async () => {
    const exact = await nativeDivisionIsExact(ctx!.device, (d, file, src) =>
      compileKernel(d, file, src, wgslHeader({ wgNeurons: 64, wgGrid: 256, relPerThread: 8, record: false, exactDiv: true })),
    );
    if (/llvmpipe|swiftshader/i.test(ctx!.adapterName)) expect(exact).toBe(true);
    const e = await WebGpuEngine.create(engineOpts(smallModel(100, 2)), ctx!);
    expect(e.divisionMode).toMatch(exact ? /native/ : /divRN/);
    e.dispose();
  });

  test('bit-identical with 2-D workgroup grids, small command buffers and chunked spike draining', async () => {
    // 500 cells = 8 workgroups of 64 -> 3 x 3; ~940 region voxels = 4 workgroups of 256 -> 2 x 2
    const m = smallModel(500, 5);
    const { cb, gb, sc, sg } = await runBoth(m, [90, 77], {
      limits: { maxComputeWorkgroupsPerDimension: 3 },
      stepsPerSubmit: 16,
      spikeBufferBytes: 500 * 8 * 3, // room for 2 grid steps' worst case
    });
    expect(bitDiff(sc, sg)).toEqual({});
    expectSameBatches(cb, gb);
  });

  test('3 s at 2000 cells: rate, median ISI CV and probe mean within 2% of the CPU', async () => {
    const m = smallModel(2000, 1);
    const steps = 3000;
    const opts = engineOpts(m, { sampleSteps: 50 });
    const cpu = new CpuEngine(opts);
    const gpu = await WebGpuEngine.create(opts, ctx!);
    const a = cpu.advanceSync(steps);
    const b = await gpu.advance(steps);
    gpu.dispose();
    const dt = m.params.dt_ms;
    const sa = spikeStats(a.spikes!.cells, a.spikes!.steps, m.nCells, steps * m.params.dt_ms * m.params.subSteps, dt);
    const sb = spikeStats(b.spikes!.cells, b.spikes!.steps, m.nCells, steps * m.params.dt_ms * m.params.subSteps, dt);
    const probeMean = (r: RecordBatch) => r.samples.probe.reduce((s, x) => s + x, 0) / r.samples.probe.length;
    expect(sa.rateHz).toBeGreaterThan(0.1);
    expect(Math.abs(sb.rateHz / sa.rateHz - 1)).toBeLessThan(0.02);
    expect(Math.abs(sb.cvMedian / sa.cvMedian - 1)).toBeLessThan(0.02);
    expect(Math.abs(probeMean(b) / probeMean(a) - 1)).toBeLessThan(0.02);
  });

  test('a buffer over maxStorageBufferBindingSize is refused with an error naming the limit and sizes', async () => {
    const m = smallModel(2000, 2);
    const stateBytes = STATE_WORDS * 4 * 2000; // 88,000 with 11 state words
    await expect(WebGpuEngine.create({ ...engineOpts(m), limits: { maxStorageBufferBindingSize: 32 * 1024 } }, ctx!)).rejects.toThrow(
      new RegExp(
        `cell state buffer needs ${stateBytes} bytes \\(nCells 2000, grid 15x12x10\\), over the adapter's maxStorageBufferBindingSize of 32768`,
      ),
    );
    await expect(WebGpuEngine.create({ ...engineOpts(m), spikeBufferBytes: 1024 }, ctx!)).rejects.toThrow(
      /spike recording needs room for 4000 spikes per grid step/,
    );
    await expect(WebGpuEngine.create({ ...engineOpts(m), limits: { maxComputeWorkgroupsPerDimension: 5 } }, ctx!)).rejects.toThrow(
      /2000 items need 32 workgroups, over maxComputeWorkgroupsPerDimension/,
    );
  });

  test('divRN (shaders/common.wgsl) is the correctly rounded float32 quotient', async () => {
    const dev = ctx!.device;
    const header = wgslHeader({ wgNeurons: 64, wgGrid: 256, relPerThread: 8, record: false, exactDiv: true });
    const src = `
@group(0) @binding(0) var<storage, read> ab: array<f32>;
@group(0) @binding(1) var<storage, read_write> q: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < arrayLength(&q)) { q[i] = divRN(ab[2u * i], ab[2u * i + 1u]); }
}`;
    const pipe = await compileKernel(dev, 'divrn-test.wgsl', src, header);
    const n = 1 << 16;
    const ab = new Float32Array(2 * n);
    let x = 12345;
    const rnd = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x / 4294967296;
    };
    for (let i = 0; i < n; i++) {
      // wide exponent range, both signs, plus quotients near 1 and exact ones
      const ea = Math.floor(rnd() * 60) - 30;
      const eb = Math.floor(rnd() * 60) - 30;
      ab[2 * i] = (rnd() - 0.5) * 2 ** ea;
      ab[2 * i + 1] = i % 7 === 0 ? ab[2 * i] * (1 + (rnd() - 0.5) * 1e-6) : (rnd() + 0.01) * 2 ** eb;
      if (i % 13 === 0) ab[2 * i + 1] = 2 ** eb;
      if (i % 17 === 0) ab[2 * i] = 0;
    }
    const q = new Float32Array((await divideOnGpu(dev, pipe, ab)).buffer);
    let bad = 0;
    const expected = new Float32Array(1);
    for (let i = 0; i < n; i++) {
      expected[0] = ab[2 * i] / ab[2 * i + 1];
      if (new Uint32Array(expected.buffer)[0] !== new Uint32Array(q.buffer)[i] && !(expected[0] === 0 && q[i] === 0)) bad++;
    }
    expect(bad).toBe(0);
  });

  test('kernelTimes(): GPU ms per kernel with timestamp queries (profile option), same results', async () => {
    const m = smallModel(300, 4);
    const { sc, sg } = await runBoth(m, [60], { profile: true });
    expect(bitDiff(sc, sg)).toEqual({});
    const e = await WebGpuEngine.create({ ...engineOpts(m), profile: true }, ctx!);
    await e.advance(30);
    const t = e.kernelTimes();
    e.dispose();
    expect(t.wall).toBeGreaterThan(0);
    if (ctx!.features.includes('timestamp-query')) {
      for (const k of ['neurons', 'spreadX', 'spreadY', 'release', 'diffuse', 'reduce', 'finalize']) expect(t[k]).toBeGreaterThanOrEqual(0);
      expect(t.neurons).toBeGreaterThan(0);
    }
  });

  test('WGSL compile errors name the kernel file and line', async () => {
    const header = wgslHeader({ wgNeurons: 64, wgGrid: 256, relPerThread: 8, record: false, exactDiv: true });
    const broken = '// line 1\n@compute @workgroup_size(1)\nfn main() {\n  let x: u32 = 1.5;\n}\n';
    await expect(compileKernel(ctx!.device, 'shaders/broken.wgsl', broken, header)).rejects.toThrow(/shaders\/broken\.wgsl:4:/);
    // a kernel whose entry point is not main (the release field's passes in shaders/spread.wgsl)
    const brokenEntry = broken.replace('fn main', 'fn spreadX');
    await expect(compileKernel(ctx!.device, 'shaders/spread.wgsl', brokenEntry, header, 'spreadX')).rejects.toThrow(
      /shaders\/spread\.wgsl:4:/,
    );
    const m = smallModel(100, 2);
    const e = await WebGpuEngine.create(engineOpts(m), ctx!);
    expect(e.info.engine).toBe('webgpu');
    expect(e.info.adapter).toContain('WebGPU');
    e.dispose();
  });
});
