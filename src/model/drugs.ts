/**
 * Drugs as data. Free concentrations are in nM. SERT inhibitors act competitively on uptake
 * (Km_eff = Km (1 + S/Ki)); receptor ligands enter the competitive occupancy of docs/model.md §2:
 *   a_R = (c/K_R + sum_j e_j A_j/K_j) / (1 + c/K_R + sum_j A_j/K_j + sum_k B_k/K_k)
 */
export type DrugTarget = 'sert' | '5ht1a' | '5ht2b';
export type DrugAction = 'inhibitor' | 'agonist' | 'antagonist';

export interface DrugSpec {
  readonly target: DrugTarget;
  readonly action: DrugAction;
  /** Affinity (Ki or Kd), nM. */
  readonly K_nM: number;
  /** Intrinsic efficacy (agonists), 0..1. */
  readonly efficacy: number;
  readonly source: string;
  readonly choice?: boolean;
}

const TATSUMI = 'Tatsumi et al. 1997, human SERT Kd (tabulated in Br J Pharmacol 2006 147:S82)';

export const DRUGS = {
  fluoxetine: { target: 'sert', action: 'inhibitor', K_nM: 0.8, efficacy: 0, source: TATSUMI },
  citalopram: { target: 'sert', action: 'inhibitor', K_nM: 1.2, efficacy: 0, source: TATSUMI },
  escitalopram: {
    target: 'sert',
    action: 'inhibitor',
    K_nM: 27.6,
    efficacy: 0,
    source: 'in vivo value used in the Best/Reed code (1.1 nM in vitro)',
  },
  paroxetine: { target: 'sert', action: 'inhibitor', K_nM: 0.13, efficacy: 0, source: TATSUMI },
  sertraline: { target: 'sert', action: 'inhibitor', K_nM: 0.29, efficacy: 0, source: TATSUMI },
  fluvoxamine: { target: 'sert', action: 'inhibitor', K_nM: 2.2, efficacy: 0, source: TATSUMI },
  '8-oh-dpat': {
    target: '5ht1a',
    action: 'agonist',
    K_nM: 1,
    efficacy: 1,
    source: 'docs/model.md §6 reference calibration (full agonist, K 1 nM)',
    choice: true,
  },
  'way-100635': {
    target: '5ht1a',
    action: 'antagonist',
    K_nM: 1,
    efficacy: 0,
    source: 'docs/model.md §6 reference calibration (silent antagonist, K 1 nM)',
    choice: true,
  },
  bw723c86: {
    target: '5ht2b',
    action: 'agonist',
    K_nM: 10,
    efficacy: 1,
    source: 'docs/model.md §6 reference calibration (K 10 nM, efficacy 1)',
    choice: true,
  },
  'rs-127445': {
    target: '5ht2b',
    action: 'antagonist',
    K_nM: 10 ** (9 - 8.22),
    efficacy: 0,
    source: 'Banas et al. 2011, pKi 8.22 ± 0.24',
  },
} as const satisfies Record<string, DrugSpec>;

export type DrugName = keyof typeof DRUGS;
export const DRUG_NAMES = Object.keys(DRUGS) as DrugName[];
/** Free concentrations, nM, by drug. */
export type DrugDoses = Partial<Record<DrugName, number>>;

export const GENOTYPES = {
  wt: { g1A: 1, g2B: 1, sert: 1, doc: 'wild type' },
  'htr2b-ko': { g1A: 1, g2B: 0, sert: 1, doc: 'Htr2b 5-HTKO: no 5-HT2B in 5-HT neurons (g2B = 0)' },
  'htr1a-ko': { g1A: 0, g2B: 1, sert: 1, doc: '5-HT1A autoreceptor KO (g1A = 0)' },
  'sert-ko': { g1A: 1, g2B: 1, sert: 0, doc: 'SERT KO (Vmax = 0)' },
} as const;
export type Genotype = keyof typeof GENOTYPES;
export const GENOTYPE_NAMES = Object.keys(GENOTYPES) as Genotype[];

/** Occupancy terms of one receptor for a drug set: a = (c/K + num) / (den + c/K). */
export interface ReceptorTerms {
  num: number;
  den: number;
}

export function receptorTerms(target: '5ht1a' | '5ht2b', doses: DrugDoses): ReceptorTerms {
  let num = 0;
  let den = 1;
  for (const name of DRUG_NAMES) {
    const A = doses[name] ?? 0;
    const d: DrugSpec = DRUGS[name];
    if (A <= 0 || d.target !== target) continue;
    den += A / d.K_nM;
    if (d.action === 'agonist') num += (d.efficacy * A) / d.K_nM;
  }
  return { num, den };
}

/** Factor on Km from competitive SERT inhibitors: 1 + sum S/Ki. */
export function sertInhibitionFactor(doses: DrugDoses): number {
  let f = 1;
  for (const name of DRUG_NAMES) {
    const S = doses[name] ?? 0;
    const d: DrugSpec = DRUGS[name];
    if (S > 0 && d.target === 'sert') f += S / d.K_nM;
  }
  return f;
}

/** Occupancy a_R for concentration c (nM) given the drug terms. */
export function occupancy(c_nM: number, K_nM: number, t: ReceptorTerms): number {
  const x = c_nM / K_nM;
  return (x + t.num) / (t.den + x);
}
