/**
 * The memory a run needs, estimated before anything is allocated, so that a run too large for the
 * machine is refused up front with the estimate and the limit named (instead of a RangeError midway).
 * Platform-free: the caller supplies the budget (the CLI: os.totalmem(); the demo worker: a practical
 * budget of a browser tab).
 */
import { ConfigError } from './errors.js';
import { STATE_WORDS } from './layout.js';
import type { Params } from './params.js';

/** 32-bit words of per-cell engine state (STATE_FIELDS of layout.ts). */
export const STATE_WORDS_PER_CELL = STATE_WORDS;
/** Per-cell model arrays besides the state: Idrive f32, rho f64, vox u32, pos 3 x f32, spike flag u8. */
export const CELL_MODEL_BYTES = 4 + 8 + 4 + 12 + 1;
/** Bytes per cell in all. */
export const BYTES_PER_CELL = 4 * STATE_WORDS_PER_CELL + CELL_MODEL_BYTES;
/**
 * Per box voxel: vmax f64 + vmaxDt f32, concentration and its next step f32, counts u32, masks 2 x u8,
 * inside u32; the release field's: cells per voxel f64 and the box filter's three pass grids f64 (model
 * build), tonicDt f32, and the engine's two u32 grids of box sums and its tonic copy f32.
 */
export const BYTES_PER_VOXEL = 8 + 4 + 4 + 4 + 4 + 2 + 4 + (8 + 3 * 8 + 4) + (4 + 4 + 4);
/** The largest per-voxel array is float64. */
export const LARGEST_ARRAY_BYTES_PER_VOXEL = 8;
/** Per trace sample: 6 values as recorded (u32/f32) plus 6 float64 columns assembled, plus one copy. */
export const BYTES_PER_TRACE_SAMPLE = 24 + 48 + 24;
/** Per recorded spike: cell and step (u32 each), as recorded and as assembled. */
export const BYTES_PER_SPIKE = 16;
/** A generous bound on the mean rate, used to size the spike record (the model's cells fire about 1-5 Hz). */
export const SPIKE_RATE_BOUND_HZ = 20;

export interface RunSize {
  neurons: number;
  params: Params;
  /** Simulated seconds (0: the model alone, no recording). */
  durationS: number;
  recordSpikes: boolean;
  sampleSteps: number;
}

export interface MemoryEstimate {
  cellsBytes: number;
  voxelsBytes: number;
  recordingBytes: number;
  totalBytes: number;
  voxels: number;
  largestArrayBytes: number;
}

export function gridVoxels(p: Params): number {
  return Math.ceil(p.regionX_um / p.voxel_um) * Math.ceil(p.regionY_um / p.voxel_um) * Math.ceil(p.regionZ_um / p.voxel_um);
}

export function estimateMemory(s: RunSize): MemoryEstimate {
  const voxels = gridVoxels(s.params);
  const gridStepS = (s.params.dt_ms * s.params.subSteps) / 1000;
  const steps = s.durationS / gridStepS;
  const cellsBytes = s.neurons * BYTES_PER_CELL;
  const voxelsBytes = voxels * BYTES_PER_VOXEL;
  const spikes = s.recordSpikes ? s.neurons * SPIKE_RATE_BOUND_HZ * s.durationS * BYTES_PER_SPIKE : 0;
  const recordingBytes = (steps / s.sampleSteps) * BYTES_PER_TRACE_SAMPLE + spikes;
  return {
    cellsBytes,
    voxelsBytes,
    recordingBytes,
    totalBytes: cellsBytes + voxelsBytes + recordingBytes,
    voxels,
    largestArrayBytes: Math.max(voxels * LARGEST_ARRAY_BYTES_PER_VOXEL, s.neurons * 12, spikes / 4),
  };
}

export const gb = (b: number): string => `${(b / 1e9).toPrecision(3)} GB`;

/** One typed array may hold at most this many bytes (V8 on 64-bit: 2^32 in Node 20). */
export const MAX_ARRAY_BYTES = 2 ** 32;

/**
 * Refuse a run whose estimate exceeds `budgetBytes` (or whose largest array exceeds one typed array),
 * blaming the largest part: `fields` name the neurons, the grid and the recording.
 */
export function checkMemory(
  s: RunSize,
  budgetBytes: number,
  budgetName: string,
  fields: { neurons: string; grid: string; recording: string },
): MemoryEstimate {
  const e = estimateMemory(s);
  const parts = `cells ${s.neurons} x ${BYTES_PER_CELL} B = ${gb(e.cellsBytes)}, voxels ${e.voxels} x ${BYTES_PER_VOXEL} B = ${gb(
    e.voxelsBytes,
  )}, recording ${gb(e.recordingBytes)}`;
  const blame =
    e.cellsBytes >= e.voxelsBytes && e.cellsBytes >= e.recordingBytes
      ? fields.neurons
      : e.voxelsBytes >= e.recordingBytes
        ? fields.grid
        : fields.recording;
  if (e.totalBytes > budgetBytes) {
    throw new ConfigError(
      blame,
      `the run needs about ${gb(e.totalBytes)} of memory (${parts}), more than ${budgetName} (${gb(budgetBytes)})`,
    );
  }
  if (e.largestArrayBytes > MAX_ARRAY_BYTES) {
    throw new ConfigError(
      blame,
      `one array of the run would need ${gb(e.largestArrayBytes)} of memory, more than one array may hold (${gb(MAX_ARRAY_BYTES)}); ${parts}`,
    );
  }
  return e;
}

/** The most neurons that fit in `budgetBytes` next to the grid (no recording counted). */
export function maxNeuronsWithin(budgetBytes: number, params: Params): number {
  const e = estimateMemory({ neurons: 0, params, durationS: 0, recordSpikes: false, sampleSteps: 1 });
  return Math.max(0, Math.floor((budgetBytes - e.voxelsBytes) / BYTES_PER_CELL));
}
