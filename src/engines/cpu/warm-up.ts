/**
 * The CPU engines' warm-up of a built start (docs/model.md §3, initial-state.ts startState): the neuron
 * kernel alone, grid steps 0 .. steps - 1, on the engine's own kernel memory, every cell reading its voxel
 * of the current grid (the built c0, held: no release, spread, uptake or diffusion run), then the cells
 * put back at step 0. With the grid held each cell's course depends on nothing but itself, so the warm-up
 * runs cell chunk by cell chunk, every step of one chunk before the next: the same bits as step by step,
 * and any thread can take any chunk (ParallelCpuEngine's workers take them in turn; CpuEngine runs them
 * between awaits, so the thread that holds it stays free for signals). The release quanta the kernel
 * counts are dropped (clearWarmUpCounts), as are its spike counts.
 */
import type { Constants } from '../../model/derive.js';
import type { NeuronState } from '../../model/layout.js';
import type { KernelViews, WasmKernels } from './wasm-kernels.js';

/** Cells per chunk of a warm-up on one thread between awaits (a multiple of 4: ~4 ms at 300 steps). */
export const WARM_CHUNK = 256;

/**
 * Warm cells [i0, i1) up (i0 a multiple of 4: the kernel's SIMD blocks) over `steps` grid steps against
 * grid `cur`, then put them back at step 0: each background event step moved `steps` earlier (the draws go
 * on from where the warm-up left them) and the chronic driver's sums a1Sum, a2Sum at 0. V, background
 * conductance, AHP currents, refractory counters and pools stay where the warm-up took them.
 */
export function warmUpRange(
  kernel: WasmKernels,
  state: NeuronState,
  k: Constants,
  cur: number,
  steps: number,
  i0: number,
  i1: number,
): void {
  if (steps <= 0 || i1 <= i0) return;
  for (let t = 0; t < steps; t++) kernel.step(k, cur, t, i0, i1);
  const { bgNext, a1Sum, a2Sum } = state;
  for (let i = i0; i < i1; i++) bgNext[i] -= steps;
  a1Sum.fill(0, i0, i1);
  a2Sum.fill(0, i0, i1);
}

/** After every cell's warm-up: the release quanta it counted (and their row flags) dropped. */
export function clearWarmUpCounts(v: Pick<KernelViews, 'counts' | 'rowQuanta'>): void {
  v.counts.fill(0);
  v.rowQuanta.fill(0);
}

/** A warm-up owed: its constants (the start's, whatever setDoses does meanwhile), steps and the cells done. */
export interface PendingWarmUp {
  k: Constants;
  steps: number;
  cur: number;
  /** Cells [0, next) are warm. */
  next: number;
}

/** Warm the next chunk of `w`'s cells; true when none is left (its counts then cleared). */
export function warmUpChunk(w: PendingWarmUp, kernel: WasmKernels, v: KernelViews, n: number, chunk = WARM_CHUNK): boolean {
  const i0 = w.next;
  const i1 = Math.min(n, i0 + chunk);
  warmUpRange(kernel, v.state, w.k, w.cur, w.steps, i0, i1);
  w.next = i1;
  if (i1 < n) return false;
  clearWarmUpCounts(v);
  return true;
}
