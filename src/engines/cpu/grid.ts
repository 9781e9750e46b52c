/**
 * The JavaScript reference of the grid update for one grid step (operator splitting, docs/model.md §4),
 * twin of shaders/release_uptake.wgsl and shaders/diffuse.wgsl; the CPU engines run its WebAssembly
 * twin (wasm/grid.ts), held to these loops bit for bit by tests/wasm-kernels.test.ts. sumOver and
 * writeTraceSample below are the engines' own:
 *   1. release: c += n_spikes(voxel) * dC_spike (integer spike counts: exact, order-free)
 *   2. SERT uptake (Michaelis-Menten, competitive SSRI: Km_eff) + clearance, explicit over dt_grid,
 *      never below zero
 *   3. diffusion: explicit 7-point stencil over the region's voxels, zero flux at its surface
 */
import type { Constants } from '../../model/derive.js';
import { NBR, type Geometry } from '../../model/geometry.js';
import { type NeuronState, writeSample } from '../../model/layout.js';

export interface MassAccumulator {
  released: number;
  uptaken: number;
  cleared: number;
}

const f = Math.fround;
const ALL = NBR.inside | NBR.mx | NBR.px | NBR.my | NBR.py | NBR.mz | NBR.pz;

/** Steps 1 and 2, in place on c. `counts` holds spikes per box voxel and is zeroed here. */
export function releaseUptake(
  k: Constants,
  g: Geometry,
  vmaxDt: Float32Array,
  counts: Uint32Array,
  c: Float32Array,
  mass: MassAccumulator,
): void {
  const dC = k.dCspike;
  const Km = k.KmEff;
  const kcl = k.kClearDt;
  const inside = g.inside;
  const clearOnly = kcl <= 1; // the fast path below is exact only while clearance cannot overshoot
  let rel = 0;
  let upt = 0;
  let clr = 0;
  for (let m = 0; m < inside.length; m++) {
    const v = inside[m];
    const n = counts[v];
    const vm = vmaxDt[v];
    let c1 = c[v];
    if (vm === 0 && n === 0 && clearOnly) {
      // most voxels: no cell, no SERT, only clearance (kClearDt < 1, so never more than is there);
      // u = 0 and rem = 0 + kc = kc exactly: the general path below gives the same bits
      const kc0 = f(kcl * c1);
      clr += kc0;
      c[v] = f(c1 - kc0);
      continue;
    }
    if (n !== 0) {
      const add = f(n * dC);
      c1 = f(c1 + add);
      rel += add;
      counts[v] = 0;
    }
    // no SERT in this voxel: u = 0 * c1 / (Km + c1) = 0 exactly, skip the division
    const u = vm === 0 ? 0 : f(f(vm * c1) / f(Km + c1));
    const kc = f(kcl * c1);
    const rem = f(u + kc);
    if (rem > c1) {
      // cannot remove more than is there: split what is there in proportion
      upt += rem > 0 ? (c1 * u) / rem : 0;
      clr += rem > 0 ? (c1 * kc) / rem : 0;
      c[v] = 0;
    } else {
      upt += u;
      clr += kc;
      c[v] = f(c1 - rem);
    }
  }
  mass.released += rel;
  mass.uptaken += upt;
  mass.cleared += clr;
}

/** Step 3: diffusion from `c` into `out` over the region's voxels. */
export function diffuse(k: Constants, g: Geometry, c: Float32Array, out: Float32Array): void {
  const lam = k.lambdaDiff;
  const nx = g.nx;
  const nxy = g.nx * g.ny;
  const mask = g.nbrMask;
  const inside = g.inside;
  for (let m = 0; m < inside.length; m++) {
    const v = inside[m];
    const bits = mask[v];
    const cv = c[v];
    if (bits === ALL) {
      // interior voxel: same sums in the same order, without the branches
      const s6 = f(
        f(f(f(f(f(c[v - 1] - cv) + f(c[v + 1] - cv)) + f(c[v - nx] - cv)) + f(c[v + nx] - cv)) + f(c[v - nxy] - cv)) + f(c[v + nxy] - cv),
      );
      out[v] = f(cv + f(lam * s6));
      continue;
    }
    let s = 0;
    if (bits & NBR.mx) s = f(s + f(c[v - 1] - cv));
    if (bits & NBR.px) s = f(s + f(c[v + 1] - cv));
    if (bits & NBR.my) s = f(s + f(c[v - nx] - cv));
    if (bits & NBR.py) s = f(s + f(c[v + nx] - cv));
    if (bits & NBR.mz) s = f(s + f(c[v - nxy] - cv));
    if (bits & NBR.pz) s = f(s + f(c[v + nxy] - cv));
    out[v] = f(cv + f(lam * s));
  }
}

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
