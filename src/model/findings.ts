/**
 * The findings F1-F7 of docs/model.md §5 as data: the conditions the experiment runs, and the checks read
 * from their settled values (each condition starts at its estimated steady state and is measured over
 * its last half; a fold change is only a finding when both of its conditions settled).
 */
import { fitHill } from './hill-fit.js';
import type { DrugDoses, Genotype } from './drugs.js';

export interface Condition {
  id: string;
  genotype: Genotype;
  drugs: DrugDoses;
  durationS: number;
}

/** Drug doses of the experiment (docs/model.md §6 reference calibration). */
export const DOSES = {
  ssri: { fluoxetine: 10 } as DrugDoses,
  bw: { bw723c86: 100 } as DrugDoses,
  way_nM: 10,
  /** 8-OH-DPAT series, nM. */
  dpat_nM: [0.1, 0.3, 1, 3, 10, 30],
  /** The 8-OH-DPAT dose at which WAY-100635 reversal is tested, nM. */
  dpatWayDose_nM: 3,
} as const;

export interface PhaseDurations {
  baseline: number;
  ssri: number;
  bw: number;
  dpat: number;
}

/** Settling times from §6: the SSRI conditions are slowest (Km_eff/Vmax ~ 10 s or more). */
export const DURATIONS_S: PhaseDurations = { baseline: 12, ssri: 24, bw: 12, dpat: 8 };
/**
 * `--quick`: shorter phases where nothing slow is measured (BW723C86 and 8-OH-DPAT read rates, which
 * follow the receptors in about a second), the baseline kept long enough for its drift to be read
 * above the noise of a smaller population.
 */
export const QUICK_DURATIONS_S: PhaseDurations = { baseline: 12, ssri: 18, bw: 6, dpat: 4 };

export function belmerConditions(scale = 1, durations: PhaseDurations = DURATIONS_S): Condition[] {
  const d = (s: number) => Math.max(2, Math.round(s * scale));
  const out: Condition[] = [
    { id: 'wt', genotype: 'wt', drugs: {}, durationS: d(durations.baseline) },
    { id: 'ko', genotype: 'htr2b-ko', drugs: {}, durationS: d(durations.baseline) },
    { id: 'wt+ssri', genotype: 'wt', drugs: DOSES.ssri, durationS: d(durations.ssri) },
    { id: 'ko+ssri', genotype: 'htr2b-ko', drugs: DOSES.ssri, durationS: d(durations.ssri) },
    { id: 'wt+bw', genotype: 'wt', drugs: DOSES.bw, durationS: d(durations.bw) },
    { id: 'ko+bw', genotype: 'htr2b-ko', drugs: DOSES.bw, durationS: d(durations.bw) },
  ];
  for (const dose of DOSES.dpat_nM) {
    out.push({ id: `wt+dpat${dose}`, genotype: 'wt', drugs: { '8-oh-dpat': dose }, durationS: d(durations.dpat) });
    out.push({ id: `wt+bw+dpat${dose}`, genotype: 'wt', drugs: { ...DOSES.bw, '8-oh-dpat': dose }, durationS: d(durations.dpat) });
  }
  out.push({
    id: `wt+dpat${DOSES.dpatWayDose_nM}+way`,
    genotype: 'wt',
    drugs: { '8-oh-dpat': DOSES.dpatWayDose_nM, 'way-100635': DOSES.way_nM },
    durationS: d(durations.dpat),
  });
  return out;
}

/** What the findings read from each condition. */
export interface ConditionMeasure {
  rateHz: number;
  medianCvIsi: number;
  probeNm: number;
  settled: boolean;
  drift: number;
}

export interface Finding {
  id: string;
  condition: string;
  measured: string;
  expected: string;
  pass: boolean;
}

const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

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

