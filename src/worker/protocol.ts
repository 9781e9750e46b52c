/**
 * The frame protocol between the simulation worker (src/worker/simulation.ts, exposed with comlink in a
 * browser Web Worker or a Node worker_threads Worker) and whoever drives it (the demo page, tests).
 * Plain data only: the caller never imports the model or an engine, everything it shows comes from
 * `init`/`layout`/`nextFrame`/`summary`. Typed arrays in a Frame are transferred, not copied.
 */

export type EngineChoice = 'auto' | 'cpu' | 'webgpu';

export interface SimConfig {
  /** Genotype name (see SimInfo.genotypes); default 'wt'. */
  genotype?: string;
  /** Number of model neurons; default 2000. */
  neurons?: number;
  /** Drug doses, nM, by name (see SimInfo.drugs); default none. */
  doses?: Record<string, number>;
  seed?: number;
  /** Engine: 'auto' (WebGPU when an adapter exists, else CPU with a notice), 'cpu' or 'webgpu'. */
  engine?: EngineChoice;
  /**
   * Grid voxel edge, µm. 'auto' (default): the model's 20 µm on a hardware adapter, 40 µm on a
   * software one (SwiftShader, llvmpipe) and on the CPU engine, where the 20 µm grid is too slow to watch.
   */
  voxelUm?: number | 'auto';
  /** Trace sample interval, grid steps (1 ms each); default 50. */
  sampleSteps?: number;
  /** Cap on simulated seconds per wall second; 0 or Infinity: as fast as the engine goes. Default 1. */
  maxSpeed?: number;
  /** Minimum wall time between frames, ms (display rate); default 1000/30. */
  minFrameMs?: number;
  /** Minimum wall time between grid slices, ms (each costs a state read-back); default 250. */
  sliceEveryMs?: number;
  /** Cells shown in the raster (the first ones: cells are placed at random); default 200. */
  rasterCells?: number;
  /** Cells whose recent activity is sent for the 3-D view; default 8000. */
  activityCells?: number;
  /** Time constant of the per-cell recent activity (exponentially weighted rate), s; default 1. */
  activityTauS?: number;
  /** Target wall time per engine call, ms (smaller: more responsive, more overhead); default 80. */
  chunkWallMs?: number;
  /** z index of the grid slice; default the middle. */
  sliceZ?: number;
}

export interface DrugInfo {
  name: string;
  target: string;
  action: string;
  K_nM: number;
}

/** What the worker can do, and what it runs on. */
export interface SimInfo {
  engine: 'cpu' | 'webgpu';
  adapter: string;
  /** Set when the worker fell back to the CPU engine (no WebGPU), or another caveat. */
  notice?: string;
  genotypes: { name: string; doc: string }[];
  drugs: DrugInfo[];
}

/** The geometry of the current model, sent once per (re)build (version). */
export interface Layout {
  version: number;
  neurons: number;
  genotype: string;
  voxelUm: number;
  /** Grid box, voxels. */
  nx: number;
  ny: number;
  nz: number;
  /** Positions (µm, xyz interleaved) of the first `activityCells` cells. */
  pos: Float32Array;
  rasterCells: number;
  sampleDtS: number;
  /** Steady-state estimate the run started from. */
  c0Nm: number;
  rate0Hz: number;
}

export interface GridSlice {
  z: number;
  nx: number;
  ny: number;
  /** nM, row-major (x fastest); 0 outside the region. */
  data: Float32Array;
  /** 1 where the voxel belongs to the region. */
  inside: Uint8Array;
}

export interface Frame {
  seq: number;
  /** Model version (bumped on every rebuild: genotype, neuron count, reset). */
  version: number;
  /** Simulated time at the end of the frame, s. */
  tS: number;
  running: boolean;
  /** Measured simulated seconds per wall second (while running). */
  simPerWall: number;
  /** Trace samples since the previous frame: time (s), population rate (Hz), probe and mean 5-HT (nM). */
  sampleT: Float64Array;
  rateHz: Float32Array;
  probeNm: Float32Array;
  meanCNm: Float32Array;
  /** Spikes of the raster cells since the previous frame: cell (0..rasterCells-1) and time (s). */
  spikeCell: Uint32Array;
  spikeT: Float64Array;
  /** Recent activity (Hz, exponentially weighted) of the first `activityCells` cells. */
  activity: Float32Array;
  /** The grid slice, when one was due (at most every sliceEveryMs). */
  slice?: GridSlice;
  /** Spikes dropped from this frame's raster because the caller was slow (never from the traces). */
  droppedSpikes: number;
}

export interface Summary {
  engine: 'cpu' | 'webgpu';
  adapter: string;
  notice?: string;
  version: number;
  neurons: number;
  genotype: string;
  doses: Record<string, number>;
  voxelUm: number;
  tS: number;
  running: boolean;
  simPerWall: number;
  /** Over the last `windowS` simulated seconds (or less if the run is shorter). */
  windowS: number;
  meanRateHz: number;
  probeNm: number;
  meanCNm: number;
  s1A: number;
  s2B: number;
  totalSpikes: number;
  c0Nm: number;
  rate0Hz: number;
  /** Time of the last drug change, s (NaN: none since the build). */
  lastDoseChangeS: number;
}

/** The commands; every one resolves once the worker has acted on it. */
export interface SimApi {
  init(config?: SimConfig): Promise<SimInfo>;
  layout(): Promise<Layout>;
  start(): Promise<void>;
  pause(): Promise<void>;
  /** Advance `seconds` of simulated time (while paused), then emit a frame. */
  step(seconds: number): Promise<void>;
  /** Rebuild the current model from its steady state (time back to 0). */
  reset(): Promise<void>;
  setGenotype(genotype: string): Promise<void>;
  /** Set one drug's concentration, nM (0 removes it), from the next grid step on. */
  setDrug(name: string, nM: number): Promise<void>;
  setDoses(doses: Record<string, number>): Promise<void>;
  setNeurons(n: number): Promise<void>;
  setSliceZ(z: number): Promise<void>;
  setMaxSpeed(simSecondsPerWallSecond: number): Promise<void>;
  /** The next frame: resolves once there is something new and at least minFrameMs since the last. */
  nextFrame(): Promise<Frame>;
  summary(windowS?: number): Promise<Summary>;
  dispose(): Promise<void>;
}
