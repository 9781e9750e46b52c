/**
 * The initial state both engines start from (docs/model.md §3): a uniform c0 over the region, and each cell's
 * state from its STATE_FIELDS entry (model/layout.ts): receptor filters at equilibrium with c0,
 * background conductance and AHP currents at their running means for the expected rate, membrane
 * potentials spread between reset and threshold. Each engine then warms such a built state up itself, on its
 * own threads or device (startState's warmUp: warmUpSteps grid steps of the neuron kernel alone, the grid held
 * at c0, then the cells put back at step 0; docs/model.md §3; the host reference: reference/warm-up.ts).
 * Or a restart's state (EngineOptions.initial), checked here and never warmed.
 */
import { firstBackgroundEvent } from '../model/background.js';
import { occupancy } from '../model/drugs.js';
import type { Constants, Model } from '../model/derive.js';
import { initialCellState, STATE_FIELDS, type NeuronState } from '../model/layout.js';
import { HostStream, STREAM, seedKey } from '../rng/philox.js';
import { copySnapshot, type StateSnapshot } from './engine.js';

/** The longest warm-up, grid steps (1 s at the default 1 ms grid step). */
const MAX_WARMUP_STEPS = 1000;

/**
 * Grid steps of the warm-up a built start runs (docs/model.md §3): the slowest time constant of the cells'
 * own state that does not start at its equilibrium (the three AHP currents and the background
 * conductance; the receptor filters start at theirs), at most MAX_WARMUP_STEPS. At the defaults 300 (the
 * slow AHP's 300 ms).
 */
export function warmUpSteps(m: Model): number {
  const p = m.params;
  const slowest_ms = Math.max(p.tauAhp1_ms, p.tauAhp2_ms, p.tauAhp3_ms, p.tauBg_ms);
  return Math.min(MAX_WARMUP_STEPS, Math.ceil(slowest_ms / (m.dtGrid_s * 1000)));
}

/**
 * The built state of the first `n` cells of `m` (those of initialState, value for value: the one stream
 * of the cells' initial state is drawn in cell order): what a sample of the cells (the steady-state
 * estimate's open loop) starts from, without building every cell. `d1A`: per-cell 5-HT1A
 * desensitisation to start from (docs/model.md §7; absent: 0 everywhere).
 */
export function initialCells(m: Model, k: Constants, c0_nM: number, rate0_Hz: number, n: number, d1A?: ArrayLike<number>): NeuronState {
  const p = m.params;
  const rng = new HostStream(seedKey(m.seed), STREAM.initialV, 0);
  let bgCell = -1;
  let bg = { bgNext: 0, bgIdx: 0 };
  return initialCellState(Math.min(n, m.nCells), {
    p,
    a1: occupancy(c0_nM, p.K1A_nM, { num: k.num1A, den: k.den1A }),
    a2: occupancy(c0_nM, p.K2B_nM, { num: k.num2B, den: k.den2B }),
    ratePerMs: rate0_Hz / 1000,
    d1A,
    uniform: () => rng.uniform(),
    background: (cell) => {
      if (cell !== bgCell) {
        bgCell = cell;
        bg = firstBackgroundEvent(k.seedLo, k.seedHi, m.bgGap, cell);
      }
      return bg;
    },
  });
}

/** Every cell's built state (initialCells) and the grid at a uniform c0 over the region. `d1A`: as initialCells'. */
export function initialState(m: Model, k: Constants, c0_nM: number, rate0_Hz: number, d1A?: ArrayLike<number>): StateSnapshot {
  const cells = initialCells(m, k, c0_nM, rate0_Hz, m.nCells, d1A);
  const grid = new Float32Array(m.geometry.nx * m.geometry.ny * m.geometry.nz);
  for (const v of m.geometry.inside) grid[v] = c0_nM;
  return { step: 0, ...cells, grid };
}

/** Largest grid step a state may hold: the engines count steps (and fine steps) in 32 bits. */
const MAX_STEP = 2 ** 32 - 1;

