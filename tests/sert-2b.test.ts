// 5-HT2B control of SERT's SSRI recognition (src/model/sert-2b.ts, docs/model.md §2): the SSRI potency is 1 in the
// wild type, 1 - ssriRecognition2B in the Htr2b KO, and it scales S/K in Km_eff (every engine reads KmEff from
// deriveConstants); at 0 (neutral) Km_eff is the same number as before the parameter existed.
import { describe, expect, test } from 'vitest';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import { sertInhibitionFactor } from '../src/model/drugs.js';
import { defaultParams } from '../src/model/params.js';
import { ssriPotency2B } from '../src/model/sert-2b.js';
import { sertOccupancyOf } from '../src/model/chronic-slow.js';

const FLX = { fluoxetine: 3.2 };

describe('ssriPotency2B', () => {
  test('1 everywhere when neutral; 1 - w in the KO, scaled by a partial 5-HT2B expression, capped at the wild type', () => {
    const p0 = defaultParams();
    const p = { ...defaultParams(), ssriRecognition2B: 0.5 };
    expect(ssriPotency2B({ ...p0, ssriRecognition2B: 0 }, 'htr2b-ko')).toBe(1);
    expect(ssriPotency2B(p, 'wt')).toBe(1);
    expect(ssriPotency2B(p, 'htr2b-ko')).toBe(0.5);
    expect(ssriPotency2B({ ...p, htr2bExpression: 0 }, 'wt')).toBe(0.5);
    expect(ssriPotency2B({ ...p, htr2bExpression: 0.5 }, 'wt')).toBe(0.75);
    expect(ssriPotency2B({ ...p, htr2bExpression: 2 }, 'wt')).toBe(1);
  });

  test('Km_eff: the KO sees the SSRI at its potency; neutral leaves Km_eff bit for bit', () => {
    const p = { ...defaultParams(), ssriRecognition2B: 0.5 };
    const ko = deriveConstants(buildModel(p, 'htr2b-ko', 50, 1), FLX);
    const wt = deriveConstants(buildModel(p, 'wt', 50, 1), FLX);
    expect(wt.KmEff).toBe(Math.fround(p.Km_nM * sertInhibitionFactor(FLX)));
    expect(ko.KmEff).toBeCloseTo(p.Km_nM * (1 + (0.5 * 3.2) / 0.8), 3);
    const p0 = { ...defaultParams(), ssriRecognition2B: 0 };
    const ko0 = deriveConstants(buildModel(p0, 'htr2b-ko', 50, 1), FLX);
    expect(ko0.KmEff).toBe(Math.fround(p0.Km_nM * sertInhibitionFactor(FLX)));
  });

  test('SERT occupancy read by the chronic SERT down-regulation follows the potency', () => {
    expect(sertOccupancyOf(FLX)).toBeCloseTo(0.8, 12);
    expect(sertOccupancyOf(FLX, 0.5)).toBeCloseTo(2 / 3, 12);
  });
});
