/**
 * The chronic findings C1-C3 of docs/model.md §7 as data: the readout days they read, the bands and the
 * sources. evaluateChronicFindings, the calibration's margin search (src/experiment/chronic-calibration.ts)
 * and the tables of docs/model.md and the README read them from here.
 */
import type { ChronicReadout } from './chronic.js';
import { evaluateSpec, type FindingRow, type FindingSpec } from './findings-spec.js';

/** A cell counts as desensitised at d1A >= 0.25 (C1; Le Poul 1995's reduced 8-OH-DPAT potency). */
export const DESENSITISED = 0.25;

/** What C1-C3 read of a readout row (the calibration's reduced model gives no more). */
export type ChronicRow = Pick<ChronicReadout, 'condition' | 'day' | 'meanD1A' | 'fractionDesensitised'>;

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

const pct = (x: number) => `${(100 * x).toFixed(0)}%`;
// three decimals: C3's bound is 0.1, and 0.095 must not print as 0.10
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));

export const CHRONIC_FINDINGS: readonly FindingSpec<ChronicMeasures>[] = [
  {
    id: 'C1',
    condition: 'WT, fluoxetine 10 nM, 21 days',
    title: 'WT, fluoxetine 10 nM for 21 days',
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
];

/** C1-C3 of docs/model.md §7 from the readouts (a missing day fails its finding). */
export function evaluateChronicFindings(rows: readonly ChronicRow[], wt = 'wt+fluoxetine', way = 'wt+fluoxetine+way'): ChronicFinding[] {
  return CHRONIC_FINDINGS.map((f) => evaluateSpec(f, { rows, wt, way }));
}
