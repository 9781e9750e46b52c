/**
 * Receptor occupancy and SERT inhibition (src/model/drugs.ts) against hand values; one grid step of
 * release + SERT uptake (src/engines/reference/grid.ts) on a hand-built one-voxel geometry; the decay factors and
 * other constants of deriveConstants against their formulas in float32.
 */
import { describe, expect, it } from 'vitest';
import { buildModel, deriveConstants, type Constants } from '../src/model/derive.js';
import { DPAT_K_nM, DRUGS, GENOTYPES, occupancy, receptorTerms, sertInhibitionFactor } from '../src/model/drugs.js';
import { NBR, type Geometry } from '../src/model/geometry.js';
import { defaultParams } from '../src/model/params.js';
import { fieldSums, releaseUptake, type MassAccumulator } from '../src/engines/reference/grid.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('receptorTerms and occupancy', () => {
  it('no drugs: num 0, den 1; c = K gives 0.5, c = 0 gives 0, c = 3K gives 0.75', () => {
    const t = receptorTerms('5ht1a', {});
    expect(t).toEqual({ num: 0, den: 1 });
    expect(occupancy(20, 20, t)).toBeCloseTo(0.5, 12);
    expect(occupancy(0, 20, t)).toBe(0);
    expect(occupancy(60, 20, t)).toBeCloseTo(0.75, 12);
    expect(occupancy(1e9, 20, t)).toBeCloseTo(1, 6);
  });

  it('a full agonist at a saturating dose gives its efficacy whatever the 5-HT level', () => {
    const t = receptorTerms('5ht1a', { '8-oh-dpat': 1e6 * DPAT_K_nM });
    expect(t.num).toBeCloseTo(1e6, 6);
    expect(t.den).toBeCloseTo(1 + 1e6, 6);
    expect(occupancy(0, 20, t)).toBeCloseTo(1, 5);
    expect(occupancy(20, 20, t)).toBeCloseTo(1, 5);
    // 8-OH-DPAT at its K with no 5-HT: 1 / (1 + 1) = 0.5
    expect(occupancy(0, 20, receptorTerms('5ht1a', { '8-oh-dpat': DPAT_K_nM }))).toBeCloseTo(0.5, 12);
  });

  it('the agonist efficacy scales the agonist term: a partial-agonist arithmetic check via BW723C86 (efficacy 1)', () => {
    // 100 nM BW723C86 (K 10 nM) and 50 nM 5-HT at K_2B 50 nM: (1 + 10)/(1 + 10 + 1) = 11/12
    const t = receptorTerms('5ht2b', { bw723c86: 100 });
    expect(DRUGS.bw723c86.efficacy).toBe(1);
    expect(occupancy(50, 50, t)).toBeCloseTo(11 / 12, 12);
  });

  it('an antagonist shifts the 5-HT curve right by (1 + B/K_B) and does not activate', () => {
    const t = receptorTerms('5ht1a', { 'way-100635': 10 }); // K 1 nM -> den 11
    expect(t).toEqual({ num: 0, den: 11 });
    expect(occupancy(0, 20, t)).toBe(0);
    // half occupancy now at c = 11 K
    expect(occupancy(220, 20, t)).toBeCloseTo(0.5, 12);
    expect(occupancy(20, 20, t)).toBeCloseTo(1 / 12, 12);
  });

  it('agonist and antagonist compete: WAY-100635 lowers 8-OH-DPAT occupancy', () => {
    const a = occupancy(0, 20, receptorTerms('5ht1a', { '8-oh-dpat': DPAT_K_nM }));
    const b = occupancy(0, 20, receptorTerms('5ht1a', { '8-oh-dpat': DPAT_K_nM, 'way-100635': 10 }));
    expect(a).toBeCloseTo(0.5, 12);
    expect(b).toBeCloseTo(1 / 12, 12); // 1 / (1 + 1 + 10)
  });

  it('drugs act only on their own target', () => {
    expect(receptorTerms('5ht2b', { '8-oh-dpat': 100, 'way-100635': 100, fluoxetine: 10 })).toEqual({ num: 0, den: 1 });
    expect(receptorTerms('5ht1a', { bw723c86: 100, 'rs-127445': 100 })).toEqual({ num: 0, den: 1 });
    // RS-127445: pKi 8.22 -> K = 10^(9-8.22) nM ≈ 6.03 nM
    const t = receptorTerms('5ht2b', { 'rs-127445': 6.025595860743578 });
    expect(t.den).toBeCloseTo(2, 6);
    expect(t.num).toBe(0);
  });

  it('zero or negative doses are ignored', () => {
    expect(receptorTerms('5ht1a', { '8-oh-dpat': 0 })).toEqual({ num: 0, den: 1 });
    expect(sertInhibitionFactor({ fluoxetine: 0 })).toBe(1);
  });
});

