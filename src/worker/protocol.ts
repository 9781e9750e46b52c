/**
 * The frame protocol between the simulation worker (src/worker/simulation.ts, exposed with comlink in
 * a browser Web Worker or a Node worker_threads Worker) and whoever drives it (the demo page, tests).
 * Plain data only: the caller never imports the model or an engine, everything it shows comes from
 * `init`/`layout`/`nextFrame`/`summary`. Typed arrays in a Frame are transferred, not copied.
 *
 * The worker runs one or two tissues (A, B) on one clock: the same cells, seed and grid, each its own
 * genotype, expression levels and drug doses, advanced together through one batch engine (on WebGPU in
 * the same dispatches). A drug change for the linked tissues lands on all of them at the same grid step;
 * an unlinked tissue's doses change only when asked for by its index.
 */

export type EngineChoice = 'auto' | 'cpu' | 'webgpu';

/** Tissue labels, in order. */
export const TISSUE_LABELS = ['A', 'B'] as const;
export const MAX_TISSUES = TISSUE_LABELS.length;

/** The expression levels of a tissue, in order (the params schema's keys). */
export const EXPRESSION_FIELDS = ['htr1aExpression', 'htr2bExpression', 'sertExpression'] as const;
export type ExpressionField = (typeof EXPRESSION_FIELDS)[number];

/**
 * The tissue record, the one shape every side uses: what the caller asks for (TissueSpec, each field
 * optional), what the page keeps in its URL, what a layout and a summary report back.
 */
export interface Tissue {
  /** Genotype name (see SimInfo.genotypes); default 'wt'. */
  genotype: string;
  /** 5-HT1A, 5-HT2B and SERT expression, fraction of the wild type (params schema: 0-4); default 1. */
  htr1aExpression: number;
  htr2bExpression: number;
  sertExpression: number;
  /** Takes the drug changes meant for the linked tissues and the protocol's phases; default true. */
  linked: boolean;
  /** Drug doses, nM, by name (see SimInfo.drugs); at the start default none. A protocol's first phase
   * replaces them for a linked tissue. */
  doses: Record<string, number>;
}

/** One tissue as asked for: any field left out takes its default. */
export type TissueSpec = Partial<Tissue>;

