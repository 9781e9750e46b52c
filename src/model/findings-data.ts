/**
 * The findings F1-F7 of docs/model.md §5 as data: for each, the conditions it reads, its readouts (named
 * functions of the settled measures), the bands they must lie in, the conditions that must have settled
 * and the source. evaluateFindings (findings.ts), the findings tables of docs/model.md and the README
 * (doc-tables.ts) and the demo's rate band all read them from here.
 */
import { THERAPEUTIC_OCCUPANCY_SOURCE, occupancyText } from './drugs.js';
import { DOSES, type ConditionMeasure } from './findings-conditions.js';
import type { Band, FindingSpec, Readouts } from './findings-spec.js';
import { fitHill } from './hill-fit.js';

/** The measures of every condition, by condition id. */
export type BelmerMeasures = Record<string, ConditionMeasure>;

/** Belmer et al. 2018, Neuropsychopharmacology, doi 10.1038/s41386-018-0013-0 (docs/model.md §1). */
const BELMER = 'Belmer 2018';

/** F1's band of the WT baseline rate, Hz (the usual criterion for DRN 5-HT neurons); the demo shades it. */
export const F1_RATE_BAND = { lo: 0.5, hi: 3 } as const satisfies Band;
/** F4: the KO's probe rise (fold - 1) may be at most the WT's divided by this. */
const F4_DIVISOR = 3;
/** F7: with BW723C86 the 8-OH-DPAT IC50 must exceed this multiple of the WT's. */
const F7_IC50_SHIFT = 2;

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const settledAll = (m: BelmerMeasures, ...ids: string[]) => ids.every((id) => m[id].settled);

/**
 * IC50 of a relative-rate dose series: the EC50 of a four-parameter Hill fit (src/sweep/fit.ts, the fit
 * `raphe sweep` uses) of rel against dose, the drug-free point (dose 0, rel 1) included; NaN when the fit
 * does not converge (F7 then fails).
 */
export function ic50Fit(doses: readonly number[], rel: readonly number[]): number {
  const f = fitHill([0, ...doses], [1, ...rel]);
  return f.converged ? f.ec50! : NaN;
}

/** Dose at which rate/baseline crosses 0.5, by log-linear interpolation (Infinity if never); kept for comparison. */
export function ic50(doses: readonly number[], rel: number[]): number {
  if (rel[0] <= 0.5) return doses[0];
  for (let i = 1; i < doses.length; i++) {
    if (rel[i] <= 0.5) {
      const a = Math.log(doses[i - 1]);
      const b = Math.log(doses[i]);
      const t = (rel[i - 1] - 0.5) / (rel[i - 1] - rel[i]);
      return Math.exp(a + t * (b - a));
    }
  }
  return Infinity;
}

const dpat = (d: number) => `wt+dpat${d}`;
const bwDpat = (d: number) => `wt+bw+dpat${d}`;
const wayId = `wt+dpat${DOSES.dpatWayDose_nM}+way`;
const lastDose = DOSES.dpat_nM[DOSES.dpat_nM.length - 1];
const SSRI_NM = DOSES.ssri.fluoxetine!;
const BW_NM = DOSES.bw.bw723c86!;

/** F7's readouts: the WT and +BW dose series relative to their drug-free rates, their IC50s, WAY's reversal. */
function readDpat(m: BelmerMeasures): Readouts {
  const wt = m.wt.rateHz;
  const relWt = DOSES.dpat_nM.map((d) => m[dpat(d)].rateHz / wt);
  const relBw = DOSES.dpat_nM.map((d) => m[bwDpat(d)].rateHz / m['wt+bw'].rateHz);
  const ic50Wt = ic50Fit(DOSES.dpat_nM, relWt);
  return {
    maxRise: relWt.slice(1).reduce((mx, r, i) => Math.max(mx, r - relWt[i]), -Infinity),
    atLastDose: relWt[relWt.length - 1],
    ic50Wt,
    ic50Bw: ic50Fit(DOSES.dpat_nM, relBw),
    ic50WtShifted: F7_IC50_SHIFT * ic50Wt,
    way: m[wayId].rateHz / wt,
    dpatAtWay: m[dpat(DOSES.dpatWayDose_nM)].rateHz / wt,
  };
}

