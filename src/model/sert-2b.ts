/**
 * 5-HT2B control of SERT's SSRI recognition (docs/model.md §2, docs/literature.md §14): by its title, Launay et
 * al. 2006 find SERT-mediated antidepressant recognition controlled by 5-HT2B signalling in serotonergic cells,
 * and Diaz et al. 2012 find 5-HT2B required for SSRI actions. The model keeps the measured SSRI affinities for
 * the wild type and scales every SERT inhibitor's S/K by a potency that falls to 1 - w without 5-HT2B.
 */
import { GENOTYPES, type Genotype } from './drugs.js';
import type { Params } from './params.js';

/**
 * SSRI potency at SERT relative to the wild type: 1 - w (1 - min(1, e)), w = ssriRecognition2B, e the 5-HT2B
 * expression (genotype factor x htr2bExpression): 1 in the wild type and above, 1 - w in the Htr2b KO. It reads
 * the receptor's presence, not its activation (no agonist or antagonist changes it), and scales S/K in Km_eff.
 */
export function ssriPotency2B(p: Params, genotype: Genotype): number {
  const w = p.ssriRecognition2B;
  if (w === 0) return 1;
  return 1 - w * (1 - Math.min(1, GENOTYPES[genotype].g2B * p.htr2bExpression));
}
