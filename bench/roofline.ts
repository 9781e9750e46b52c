/**
 * Roofline: the bytes each kernel moves per grid step, from the buffers it reads and writes
 * (bench/README.md, "Roofline"), the machine's memory bandwidth, and the throughput that bandwidth allows.
 */
import { STATE_WORDS } from '../src/model/layout.js';

/** Neuron kernel, per cell per grid step: reads STATE_WORDS state words + Idrive + vox + its voxel's c, writes them back. */
export const NEURON_BYTES_PER_CELL_STEP = STATE_WORDS * 4 + 4 + 4 + 4 + STATE_WORDS * 4; // 84 with 9 state words
/** release_uptake per region voxel: reads inside[m], counts, c, vmaxDt; writes c (counts rarely). */
export const RELEASE_BYTES_PER_VOXEL = 4 * 4 + 4; // 20
/** diffuse per region voxel: reads inside[m], nbrMask (1 byte), c (neighbours from cache); writes c'. */
export const DIFFUSE_BYTES_PER_VOXEL = 4 + 1 + 4 + 4; // 13

export function bytesPerGridStep(nCells: number, nVoxels: number): number {
  return nCells * NEURON_BYTES_PER_CELL_STEP + nVoxels * (RELEASE_BYTES_PER_VOXEL + DIFFUSE_BYTES_PER_VOXEL);
}

/** Neuron-updates/s the memory bandwidth (bytes/s) allows: each grid step moves `bytes` and advances n cells by subSteps. */
export function bandwidthLimit(bandwidth: number, nCells: number, subSteps: number, bytes: number): number {
  return (bandwidth * nCells * subSteps) / bytes;
}

/** Bytes of engine state (recording aside): per cell, and per grid (box and region voxels). */
export function engineStateBytes(engine: string, _nCells: number, nBox: number, nInside: number): { perCell: number; grid: number } {
  // both CPU engines: the WebAssembly memory (wasm-kernels.ts): state, Idrive, vox, spikeSub; grids A/B, counts, vmax, mask; inside
  if (engine === 'cpu' || engine === 'cpu-mt') return { perCell: STATE_WORDS * 4 + 4 + 4 + 1, grid: nBox * 17 + nInside * 4 };
  // webgpu: state (STATE_WORDS words) + cell inputs (Idrive, vox); grids A/B, counts, vmax, mask; inside, mass accumulators
  return { perCell: STATE_WORDS * 4 + 8, grid: nBox * 17 + nInside * 8 };
}

/** Single-thread memory bandwidth, bytes/s: best of 5 copies of a 256 MiB Float64Array (read + write bytes). */
export function measureBandwidth(): number {
  const n = 32 << 20;
  const src = new Float64Array(n);
  const dst = new Float64Array(n);
  for (let i = 0; i < n; i += 512) src[i] = i;
  dst.set(src);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    dst.set(src);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return (2 * 8 * n) / best;
}