export const FINDINGS: readonly FindingSpec<BelmerMeasures>[] = [
  {
    id: 'F1',
    condition: 'WT baseline',
    title: 'WT baseline',
    shows: 'regular firing and a steady probe 5-HT',
    source:
      'the usual firing criterion for DRN 5-HT neurons; the probe band a choice between FSCAV (Abdalla 2017) ' +
      'and microdialysis (Yang 2013); docs/model.md §5',
    conditions: ['wt'],
    settled: ['wt'],
    saySettled: true,
    read: (m) => ({ rate: m.wt.rateHz, cv: m.wt.medianCvIsi, probe: m.wt.probeNm }),
    checks: [
      { of: 'rate', band: F1_RATE_BAND, say: 'rate {band} Hz' },
      { of: 'cv', band: { hi: 0.5, hiOpen: true }, say: 'CV {band}' },
      { of: 'probe', band: { lo: 5, hi: 100 }, say: 'probe {band} nM' },
    ],
    measured: (r, m) =>
      `rate ${fmt(r.rate)} Hz, median CV ${fmt(r.cv)}, probe ${fmt(r.probe, 1)} nM${m.wt.settled ? '' : ' (not settled)'}`,
  },
  {
    id: 'F2',
    condition: 'Htr2b 5-HTKO baseline',
    title: 'Htr2b 5-HTKO baseline',
    shows: 'slower firing in KO, KO/WT rate',
    source: `${BELMER} for the direction; the band a choice; docs/model.md §5`,
    conditions: ['wt', 'ko'],
    settled: ['wt', 'ko'],
    read: (m) => ({ koWt: m.ko.rateHz / m.wt.rateHz }),
    checks: [{ of: 'koWt', band: { lo: 0.4, hi: 0.85, digits: 2 }, say: '{band}' }],
    measured: (r) => `KO/WT rate ${fmt(r.koWt)}`,
  },
  {
    id: 'F3',
    condition: `acute SSRI (${occupancyText('fluoxetine', SSRI_NM)}), WT`,
    title: `acute SSRI (fluoxetine ${SSRI_NM} nM, ${occupancyText('fluoxetine', SSRI_NM)}), WT`,
    shows: 'probe 5-HT fold over baseline',
    source: `${BELMER}; the therapeutic SERT occupancy from ${THERAPEUTIC_OCCUPANCY_SOURCE}; docs/model.md §5`,
    conditions: ['wt', 'wt+ssri'],
    settled: ['wt', 'wt+ssri'],
    read: (m) => ({ foldWt: m['wt+ssri'].probeNm / m.wt.probeNm }),
    checks: [{ of: 'foldWt', band: { lo: 2 }, say: '{band}' }],
    measured: (r, m) => `probe fold ${fmt(r.foldWt)}${settledAll(m, 'wt', 'wt+ssri') ? '' : ' (not settled)'}`,
  },
  {
    id: 'F4',
    condition: 'acute SSRI, KO',
    title: 'acute SSRI, KO',
    shows: 'a probe 5-HT rise strongly reduced in KO',
    source: `Diaz et al. 2012 ("strongly reduced"), ${BELMER} ("no effect"); docs/model.md §5`,
    conditions: ['wt', 'ko', 'wt+ssri', 'ko+ssri'],
    settled: ['ko', 'ko+ssri', 'wt', 'wt+ssri'],
    read: (m) => {
      const foldWt = m['wt+ssri'].probeNm / m.wt.probeNm;
      const foldKo = m['ko+ssri'].probeNm / m.ko.probeNm;
      return { foldWt, foldKo, koExcess: foldKo - 1, wtExcessShare: (foldWt - 1) / F4_DIVISOR };
    },
    checks: [
      {
        of: 'koExcess',
        band: { hi: { readout: 'wtExcessShare', label: `(WT fold - 1) / ${F4_DIVISOR}` } },
        say: '(KO fold - 1) {band}',
      },
    ],
    measured: (r, m) =>
      `KO fold ${fmt(r.foldKo)}: (KO-1)/(WT-1) = ${fmt((r.foldKo - 1) / (r.foldWt - 1))}` +
      `${settledAll(m, 'ko', 'ko+ssri') ? '' : ' (not settled)'}`,
  },
  {
    id: 'F5',
    condition: 'acute SSRI, firing',
    title: 'acute SSRI',
    shows: 'firing falls in both genotypes, more in KO; rate ratio to baseline',
    source: `${BELMER} in words; the thresholds make it measurable (docs/model.md §5)`,
    conditions: ['wt', 'ko', 'wt+ssri', 'ko+ssri'],
    read: (m) => ({ wt: m['wt+ssri'].rateHz / m.wt.rateHz, ko: m['ko+ssri'].rateHz / m.ko.rateHz }),
    checks: [
      { of: ['wt', 'ko'], band: { hi: 1, hiOpen: true }, say: 'both {band}' },
      { of: 'ko', band: { hi: { readout: 'wt', label: 'WT' }, hiOpen: true }, say: 'KO {band}' },
    ],
    measured: (r) => `rate ratio WT ${fmt(r.wt)}, KO ${fmt(r.ko)}`,
  },
  {
    id: 'F6',
    condition: 'BW723C86',
    title: `BW723C86 ${BW_NM} nM (${occupancyText('bw723c86', BW_NM)})`,
    shows: 'firing rises in WT, no effect in KO; rate ratio to baseline',
    source: `${BELMER} in words; the thresholds make it measurable (docs/model.md §5)`,
    conditions: ['wt', 'ko', 'wt+bw', 'ko+bw'],
    read: (m) => ({ wt: m['wt+bw'].rateHz / m.wt.rateHz, ko: m['ko+bw'].rateHz / m.ko.rateHz }),
    checks: [
      { of: 'wt', band: { lo: 1.05, loOpen: true }, say: 'WT {band}' },
      { of: 'ko', band: { centre: 1, tol: 0.05 }, say: 'KO {band}' },
    ],
    measured: (r) => `rate ratio WT ${fmt(r.wt)}, KO ${fmt(r.ko)}`,
  },
  {
    id: 'F7',
    condition: '8-OH-DPAT dose series',
    title: `8-OH-DPAT ${DOSES.dpat_nM[0]}–${lastDose} nM`,
    shows: 'firing silenced, BW723C86 shifts the curve right, WAY-100635 reverses',
    source: `${BELMER} in words; the thresholds make it measurable; the WT IC50 band around the 10.7 nM of rat DRN slices (docs/literature.md §5; docs/model.md §5)`,
    conditions: ['wt', 'wt+bw', ...DOSES.dpat_nM.flatMap((d) => [dpat(d), bwDpat(d)]), wayId],
    read: readDpat,
    checks: [
      // never rising by more than 0.05 from one dose to the next: the "falls with dose" of the text
      { of: 'maxRise', band: { hi: 0.05 }, say: null },
      { of: 'atLastDose', band: { hi: 0.1, hiOpen: true }, say: 'falls with dose to {band}' },
      // the potency of slices (10.7 nM in rat DRN slices, docs/literature.md §5), within a factor of two
      { of: 'ic50Wt', band: { lo: 5, hi: 20 }, say: 'IC50 WT {band} nM' },
      { of: 'ic50Bw', band: { lo: { readout: 'ic50WtShifted', label: `${F7_IC50_SHIFT}x WT` }, loOpen: true }, say: 'IC50 +BW {band}' },
      { of: 'way', band: { lo: 0.8 }, say: 'WAY restores {band}' },
      // WAY-100635 is tested at a dose that alone at least halves firing
      { of: 'dpatAtWay', band: { hi: 0.5, hiOpen: true }, say: null },
    ],
    join: '; ',
    measured: (r) =>
      `rel. rate at ${lastDose} nM ${fmt(r.atLastDose)}; IC50 (Hill fit) WT ${fmt(r.ic50Wt)} nM, ` +
      `+BW ${fmt(r.ic50Bw)} nM; +WAY ${fmt(r.way)} (DPAT ${DOSES.dpatWayDose_nM} nM alone ${fmt(r.dpatAtWay)})`,
  },
];
