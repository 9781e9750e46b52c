/**
 * Calibration targets beyond Belmer 2018 (docs/model.md §6, issue 22): what an acute SSRI does to DRN
 * 5-HT firing across doses, and with a 5-HT1A antagonist. They are findings as data (the FindingSpec of
 * findings-spec.ts) but read conditions the Belmer experiment does not run, so `npm start` does not
 * print them: scripts/calibrate-v3.mjs scores every candidate on them on the reduced model, and
 * tests/findings-ssri.test.ts checks the defaults there. Sources: docs/literature.md §13.
 */
import { DOSES, type Condition, type ConditionMeasure } from './findings-conditions.js';
import type { FindingSpec, FindingRow } from './findings-spec.js';
import { evaluateSpec } from './findings-spec.js';
import { occupancyText, type DrugDoses } from './drugs.js';

/** Supra-therapeutic fluoxetine doses, free nM: 92.6% and 99.2% SERT occupancy (K 0.8 nM). */
export const SSRI_HIGH_NM = [10, 100] as const;

const THER = DOSES.ssri;
const FLX = THER.fluoxetine!;
const withWay: DrugDoses = { ...THER, 'way-100635': DOSES.way_nM };

/** The conditions S1-S2 read (the first two are Belmer conditions too). */
export function ssriConditions(durationS = 24): Condition[] {
  return [
    { id: 'wt', genotype: 'wt', doses: {}, durationS },
    { id: 'wt+ssri', genotype: 'wt', doses: THER, durationS },
    ...SSRI_HIGH_NM.map((d) => ({ id: `wt+ssri${d}`, genotype: 'wt' as const, doses: { fluoxetine: d }, durationS })),
    { id: 'wt+ssri+way', genotype: 'wt', doses: withWay, durationS },
  ];
}

export type SsriMeasures = Record<string, ConditionMeasure>;

/** S1: firing falls with the dose; at near-complete SERT block at most half of drug-free. */
const S1_TOP_MAX = 0.5;
/** S2: an SSRI with WAY-100635 fires at about the drug-free rate, not above. */
const S2_BAND = { lo: 0.8, hi: 1.3 } as const;

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
const [MID, TOP] = SSRI_HIGH_NM;

export const SSRI_FINDINGS: readonly FindingSpec<SsriMeasures>[] = [
  {
    id: 'S1',
    condition: `SSRI dose series, WT (fluoxetine ${FLX}, ${MID}, ${TOP} nM)`,
    title: `SSRI dose series: fluoxetine ${FLX} nM (${occupancyText('fluoxetine', FLX)}), ${MID} nM (${occupancyText('fluoxetine', MID)}), ${TOP} nM (${occupancyText('fluoxetine', TOP)}), WT`,
    shows: 'firing falls with the SSRI dose, to at most half of drug-free near complete SERT block',
    source:
      'Chaput, de Montigny & Blier 1986 (citalopram i.v., dose-dependent, ED50 0.23 mg/kg); Hajós, Gartside & Sharp 1995 ' +
      '(paroxetine 0.1-0.8 mg/kg i.v., dose-related, complete cessation at the highest doses); Gartside et al. 1995; ' +
      'the occupancy at each dose was not found, so the band asks only a fall with dose and half at 99%; docs/model.md §6',
    conditions: ['wt', 'wt+ssri', `wt+ssri${MID}`, `wt+ssri${TOP}`],
    read: (m) => {
      const r80 = m['wt+ssri'].rateHz / m.wt.rateHz;
      const rMid = m[`wt+ssri${MID}`].rateHz / m.wt.rateHz;
      const rTop = m[`wt+ssri${TOP}`].rateHz / m.wt.rateHz;
      return { r80, rMid, rTop };
    },
    checks: [
      { of: 'rMid', band: { hi: { readout: 'r80', label: `the ${FLX} nM ratio` }, hiOpen: true }, say: `${MID} nM {band}` },
      { of: 'rTop', band: { hi: { readout: 'rMid', label: `the ${MID} nM ratio` }, hiOpen: true }, say: `${TOP} nM {band}` },
      { of: 'rTop', band: { hi: S1_TOP_MAX }, say: `${TOP} nM {band}` },
    ],
    measured: (r) => `rate ratio ${fmt(r.r80)}, ${fmt(r.rMid)}, ${fmt(r.rTop)}`,
  },
  {
    id: 'S2',
    condition: `SSRI (fluoxetine ${FLX} nM) + WAY-100635 ${DOSES.way_nM} nM, WT`,
    title: `SSRI + WAY-100635: fluoxetine ${FLX} nM with WAY-100635 ${DOSES.way_nM} nM, WT`,
    shows: 'a 5-HT1A antagonist brings SSRI firing back to about drug-free, not above; rate ratio to baseline',
    source:
      'Arborelius et al. 1995 (PMID 7477438: citalopram\'s fall "completely reversed" by (S)-UH-301); Gartside et al. 1995 ' +
      "(Br J Pharmacol 115:1064: WAY-100635 reversed paroxetine's inhibition); the band a choice (F7's 0.8, C4's 130%); docs/model.md §6",
    conditions: ['wt', 'wt+ssri+way'],
    read: (m) => ({ ratio: m['wt+ssri+way'].rateHz / m.wt.rateHz }),
    checks: [{ of: 'ratio', band: { ...S2_BAND, digits: 1 }, say: '{band}' }],
    measured: (r) => `rate ratio ${fmt(r.ratio)}`,
  },
];

/** Rows of S1-S2 from the measures of their conditions (rates only: no settling asked). */
export function evaluateSsriFindings(m: SsriMeasures): FindingRow[] {
  for (const f of SSRI_FINDINGS) for (const id of f.conditions) if (!m[id]) throw new Error(`findings: condition ${id} missing`);
  return SSRI_FINDINGS.map((f) => evaluateSpec(f, m));
}