describe('sertInhibitionFactor', () => {
  it('fluoxetine 10 nM with Ki 0.8 gives 13.5', () => {
    expect(sertInhibitionFactor({ fluoxetine: 10 })).toBeCloseTo(13.5, 12);
  });
  it('is 1 without drugs and ignores receptor ligands', () => {
    expect(sertInhibitionFactor({})).toBe(1);
    expect(sertInhibitionFactor({ '8-oh-dpat': 10, bw723c86: 100 })).toBe(1);
  });
  it('adds inhibitors: citalopram 1.2 nM + paroxetine 0.13 nM -> 1 + 1 + 1 = 3', () => {
    expect(sertInhibitionFactor({ citalopram: 1.2, paroxetine: 0.13 })).toBeCloseTo(3, 12);
    expect(sertInhibitionFactor({ escitalopram: 27.6 })).toBeCloseTo(2, 12);
  });
});

/** A one-voxel region. */
function oneVoxel(): Geometry {
  return {
    nx: 1,
    ny: 1,
    nz: 1,
    voxel_um: 20,
    nbrMask: Uint8Array.of(NBR.inside),
    inside: Uint32Array.of(0),
    probe: Uint32Array.of(0),
  };
}

function constants(doses = {}): Constants {
  const p = { ...defaultParams(), regionX_um: 100, regionY_um: 100, regionZ_um: 100 };
  return deriveConstants(buildModel(p, 'wt', 10, 1), doses);
}

