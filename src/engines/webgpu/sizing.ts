/**
 * Limits and sizing of a WebGPU batch, pure functions of the model, the device limits and the number
 * of sims (no GPU objects): the limits after test overrides, the per-sim sizes of the shared tissue,
 * which buffers grow with K and so how many sims fit (WebGpuBatch.maxSims), the dispatch shape of each
 * kernel, the spike record's chunk length, the "split the batch" hint that the refusals end with, and
 * the check that every sim of a batch shares one tissue.
 */
import { deriveConstants, type Constants, type Model } from '../../model/derive.js';
import { CONSTS_BYTES, STATE_WORDS } from '../../model/layout.js';
import { DeviceLimitError, type EngineOptions } from '../engine.js';
import { RED_PER_THREAD, REL_PER_THREAD } from './kernels.js';
import { CTL } from './wgsl-header.js';

/** Default byte budget of the device spike buffer. */
export const DEFAULT_SPIKE_BYTES = 64 << 20;

/** Device limits a caller may lower (WebGpuExtraOptions.limits), e.g. to test splitting and refusals. */
export type LimitOverrides = Partial<{
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}>;

/** Device limits after the `limits` overrides. */
export interface Limits {
  maxBinding: number;
  maxBuffer: number;
  maxDim: number;
  maxUniform: number;
}

export function effectiveLimits(dev: GPUDevice, overrides: LimitOverrides | undefined): Limits {
  const L = dev.limits;
  return {
    maxBinding: Math.min(L.maxStorageBufferBindingSize, overrides?.maxStorageBufferBindingSize ?? Infinity),
    maxBuffer: Math.min(L.maxBufferSize, overrides?.maxBufferSize ?? Infinity),
    maxDim: Math.min(L.maxComputeWorkgroupsPerDimension, overrides?.maxComputeWorkgroupsPerDimension ?? Infinity),
    maxUniform: L.maxUniformBufferBindingSize,
  };
}

/** Per-sim sizes of the shared tissue: cells, box voxels, release threads, reduction partials. */
export function tissueSizes(m: Model) {
  const g = m.geometry;
  const n = m.nCells;
  const nBox = g.nx * g.ny * g.nz;
  const relThreads = Math.max(1, Math.ceil(g.inside.length / REL_PER_THREAD));
  const nPart = Math.max(1, Math.ceil(Math.max(g.inside.length, g.probe.length, n) / RED_PER_THREAD));
  return { n, nBox, relThreads, nPart };
}

/** Worst-case spikes of one cell over `steps` grid steps (one per refractory period, plus one). */
export function perCellMax(k: Constants, steps: number): number {
  return Math.ceil((steps * k.subSteps) / Math.max(1, k.refSteps)) + 1;
}

/**
 * The storage buffers whose size grows with the number of sims: bytes per sim and fixed bytes (the
 * spike record, bounded by its own budget, is handled apart).
 */
export function perSimBuffers(m: Model): { name: string; perSim: number; fixed: number }[] {
  const { n, nBox, relThreads, nPart } = tissueSizes(m);
  return [
    { name: 'cell state', perSim: STATE_WORDS * 4 * n, fixed: 0 },
    { name: 'grid A', perSim: 4 * nBox, fixed: 0 },
    { name: 'SERT vmax', perSim: 4 * nBox, fixed: 0 },
    { name: 'tonic release', perSim: 4 * nBox, fixed: 0 },
    { name: 'release sums A', perSim: 4 * nBox, fixed: 0 },
    { name: 'mass accumulators', perSim: 32 * relThreads, fixed: 0 },
    { name: 'partial sums', perSim: 16 * nPart, fixed: 0 },
    { name: 'ctl', perSim: CTL.simBytes, fixed: CTL.sim },
  ];
}

/** See WebGpuBatch.maxSims. */
export function maxSimsFor(model: Model, lim: Limits, spikeBufferBytes: number | undefined, recordSpikes: boolean): number {
  const cap = Math.floor(Math.min(lim.maxBinding, lim.maxBuffer) / 16) * 16; // buffers are rounded up to 16 bytes
  let K = Number.MAX_SAFE_INTEGER;
  for (const b of perSimBuffers(model)) K = Math.min(K, Math.floor((cap - b.fixed) / b.perSim));
  const { n } = tissueSizes(model);
  if (recordSpikes) {
    const k = deriveConstants(model, {});
    const budget = Math.min(spikeBufferBytes ?? DEFAULT_SPIKE_BYTES, lim.maxBinding, lim.maxBuffer);
    K = Math.min(K, Math.floor(Math.floor(budget / 8) / (n * perCellMax(k, 1))));
  }
  // per-sim dispatches are fixed by the tissue (checked at creation); sims are the z dimension
  K = Math.min(K, lim.maxDim, Math.floor(lim.maxUniform / CONSTS_BYTES));
  return Math.max(0, K);
}

/** What one batch is: its tissue, its K and the limits it was sized against (for the refusals' text). */
export interface BatchShape {
  model: Model;
  nSims: number;
  lim: Limits;
  spikeBufferBytes: number | undefined;
  recordSpikes: boolean;
}

/** "nCells N, grid XxYxZ[, K sims]": the sizes a refusal names. */
export function sizesText(b: BatchShape): string {
  const m = b.model;
  const base = `nCells ${m.nCells}, grid ${m.geometry.nx}x${m.geometry.ny}x${m.geometry.nz}`;
  return b.nSims > 1 ? `${base}, ${b.nSims} sims` : base;
}

