/**
 * The release field (src/model/release-field.ts, docs/model.md §3): a cell's release and SERT spread over
 * the cube of (2r+1)^3 voxels about its soma's voxel, clipped to the box, the share off the region lost.
 * The box filter against a brute-force sum, the overflow refusal, the model's spread SERT and tonic
 * grids, and the reference grid kernel's release of one spike.
 */
import { describe, expect, it } from 'vitest';
import { fieldSums, releaseUptake, type MassAccumulator } from '../src/engines/reference/grid.js';
import { buildModel, deriveConstants, gridStep_s, moleculesPerNmVoxel, type Model } from '../src/model/derive.js';
import { ConfigError } from '../src/model/errors.js';
import { boxIndex, cubeGeometry, type Geometry } from '../src/model/geometry.js';
import { defaultParams } from '../src/model/params.js';
import {
  boxFilter,
  checkReleaseOverflow,
  cubeVoxels,
  fieldInsideFraction,
  fieldRadiusVoxels,
  regionVoxelsInCube,
} from '../src/model/release-field.js';
import { RELEASE_QUANTA } from '../src/model/release-quanta.js';

const small = { ...defaultParams(), regionX_um: 300, regionY_um: 240, regionZ_um: 180 };
const zeroMass = (): MassAccumulator => ({ released: 0, uptaken: 0, cleared: 0 });

/** The sum of a over the clipped cube of half-width r around (x, y, z), one voxel at a time. */
function bruteCubeSum(a: ArrayLike<number>, g: { nx: number; ny: number; nz: number }, r: number, x: number, y: number, z: number): number {
  let s = 0;
  for (let k = Math.max(0, z - r); k <= Math.min(g.nz - 1, z + r); k++)
    for (let j = Math.max(0, y - r); j <= Math.min(g.ny - 1, y + r); j++)
      for (let i = Math.max(0, x - r); i <= Math.min(g.nx - 1, x + r); i++) s += a[boxIndex(g, i, j, k)];
  return s;
}

describe('the release field', () => {
  it('has a half-width of round(releaseField_um / voxel_um) voxels: 4 at the default 80 µm over 20 µm voxels', () => {
    expect(fieldRadiusVoxels(defaultParams())).toBe(4);
    expect(fieldRadiusVoxels({ releaseField_um: 0, voxel_um: 20 })).toBe(0);
    expect(fieldRadiusVoxels({ releaseField_um: 50, voxel_um: 20 })).toBe(3);
    expect(cubeVoxels(4)).toBe(729);
  });

  it('box filter sums each clipped cube, as a voxel-by-voxel sum does, and is a copy at r = 0', () => {
    const g = { nx: 7, ny: 5, nz: 4 };
    const a = Float64Array.from({ length: 7 * 5 * 4 }, (_, i) => ((i * 37) % 11) / 3);
    for (const r of [1, 2, 6]) {
      const f = boxFilter(a, g, r);
      for (let z = 0; z < g.nz; z++)
        for (let y = 0; y < g.ny; y++)
          for (let x = 0; x < g.nx; x++) expect(f[boxIndex(g, x, y, z)]).toBeCloseTo(bruteCubeSum(a, g, r, x, y, z), 12);
    }
    const copy = boxFilter(a, g, 0);
    expect(copy).toEqual(a);
    expect(copy).not.toBe(a);
  });

  it('counts the region voxels in each cube: all of them in a box that is all region, fewer at its edges', () => {
    const g = cubeGeometry(5, 20);
    const n = regionVoxelsInCube(g, 1);
    expect(n[boxIndex(g, 2, 2, 2)]).toBe(27);
    expect(n[boxIndex(g, 0, 0, 0)]).toBe(8);
    expect(n[boxIndex(g, 0, 2, 2)]).toBe(18);
  });

  it("inside fraction: 1 where every cell's cube lies in the region, the mean share otherwise", () => {
    const g = cubeGeometry(5, 20);
    const params = { releaseField_um: 20, voxel_um: 20 };
    expect(fieldInsideFraction({ params, geometry: g, vox: Uint32Array.of(boxIndex(g, 2, 2, 2)), nCells: 1 })).toBe(1);
    const vox = Uint32Array.of(boxIndex(g, 2, 2, 2), boxIndex(g, 0, 0, 0));
    expect(fieldInsideFraction({ params, geometry: g, vox, nCells: 2 })).toBeCloseTo((1 + 8 / 27) / 2, 12);
    const m = buildModel(small, 'wt', 400, 3);
    expect(m.fieldInsideFraction).toBeGreaterThan(0.2);
    expect(m.fieldInsideFraction).toBeLessThan(1);
    expect(buildModel({ ...small, releaseField_um: 0 }, 'wt', 400, 3).fieldInsideFraction).toBe(1);
  });

  it('refuses, naming neurons, a tissue whose box sum of release quanta could pass 2^32', () => {
    expect(() => checkReleaseOverflow(1e8, 4, 31_000)).not.toThrow();
    expect(() => checkReleaseOverflow(1e8, 40, 31_000)).toThrow(ConfigError);
    try {
      checkReleaseOverflow(1e8, 40, 31_000);
    } catch (e) {
      expect((e as ConfigError).field).toBe('neurons');
      expect((e as Error).message).not.toContain('\n');
    }
    // a cube never holds more than every cell: 2^26 cells x 64 quanta = 2^32 is refused, one fewer is not
    expect(() => checkReleaseOverflow(2 ** 26, 40, 10)).toThrow(ConfigError);
    expect(() => checkReleaseOverflow(2 ** 26 - 1, 40, 10)).not.toThrow();
    expect(() => buildModel({ ...small, releaseField_um: 1000, voxel_um: 20 }, 'wt', 2 ** 26, 1)).toThrow(/^neurons: /);
  });
});

