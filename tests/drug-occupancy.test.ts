/**
 * Drug exposure as SERT occupancy (docs/model.md §2): the competitive occupancy of the SERT inhibitors,
 * its inverse for one inhibitor, the therapeutic dose the findings and the chronic experiment use, and a
 * dose asked for by occupancy in scenario files, sweep files and on --drug (converted to nM when read).
 */
import { describe, expect, test } from 'vitest';
import { scenarioFromFlags } from '../src/cli/args.js';
import { CHRONIC_DOSES } from '../src/model/chronic.js';
import {
  DPAT_K_nM,
  DRUGS,
  DRUG_NAMES,
  THERAPEUTIC_OCCUPANCY,
  doseForOccupancy,
  dosesText,
  isSertInhibitor,
  receptorOccupancy,
  sertInhibitionFactor,
  sertOccupancy,
} from '../src/model/drugs.js';
import { ConfigError } from '../src/model/errors.js';
import { DOSES, FINDINGS } from '../src/model/findings.js';
import { parseScenario } from '../src/model/scenario.js';
import { parseSweep } from '../src/sweep/spec.js';

const SERT_INHIBITORS = DRUG_NAMES.filter(isSertInhibitor);
const LIGANDS = DRUG_NAMES.filter((d) => !isSertInhibitor(d));

describe('occupancy', () => {
  test('80% of SERT is 3.2 nM of fluoxetine (K 0.8 nM), and 3.2 nM occupies 80%', () => {
    expect(DRUGS.fluoxetine.K_nM).toBe(0.8);
    expect(doseForOccupancy('fluoxetine', 0.8)).toBe(3.2);
    expect(sertOccupancy({ fluoxetine: 3.2 })).toBeCloseTo(0.8, 12);
  });

  test('one inhibitor at its K occupies half of SERT; no inhibitor, none; receptor ligands occupy no SERT', () => {
    for (const d of SERT_INHIBITORS) expect(sertOccupancy({ [d]: DRUGS[d].K_nM }), d).toBeCloseTo(0.5, 12);
    expect(sertOccupancy({})).toBe(0);
    expect(sertOccupancy(Object.fromEntries(LIGANDS.map((d) => [d, 100])))).toBe(0);
  });

  test('two inhibitors compete for SERT: their loads S/K add, so together they occupy more than either alone', () => {
    // each at its K: load 1 + 1 = 2, occupancy 2/3
    const both = { fluoxetine: DRUGS.fluoxetine.K_nM, paroxetine: DRUGS.paroxetine.K_nM };
    expect(sertOccupancy(both)).toBeCloseTo(2 / 3, 12);
    // the same occupancy as one inhibitor at twice its K, and what the uptake sees (Km x (1 + load))
    expect(sertOccupancy(both)).toBeCloseTo(sertOccupancy({ fluoxetine: 2 * DRUGS.fluoxetine.K_nM }), 12);
    expect(sertOccupancy(both)).toBeCloseTo(1 - 1 / sertInhibitionFactor(both), 12);
  });

  test('doseForOccupancy inverts the occupancy of every SERT inhibitor, and refuses a receptor ligand or 100%', () => {
    for (const d of SERT_INHIBITORS) {
      for (const f of [0, 0.25, 0.8, 0.95]) expect(sertOccupancy({ [d]: doseForOccupancy(d, f) }), `${d} ${f}`).toBeCloseTo(f, 5);
    }
    expect(() => doseForOccupancy('8-oh-dpat', 0.5)).toThrow(/not a SERT inhibitor/);
    expect(() => doseForOccupancy('fluoxetine', 1)).toThrow(RangeError);
    expect(() => doseForOccupancy('fluoxetine', -0.1)).toThrow(RangeError);
  });

  test('a receptor ligand alone occupies c/K / (1 + c/K) of its target', () => {
    expect(receptorOccupancy('8-oh-dpat', 3 * DRUGS['8-oh-dpat'].K_nM)).toBeCloseTo(0.75, 12);
    expect(receptorOccupancy('bw723c86', 0)).toBe(0);
  });

  test('doses in words carry each drug occupancy, and the joint SERT occupancy of several inhibitors', () => {
    expect(dosesText({ fluoxetine: 3.2 })).toBe('fluoxetine 3.2 nM (80% SERT)');
    expect(dosesText({ '8-oh-dpat': 3 * DPAT_K_nM })).toBe(`8-oh-dpat ${3 * DPAT_K_nM} nM (75% 5-HT1A)`);
    expect(dosesText({ fluoxetine: 0.8, citalopram: 1.2 })).toBe(
      'fluoxetine 0.8 nM (50% SERT), citalopram 1.2 nM (50% SERT), together 66.7% SERT',
    );
    expect(dosesText({})).toBe('no drug');
  });
});

