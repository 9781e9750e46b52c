/**
 * The DRN-shaped region (an ellipsoid, docs/model.md §3), its voxel grid, the neighbour masks of the
 * zero-flux 7-point stencil, the microdialysis probe and the cell positions.
 */
import { HostStream, STREAM, seedKey } from '../rng/philox.js';
import type { Params } from './params.js';
import { chunked, finishSteps, type Steps } from './steps.js';

/** Neighbour bits of `nbrMask`: -x, +x, -y, +y, -z, +z, and INSIDE for a voxel of the region. */
export const NBR = { mx: 1, px: 2, my: 4, py: 8, mz: 16, pz: 32, inside: 64 } as const;

export interface Geometry {
  nx: number;
  ny: number;
  nz: number;
  voxel_um: number;
  /** Per box voxel: NBR bits (0 outside the region). */
  nbrMask: Uint8Array;
  /** Box indices of the voxels inside the region, ascending. */
  inside: Uint32Array;
  /** Box indices of the region's voxels inside the probe cylinder. */
  probe: Uint32Array;
}

export function boxIndex(g: { nx: number; ny: number }, i: number, j: number, k: number): number {
  return i + g.nx * (j + g.ny * k);
}

export function buildGeometry(p: Params): Geometry {
  const h = p.voxel_um;
  const nx = Math.ceil(p.regionX_um / h);
  const ny = Math.ceil(p.regionY_um / h);
  const nz = Math.ceil(p.regionZ_um / h);
  const ax = p.regionX_um / 2;
  const ay = p.regionY_um / 2;
  const az = p.regionZ_um / 2;
  const cx = (nx * h) / 2;
  const cy = (ny * h) / 2;
  const cz = (nz * h) / 2;
  const r2 = p.probeRadius_um * p.probeRadius_um;
  const g = geometryFromShape(
    nx,
    ny,
    nz,
    h,
    (x, y, z) => {
      const u = (x - cx) / ax;
      const v = (y - cy) / ay;
      const w = (z - cz) / az;
      return u * u + v * v + w * w <= 1;
    },
    (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r2,
  );
  if (g.inside.length === 0) throw new Error('the region holds no voxel: voxel_um is larger than the region');
  return g;
}

/** A full box of edge³ voxels, all inside the region (zero flux at its faces); the probe is the whole box. */
export function cubeGeometry(edge: number, voxel_um: number): Geometry {
  return geometryFromShape(
    edge,
    edge,
    edge,
    voxel_um,
    () => true,
    () => true,
  );
}

/**
 * The region = the box voxels whose centres (µm) lie inside `inRegion`; neighbour masks of the
 * zero-flux stencil; the probe = region voxels whose centre's (x, y) lies inside `inProbe`.
 */
export function geometryFromShape(
  nx: number,
  ny: number,
  nz: number,
  h: number,
  inRegion: (x: number, y: number, z: number) => boolean,
  inProbe: (x: number, y: number) => boolean,
): Geometry {
  const n = nx * ny * nz;
  const isIn = new Uint8Array(n);
  let count = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        if (inRegion((i + 0.5) * h, (j + 0.5) * h, (k + 0.5) * h)) {
          isIn[boxIndex({ nx, ny }, i, j, k)] = 1;
          count++;
        }
      }
  const nbrMask = new Uint8Array(n);
  const inside = new Uint32Array(count);
  const probeList: number[] = [];
  let m = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = boxIndex({ nx, ny }, i, j, k);
        if (!isIn[v]) continue;
        let bits: number = NBR.inside;
        if (i > 0 && isIn[v - 1]) bits |= NBR.mx;
        if (i < nx - 1 && isIn[v + 1]) bits |= NBR.px;
        if (j > 0 && isIn[v - nx]) bits |= NBR.my;
        if (j < ny - 1 && isIn[v + nx]) bits |= NBR.py;
        if (k > 0 && isIn[v - nx * ny]) bits |= NBR.mz;
        if (k < nz - 1 && isIn[v + nx * ny]) bits |= NBR.pz;
        nbrMask[v] = bits;
        inside[m++] = v;
        if (inProbe((i + 0.5) * h, (j + 0.5) * h)) probeList.push(v);
      }
    }
  }
  return { nx, ny, nz, voxel_um: h, nbrMask, inside, probe: Uint32Array.from(probeList) };
}

export interface CellPlacement {
  /** Box voxel index of each cell. */
  vox: Uint32Array;
  /** Positions, µm, xyz interleaved (for views). */
  pos: Float32Array;
}

/**
 * Cells placed uniformly over the region's voxels (each cell in a voxel of the region, at a uniform
 * point inside it), from the seed alone: the same seed gives the same tissue on every engine.
 */
export function placeCells(g: Geometry, nCells: number, seed: number): CellPlacement {
  return finishSteps(placeCellsSteps(g, nCells, seed));
}

/** placeCells in chunks of cells with a yield between them (steps.ts): the same placement. */
export function* placeCellsSteps(g: Geometry, nCells: number, seed: number): Steps<CellPlacement> {
  const rng = new HostStream(seedKey(seed), STREAM.placement, 0);
  const vox = new Uint32Array(nCells);
  const pos = new Float32Array(nCells * 3);
  const nIn = g.inside.length;
  yield* chunked(nCells, (from, to) => {
    for (let c = from; c < to; c++) {
      const v = g.inside[Math.min(nIn - 1, Math.floor(rng.uniform() * nIn))];
      vox[c] = v;
      const i = v % g.nx;
      const j = Math.floor(v / g.nx) % g.ny;
      const k = Math.floor(v / (g.nx * g.ny));
      pos[3 * c] = (i + rng.uniform()) * g.voxel_um;
      pos[3 * c + 1] = (j + rng.uniform()) * g.voxel_um;
      pos[3 * c + 2] = (k + rng.uniform()) * g.voxel_um;
    }
  });
  return { vox, pos };
}
