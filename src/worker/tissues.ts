/**
 * The tissues as the worker holds them: the protocol's tissue record (src/worker/protocol.ts) checked
 * with the model's own parsers (src/model/scenario.ts for genotypes, drug names and concentrations, the
 * params schema's ranges for the expression levels), so a bad tissue gets the same one-line ConfigError
 * a scenario file would; and what a tissue's record means for a build (its params, its starting doses).
 */
import type { DrugDoses, DrugName, Genotype } from '../model/drugs.js';
import { ConfigError, checkNumber } from '../model/errors.js';
import { PARAM_SPECS, defaultParams, type Params } from '../model/params.js';
import { checkKeys, parseConcentration, parseDrugName, parseDrugs, parseGenotype } from '../model/scenario.js';
import { EXPRESSION_FIELDS, MAX_TISSUES, TISSUE_LABELS, type ProtocolInfo, type Tissue, type TissueSpec } from './protocol.js';

/** A tissue as checked: the record with the model's names. */
export type CheckedTissue = Omit<Tissue, 'genotype' | 'doses'> & { genotype: Genotype; doses: DrugDoses };

export const DEFAULT_TISSUES: TissueSpec[] = [{ genotype: 'wt' }, { genotype: 'htr2b-ko' }];
const TISSUE_KEYS: readonly (keyof Tissue)[] = ['genotype', ...EXPRESSION_FIELDS, 'linked', 'doses'];

/** One drug's dose (a setDrug): a known name and a concentration, as in a scenario's phase. */
export function checkDose(field: string, name: string, nM: unknown): DrugName {
  const d = parseDrugName(`${field}.${name}`, name);
  parseConcentration(`${field}.${name}`, nM);
  return d;
}

/** Doses as a scenario's phase reads them; a dose of 0 is no dose. */
export function checkDoses(field: string, doses: unknown): DrugDoses {
  const out: DrugDoses = {};
  for (const [d, nM] of Object.entries(parseDrugs(field, doses)) as [DrugName, number][]) if (nM > 0) out[d] = nM;
  return out;
}

export function checkTissues(v: unknown): CheckedTissue[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > MAX_TISSUES) {
    throw new ConfigError('tissues', `must be a list of 1 to ${MAX_TISSUES} tissues (${TISSUE_LABELS.join(', ')})`);
  }
  return v.map((t, i) => {
    const field = `tissues[${i}]`;
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new ConfigError(field, 'must be an object');
    checkKeys(field, t, TISSUE_KEYS);
    const spec = t as TissueSpec;
    const expr = (k: (typeof EXPRESSION_FIELDS)[number]) =>
      spec[k] === undefined ? 1 : checkNumber(`${field}.${k}`, spec[k], PARAM_SPECS[k].min, PARAM_SPECS[k].max);
    if (spec.linked !== undefined && typeof spec.linked !== 'boolean') throw new ConfigError(`${field}.linked`, 'must be true or false');
    return {
      genotype: parseGenotype(`${field}.genotype`, spec.genotype ?? 'wt'),
      htr1aExpression: expr('htr1aExpression'),
      htr2bExpression: expr('htr2bExpression'),
      sertExpression: expr('sertExpression'),
      linked: spec.linked ?? true,
      doses: checkDoses(`${field}.doses`, spec.doses),
    };
  });
}

export function checkTissueIndex(tissue: unknown, n: number): number {
  return checkNumber('tissue', tissue, 0, n - 1, { integer: true });
}

/** "fluoxetine 10 nM, bw723c86 100 nM", or "" for none. */
export function describeDoses(d: DrugDoses): string {
  return Object.entries(d)
    .map(([k, v]) => `${k} ${+(v as number).toPrecision(4)} nM`)
    .join(', ');
}

export function sameDoses(a: DrugDoses, b: DrugDoses): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k as DrugName] === b[k as DrugName]);
}

/** The model parameters of a tissue on a grid of `voxelUm`. */
export function tissueParams(t: CheckedTissue, voxelUm: number): Params {
  const params = defaultParams();
  params.voxel_um = voxelUm;
  for (const k of EXPRESSION_FIELDS) params[k] = t[k];
  return params;
}

/** The doses a tissue starts with, and that start's name: the protocol's first phase when linked to one, else its own. */
export function startDoses(t: CheckedTissue, protocol: ProtocolInfo | null): { doses: DrugDoses; name: string } {
  if (protocol && t.linked) {
    const ph = protocol.phases[0];
    return { doses: { ...ph.doses } as DrugDoses, name: ph.name };
  }
  return { doses: { ...t.doses }, name: describeDoses(t.doses) || 'baseline' };
}