describe('the doses of the findings and the chronic experiment', () => {
  test('the SSRI condition (F3-F5) and the chronic fluoxetine are the therapeutic occupancy of SERT', () => {
    expect(THERAPEUTIC_OCCUPANCY).toBe(0.8);
    expect(sertOccupancy(DOSES.ssri)).toBeCloseTo(THERAPEUTIC_OCCUPANCY, 12);
    expect(CHRONIC_DOSES.fluoxetine_nM).toBe(DOSES.ssri.fluoxetine);
  });

  test('F3 shows the dose with its occupancy', () => {
    const f3 = FINDINGS.find((f) => f.id === 'F3')!;
    expect(f3.title).toContain(`fluoxetine ${DOSES.ssri.fluoxetine} nM, 80% SERT`);
    expect(f3.condition).toContain('80% SERT');
  });

  test("F7's 8-OH-DPAT series rises in half-decade steps from far below its K to far above, and holds the WAY test dose", () => {
    const d = DOSES.dpat_nM;
    // 1-3-10 steps: each a factor of 3 or 10/3 over the last
    for (let i = 1; i < d.length; i++)
      expect(
        [3, 10 / 3].some((r) => Math.abs(d[i] / d[i - 1] - r) < 1e-9),
        `${d[i - 1]} -> ${d[i]}`,
      ).toBe(true);
    expect(d[0]).toBeLessThanOrEqual(0.03 * DPAT_K_nM * (1 + 1e-9));
    expect(d[d.length - 1]).toBeGreaterThanOrEqual(100 * DPAT_K_nM * (1 - 1e-9));
    expect(d).toContain(DOSES.dpatWayDose_nM);
    // the WAY test dose alone occupies most of 5-HT1A (F7 asks that it at least halves firing)
    expect(receptorOccupancy('8-oh-dpat', DOSES.dpatWayDose_nM)).toBeGreaterThan(0.5);
  });
});

describe('a dose asked for by occupancy', () => {
  const scenario = (drugs: Record<string, unknown>) => ({ neurons: 50, protocol: [{ name: 'd', durationS: 0.2, drugs }] });
  const refusal = (f: () => unknown): ConfigError => {
    try {
      f();
    } catch (e) {
      if (e instanceof ConfigError) return e;
      throw e;
    }
    throw new Error('accepted');
  };

  test('a scenario file\'s "fluoxetine": "80%" is 3.2 nM when read, in any letter case, for every SERT inhibitor', () => {
    expect(parseScenario(scenario({ fluoxetine: '80%' })).phases[0].doses).toEqual({ fluoxetine: 3.2 });
    expect(parseScenario(scenario({ FluoXetine: '80%' })).phases[0].doses).toEqual({ fluoxetine: 3.2 });
    for (const d of SERT_INHIBITORS) {
      expect(parseScenario(scenario({ [d]: '50%' })).phases[0].doses, d).toEqual({ [d]: doseForOccupancy(d, 0.5) });
    }
    expect(parseScenario(scenario({ paroxetine: '92.5%', 'way-100635': 10 })).phases[0].doses).toEqual({
      paroxetine: doseForOccupancy('paroxetine', 0.925),
      'way-100635': 10,
    });
  });

  test.each([
    ['a receptor ligand', { '8-oh-dpat': '50%' }, /drugs\.8-oh-dpat.*only for SERT inhibitors/],
    ['100%', { fluoxetine: '100%' }, /drugs\.fluoxetine.*below "100%"/],
    ['a percentage that rounds to 100%', { fluoxetine: '99.99999999999999999%' }, /drugs\.fluoxetine/],
    ['a negative percentage', { fluoxetine: '-5%' }, /drugs\.fluoxetine/],
    ['a space before %', { fluoxetine: '80 %' }, /drugs\.fluoxetine/],
    ['a fraction without %', { fluoxetine: '0.8' }, /drugs\.fluoxetine.*number/],
    ['a concentration beyond the limit', { fluoxetine: '99.9999999999%' }, /drugs\.fluoxetine.*<= 10000000 nM/],
  ])('refused, naming the field: %s', (_label, drugs, msg) => {
    const e = refusal(() => parseScenario(scenario(drugs)));
    expect(e.message).toMatch(msg);
    expect(e.message.split('\n')).toHaveLength(1);
  });

  test('--drug fluoxetine=80% runs 3.2 nM; on a receptor ligand it is refused naming the flag', () => {
    expect(scenarioFromFlags({ drug: ['fluoxetine=80%'], duration: '1' }).phases[0].doses).toEqual({ fluoxetine: 3.2 });
    expect(scenarioFromFlags({ drug: ['fluoxetine=3.2'], duration: '1' }).phases[0].doses).toEqual({ fluoxetine: 3.2 });
    expect(refusal(() => scenarioFromFlags({ drug: ['bw723c86=50%'], duration: '1' })).message).toMatch(
      /^--drug bw723c86: .*SERT inhibitors/,
    );
    expect(refusal(() => scenarioFromFlags({ drug: ['fluoxetine=100%'], duration: '1' })).message).toMatch(/^--drug fluoxetine: /);
  });

  test("a sweep file's base drugs take an occupancy too", () => {
    const sw = parseSweep({ base: { neurons: 50, duration: 1, drugs: { fluoxetine: '80%' } }, axes: [{ axis: 'seed', values: [1, 2] }] });
    expect(sw.base.phases[0].doses).toEqual({ fluoxetine: 3.2 });
    const e = refusal(() =>
      parseSweep({ base: { neurons: 50, duration: 1, drugs: { 'rs-127445': '80%' } }, axes: [{ axis: 'seed', values: [1, 2] }] }),
    );
    expect(e.message).toMatch(/drugs\.rs-127445.*only for SERT inhibitors/);
  });
});
