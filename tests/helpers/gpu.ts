/** Shared helpers of the WebGPU tests: the GPU context (skip, or fail under RAPHE_GPU_REQUIRED), small models. */
import { buildModel, type Model } from '../../src/model/derive.js';
import { defaultParams } from '../../src/model/params.js';
import type { Genotype } from '../../src/model/drugs.js';
import type { EngineOptions, StateSnapshot } from '../../src/engines/engine.js';
import { getGpu, type GpuContext } from '../../src/engines/webgpu/gpu-context.js';
import { STATE_FIELDS } from '../../src/model/layout.js';

export const gpuRequired = !!process.env.RAPHE_GPU_REQUIRED;

/** The GPU context, or null (tests then skip). Throws when RAPHE_GPU_REQUIRED is set and none is found. */
export async function gpuOrSkip(): Promise<GpuContext | null> {
  const ctx = await getGpu();
  if (!ctx && gpuRequired) {
    throw new Error('RAPHE_GPU_REQUIRED is set but no WebGPU adapter was found (webgpu package / Vulkan ICD)');
  }
  return ctx;
}

export function smallModel(nCells = 500, seed = 7, genotype: Genotype = 'wt', over: Record<string, number> = {}): Model {
  return buildModel(
    { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 200, voxel_um: 20, ...over },
    genotype,
    nCells,
    seed,
  );
}

export function engineOpts(model: Model, extra: Partial<EngineOptions> = {}): EngineOptions {
  return { model, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: true, sampleSteps: 10, ...extra };
}

export const SNAPSHOT_KEYS = [...STATE_FIELDS.map((f) => f.name), 'grid'] as const;

/** Per array: the number of elements whose bit patterns differ (and the first one). */
export function bitDiff(a: StateSnapshot, b: StateSnapshot): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of SNAPSHOT_KEYS) {
    const x = a[key];
    const y = b[key];
    const ux = new Uint32Array(x.buffer, x.byteOffset, x.length);
    const uy = new Uint32Array(y.buffer, y.byteOffset, y.length);
    if (ux.length !== uy.length) {
      out[key] = `length ${ux.length} vs ${uy.length}`;
      continue;
    }
    let bad = 0;
    let first = -1;
    for (let i = 0; i < ux.length; i++) {
      if (ux[i] !== uy[i]) {
        bad++;
        if (first < 0) first = i;
      }
    }
    if (bad) out[key] = `${bad} differ, first at ${first}: ${x[first]} vs ${y[first]}`;
  }
  return out;
}

/** Mean rate (Hz), median ISI CV (cells with >= 3 spikes) from a spike list. */
export function spikeStats(cells: Uint32Array, steps: Uint32Array, nCells: number, durationMs: number, dtMs: number) {
  const last = new Float64Array(nCells).fill(-1);
  const sum = new Float64Array(nCells);
  const sum2 = new Float64Array(nCells);
  const cnt = new Float64Array(nCells);
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i];
    const t = steps[i] * dtMs;
    if (last[c] >= 0) {
      const isi = t - last[c];
      sum[c] += isi;
      sum2[c] += isi * isi;
      cnt[c]++;
    }
    last[c] = t;
  }
  const cvs: number[] = [];
  for (let c = 0; c < nCells; c++) {
    if (cnt[c] >= 2) {
      const m = sum[c] / cnt[c];
      const v = Math.max(0, sum2[c] / cnt[c] - m * m);
      cvs.push(Math.sqrt(v) / m);
    }
  }
  cvs.sort((a, b) => a - b);
  const median = cvs.length ? cvs[Math.floor(cvs.length / 2)] : NaN;
  return { rateHz: cells.length / nCells / (durationMs / 1000), cvMedian: median, nCv: cvs.length };
}