describe('the model spreads each cell over its cube', () => {
  it("SERT: vmaxDt sums, over the region, each cell's Vmax x dt x the share of its cube inside the region", () => {
    const m = buildModel(small, 'wt', 400, 3);
    const r = m.fieldR;
    expect(r).toBe(4);
    const inCube = regionVoxelsInCube(m.geometry, r);
    let want = 0;
    for (let c = 0; c < m.nCells; c++)
      want += ((m.rho[c] * small.sertCapacity_nMps * m.geometry.inside.length) / 400 / 729) * inCube[m.vox[c]];
    want *= gridStep_s(small);
    let s = 0;
    for (const v of m.geometry.inside) s += m.vmaxDt[v];
    expect(Math.abs(s - want) / want).toBeLessThan(1e-5);
    // uptake wherever a cell's cube reaches, and nowhere off the region
    const cells = new Float64Array(m.vmaxDt.length);
    for (const v of m.vox) cells[v]++;
    const reach = boxFilter(cells, m.geometry, r);
    m.vmaxDt.forEach((v, i) => {
      expect(v > 0, `voxel ${i}`).toBe(reach[i] > 0 && m.geometry.nbrMask[i] !== 0);
    });
  });

  it("tonic release: tonicDt sums, over the region, each cell's molecules per grid step x refCells/N x its share inside", () => {
    const p = { ...small, tonicRelease_molps: 1000 };
    const m = buildModel(p, 'wt', 400, 3);
    const perCell_nM = (1000 * (p.refCells_n / 400) * gridStep_s(p)) / moleculesPerNmVoxel(m);
    let s = 0;
    for (const v of m.geometry.inside) s += m.tonicDt[v];
    const want = perCell_nM * m.fieldInsideFraction * 400;
    expect(Math.abs(s - want) / want).toBeLessThan(1e-5);
    m.tonicDt.forEach((v, i) => {
      if (m.geometry.nbrMask[i] === 0) expect(v).toBe(0);
    });
    expect(buildModel(small, 'wt', 400, 3).tonicDt.every((v) => v === 0)).toBe(true);
  });

  it('without a field (r = 0) SERT sits in the soma voxels alone and dC_rel is one quantum of dC_spike', () => {
    const m = buildModel({ ...small, releaseField_um: 0 }, 'wt', 400, 3);
    const k = deriveConstants(m, {});
    expect(k.fieldR).toBe(0);
    expect(k.dCrel).toBe(Math.fround(m.dCspike_nM / RELEASE_QUANTA));
    const somata = new Set(m.vox);
    m.vmaxDt.forEach((v, i) => {
      expect(v > 0).toBe(somata.has(i));
    });
    expect(deriveConstants(buildModel(small, 'wt', 400, 3), {}).dCrel).toBe(Math.fround(m.dCspike_nM / RELEASE_QUANTA / 729));
  });

  it('sertScale is 1 unless asked for', () => {
    const m = buildModel(small, 'wt', 40, 3);
    expect(deriveConstants(m, {}).sertScale).toBe(1);
    expect(deriveConstants(m, {}, { sertScale: 0.7 }).sertScale).toBe(Math.fround(0.7));
  });
});

describe('the reference grid kernel releases a spike over its cube', () => {
  const g: Geometry = cubeGeometry(9, 20);
  const none = new Float32Array(9 ** 3);
  function releaseOne(r: number, at: [number, number, number]): { c: Float32Array; mass: MassAccumulator; dCrel: number } {
    const m = buildModel({ ...small, releaseField_um: 20 * r }, 'wt', 10, 1);
    const k = { ...deriveConstants(m as Model, {}), fieldR: r, kClearDt: 0, nx: 9, ny: 9, nz: 9 };
    const counts = new Uint32Array(9 ** 3);
    counts[boxIndex(g, ...at)] = RELEASE_QUANTA;
    const c = new Float32Array(9 ** 3);
    const mass = zeroMass();
    releaseUptake(k, g, none, none, fieldSums(k, g, counts), c, mass);
    expect(counts.every((q) => q === 0)).toBe(true);
    return { c, mass, dCrel: k.dCrel };
  }

  it('the same amount on every voxel of the cube, nothing outside it', () => {
    const { c, mass, dCrel } = releaseOne(2, [4, 4, 4]);
    const each = Math.fround(RELEASE_QUANTA * dCrel);
    for (let z = 0; z < 9; z++)
      for (let y = 0; y < 9; y++)
        for (let x = 0; x < 9; x++) {
          const inCube = Math.max(Math.abs(x - 4), Math.abs(y - 4), Math.abs(z - 4)) <= 2;
          expect(c[boxIndex(g, x, y, z)]).toBe(inCube ? each : 0);
        }
    expect(mass.released).toBeCloseTo(125 * each, 12);
  });

  it('clipped at the box: a spike in a corner releases only the part of its cube inside', () => {
    const { c, mass, dCrel } = releaseOne(2, [0, 0, 0]);
    const each = Math.fround(RELEASE_QUANTA * dCrel);
    expect(c.filter((v) => v > 0).length).toBe(27);
    expect(mass.released).toBeCloseTo(27 * each, 12);
  });

  it('at r = 0 equals the single-voxel release of dC_spike', () => {
    const { c, mass } = releaseOne(0, [3, 5, 1]);
    const m = buildModel({ ...small, releaseField_um: 0 }, 'wt', 10, 1);
    expect(c[boxIndex(g, 3, 5, 1)]).toBe(Math.fround(m.dCspike_nM));
    expect(c.filter((v) => v > 0).length).toBe(1);
    expect(mass.released).toBe(Math.fround(m.dCspike_nM));
  });
});