export interface SimConfig {
  /** The tissues, 1 or 2 (A, then B); default A = wild type, B = Htr2b 5-HTKO. */
  tissues?: TissueSpec[];
  /** A built-in protocol (SimInfo.protocols) to run from t = 0, or null: free run; default null. */
  protocol?: string | null;
  /** Number of model neurons (per tissue); default 2000. */
  neurons?: number;
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
  /** Minimum wall time between grid slices, ms (each costs a state read-back per tissue); default 250. */
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

/** One phase of a protocol: from startS on, the linked tissues get exactly these doses. */
export interface ProtocolPhase {
  name: string;
  startS: number;
  doses: Record<string, number>;
}

/** A one-click protocol: phases in order (the first at 0 s, drug-free: the baseline), and its end. */
export interface ProtocolInfo {
  id: string;
  title: string;
  doc: string;
  phases: ProtocolPhase[];
  endS: number;
}

/** What the worker can do, and what it runs on. */
export interface SimInfo {
  engine: 'cpu' | 'webgpu';
  adapter: string;
  /** Set when the worker fell back to the CPU engine (no WebGPU), or another caveat. */
  notice?: string;
  /**
   * Set when `auto` chose the CPU engine because the only WebGPU adapter is software Vulkan (SwiftShader
   * in a browser without a GPU): that adapter's name. The CPU engine is the faster one there.
   */
  softwareAdapter?: string;
  genotypes: { name: string; doc: string }[];
  drugs: DrugInfo[];
  protocols: ProtocolInfo[];
  maxTissues: number;
  /** The expression levels' range (params schema). */
  expression: { min: number; max: number };
  /** The WT baseline rate band of finding F1, Hz (the findings' data): the rate plot shades it. */
  rateBand: { lo: number; hi: number; label: string };
}

/** A tissue as built (its starting doses are its first phase mark in the frames). */
export interface TissueInfo extends Omit<Tissue, 'doses'> {
  label: string;
  genotypeDoc: string;
  /** Steady-state estimate the run started from. */
  c0Nm: number;
  rate0Hz: number;
}

/** The geometry of the current model, sent once per (re)build (version). */
export interface Layout {
  version: number;
  neurons: number;
  seed: number;
  voxelUm: number;
  /** Grid box, voxels. */
  nx: number;
  ny: number;
  nz: number;
  /** Positions (µm, xyz interleaved) of the first `activityCells` cells (the same in every tissue). */
  pos: Float32Array;
  rasterCells: number;
  sampleDtS: number;
  tissues: TissueInfo[];
  /** The protocol running since t = 0, or null. */
  protocol: ProtocolInfo | null;
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

/** A phase change of one tissue: from tS on it runs with these doses (the build's start is one). */
export interface PhaseMark {
  tissue: number;
  tS: number;
  /** The protocol phase's name, 'baseline' (no drug at the start), or what changed ("fluoxetine 10 nM"). */
  name: string;
  doses: Record<string, number>;
}

/** One tissue's part of a frame. */
export interface TissueFrame {
  /** Trace samples since the previous frame, at the frame's sampleT: population rate (Hz), probe and mean 5-HT (nM). */
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

export interface Frame {
  seq: number;
  /** Model version (bumped on every rebuild: tissues, neuron count, protocol, reset). */
  version: number;
  /** Simulated time at the end of the frame, s. */
  tS: number;
  running: boolean;
  /** Measured simulated seconds per wall second (while running), for all tissues together. */
  simPerWall: number;
  /** Sample times (s) of this frame's trace samples, shared by the tissues (one clock). */
  sampleT: Float64Array;
  tissues: TissueFrame[];
  /** Phase changes since the previous frame (at the build: every tissue's start). */
  phases: PhaseMark[];
  /** The protocol has reached its end (the worker paused there). */
  protocolDone: boolean;
}

/** A tissue now: its record (current doses), the means over the summary's window, its history. */
export interface TissueSummary extends Tissue {
  label: string;
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
  /** Every phase since the build, in order. */
  phases: PhaseMark[];
}

export interface Summary {
  engine: 'cpu' | 'webgpu';
  adapter: string;
  notice?: string;
  version: number;
  neurons: number;
  seed: number;
  voxelUm: number;
  tS: number;
  running: boolean;
  simPerWall: number;
  protocol: string | null;
  protocolDone: boolean;
  /** Over the last `windowS` simulated seconds (or less if the run is shorter). */
  windowS: number;
  tissues: TissueSummary[];
}

/** The commands; every one resolves once the worker has acted on it. */
export interface SimApi {
  init(config?: SimConfig): Promise<SimInfo>;
  layout(): Promise<Layout>;
  start(): Promise<void>;
  pause(): Promise<void>;
  /** Advance `seconds` of simulated time (while paused), then emit a frame. */
  step(seconds: number): Promise<void>;
  /** Rebuild the tissues from their steady state and starting doses (time back to 0, the protocol restarts). */
  reset(): Promise<void>;
  /** New tissues (1 or 2): rebuilt from their steady state, time back to 0. */
  setTissues(tissues: TissueSpec[]): Promise<void>;
  /** Link or unlink a tissue; a tissue linked again takes the linked tissues' current doses. */
  setLinked(tissue: number, linked: boolean): Promise<void>;
  /** Run a built-in protocol from t = 0 (rebuilt from the steady state), or null: free run from now on. */
  setProtocol(id: string | null): Promise<void>;
  /** Set one drug's concentration, nM (0 removes it), from the next grid step on: for every linked
   * tissue at the same step, or for tissue `tissue` alone. */
  setDrug(name: string, nM: number, tissue?: number): Promise<void>;
  /** Replace the doses (as setDrug: the linked tissues, or one tissue). */
  setDoses(doses: Record<string, number>, tissue?: number): Promise<void>;
  setNeurons(n: number): Promise<void>;
  setSeed(seed: number): Promise<void>;
  setSliceZ(z: number): Promise<void>;
  setMaxSpeed(simSecondsPerWallSecond: number): Promise<void>;
  /** The next frame: resolves once there is something new and at least minFrameMs since the last. */
  nextFrame(): Promise<Frame>;
  summary(windowS?: number): Promise<Summary>;
  dispose(): Promise<void>;
}
