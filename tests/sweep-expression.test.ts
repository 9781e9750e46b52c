/** Expression levels: a knock-out genotype is expression 0, bit for bit; other levels scale g1A, g2B, SERT Vmax. */
import { describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { parseScenario } from '../src/model/scenario.js';
import { runScenarios } from '../src/experiment/run-scenario.js';

const small = { regionX_um: 300, regionY_um: 240, regionZ_um: 200 };

function sc(genotype: string, params: Record<string, number>) {
  return parseScenario({
    genotype,
    neurons: 300,
    seed: 3,
    c0_nM: 5,
    params: { ...small, ...params },
    protocol: [{ durationS: 0.4, drugs: { fluoxetine: 5 } }],
  });
}

describe('expression levels', () => {
  test('constants: expression scales g1A, g2B and the SERT Vmax of every voxel', () => {
    const p = { ...defaultParams(), ...small };
    const m1 = buildModel(p, 'wt', 200, 1);
    const m2 = buildModel({ ...p, htr1aExpression: 0.5, htr2bExpression: 2, sertExpression: 0.25 }, 'wt', 200, 1);
    const k1 = deriveConstants(m1, {});
    const k2 = deriveConstants(m2, {});
    expect(k2.g1A).toBeCloseTo(k1.g1A * 0.5, 6);
    expect(k2.g2B).toBeCloseTo(k1.g2B * 2, 6);
    const s1 = m1.vmaxDt.reduce((a, b) => a + b, 0);
    const s2 = m2.vmaxDt.reduce((a, b) => a + b, 0);
    expect(s2 / s1).toBeCloseTo(0.25, 5);
  });

  test('wt with htr2bExpression 0 runs bit for bit as htr2b-ko (and sertExpression 0 as sert-ko, htr1aExpression 0 as htr1a-ko)', async () => {
    const engine = await resolveEngine('cpu');
    const pairs = [
      [sc('htr2b-ko', {}), sc('wt', { htr2bExpression: 0 })],
      [sc('sert-ko', {}), sc('wt', { sertExpression: 0 })],
      [sc('htr1a-ko', {}), sc('wt', { htr1aExpression: 0 })],
    ];
    const res = await runScenarios(pairs.flat(), engine);
    for (let i = 0; i < pairs.length; i++) {
      const a = res[2 * i];
      const b = res[2 * i + 1];
      expect(a.summary.complete && b.summary.complete).toBe(true);
      expect(Array.from(b.spikes!.cells)).toEqual(Array.from(a.spikes!.cells));
      expect(Array.from(b.spikes!.steps)).toEqual(Array.from(a.spikes!.steps));
      for (const k of ['probeNm', 'meanCNm', 's1A', 's2B', 'rateHz'] as const)
        expect(Array.from(b.traces[k])).toEqual(Array.from(a.traces[k]));
      expect(a.spikes!.cells.length).toBeGreaterThan(0);
    }
  });
});
