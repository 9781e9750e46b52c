/**
 * /general of raphe's NWB files: what the run was (experiment description, the scenario and summary as
 * JSON in notes, the doses per phase, raphe's version as source_script), keywords, the paper the model
 * reproduces, and the subject: a simulated mouse dorsal raphe (species, genotype with its expression
 * levels, a synthetic subject_id, sex and age), said to be simulated in its description.
 *
 * experimenter and institution are left out on purpose: raphe cannot know who ran it or where, and a
 * made-up value ("raphe", "simulation") would be read as a person or a lab by DANDI and the like. Their
 * absence is a BEST_PRACTICE_SUGGESTION of nwbinspector, not a violation.
 */
import { createHash } from 'node:crypto';
import { GENOTYPES, dosesText } from '../model/drugs.js';
import type { Scenario } from '../model/scenario.js';
import type { RunResult } from '../record/run-result.js';
import { type Group, text, textList, typed } from './nwb-hdf5.js';

/** Belmer et al. 2018 (Neuropsychopharmacology), the experiments raphe reproduces, as NWB wants a DOI. */
export const RELATED_PUBLICATIONS = ['doi:10.1038/s41386-018-0013-0'] as const;

export const KEYWORDS = [
  'dorsal raphe nucleus',
  'serotonin',
  '5-HT1A',
  '5-HT2B',
  'SERT',
  'fluoxetine',
  'microdialysis',
  'spiking network model',
  'simulation',
] as const;

/** Adult (8 weeks or older): the age of the mice the model's parameters come from, not a measured age. */
export const SUBJECT_AGE = 'P8W/';

/**
 * A synthetic subject_id: the seed and a key of what makes the tissue (genotype, cell count, seed, every
 * parameter), so the conditions of one experiment, which differ only in their drugs, share a subject.
 */
export function subjectId(sc: Scenario): string {
  const tissue = JSON.stringify([sc.genotype, sc.neurons, sc.seed, Object.entries(sc.params).sort(([a], [b]) => (a < b ? -1 : 1))]);
  return `sim-seed${sc.seed}-${createHash('sha256').update(tissue).digest('hex').slice(0, 8)}`;
}

/** The genotype and the expression levels it and the *Expression parameters give (1 = wild type). */
export function genotypeText(sc: Scenario): string {
  const g = GENOTYPES[sc.genotype];
  const p = sc.params;
  const level = (x: number) => String(Number(x.toPrecision(6)));
  return (
    `${sc.genotype} (${g.doc}); expression relative to the wild type: 5-HT1A (Htr1a) ${level(g.g1A * p.htr1aExpression)}, ` +
    `5-HT2B (Htr2b) ${level(g.g2B * p.htr2bExpression)}, SERT (Slc6a4) ${level(g.sert * p.sertExpression)}`
  );
}

function writeSubject(general: Group, sc: Scenario): void {
  const s = general.create_group('subject');
  typed(s, 'core', 'Subject');
  text(s, 'subject_id', subjectId(sc));
  text(s, 'species', 'Mus musculus');
  text(s, 'genotype', genotypeText(sc));
  text(s, 'sex', 'U');
  text(s, 'age', SUBJECT_AGE);
  text(
    s,
    'description',
    `A simulated subject, not an animal: ${sc.neurons} model 5-HT neurons of a mouse dorsal raphe nucleus, placed and drawn ` +
      `from seed ${sc.seed} (raphe). Sex unknown (the model has none); age ${SUBJECT_AGE} is the adult range the ` +
      'parameters describe, not a measured age.',
  );
}

export interface GeneralInput {
  result: RunResult;
  scenario: Scenario;
  version: string;
  nwbVersion: string;
  /** session_id: the scenario's key. */
  sessionId: string;
}

/** /general: descriptions, the scenario, keywords, the paper and the subject. */
export function writeGeneral(general: Group, input: GeneralInput): void {
  const { result: r, scenario: sc } = input;
  text(
    general,
    'experiment_description',
    'Simulated dorsal raphe nucleus: spiking 5-HT neurons with 5-HT1A and 5-HT2B autoreceptors and SERT, releasing into one ' +
      'shared extracellular 5-HT grid (raphe, docs/model.md).',
  );
  text(
    general,
    'notes',
    JSON.stringify({ raphe: input.version, nwb: input.nwbVersion, scenario: sc, engine: r.engine, summary: r.summary }),
  );
  text(general, 'pharmacology', r.phases.map((p) => `${p.name} (${p.startS}-${p.endS} s): ${dosesText(p.doses)}`).join('; '));
  text(general, 'session_id', input.sessionId);
  const script = text(general, 'source_script', `raphe ${input.version}`);
  script.create_attribute('file_name', 'raphe');
  textList(general, 'keywords', KEYWORDS);
  textList(general, 'related_publications', RELATED_PUBLICATIONS);
  writeSubject(general, sc);
}
