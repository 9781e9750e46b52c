/**
 * The worker's settings (everything in a SimConfig but the tissues, the protocol and the slice depth),
 * their defaults, and their checks: the model's own (src/model/scenario.ts LIMITS, checkModelConsistency,
 * src/model/resources.ts for the memory a neuron count takes), with the same one-line ConfigErrors as a
 * scenario file gets.
 */
import { checkNumber } from '../model/errors.js';
import { defaultParams } from '../model/params.js';
import { gb, maxNeuronsWithin } from '../model/resources.js';
import { LIMITS, checkModelConsistency } from '../model/scenario.js';
import type { SimConfig } from './protocol.js';

type Required2<T> = { [K in keyof T]-?: Exclude<T[K], undefined> };
export type Settings = Required2<Omit<SimConfig, 'voxelUm' | 'sliceZ' | 'tissues' | 'protocol'>> & {
  voxelUm: number | 'auto';
};

export const DEFAULT_SETTINGS: Settings = {
  neurons: 2000,
  seed: 1,
  engine: 'auto',
  voxelUm: 'auto',
  sampleSteps: 50,
  maxSpeed: 1,
  minFrameMs: 1000 / 30,
  sliceEveryMs: 250,
  rasterCells: 200,
  activityCells: 8000,
  activityTauS: 1,
  chunkWallMs: 80,
};

/**
 * The demo's practical memory budget (a browser tab holds far less than the machine): the neuron cap
 * is derived from it with the model's memory estimate (src/model/resources.ts), not a magic number.
 * The cap is for all tissues together.
 */
export const DEMO_MEMORY_BUDGET_BYTES = 2 * 2 ** 30;

/**
 * Lays the given settings over `s` (in place: the rooms that read them hold this object) and checks the
 * ones a bad value would break; the neuron count is checked apart, once the tissue count is known.
 */
export function applySettings(s: Settings, given: Partial<Settings>): void {
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (s as Record<string, unknown>)[k] = v;
  if (s.voxelUm !== 'auto') {
    const params = defaultParams();
    params.voxel_um = checkNumber('voxelUm', s.voxelUm, 1, 1000, { unit: 'µm' });
    checkModelConsistency('voxelUm', params);
  }
  s.sampleSteps = checkNumber('sampleSteps', s.sampleSteps, 1, 1e6, { integer: true });
  s.seed = checkSeed(s.seed);
}

export function checkSeed(seed: unknown): number {
  return checkNumber('seed', seed, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
}

/** A neuron count per tissue: a scenario's limits, then the demo's memory budget for `tissues` tissues. */
export function checkNeurons(n: unknown, voxelUm: number | 'auto', tissues: number): number {
  const params = defaultParams();
  if (typeof voxelUm === 'number') params.voxel_um = voxelUm;
  const cap = Math.min(LIMITS.neurons.max, Math.floor(maxNeuronsWithin(DEMO_MEMORY_BUDGET_BYTES / tissues, params)));
  checkNumber('neurons', n, LIMITS.neurons.min, LIMITS.neurons.max, { integer: true });
  return checkNumber('neurons', n, LIMITS.neurons.min, cap, {
    integer: true,
    unit: `(the demo's memory budget, ${gb(DEMO_MEMORY_BUDGET_BYTES)} for ${tissues} tissue${tissues > 1 ? 's' : ''}, at voxel_um ${params.voxel_um})`,
  });
}

export function checkSliceZ(z: number): number {
  if (!Number.isInteger(z) || z < 0) throw new Error('setSliceZ: z must be an integer >= 0');
  return z;
}

export function checkMaxSpeed(x: number): number {
  if (!(x >= 0)) throw new Error('setMaxSpeed: must be >= 0 (0: unlimited)');
  return x;
}

/** The grid voxel edge a build uses: the setting, or for 'auto' 40 µm on the CPU engine and a software adapter, else 20. */
export function gridVoxelUm(setting: number | 'auto', slowEngine: boolean): number {
  return setting === 'auto' ? (slowEngine ? 40 : 20) : setting;
}
