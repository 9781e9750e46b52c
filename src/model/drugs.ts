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

/**
 * 8-OH-DPAT's affinity for 5-HT1A, nM: a choice, calibrated so that its IC50 on firing lands where DRN
 * slices put it (10.7 nM). F7's dose series and its WAY-100635 test dose are stated in multiples of it
 * (findings-conditions.ts), so they move with it.
 */
export const DPAT_K_nM = 70;

/** SERT occupancy of a therapeutic SSRI dose (PET, about 80% at clinical doses). */
export const THERAPEUTIC_OCCUPANCY = 0.8;
export const THERAPEUTIC_OCCUPANCY_SOURCE = 'Meyer 2007, J Psychiatry Neurosci 32:86 (PET, clinical SSRI doses)';

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
    K_nM: DPAT_K_nM,
    efficacy: 1,
    source: 'docs/model.md §6 v3 calibration (full agonist; K 70 nM puts the WT firing IC50 near the 10.7 nM of rat DRN slices)',
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
export function sertInhibitionFactor(doses: DrugDoses, potency = 1): number {
  let f = 1;
  for (const name of DRUG_NAMES) {
    const S = doses[name] ?? 0;
    const d: DrugSpec = DRUGS[name];
    if (S > 0 && d.target === 'sert') f += (potency * S) / d.K_nM;
  }
  return f;
}

/** Occupancy a_R for concentration c (nM) given the drug terms. */
export function occupancy(c_nM: number, K_nM: number, t: ReceptorTerms): number {
  const x = c_nM / K_nM;
  return (x + t.num) / (t.den + x);
}

/** Sum of S/Ki over the SERT inhibitors of a dose set. */
function sertLoad(doses: DrugDoses): number {
  return sertInhibitionFactor(doses) - 1;
}

/** Fraction of SERT the inhibitors of a dose set occupy together (competitive): sum(S/K) / (1 + sum(S/K)). */
export function sertOccupancy(doses: DrugDoses): number {
  const x = sertLoad(doses);
  return x / (1 + x);
}

/** Fraction of its target a drug alone occupies at c nM: (c/K) / (1 + c/K). */
export function receptorOccupancy(drug: DrugName, c_nM: number): number {
  const x = Math.max(0, c_nM) / DRUGS[drug].K_nM;
  return x / (1 + x);
}

export function isSertInhibitor(drug: DrugName): boolean {
  return DRUGS[drug].target === 'sert';
}

/**
 * A dose as printed and run: 6 significant digits, so that a dose asked for by occupancy and the nM
 * printed for it run the same model (80% of fluoxetine is exactly 3.2 nM).
 */
export function roundDose(nM: number): number {
  return Number(nM.toPrecision(6));
}

/** Free concentration (nM) at which one SERT inhibitor alone occupies `fraction` of SERT: K f / (1 - f). */
export function doseForOccupancy(drug: DrugName, fraction: number): number {
  if (!isSertInhibitor(drug)) throw new RangeError(`${drug} is not a SERT inhibitor`);
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`occupancy must be in [0, 1), got ${fraction}`);
  return roundDose((DRUGS[drug].K_nM * fraction) / (1 - fraction));
}

/** Target names as printed beside an occupancy. */
const TARGET_TEXT: Record<DrugTarget, string> = { sert: 'SERT', '5ht1a': '5-HT1A', '5ht2b': '5-HT2B' };

const percent = (f: number) => `${Number((100 * f).toFixed(1))}%`;

/** What a drug alone occupies at c nM, in words: "80% SERT". */
export function occupancyText(drug: DrugName, c_nM: number): string {
  return `${percent(receptorOccupancy(drug, c_nM))} ${TARGET_TEXT[DRUGS[drug].target]}`;
}

/**
 * Doses in words, each with its occupancy: "fluoxetine 3.2 nM (80% SERT), 8-oh-dpat 3 nM (75% 5-HT1A)".
 * With several SERT inhibitors their joint occupancy follows; a dose set without drugs is "no drug".
 */
export function dosesText(doses: DrugDoses): string {
  const parts: string[] = [];
  let inhibitors = 0;
  for (const [name, c] of Object.entries(doses) as [DrugName, number][]) {
    if (!(c > 0)) continue;
    if (isSertInhibitor(name)) inhibitors++;
    parts.push(`${name} ${roundDose(c)} nM (${occupancyText(name, c)})`);
  }
  if (inhibitors > 1) parts.push(`together ${percent(sertOccupancy(doses))} SERT`);
  return parts.length ? parts.join(', ') : 'no drug';
}
