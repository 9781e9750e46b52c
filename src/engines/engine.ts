/**
 * The interface both engines meet. An engine owns the state of one simulation (cells and grid) and
 * advances it grid step by grid step (1 ms by default: `subSteps` neuron steps, then release, uptake
 * and diffusion). Recording happens inside the engine into compact buffers returned in batches.
 */
import type { DrugDoses } from '../model/drugs.js';
import type { Constants, Model } from '../model/derive.js';
import { copyState, type NeuronState, type SampleBatch } from '../model/layout.js';

export { emptySamples, type NeuronState, type SampleBatch } from '../model/layout.js';

export type EngineKind = 'cpu' | 'webgpu';

/**
 * The run does not fit the device (a buffer over the adapter's limits, too many workgroups): a property
 * of the input on this machine, found before any step runs, so the CLI reports it as bad input (exit 2).
 */
export class DeviceLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceLimitError';
  }
}

export interface EngineInfo {
  engine: EngineKind;
  /** Human-readable adapter, e.g. "cpu (2 worker threads)" or "llvmpipe (Vulkan, Mesa 25.0.7)". */
  adapter: string;
}

export interface EngineOptions {
  model: Model;
  /** Drug doses of the first phase. */
  doses: DrugDoses;
  /** Initial uniform extracellular 5-HT, nM. */
  c0_nM: number;
  /** Rate used to start the AHP currents near their running mean, Hz. */
  rate0_Hz: number;
  /** Record every spike as (cell, fine step). Off: only counts and traces. */
  recordSpikes: boolean;
  /** Trace sample interval, grid steps. */
  sampleSteps: number;
  /** Per-cell 5-HT1A desensitisation d1A to start from (docs/model.md §7; absent: 0, the untreated tissue). */
  d1A?: Float32Array;
  /**
   * A state to start from in place of the built one (a snapshot of an earlier run of this tissue: a
   * restart); checked against the model (checkSnapshot in initial-state.ts) and not warmed up (a built
   * start is: docs/model.md §3). d1A, c0_nM and rate0_Hz are then unused.
   */
  initial?: StateSnapshot;
}

/**
 * A per-cell state field the chronic driver sets between advances (docs/model.md §7): d1A and d2B (the
 * 5-HT1A and 5-HT2B desensitisations, frozen in the fast model) and a1Sum and a2Sum (the running sums of
 * s1A and s2B whose means over a window drive them).
 */
export type SettableField = 'd1A' | 'a1Sum' | 'd2B' | 'a2Sum';
export const SETTABLE_FIELDS: readonly SettableField[] = ['d1A', 'a1Sum', 'd2B', 'a2Sum'];

/** Checks a setGrid call's length (one value per box voxel). */
export function checkGrid(grid: Float32Array, nBox: number): void {
  if (grid.length !== nBox) throw new Error(`setGrid: ${grid.length} values for a box of ${nBox} voxels`);
}

/** The constants that shape a simulation's memory and streams: a setConstants call must keep them. */
const SHAPE_CONSTANTS = ['nCells', 'nx', 'ny', 'nz', 'seedLo', 'seedHi', 'subSteps', 'refSteps', 'bgGapLen'] as const;

/** Checks that a setConstants call keeps the tissue's shape (the same cells, box, seed and steps). */
export function checkConstants(k: Constants, current: Constants): void {
  for (const f of SHAPE_CONSTANTS) {
    if (k[f] !== current[f]) throw new Error(`setConstants: ${f} ${k[f]} differs from the simulation's ${current[f]} (another tissue)`);
  }
}

/** Checks a setCellState call's field and length (one value per cell). */
export function checkCellValues(field: string, values: Float32Array, nCells: number): void {
  if (!SETTABLE_FIELDS.includes(field as SettableField))
    throw new Error(`setCellState: field ${field} cannot be set (allowed: ${SETTABLE_FIELDS.join(', ')})`);
  if (values.length !== nCells) throw new Error(`setCellState: ${values.length} values for ${nCells} cells`);
}

/** Spikes as (cell index, fine step) pairs; fine step = gridStep * subSteps + subStep. */
export interface SpikeBatch {
  cells: Uint32Array;
  steps: Uint32Array;
}

/** 5-HT mass balance over a batch, in nM x voxel (x alpha V_voxel N_A / 1e9 for molecules). */
export interface MassBatch {
  released: number;
  uptaken: number;
  cleared: number;
  gridStart: number;
  gridEnd: number;
}

export interface RecordBatch {
  firstStep: number;
  steps: number;
  spikeCount: number;
  spikes?: SpikeBatch;
  samples: SampleBatch;
  mass: MassBatch;
}

/** The whole dynamic state, for checks (GPU against CPU) and restarts. */
export interface StateSnapshot extends NeuronState {
  step: number;
  /** Box-sized grid, nM (0 outside the region). */
  grid: Float32Array;
  /**
   * Spikes since the last trace sample, all cells (counted into the next sample's `spikes`); absent: 0.
   * The one counter besides `step` an engine carries between advances.
   */
  windowSpikes?: number;
}

/** A copy of the state (the engine's arrays are not shared with the caller). */
export function copySnapshot(step: number, s: NeuronState, grid: Float32Array, windowSpikes = 0): StateSnapshot {
  return { step, ...copyState(s), grid: grid.slice(), windowSpikes };
}

