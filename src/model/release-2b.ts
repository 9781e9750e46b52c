/**
 * 5-HT2B control of release (docs/model.md §2): a spike releases P (1 - rel1AMax s1A) (1 + rel2B s2B) full-pool
 * spikes' worth, where rel2B = rel2BMax x the genotype's 5-HT2B factor x htr2bExpression (0 in the Htr2b
 * KO), like g2B. Sources: docs/literature.md §14. rel2BMax 0 (the default until calibrated) leaves release
 * as it was.
 */
import { GENOTYPES, type Genotype } from './drugs.js';
import type { Params } from './params.js';

/** The gain rel2B of a tissue: the release factor is 1 + rel2B s2B. */
export function release2BGain(p: Params, genotype: Genotype): number {
  return p.rel2BMax * GENOTYPES[genotype].g2B * p.htr2bExpression;
}

/**
 * The 5-HT2B action on release at 5-HT2B activation s2B, as the kernel constants it changes: the factor on
 * a spike's release (quanta) and the share of the pool a spike leaves (keepU). rel2BMax scales release
 * alone (1 + rel2B s2B: it lifts the pool's ceiling too); u2BMax raises the release fraction
 * U_eff = U + (1 - U) u2B s2B, release x U_eff/U, keep 1 - U_eff (the ceiling Q/(U tauRefill) holds).
 */
export function release2BConstants(p: Params, genotype: Genotype, s2B: number): { quantaScale: number; keepU: number } {
  const gu = p.u2BMax * GENOTYPES[genotype].g2B * p.htr2bExpression;
  const U = p.releaseFraction;
  const Ueff = Math.min(1, U + (1 - U) * gu * s2B);
  return { quantaScale: (1 + release2BGain(p, genotype) * s2B) * (U > 0 ? Ueff / U : 1), keepU: 1 - Ueff };
}

/** 5-HT2B occupancy at uniform 5-HT c (nM) with the condition's drug terms (docs/model.md §2). */
export function occupancy2B(c_nM: number, K2B_nM: number, num: number, den: number): number {
  const x = c_nM / K2B_nM;
  return (x + num) / (den + x);
}

/**
 * SSRI potency at SERT relative to the wild type (docs/literature.md §14: Launay 2006, SERT's antidepressant
 * recognition under 5-HT2B control): 1 - w (1 - min(1, e)), w = ssriRecognition2B, e the 5-HT2B expression
 * (genotype factor x htr2bExpression): 1 in the wild type and above, 1 - w in the Htr2b KO. It scales every SERT
 * inhibitor's S/K in Km_eff; it reads the receptor's presence, not its activation.
 */
export function ssriPotency2B(p: Params, genotype: Genotype): number {
  const w = p.ssriRecognition2B;
  if (w === 0) return 1;
  return 1 - w * (1 - Math.min(1, GENOTYPES[genotype].g2B * p.htr2bExpression));
}
