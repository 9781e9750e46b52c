/**
 * The chronic findings C1-C4 of docs/model.md §7 as data: the readout days they read, the bands and the
 * sources. evaluateChronicFindings, the calibration's margin search (src/experiment/chronic-calibration.ts,
 * C1-C3: the d1A findings its reduced model reads) and the tables of docs/model.md and the README read
 * them from here.
 */
import { THERAPEUTIC_OCCUPANCY, doseForOccupancy } from './drugs.js';
import { evaluateOverSeeds, type SeedFindingRow } from './findings-seeds.js';
import { evaluateSpec, type FindingRow, type FindingSpec } from './findings-spec.js';

/** One readout of a chronic condition (the `days` rows of `raphe experiment chronic-ssri --json`). */
export interface ChronicReadout {
  condition: string;
  day: number;
  rateHz: number;
  probe5htNm: number;
  meanD1A: number;
  fractionDesensitised: number;
  /** Mean over cells of their 5-HT1A activation over the averaging window. */
  meanA1A: number;
  /** The firing rate over the condition's own drug-free day-0 rate (C4). */
  rateRel: number;
  /** Mean over cells of the 5-HT2B desensitisation d2B (model/chronic-slow.ts). */
  meanD2B: number;
  /** The factor on SERT Vmax, 1 - sertDown (model/chronic-slow.ts). */
  sertScale: number;
  /** 8-OH-DPAT IC50 of firing (Hill fit), nM: only on the days it is measured. */
  dpatIc50Nm?: number;
}

/** The chronic dose: the therapeutic SERT occupancy (drugs.ts), as chronic.ts's CHRONIC_DOSES holds it. */
const FLUOXETINE = doseForOccupancy('fluoxetine', THERAPEUTIC_OCCUPANCY);

/** A cell counts as desensitised at d1A >= 0.25 (C1; Le Poul 1995's reduced 8-OH-DPAT potency). */
export const DESENSITISED = 0.25;

/**
 * What C1-C4 read of a readout row: C4 reads the firing rate relative to day 0, which the calibration's
 * reduced model does not give (it scores D1A_FINDINGS only).
 */
export type ChronicRow = Pick<ChronicReadout, 'condition' | 'day' | 'meanD1A' | 'fractionDesensitised'> &
  Partial<Pick<ChronicReadout, 'rateRel'>>;

/** The readout rows, and the ids of the WT-on-fluoxetine and the WAY-100635 conditions among them. */
export interface ChronicMeasures {
  rows: readonly ChronicRow[];
  wt: string;
  way: string;
}

export type ChronicFinding = FindingRow;

const at = (m: ChronicMeasures, c: string, day: number) => m.rows.find((r) => r.condition === c && r.day === day);
/** A readout of one day; NaN (failing every band) when the day is missing. */
const fraction = (m: ChronicMeasures, c: string, day: number) => at(m, c, day)?.fractionDesensitised ?? NaN;
const meanD1A = (m: ChronicMeasures, c: string, day: number) => at(m, c, day)?.meanD1A ?? NaN;
const rateRel = (m: ChronicMeasures, c: string, day: number) => at(m, c, day)?.rateRel ?? NaN;
/** The highest relative rate over every readout day after day 0 (NaN when none, or one lacks it). */
const peakRel = (m: ChronicMeasures, c: string) => {
  const days = m.rows.filter((r) => r.condition === c && r.day > 0);
  return days.length ? Math.max(...days.map((r) => r.rateRel ?? NaN)) : NaN;
};

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
// three decimals: C3's bound is 0.1, and 0.095 must not print as 0.10
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