export interface Engine {
  readonly info: EngineInfo;
  /** Current constants (after the last setDoses). */
  readonly constants: Constants;
  /** Change the drug doses from the next grid step on (a phase change). */
  setDoses(doses: DrugDoses): void;
  /**
   * Replace the constants from the next grid step on (the chronic driver's SERT down-regulation:
   * deriveConstants with an option); the tissue's shape must stay (checkConstants). A later setDoses
   * derives them afresh.
   */
  setConstants(k: Constants): void;
  /** Advance `steps` grid steps and return what was recorded over them. */
  advance(steps: number): Promise<RecordBatch>;
  /** Set one per-cell state field (SETTABLE_FIELDS) of every cell from the next grid step on. */
  setCellState(field: SettableField, values: Float32Array): void;
  /** Replace the 5-HT grid (box-sized, nM, 0 outside the region) from the next grid step on. */
  setGrid(grid: Float32Array): void;
  snapshot(): Promise<StateSnapshot>;
  dispose(): void;
}

/**
 * K simulations of one tissue advanced together: the same cells, seed, geometry and recording
 * settings; each its own constants (genotype, expression, drug doses) and starting state. WebGPU runs
 * them in the same dispatches (the sim is the z dimension), the CPU engine one simulation per worker
 * thread. Every sim of a batch advances the same number of grid steps.
 */
export interface BatchEngine {
  readonly info: EngineInfo;
  /** Number of simulations K. */
  readonly nSims: number;
  /** Current constants of sim `sim` (after its last setDoses). */
  constants(sim: number): Constants;
  /** Change sim `sim`'s drug doses from the next grid step on (a phase change). */
  setDoses(sim: number, doses: DrugDoses): void;
  /** Replace sim `sim`'s constants from the next grid step on (Engine.setConstants). */
  setConstants(sim: number, k: Constants): void;
  /** Advance every sim `steps` grid steps; one RecordBatch per sim, in sim order. */
  advance(steps: number): Promise<RecordBatch[]>;
  /** Set one per-cell state field (SETTABLE_FIELDS) of sim `sim`'s cells from the next grid step on. */
  setCellState(sim: number, field: SettableField, values: Float32Array): void;
  /** Replace sim `sim`'s 5-HT grid (box-sized, nM, 0 outside the region) from the next grid step on. */
  setGrid(sim: number, grid: Float32Array): void;
  snapshot(sim: number): Promise<StateSnapshot>;
  /**
   * Sim `sim`'s run is over (its phase ended once settled, src/checkpoint/phase-loop.ts): the engine may
   * skip its steps from now on, so its state is no longer defined and nothing of it may be read or set.
   * Absent where skipping one sim saves nothing (WebGPU: every sim is in the same dispatches).
   */
  retire?(sim: number): void;
  dispose(): void;
}

function checkSim(sim: number, nSims: number): number {
  if (!Number.isInteger(sim) || sim < 0 || sim >= nSims) throw new Error(`batch: no sim ${sim} (batch of ${nSims})`);
  return sim;
}

/** A batch of one: a single-simulation engine seen through the batch interface. */
export function singleAsBatch(e: Engine): BatchEngine {
  return {
    info: e.info,
    nSims: 1,
    constants: (sim) => {
      checkSim(sim, 1);
      return e.constants;
    },
    setDoses: (sim, doses) => {
      checkSim(sim, 1);
      e.setDoses(doses);
    },
    setConstants: (sim, k) => {
      checkSim(sim, 1);
      e.setConstants(k);
    },
    advance: async (steps) => [await e.advance(steps)],
    setCellState: (sim, field, values) => {
      checkSim(sim, 1);
      e.setCellState(field, values);
    },
    setGrid: (sim, grid) => {
      checkSim(sim, 1);
      e.setGrid(grid);
    },
    snapshot: (sim) => {
      checkSim(sim, 1);
      return e.snapshot();
    },
    dispose: () => e.dispose(),
  };
}

/** A batch of engines advanced one after another in this thread (any engine; the browser's CPU batch). */
export function sequentialBatch(engines: Engine[]): BatchEngine {
  if (!engines.length) throw new Error('batch: no simulations');
  const retired = new Set<number>();
  return {
    info: engines[0].info,
    nSims: engines.length,
    constants: (sim) => engines[checkSim(sim, engines.length)].constants,
    setDoses: (sim, doses) => engines[checkSim(sim, engines.length)].setDoses(doses),
    setConstants: (sim, k) => engines[checkSim(sim, engines.length)].setConstants(k),
    advance: async (steps) => {
      const out: RecordBatch[] = [];
      for (const [s, e] of engines.entries()) out.push(await e.advance(retired.has(s) ? 0 : steps));
      return out;
    },
    retire: (sim) => {
      retired.add(checkSim(sim, engines.length));
    },
    setCellState: (sim, field, values) => engines[checkSim(sim, engines.length)].setCellState(field, values),
    setGrid: (sim, grid) => engines[checkSim(sim, engines.length)].setGrid(grid),
    snapshot: (sim) => engines[checkSim(sim, engines.length)].snapshot(),
    dispose: () => {
      for (const e of engines) e.dispose();
    },
  };
}
