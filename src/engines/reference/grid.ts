/**
 * The grid kernels as the plain specification: one grid step of the 5-HT grid by operator splitting
 * (docs/model.md §4), written as directly as the model reads, for people and tests; no engine runs them.
 * Their twins are shaders/release_uptake.wgsl and shaders/diffuse.wgsl (WebGPU) and
 * src/engines/cpu/wasm/grid.ts (the CPU engines, WebAssembly), section for section under the same
 * headings (tests/kernel-sections.test.ts) and the same float32 operations in the same order, so they
 * agree bit for bit (tests/wasm-kernels.test.ts). The mass sums are float64, in voxel order.
 *   0. release field: per region voxel, the sum of the release quanta counted this step (counts, per
 *      soma voxel) over the cube of half-width r = fieldR around it, clipped to the box (integers:
 *      exact, order-free; docs/model.md §3)
 *   1. release: c += sum * dC_rel, then c += tonicDt (the non-exocytotic release)
 *   2. SERT uptake (Michaelis-Menten, competitive SSRI: Km_eff; Vmax x sertScale) + clearance, explicit
 *      over dt_grid, never below zero
 *   3. diffusion: explicit 7-point stencil over the region's voxels, zero flux at its surface
 */
import type { Constants } from '../../model/derive.js';
import { NBR, type Geometry } from '../../model/geometry.js';

/** 5-HT released, taken up by SERT and cleared, summed in float64 (nM x voxel). */
export interface MassAccumulator {
  released: number;
  uptaken: number;
  cleared: number;
}

const f32 = Math.fround;

/**
 * Step 0, over the whole region: per region voxel, the sum of `counts` (release quanta per box voxel)
 * over the cube of half-width k.fieldR around it, clipped to the box (a box grid, 0 off the region);
 * then counts zeroed.
 */
export function fieldSums(k: Constants, g: Geometry, counts: Uint32Array): Uint32Array {
  const r = k.fieldR;
  const sums = new Uint32Array(counts.length);
  for (let m = 0; m < g.inside.length; m++) {
    const v = g.inside[m];
    const x = v % g.nx;
    const y = Math.floor(v / g.nx) % g.ny;
    const z = Math.floor(v / (g.nx * g.ny));
    // ---- release field: box sums of the release quanta over each voxel's cube, clipped to the box ----
    let s = 0;
    for (let zz = Math.max(0, z - r); zz <= Math.min(g.nz - 1, z + r); zz++)
      for (let yy = Math.max(0, y - r); yy <= Math.min(g.ny - 1, y + r); yy++)
        for (let xx = Math.max(0, x - r); xx <= Math.min(g.nx - 1, x + r); xx++) s += counts[xx + g.nx * (yy + g.ny * zz)];
    sums[v] = s;
  }
  counts.fill(0);
  return sums;
}

/** Steps 1 and 2, in place on c, given step 0's box sums of release quanta (`sums`, per box voxel). */
export function releaseUptake(
  k: Constants,
  g: Geometry,
  vmaxDt: Float32Array,
  tonicDt: Float32Array,
  sums: Uint32Array,
  c: Float32Array,
  mass: MassAccumulator,
): void {
  let released = 0;
  let uptaken = 0;
  let cleared = 0;
  for (let m = 0; m < g.inside.length; m++) {
    const v = g.inside[m];
    let cv = c[v];
    // ---- release: c += quanta in the cube x dC_rel, then the tonic release ----
    if (sums[v] !== 0) {
      const add = f32(f32(sums[v]) * k.dCrel);
      cv = f32(cv + add);
      released += add;
    }
    cv = f32(cv + tonicDt[v]);
    released += tonicDt[v];
    // ---- uptake and clearance: Michaelis-Menten SERT uptake and first-order clearance, never below zero ----
    const uptake = f32(f32(f32(vmaxDt[v] * k.sertScale) * cv) / f32(k.KmEff + cv));
    const clearance = f32(k.kClearDt * cv);
    const removed = f32(uptake + clearance);
    if (removed > cv) {
      // cannot remove more than is there: split what is there in proportion
      if (removed > 0) {
        uptaken += (cv * uptake) / removed;
        cleared += (cv * clearance) / removed;
      }
      c[v] = 0;
    } else {
      uptaken += uptake;
      cleared += clearance;
      c[v] = f32(cv - removed);
    }
  }
  mass.released += released;
  mass.uptaken += uptaken;
  mass.cleared += cleared;
}

/** Step 3: diffusion from `c` into `out` over the region's voxels. */
export function diffuse(k: Constants, g: Geometry, c: Float32Array, out: Float32Array): void {
  const nxy = g.nx * g.ny;
  for (let m = 0; m < g.inside.length; m++) {
    const v = g.inside[m];
    const bits = g.nbrMask[v];
    const cv = c[v];
    // ---- diffusion: explicit 7-point stencil, neighbours -x, +x, -y, +y, -z, +z, zero flux at the surface ----
    let s = 0;
    if (bits & NBR.mx) s = f32(s + f32(c[v - 1] - cv));
    if (bits & NBR.px) s = f32(s + f32(c[v + 1] - cv));
    if (bits & NBR.my) s = f32(s + f32(c[v - g.nx] - cv));
    if (bits & NBR.py) s = f32(s + f32(c[v + g.nx] - cv));
    if (bits & NBR.mz) s = f32(s + f32(c[v - nxy] - cv));
    if (bits & NBR.pz) s = f32(s + f32(c[v + nxy] - cv));
    out[v] = f32(cv + f32(k.lambdaDiff * s));
  }
}