/**
 * Checks that `s` is a whole state of `m`'s tissue (a restart's starting state, read from a file or
 * made by a caller): `step` and `windowSpikes` whole numbers >= 0, every STATE_FIELDS array of its type
 * and one value per cell, the float fields and the grid finite, the grid box-sized and 0 outside the
 * region. Throws an Error naming the first problem.
 */
export function checkSnapshot(s: StateSnapshot, m: Model): void {
  const bad = (what: string): never => {
    throw new Error(`initial state: ${what}`);
  };
  if (typeof s !== 'object' || s === null) bad('not an object');
  if (!Number.isInteger(s.step) || s.step < 0 || s.step > MAX_STEP) bad(`step ${s.step} is not a whole number in 0..${MAX_STEP}`);
  const w = s.windowSpikes ?? 0;
  if (!Number.isInteger(w) || w < 0 || w > MAX_STEP) bad(`windowSpikes ${w} is not a whole number >= 0`);
  const finite = (name: string, a: Float32Array) => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) bad(`${name}[${i}] is ${a[i]}, not finite`);
  };
  for (const f of STATE_FIELDS) {
    const a: unknown = s[f.name];
    const Ctor = f.type === 'u32' ? Uint32Array : Float32Array;
    if (!(a instanceof Ctor)) bad(`${f.name} is not a ${Ctor.name}`);
    const arr = a as Float32Array | Uint32Array;
    if (arr.length !== m.nCells) bad(`${f.name} has ${arr.length} values for ${m.nCells} cells`);
    if (arr instanceof Float32Array) finite(f.name, arr);
  }
  const g = m.geometry;
  const nBox = g.nx * g.ny * g.nz;
  if (!(s.grid instanceof Float32Array)) bad('grid is not a Float32Array');
  if (s.grid.length !== nBox) bad(`grid has ${s.grid.length} values for a box of ${nBox} voxels`);
  finite('grid', s.grid);
  const inside = new Uint8Array(nBox);
  for (const v of g.inside) inside[v] = 1;
  for (let v = 0; v < nBox; v++) if (!inside[v] && s.grid[v] !== 0) bad(`grid[${v}] is outside the region but ${s.grid[v]}, not 0`);
}

/**
 * The state an engine starts from, and the warm-up it owes it: `o.initial` (checked by checkSnapshot,
 * copied; warmUp 0) when given, else the built initial state (initialState) at step 0 with warmUp =
 * warmUpSteps(m). The engine runs the warm-up before its first step (docs/model.md §3): warmUp grid steps
 * of the neuron kernel alone, steps 0 .. warmUp - 1, every cell reading its voxel of the built grid
 * (c0, held: no release, spread, uptake or diffusion; the release counts it adds are dropped), then each
 * cell's bgNext moved warmUp steps back and a1Sum, a2Sum set to 0; the run starts at step 0.
 */
export function startState(
  m: Model,
  k: Constants,
  o: { c0_nM: number; rate0_Hz: number; d1A?: ArrayLike<number>; initial?: StateSnapshot },
): StateSnapshot & { warmUp: number } {
  if (!o.initial) return { ...initialState(m, k, o.c0_nM, o.rate0_Hz, o.d1A), windowSpikes: 0, warmUp: warmUpSteps(m) };
  checkSnapshot(o.initial, m);
  return { ...copySnapshot(o.initial.step, o.initial, o.initial.grid, o.initial.windowSpikes ?? 0), warmUp: 0 };
}

/** The warm-up an engine owes a start (startState's warmUp) without building it: 0 for a restart's state. */
export function startWarmUp(m: Model, o: { initial?: StateSnapshot }): number {
  return o.initial ? 0 : warmUpSteps(m);
}

/** The grid step a batch of sims starts at: every sim's starting state must be at the same one. */
export function batchStartStep(sims: readonly { initial?: StateSnapshot }[]): number {
  const steps = [...new Set(sims.map((s) => s.initial?.step ?? 0))];
  if (steps.length > 1)
    throw new Error(`batch: the sims' starting states are at different steps (${steps.join(', ')}); a batch advances one step count`);
  return steps[0] ?? 0;
}
