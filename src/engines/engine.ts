/**
 * The interface both engines meet. An engine owns the state of one simulation (cells and grid) and
 * advances it grid step by grid step (1 ms by default: `subSteps` neuron steps, then release, uptake
 * and diffusion). Recording happens inside the engine into compact buffers returned in batches.
 */
import type { DrugDoses } from '../model/drugs.js';
import type { Constants, Model } from '../model/derive.js';

export type EngineKind = 'cpu' | 'webgpu';

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
}

/** Spikes as (cell index, fine step) pairs; fine step = gridStep * subSteps + subStep. */
export interface SpikeBatch {
  cells: Uint32Array;
  steps: Uint32Array;
}

/** Trace samples, one per `sampleSteps` grid steps, taken at the end of the window. */
export interface SampleBatch {
  /** Grid step count at the end of the window (time = step * dt_grid). */
  step: Uint32Array;
  /** Spikes in the window (all cells). */
  spikes: Uint32Array;
  /** Virtual microdialysis probe: mean c over the probe voxels, nM. */
  probe: Float32Array;
  /** Mean c over the region, nM. */
  meanC: Float32Array;
  /** Mean 5-HT1A and 5-HT2B activations (s1A, s2B) over cells. */
  s1A: Float32Array;
  s2B: Float32Array;
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

/** The per-cell dynamic state (float32 except the refractory counter). */
export interface NeuronState {
  V: Float32Array;
  gbg: Float32Array;
  ahp1: Float32Array;
  ahp2: Float32Array;
  ahp3: Float32Array;
  r1A: Float32Array;
  s1A: Float32Array;
  s2B: Float32Array;
  ref: Uint32Array;
}

/** The whole dynamic state, for checks (GPU against CPU) and restarts. */
export interface StateSnapshot extends NeuronState {
  step: number;
  /** Box-sized grid, nM (0 outside the region). */
  grid: Float32Array;
}

/** A copy of the state (the engine's arrays are not shared with the caller). */
export function copySnapshot(step: number, s: NeuronState, grid: Float32Array): StateSnapshot {
  return {
    step,
    V: s.V.slice(),
    gbg: s.gbg.slice(),
    ahp1: s.ahp1.slice(),
    ahp2: s.ahp2.slice(),
    ahp3: s.ahp3.slice(),
    r1A: s.r1A.slice(),
    s1A: s.s1A.slice(),
    s2B: s.s2B.slice(),
    ref: s.ref.slice(),
    grid: grid.slice(),
  };
}

export function emptySamples(n: number): SampleBatch {
  return {
    step: new Uint32Array(n),
    spikes: new Uint32Array(n),
    probe: new Float32Array(n),
    meanC: new Float32Array(n),
    s1A: new Float32Array(n),
    s2B: new Float32Array(n),
  };
}

export interface Engine {
  readonly info: EngineInfo;
  /** Current constants (after the last setDoses). */
  readonly constants: Constants;
  /** Change the drug doses from the next grid step on (a phase change). */
  setDoses(doses: DrugDoses): void;
  /** Advance `steps` grid steps and return what was recorded over them. */
  advance(steps: number): Promise<RecordBatch>;
  snapshot(): Promise<StateSnapshot>;
  dispose(): void;
}
