/**
 * The CPU engines' grid readouts: the 5-HT total over a voxel list and the trace sample, both in
 * float64 (the grid kernels themselves are the WebAssembly ones, wasm/grid.ts, held to the plain
 * specification src/engines/reference/grid.ts).
 */
import type { Geometry } from '../../model/geometry.js';
import { type NeuronState, writeSample } from '../../model/layout.js';

export type { MassAccumulator } from '../reference/grid.js';

/** Sum of c over a voxel list (float64). */
export function sumOver(c: Float32Array, list: Uint32Array): number {
  let s = 0;
  for (let m = 0; m < list.length; m++) s += c[list[m]];
  return s;
}

function meanOf(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
}

/**
 * One trace sample record (SAMPLE_FIELDS, model/layout.ts) of grid `c` and the cells' receptor
 * activations, written at word `at` of `words`: how both CPU engines take a sample.
 */
export function writeTraceSample(
  words: Uint32Array,
  at: number,
  g: Geometry,
  c: Float32Array,
  s: Pick<NeuronState, 's1A' | 's2B'>,
  step: number,
  spikes: number,
): void {
  writeSample(words, at, {
    step,
    spikes,
    probe: sumOver(c, g.probe) / g.probe.length,
    meanC: sumOver(c, g.inside) / g.inside.length,
    s1A: meanOf(s.s1A),
    s2B: meanOf(s.s2B),
  });
}