describe('releaseUptake: one grid step of release and SERT uptake', () => {
  it('uptake equals vmaxDt c / (KmEff + c) (no release, no clearance)', () => {
    const k = { ...constants(), kClearDt: 0 };
    expect(k.KmEff).toBe(60);
    for (const c0 of [0.5, 10, 60, 300]) {
      const vmaxDt = 0.07; // nM per grid step
      const c = Float32Array.of(c0);
      const mass: MassAccumulator = { released: 0, uptaken: 0, cleared: 0 };
      releaseUptake(k, oneVoxel(), Float32Array.of(vmaxDt), new Float32Array(1), new Uint32Array(1), c, mass);
      const want = (vmaxDt * c0) / (60 + c0);
      expect(rel(mass.uptaken, want)).toBeLessThan(1e-6);
      // c is float32: the new value is c0 - u to within one float32 rounding of c0
      expect(Math.abs(c0 - c[0] - want)).toBeLessThanOrEqual(c0 * 2 ** -23);
      expect(mass.released).toBe(0);
      expect(mass.cleared).toBe(0);
    }
  });

  it('with an SSRI, Km becomes Km (1 + S/Ki): fluoxetine 10 nM -> 810 nM', () => {
    const k = { ...constants({ fluoxetine: 10 }), kClearDt: 0 };
    expect(k.KmEff).toBeCloseTo(810, 3);
    const c = Float32Array.of(40);
    const mass: MassAccumulator = { released: 0, uptaken: 0, cleared: 0 };
    releaseUptake(k, oneVoxel(), Float32Array.of(0.07), new Float32Array(1), new Uint32Array(1), c, mass);
    expect(rel(mass.uptaken, (0.07 * 40) / (810 + 40))).toBeLessThan(1e-6);
  });

  it('release adds n dC_rel before uptake, clearance is k_clear dt c, and counts are zeroed', () => {
    const k0 = constants();
    const k = { ...k0, dCrel: 2.5 };
    const c = Float32Array.of(10);
    const counts = Uint32Array.of(3);
    const mass: MassAccumulator = { released: 0, uptaken: 0, cleared: 0 };
    releaseUptake(k, oneVoxel(), Float32Array.of(0.07), new Float32Array(1), fieldSums(k, oneVoxel(), counts), c, mass);
    const c1 = 10 + 3 * 2.5;
    expect(mass.released).toBeCloseTo(7.5, 6);
    expect(rel(mass.uptaken, (0.07 * c1) / (60 + c1))).toBeLessThan(1e-6);
    expect(rel(mass.cleared, k0.kClearDt * c1)).toBeLessThan(1e-6);
    expect(counts[0]).toBe(0);
    expect(Math.abs(c[0] - (c1 - mass.uptaken - mass.cleared))).toBeLessThan(1e-5);
  });

  it('never goes negative and removes exactly what is there with a huge vmaxDt', () => {
    const k = constants();
    for (const c0 of [1e-3, 1, 50, 1e4]) {
      const c = Float32Array.of(c0);
      const counts = Uint32Array.of(1);
      const mass: MassAccumulator = { released: 0, uptaken: 0, cleared: 0 };
      releaseUptake({ ...k, dCrel: 1 }, oneVoxel(), Float32Array.of(1e9), new Float32Array(1), fieldSums(k, oneVoxel(), counts), c, mass);
      expect(c[0]).toBe(0);
      expect(mass.uptaken).toBeGreaterThan(0);
      expect(mass.cleared).toBeGreaterThanOrEqual(0);
      // what left the voxel is exactly what was there: c0 + release
      expect(rel(mass.uptaken + mass.cleared, Math.fround(c0 + 1))).toBeLessThan(1e-6);
    }
  });

  it('leaves voxels outside the region untouched', () => {
    const g: Geometry = {
      nx: 2,
      ny: 1,
      nz: 1,
      voxel_um: 20,
      nbrMask: Uint8Array.of(NBR.inside, 0),
      inside: Uint32Array.of(0),
      probe: Uint32Array.of(0),
    };
    const c = Float32Array.of(10, 10);
    releaseUptake(constants(), g, Float32Array.of(1, 1), new Float32Array(2), new Uint32Array(2), c, {
      released: 0,
      uptaken: 0,
      cleared: 0,
    });
    expect(c[0]).toBeLessThan(10);
    expect(c[1]).toBe(10);
  });
});

