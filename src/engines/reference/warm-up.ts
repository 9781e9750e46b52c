/**
 * The warm-up of a built start as one plain loop on the host (docs/model.md §3): the reference the engines'
 * own warm-ups are held to bit for bit (cpu/warm-up.ts on the engine's threads, webgpu/warm-up.ts on the
 * device; tests/warm-up-engines.test.ts). No engine runs it: it holds one thread for ~16 µs a cell (16 s at
 * 10^6 cells), which is why the engines warm up themselves. It runs the CPU engines' WebAssembly neuron
 * kernel on a memory of its own in which every cell reads voxel 0, set to c0, step after step over all
 * cells, where the engines read each cell's own voxel of the built grid, chunk after chunk of cells.
 */
import type { Constants, Model } from '../../model/derive.js';
import { type NeuronState, STATE_FIELDS } from '../../model/layout.js';
import { kernelLayout, kernelMemory, kernelViews, WasmKernels } from '../cpu/wasm-kernels.js';
import type { StateSnapshot } from '../engine.js';
import { initialState, warmUpSteps } from '../initial-state.js';

/**
 * Runs the neuron kernel over `steps` grid steps for every cell of `s` held at a uniform c0_nM (no grid:
 * their release goes nowhere), then puts the cells back at step 0: each background event step moved
 * `steps` earlier (the draws continue from where the warm-up left them, so a run does not repeat them)
 * and the chronic driver's sums a1Sum, a2Sum back to 0. Membrane potential, background conductance, AHP
 * currents, refractory counters and pools are left where the warm-up took them. In place.
 */
export function warmUpCells(m: Model, k: Constants, s: NeuronState, c0_nM: number, steps: number): void {
  const n = m.nCells;
  if (steps <= 0 || n === 0) return;
  const kk = { ...k, nCells: n };
  const L = kernelLayout({ nCells: n, gridLen: 1, nInside: 0, gapLen: m.bgGap.length });
  const memory = kernelMemory(L);
  const v = kernelViews(memory, L);
  for (const f of STATE_FIELDS) v.state[f.name].set(s[f.name]);
  v.Idrive.set(m.Idrive.subarray(0, n));
  v.bgGap.set(m.bgGap);
  // every cell reads voxel 0 (vox is zeroed), which holds c0
  v.grids[0][0] = c0_nM;
  const kernel = new WasmKernels(memory, L);
  for (let t = 0; t < steps; t++) {
    v.counts[0] = 0;
    kernel.step(kk, 0, t, 0, n);
  }
  for (const f of STATE_FIELDS) s[f.name].set(v.state[f.name].subarray(0, n));
  for (let i = 0; i < n; i++) s.bgNext[i] -= steps;
  s.a1Sum.fill(0);
  s.a2Sum.fill(0);
}

/** The state a run of `m` starts from at (c0, rate0): initialState warmed up over warmUpSteps(m) grid steps. */
export function warmedInitialState(m: Model, k: Constants, c0_nM: number, rate0_Hz: number, d1A?: ArrayLike<number>): StateSnapshot {
  const s = initialState(m, k, c0_nM, rate0_Hz, d1A);
  warmUpCells(m, k, s, c0_nM, warmUpSteps(m));
  return s;
}