export const CHRONIC_FINDINGS: readonly FindingSpec<ChronicMeasures>[] = [
  {
    id: 'C1',
    condition: `WT, fluoxetine ${FLUOXETINE} nM, 21 days`,
    title: `WT, fluoxetine ${FLUOXETINE} nM (${THERAPEUTIC_OCCUPANCY * 100}% SERT) for 21 days`,
    shows: `share of cells with d1A >= ${DESENSITISED}`,
    source: 'Le Poul et al. 1995 (PubMed 7477436); docs/model.md §7',
    conditions: ['wt+fluoxetine'],
    read: (m) => ({ day3: fraction(m, m.wt, 3), day21: fraction(m, m.wt, 21) }),
    checks: [
      { of: 'day3', band: { lo: 0.25, hi: 0.55, percent: true }, say: '{band} at day 3' },
      { of: 'day21', band: { lo: 0.55, hi: 0.85, percent: true }, say: '{band} at day 21' },
    ],
    measured: (r, m) =>
      at(m, m.wt, 3) && at(m, m.wt, 21)
        ? `cells with d1A >= ${DESENSITISED}: ${pct(r.day3)} at day 3, ${pct(r.day21)} at day 21`
        : 'day 3 or 21 missing',
  },
  {
    id: 'C2',
    condition: 'same',
    title: 'same',
    shows: 'mean coupling loss (mean d1A)',
    source: 'Pejchal et al. 2002 (Br J Pharmacol 135:1115); docs/model.md §7',
    conditions: ['wt+fluoxetine'],
    read: (m) => ({ day2: meanD1A(m, m.wt, 2), day14: meanD1A(m, m.wt, 14) }),
    checks: [
      { of: 'day2', band: { hi: 0.15, hiOpen: true }, say: '{band} at day 2' },
      { of: 'day14', band: { lo: 0.25, hi: 0.55 }, say: '{band} at day 14' },
    ],
    measured: (r, m) =>
      at(m, m.wt, 2) && at(m, m.wt, 14) ? `mean d1A ${f3(r.day2)} at day 2, ${f3(r.day14)} at day 14` : 'day 2 or 14 missing',
  },
  {
    id: 'C3',
    condition: 'same + WAY-100635 10 nM',
    title: 'same plus WAY-100635 10 nM',
    shows: 'mean d1A at day 21',
    source: 'Hervás et al. 2001 (Neuropsychopharmacology 24:11); docs/model.md §7',
    conditions: ['wt+fluoxetine+way'],
    read: (m) => ({ day21: meanD1A(m, m.way, 21) }),
    checks: [{ of: 'day21', band: { hi: 0.1, hiOpen: true }, say: '{band}' }],
    measured: (r, m) => (at(m, m.way, 21) ? `mean d1A ${f3(r.day21)} at day 21` : 'day 21 missing'),
  },
  {
    id: 'C4',
    condition: 'WT, fluoxetine, firing vs day 0',
    title: 'WT, fluoxetine for 21 days: firing recovers',
    shows: 'firing rate relative to drug-free (day 0)',
    source:
      'Chaput, de Montigny & Blier 1986 (Naunyn-Schmiedeberg Arch Pharmacol 333:342); El Mansari et al. 2005 (PubMed 15702136); Czachura & Rasmussen 2000; docs/model.md §7',
    conditions: ['wt+fluoxetine'],
    read: (m) => ({
      day2: rateRel(m, m.wt, 2),
      day14: rateRel(m, m.wt, 14),
      day21: rateRel(m, m.wt, 21),
      peak: peakRel(m, m.wt),
    }),
    checks: [
      { of: 'day2', band: { hi: 0.7, hiOpen: true, percent: true }, say: '{band} at day 2' },
      { of: ['day14', 'day21'], band: { lo: 0.8, hi: 1.2, percent: true }, say: '{band} at days 14 and 21' },
      { of: 'peak', band: { hi: 1.3, percent: true }, say: '{band} on every readout day' },
    ],
    measured: (r, m) =>
      at(m, m.wt, 2) && at(m, m.wt, 14) && at(m, m.wt, 21)
        ? `rate vs day 0: ${pct(r.day2)} at day 2, ${pct(r.day14)} at day 14, ${pct(r.day21)} at day 21, at most ${pct(r.peak)}`
        : 'day 2, 14 or 21 missing',
  },
];

/** The findings of d1A alone (C1-C3): what the calibration's reduced model can score. */
export const D1A_FINDINGS: readonly string[] = ['C1', 'C2', 'C3'];

/** C1-C4 of docs/model.md §7 from the readouts (a missing day fails its finding). */
export function evaluateChronicFindings(rows: readonly ChronicRow[], wt = 'wt+fluoxetine', way = 'wt+fluoxetine+way'): ChronicFinding[] {
  return CHRONIC_FINDINGS.map((f) => evaluateSpec(f, { rows, wt, way }));
}

/**
 * C1-C4 over seeds (`--seeds K`): `perSeed[k]` the readout rows at seed `seeds[k]`; decided on the mean
 * readouts (model/findings-seeds.ts), each row's measured text from the rows averaged over the seeds.
 */
export function evaluateChronicFindingsOverSeeds(
  seeds: readonly number[],
  perSeed: readonly (readonly ChronicRow[])[],
  wt = 'wt+fluoxetine',
  way = 'wt+fluoxetine+way',
): SeedFindingRow[] {
  const avg = (xs: (number | undefined)[]) =>
    xs.some((x) => x === undefined) ? undefined : xs.reduce((a: number, x) => a + x!, 0) / xs.length;
  const rows: ChronicRow[] = (perSeed[0] ?? []).map((r) => {
    const same = perSeed.map((rs) => rs.find((x) => x.condition === r.condition && x.day === r.day));
    const rateRel = avg(same.map((x) => x?.rateRel));
    return {
      condition: r.condition,
      day: r.day,
      meanD1A: avg(same.map((x) => x?.meanD1A ?? NaN))!,
      fractionDesensitised: avg(same.map((x) => x?.fractionDesensitised ?? NaN))!,
      ...(rateRel !== undefined ? { rateRel } : {}),
    };
  });
  const measures = perSeed.map((rs) => ({ rows: rs, wt, way }));
  return CHRONIC_FINDINGS.map((f) => evaluateOverSeeds(f, seeds, measures, { rows, wt, way }, () => true));
}