describe('deriveConstants', () => {
  const p = defaultParams();
  const k = constants();
  const m = buildModel({ ...p, regionX_um: 100, regionY_um: 100, regionZ_um: 100 }, 'wt', 10, 1);
  const f = Math.fround;
  it('decay factors are exp(-dt/tau) rounded to float32', () => {
    expect(k.eAhp1).toBe(f(Math.exp(-0.1 / 3)));
    expect(k.eAhp2).toBe(f(Math.exp(-0.1 / 30)));
    expect(k.eAhp3).toBe(f(Math.exp(-0.1 / 300)));
    expect(k.eBg).toBe(f(Math.exp(-0.1 / 20)));
    // receptor filters run once per grid step (1 ms)
    expect(k.e1Rise).toBe(f(Math.exp(-1 / 85.97)));
    expect(k.e1Decay).toBe(f(Math.exp(-1 / 308.04)));
    expect(k.e2B).toBe(f(Math.exp(-1 / 1000)));
    for (const key of ['eAhp1', 'eAhp2', 'eAhp3', 'eBg', 'e1Rise', 'e1Decay', 'e2B', 'dtC', 'lambdaDiff'] as const) {
      expect(Math.fround(k[key])).toBe(k[key]);
    }
  });

  it('grid and membrane constants match hand values', () => {
    expect(k.subSteps).toBe(10);
    expect(k.refSteps).toBe(65);
    expect(k.dtC).toBe(f(0.1 / 87.6));
    expect(k.gLEL).toBe(f(1.4 * -68.07));
    // D* = 6e-6 cm²/s / 1.6² = 234.375 µm²/s; x 1 ms / (20 µm)² = 5.859375e-4
    expect(rel(k.lambdaDiff, 5.859375e-4)).toBeLessThan(1e-7);
    // 40 /h x 1 ms
    expect(rel(k.kClearDt, 40 / 3600 / 1000)).toBeLessThan(1e-7);
    expect(k.KmEff).toBe(60);
    expect(k.invK1A).toBe(f(1 / 20));
    expect(k.invK2B).toBe(f(1 / 20));
  });

  it('two-stage 5-HT1A filter cross term is tauR/(tauR-tauD) (eR - eD)', () => {
    const tR = p.tau1ARise_ms;
    const tD = p.tau1ADecay_ms;
    expect(k.c1Cross).toBe(f((tR / (tR - tD)) * (Math.exp(-1 / tR) - Math.exp(-1 / tD))));
  });

  it('background thresholds are P(N >= k | N >= 1) x 2^32 and the gap table P(no event)^k x 2^32 (25 Hz x 1 ms)', () => {
    const lam = 0.025;
    const e = Math.exp(-lam);
    const t1 = 1 - e;
    expect(Math.abs(k.bgC2 / 2 ** 32 - (1 - e - lam * e) / t1)).toBeLessThan(1e-8);
    expect(Math.abs(k.bgC3 / 2 ** 32 - (1 - e - lam * e - (lam * lam * e) / 2) / t1)).toBeLessThan(1e-8);
    expect(k.bgC2).toBeGreaterThan(k.bgC3);
    expect(k.bgGapLen).toBe(m.bgGap.length);
    for (const j of [1, 10, 100, 500]) expect(Math.abs(m.bgGap[j - 1] / 2 ** 32 - e ** j)).toBeLessThan(1e-9);
    // the table ends where P(gap >= L) rounds to 0
    expect(m.bgGap[m.bgGap.length - 1]).toBe(0);
    expect(m.bgGap[m.bgGap.length - 2]).toBeGreaterThan(0);
  });

  it('genotypes zero the right conductances; drug terms enter num/den', () => {
    const pp = { ...p, regionX_um: 100, regionY_um: 100, regionZ_um: 100 };
    const ko = deriveConstants(buildModel(pp, 'htr2b-ko', 10, 1), {});
    expect(ko.g2B).toBe(0);
    expect(ko.g1A).toBe(f(defaultParams().g1A_nS));
    expect(deriveConstants(buildModel(pp, 'htr1a-ko', 10, 1), {}).g1A).toBe(0);
    const sko = buildModel(pp, 'sert-ko', 10, 1);
    expect(GENOTYPES['sert-ko'].sert).toBe(0);
    expect(sko.vmaxDt.every((v) => v === 0)).toBe(true);
    const kd = deriveConstants(buildModel(pp, 'wt', 10, 1), { '8-oh-dpat': 3 * DPAT_K_nM, bw723c86: 100 });
    expect(kd.num1A).toBe(3);
    expect(kd.den1A).toBe(4);
    expect(kd.num2B).toBe(10);
    expect(kd.den2B).toBe(11);
  });

  it('per-voxel SERT capacity sums to capacity x nVox x dt_grid over the cells (mean rho ≈ 1), without a release field', () => {
    const pp = { ...p, regionX_um: 300, regionY_um: 240, regionZ_um: 180, releaseField_um: 0 };
    const m = buildModel(pp, 'wt', 400, 3);
    let s = 0;
    for (const v of m.vmaxDt) s += v;
    let rhoSum = 0;
    for (const r of m.rho) rhoSum += r;
    const want = (rhoSum / 400) * p.sertCapacity_nMps * m.geometry.inside.length * 0.001;
    expect(rel(s, want)).toBeLessThan(1e-5);
    // uptake only where cells are
    const cellVox = new Set(m.vox);
    m.vmaxDt.forEach((v, i) => {
      expect(v > 0).toBe(cellVox.has(i));
    });
  });
});
