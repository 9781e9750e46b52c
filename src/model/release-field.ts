/**
 * The release field (docs/model.md §3): a cell releases 5-HT, and takes it up through SERT, over the cube
 * of (2r+1)^3 box voxels centred on its soma's voxel (r = fieldRadiusVoxels), not in that voxel alone:
 * its dendrites carry both. The cube is clipped to the box, and what falls on voxels outside the region is
 * lost (dendrites leaving the nucleus). The engines spread each grid step's release quanta with exact
 * integer box sums; the model spreads the SERT capacity and the tonic release once, with the float64 box
 * filter here. Pure: no engine.
 */
import { ConfigError } from './errors.js';
import type { Geometry } from './geometry.js';
import type { Params } from './params.js';
import { RELEASE_QUANTA } from './release-quanta.js';
import { chunked, finishSteps, type Steps } from './steps.js';

/** Half-width of a cell's cube in voxels: r = round(releaseField_um / voxel_um). */
export function fieldRadiusVoxels(p: Pick<Params, 'releaseField_um' | 'voxel_um'>): number {
  return Math.round(p.releaseField_um / p.voxel_um);
}

/** Voxels of an unclipped cube of half-width r. */
export function cubeVoxels(r: number): number {
  return (2 * r + 1) ** 3;
}

type Box = Pick<Geometry, 'nx' | 'ny' | 'nz'>;

/** One pass of the box filter along an axis of stride `stride` and length `len`: out[v] = sum of a[v + d stride], |d| <= r, in the box. */
function* axisPass(a: Float64Array, g: Box, r: number, axis: 0 | 1 | 2): Steps<Float64Array> {
  const { nx, ny, nz } = g;
  const stride = axis === 0 ? 1 : axis === 1 ? nx : nx * ny;
  const len = axis === 0 ? nx : axis === 1 ? ny : nz;
  const out = new Float64Array(a.length);
  for (let z = 0; z < nz; z++) {
    if (z > 0 && (z & 7) === 0) yield;
    for (let y = 0; y < ny; y++) {
      const row = nx * (y + ny * z);
      for (let x = 0; x < nx; x++) {
        const v = row + x;
        const at = axis === 0 ? x : axis === 1 ? y : z;
        const lo = Math.max(0, at - r);
        const hi = Math.min(len - 1, at + r);
        let s = 0;
        for (let i = lo; i <= hi; i++) s += a[v + (i - at) * stride];
        out[v] = s;
      }
    }
  }
  return out;
}

/**
 * Box filter of a box grid: per voxel, the sum of `a` over the cube of half-width r around it, clipped to
 * the box (x pass, y pass, z pass; each a plain sum over at most 2r+1 values in ascending order, so a
 * window holding only zeros sums to exactly 0). r = 0 returns a copy.
 */
export function* boxFilterSteps(a: Float64Array, g: Box, r: number): Steps<Float64Array> {
  if (r === 0) return a.slice();
  const x = yield* axisPass(a, g, r, 0);
  const y = yield* axisPass(x, g, r, 1);
  return yield* axisPass(y, g, r, 2);
}

export function boxFilter(a: Float64Array, g: Box, r: number): Float64Array {
  return finishSteps(boxFilterSteps(a, g, r));
}

/** Per box voxel: how many of the region's voxels lie in the cube of half-width r around it. */
export function regionVoxelsInCube(g: Pick<Geometry, 'nx' | 'ny' | 'nz' | 'inside'>, r: number): Float64Array {
  const ind = new Float64Array(g.nx * g.ny * g.nz);
  for (const v of g.inside) ind[v] = 1;
  return boxFilter(ind, g, r);
}

type FieldTissue = { params: Pick<Params, 'releaseField_um' | 'voxel_um'>; geometry: Geometry; vox: Uint32Array; nCells: number };

/**
 * Mean over the cells of the fraction of their cube's (2r+1)^3 voxels that are region voxels: the share of
 * a spike's release (and of a cell's SERT) that stays in the region.
 */
export function* fieldInsideFractionSteps(m: FieldTissue): Steps<number> {
  if (m.nCells === 0) return 1;
  const r = fieldRadiusVoxels(m.params);
  const inCube = regionVoxelsInCube(m.geometry, r);
  let s = 0;
  yield* chunked(m.nCells, (from, to) => {
    for (let c = from; c < to; c++) s += inCube[m.vox[c]];
  });
  return s / cubeVoxels(r) / m.nCells;
}

export function fieldInsideFraction(m: FieldTissue): number {
  return finishSteps(fieldInsideFractionSteps(m));
}

/**
 * Refuses a tissue whose box sum of release quanta could leave u32: a cube holds at most every cell's
 * RELEASE_QUANTA, and on average nCells x cubeVoxels / regionVoxels of them; 4 x that mean (a safety
 * factor on the density), or all cells if fewer, times RELEASE_QUANTA must stay below 2^32.
 */
export function checkReleaseOverflow(nCells: number, r: number, regionVoxels: number): void {
  const cube = cubeVoxels(r);
  const bound = Math.min(nCells, ((nCells * cube) / regionVoxels) * 4) * RELEASE_QUANTA;
  if (bound >= 2 ** 32)
    throw new ConfigError(
      'neurons',
      `${nCells} cells over ${regionVoxels} region voxels put up to ${bound.toExponential(2)} release quanta in one ${2 * r + 1}^3-voxel release cube, over the 2^32 an engine counts: use fewer cells, a larger voxel_um or a smaller releaseField_um`,
    );
}
