/**
 * The explicit 7-point diffusion of src/engines/reference/grid.ts against the analytic point-source spread:
 * variance 2 D* t per axis, D* = D / lambda², mass conserved; zero flux at the region's surface.
 */
import { describe, expect, it } from 'vitest';
import { sumOver } from '../src/engines/cpu/grid.js';
import { diffuse } from '../src/engines/reference/grid.js';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import { NBR, boxIndex, buildGeometry, cubeGeometry, type Geometry } from '../src/model/geometry.js';
import { defaultParams } from '../src/model/params.js';

/** A full cubic box of n³ voxels, all inside the region. */
const cube = cubeGeometry;

function moments(g: Geometry, c: Float32Array) {
  const n = g.nx;
  let m0 = 0;
  const m1 = [0, 0, 0];
  const m2 = [0, 0, 0];
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        const w = c[boxIndex(g, i, j, k)];
        m0 += w;
        const x = [i, j, k];
        for (let a = 0; a < 3; a++) {
          m1[a] += w * x[a];
          m2[a] += w * x[a] * x[a];
        }
      }
  const mean = m1.map((s) => s / m0);
  const variance = m2.map((s, a) => s / m0 - mean[a] * mean[a]);
  return { m0, mean, variance };
}

describe('diffusion of a point source', () => {
  it('spreads with variance 2 D* t per axis and conserves mass', () => {
    // 4 µm voxels so the spread covers several voxels in 400 grid steps (0.4 s)
    const voxel = 4;
    const p = { ...defaultParams(), voxel_um: voxel, regionX_um: 40, regionY_um: 40, regionZ_um: 40 };
    const k = deriveConstants(buildModel(p, 'wt', 1, 1), {});
    const Dstar_um2_per_s = (p.D_cm2ps * 1e8) / (p.lambda * p.lambda); // 234.375
    expect(Dstar_um2_per_s).toBeCloseTo(234.375, 9);
    const dtGrid_s = 0.001;
    expect(k.lambdaDiff).toBeCloseTo((Dstar_um2_per_s * dtGrid_s) / (voxel * voxel), 9);

    const n = 33;
    const g = cube(n, voxel);
    let c = new Float32Array(n * n * n);
    let next = new Float32Array(n * n * n);
    const centre = boxIndex(g, 16, 16, 16);
    c[centre] = 1e6;
    const mass0 = sumOver(c, g.inside);
    const steps = 400;
    const checkpoints = new Map<number, number[]>();
    for (let s = 1; s <= steps; s++) {
      diffuse(k, g, c, next);
      [c, next] = [next, c];
      if (s === 100 || s === steps) checkpoints.set(s, moments(g, c).variance);
    }
    const { m0, mean, variance } = moments(g, c);
    // mass
    expect(Math.abs(m0 - mass0) / mass0).toBeLessThan(1e-5);
    // the source stays centred
    for (const a of mean) expect(Math.abs(a - 16)).toBeLessThan(1e-3);
    // the spread never reached the boundary in any significant amount (4.7 SD away)
    expect(c[boxIndex(g, 0, 16, 16)] / c[centre]).toBeLessThan(1e-4);
    // variance per axis, µm²: 2 D* t
    for (const [s, v] of checkpoints) {
      const want = 2 * Dstar_um2_per_s * s * dtGrid_s;
      for (const va of v) expect(Math.abs(va * voxel * voxel - want) / want, `step ${s}`).toBeLessThan(0.02);
    }
    expect(variance[0]).toBeGreaterThan(10); // it really spread: 2 D* t = 187.5 µm² = 11.7 voxel²
    for (let i = 0; i < c.length; i++) if (c[i] < 0) throw new Error(`negative concentration at ${i}`);
  });

  it('zero flux at the surface of an ellipsoidal region: mass conserved, uniform state is stationary', () => {
    const p = { ...defaultParams(), regionX_um: 200, regionY_um: 160, regionZ_um: 120 };
    const m = buildModel(p, 'wt', 1, 1);
    const k = deriveConstants(m, {});
    // use the largest stable step to stress the stencil
    const kk = { ...k, lambdaDiff: Math.fround(1 / 6) };
    const g = m.geometry;
    let c = new Float32Array(g.nx * g.ny * g.nz);
    let next = new Float32Array(c.length);
    // everything at one surface voxel
    c[g.inside[0]] = 1000;
    const mass0 = sumOver(c, g.inside);
    for (let s = 0; s < 2000; s++) {
      diffuse(kk, g, c, next);
      [c, next] = [next, c];
    }
    expect(Math.abs(sumOver(c, g.inside) - mass0) / mass0).toBeLessThan(1e-5);
    // voxels outside the region stay empty
    const inside = new Set(g.inside);
    for (let v = 0; v < c.length; v++) if (!inside.has(v)) expect(c[v]).toBe(0);
    // well mixed by now: every voxel near the mean
    const mean = mass0 / g.inside.length;
    for (const v of g.inside) expect(Math.abs(c[v] - mean) / mean).toBeLessThan(0.05);

    // a uniform field does not move
    const u = new Float32Array(c.length);
    for (const v of g.inside) u[v] = 37;
    const out = new Float32Array(c.length);
    diffuse(k, g, u, out);
    for (const v of g.inside) expect(out[v]).toBe(37);
  });

  it('buildGeometry: neighbour bits point only at region voxels', () => {
    const g = buildGeometry({ ...defaultParams(), regionX_um: 200, regionY_um: 160, regionZ_um: 120 });
    const isIn = new Uint8Array(g.nx * g.ny * g.nz);
    for (const v of g.inside) isIn[v] = 1;
    const nxy = g.nx * g.ny;
    const dirs: [number, number][] = [
      [NBR.mx, -1],
      [NBR.px, 1],
      [NBR.my, -g.nx],
      [NBR.py, g.nx],
      [NBR.mz, -nxy],
      [NBR.pz, nxy],
    ];
    let surface = 0;
    for (const v of g.inside) {
      const b = g.nbrMask[v];
      expect(b & NBR.inside).toBe(NBR.inside);
      let full = true;
      for (const [bit, off] of dirs) {
        if (b & bit) expect(isIn[v + off]).toBe(1);
        else full = false;
      }
      if (!full) surface++;
    }
    expect(surface).toBeGreaterThan(0);
    expect(surface).toBeLessThan(g.inside.length);
  });
});