/** The end of a refusal of a batch of several sims: how many of this tissue would fit. */
export function splitHint(b: BatchShape): string {
  if (b.nSims <= 1) return '';
  const k = maxSimsFor(b.model, b.lim, b.spikeBufferBytes, b.recordSpikes);
  return `; split the batch (WebGpuBatch.maxSims: at most ${k} sims of this tissue fit)`;
}

export interface Dispatch {
  x: number;
  y: number;
  /** Workgroups dispatched per sim (x * y >= needed). */
  total: number;
  /** Sims (the z dimension of every dispatch). */
  z: number;
}

/**
 * Workgroups for `items` items of each of `sims` sims at `wg` threads per workgroup: x * y per sim
 * (2-D when over maxDim), z = sims. `hint` (called only when refusing) ends the sims-over-maxDim error.
 */
export function dispatchFor(items: number, wg: number, sims: number, maxDim: number, hint: () => string = () => ''): Dispatch {
  const z = sims;
  if (z > maxDim) throw new DeviceLimitError(`webgpu: ${z} sims in one batch, over maxComputeWorkgroupsPerDimension (${maxDim})${hint()}`);
  const total = Math.max(1, Math.ceil(items / wg));
  if (total <= maxDim) return { x: total, y: 1, total, z };
  const y = Math.ceil(total / maxDim);
  if (y > maxDim) {
    throw new DeviceLimitError(`webgpu: ${items} items need ${total} workgroups, over maxComputeWorkgroupsPerDimension² (${maxDim}²)`);
  }
  const x = Math.ceil(total / y);
  return { x, y, total: x * y, z };
}

/**
 * Spike chunking: the spike record holds a chunk's worst case, K x nCells x (ceil(chunk x subSteps /
 * refSteps) + 1) (global cell, fine step) pairs, within the byte budget. Returns the longest chunk
 * (grid steps, at most `stepsPerSubmit`) that fits and the record's capacity in pairs; throws when not
 * even one grid step fits.
 */
export function planSpikeRecord(b: BatchShape, k: Constants, stepsPerSubmit: number): { chunk: number; cap: number } {
  const { n } = tissueSizes(b.model);
  const K = b.nSims;
  const budget = Math.min(b.spikeBufferBytes ?? DEFAULT_SPIKE_BYTES, b.lim.maxBinding, b.lim.maxBuffer);
  const capPairs = Math.floor(budget / 8);
  const cells = K * n;
  const one = cells * perCellMax(k, 1);
  if (one > capPairs) {
    const who = K > 1 ? `${K} sims x ${n} cells` : `${n} cells`;
    throw new DeviceLimitError(
      `webgpu: spike recording needs room for ${one} spikes per grid step (${who}), ${one * 8} bytes, over the spike buffer limit of ${budget} bytes (maxStorageBufferBindingSize ${b.lim.maxBinding})${splitHint(b)}`,
    );
  }
  let L = 1;
  while (L < stepsPerSubmit && cells * perCellMax(k, L + 1) <= capPairs) L++;
  return { chunk: L, cap: cells * perCellMax(k, L) };
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
};

/** Throws unless every sim shares sims[0]'s tissue and recording settings. */
export function checkShared(sims: EngineOptions[], ks: Constants[]): void {
  const a = sims[0];
  const ga = a.model.geometry;
  for (let s = 1; s < sims.length; s++) {
    const b = sims[s];
    const gb = b.model.geometry;
    const diff: string[] = [];
    for (const f of ['nCells', 'nx', 'ny', 'nz', 'seedLo', 'seedHi', 'subSteps', 'refSteps'] as const) {
      if (ks[s][f] !== ks[0][f]) diff.push(`${f} ${ks[s][f]} vs ${ks[0][f]}`);
    }
    if (!diff.length) {
      if (!sameBits(gb.inside, ga.inside)) diff.push('region voxels');
      if (!sameBits(gb.probe, ga.probe)) diff.push('probe voxels');
      if (!sameBits(gb.nbrMask, ga.nbrMask)) diff.push('neighbour mask');
      if (!sameBits(b.model.vox, a.model.vox)) diff.push('cell voxels');
      if (
        !sameBits(
          new Uint32Array(b.model.Idrive.buffer, b.model.Idrive.byteOffset, b.model.Idrive.length),
          new Uint32Array(a.model.Idrive.buffer, a.model.Idrive.byteOffset, a.model.Idrive.length),
        )
      )
        diff.push('Idrive');
      if (!sameBits(b.model.bgGap, a.model.bgGap)) diff.push('background drive (bgRate_Hz)');
    }
    if (b.sampleSteps !== a.sampleSteps) diff.push(`sampleSteps ${b.sampleSteps} vs ${a.sampleSteps}`);
    if (b.recordSpikes !== a.recordSpikes) diff.push(`recordSpikes ${b.recordSpikes} vs ${a.recordSpikes}`);
    if (diff.length) {
      throw new Error(
        `webgpu batch: sim ${s} does not share sim 0's tissue or recording (${diff.join(', ')}); the sims of a batch must have the same nCells, seed, geometry, cells (Idrive, voxels), background rate, sampleSteps and recordSpikes`,
      );
    }
  }
}

/** Throws unless the K sims' constants fit one uniform binding. */
export function checkConstantsFit(b: BatchShape): void {
  const K = b.nSims;
  if (K * CONSTS_BYTES > b.lim.maxUniform) {
    throw new DeviceLimitError(
      `webgpu: the constants of ${K} sims need ${K * CONSTS_BYTES} bytes, over maxUniformBufferBindingSize ${b.lim.maxUniform}${splitHint(b)}`,
    );
  }
}