export function evaluateFindings(m: Record<string, ConditionMeasure>): Finding[] {
  const get = (id: string) => {
    const c = m[id];
    if (!c) throw new Error(`findings: condition ${id} missing`);
    return c;
  };
  const wt = get('wt');
  const ko = get('ko');
  const wtS = get('wt+ssri');
  const koS = get('ko+ssri');
  const wtB = get('wt+bw');
  const koB = get('ko+bw');
  const rows: Finding[] = [];
  const settled = (...cs: ConditionMeasure[]) => cs.every((c) => c.settled);
  rows.push({
    id: 'F1',
    condition: 'WT baseline',
    measured: `rate ${fmt(wt.rateHz)} Hz, median CV ${fmt(wt.medianCvIsi)}, probe ${fmt(wt.probeNm, 1)} nM${wt.settled ? '' : ' (not settled)'}`,
    expected: 'rate 0.5-3 Hz, CV < 0.5, probe 5-100 nM, settled',
    pass: wt.rateHz >= 0.5 && wt.rateHz <= 3 && wt.medianCvIsi < 0.5 && wt.probeNm >= 5 && wt.probeNm <= 100 && wt.settled,
  });
  const koWt = ko.rateHz / wt.rateHz;
  rows.push({
    id: 'F2',
    condition: 'Htr2b 5-HTKO baseline',
    measured: `KO/WT rate ${fmt(koWt)}`,
    expected: '0.40-0.85',
    pass: koWt >= 0.4 && koWt <= 0.85 && settled(wt, ko),
  });
  const foldWt = wtS.probeNm / wt.probeNm;
  const foldKo = koS.probeNm / ko.probeNm;
  rows.push({
    id: 'F3',
    condition: 'acute SSRI, WT',
    measured: `probe fold ${fmt(foldWt)}${settled(wt, wtS) ? '' : ' (not settled)'}`,
    expected: '>= 2',
    pass: foldWt >= 2 && settled(wt, wtS),
  });
  rows.push({
    id: 'F4',
    condition: 'acute SSRI, KO',
    measured: `KO fold ${fmt(foldKo)}: (KO-1)/(WT-1) = ${fmt((foldKo - 1) / (foldWt - 1))}${settled(ko, koS) ? '' : ' (not settled)'}`,
    expected: '(KO fold - 1) <= (WT fold - 1) / 3',
    pass: foldKo - 1 <= (foldWt - 1) / 3 && settled(ko, koS, wt, wtS),
  });
  const rWt = wtS.rateHz / wt.rateHz;
  const rKo = koS.rateHz / ko.rateHz;
  rows.push({
    id: 'F5',
    condition: 'acute SSRI, firing',
    measured: `rate ratio WT ${fmt(rWt)}, KO ${fmt(rKo)}`,
    expected: 'both < 1, KO < WT',
    pass: rWt < 1 && rKo < 1 && rKo < rWt,
  });
  const bWt = wtB.rateHz / wt.rateHz;
  const bKo = koB.rateHz / ko.rateHz;
  rows.push({
    id: 'F6',
    condition: 'BW723C86',
    measured: `rate ratio WT ${fmt(bWt)}, KO ${fmt(bKo)}`,
    expected: 'WT > 1.05, KO within 1 ± 0.05',
    pass: bWt > 1.05 && Math.abs(bKo - 1) <= 0.05,
  });
  const doses = DOSES.dpat_nM;
  const relWt = doses.map((d) => get(`wt+dpat${d}`).rateHz / wt.rateHz);
  const relBw = doses.map((d) => get(`wt+bw+dpat${d}`).rateHz / wtB.rateHz);
  const ic50Wt = ic50Fit(doses, relWt);
  const ic50Bw = ic50Fit(doses, relBw);
  const monotone = relWt.every((r, i) => i === 0 || r <= relWt[i - 1] + 0.05);
  const silent = relWt[relWt.length - 1] < 0.1;
  const way = get(`wt+dpat${DOSES.dpatWayDose_nM}+way`).rateHz / wt.rateHz;
  const dpatAtWay = get(`wt+dpat${DOSES.dpatWayDose_nM}`).rateHz / wt.rateHz;
  rows.push({
    id: 'F7',
    condition: '8-OH-DPAT dose series',
    measured:
      `rel. rate at ${doses[doses.length - 1]} nM ${fmt(relWt[relWt.length - 1])}; IC50 (Hill fit) WT ${fmt(ic50Wt)} nM, ` +
      `+BW ${fmt(ic50Bw)} nM; +WAY ${fmt(way)} (DPAT ${DOSES.dpatWayDose_nM} nM alone ${fmt(dpatAtWay)})`,
    expected: 'falls with dose to < 0.1; IC50 +BW > 2x WT; WAY restores >= 0.8',
    pass: monotone && silent && ic50Bw > 2 * ic50Wt && way >= 0.8 && dpatAtWay < 0.5,
  });
  return rows;
}
