/**
 * JSON Schema (draft-07) of a sweep file, generated from the sweep rules (spec.ts: its keys, names,
 * readouts, axis kinds) and the scenario pieces of model/json-schema.ts (parameters with their ranges
 * and units, drugs, genotypes, phases), never written by hand. Each axis's values are checked against
 * what the axis sets: a parameter's range, a drug's concentration limits, a seed's, the genotype names.
 *
 * parseSweep stays the authority; the rules between fields it checks and a schema cannot express are
 * SWEEP_CROSS_FIELD_RULES, listed in the schema's description.
 */
import { DRUG_NAMES } from '../model/drugs.js';
import {
  JSON_SCHEMA_DRAFT,
  type JsonSchema,
  caseInsensitivePattern,
  concentrationSchema,
  drugsSchema,
  genotypeSchema,
  phaseSchema,
  scenarioProperties,
} from '../model/json-schema.js';
import { PARAM_KEYS, PARAM_SPECS } from '../model/params.js';
import { LIMITS } from '../model/scenario.js';
import {
  type AXIS_KEYS,
  type BASE_KEYS,
  MAX_AXIS_VALUES,
  HARD_MAX_POINTS,
  MAX_POINTS,
  READOUT_NAMES,
  SPECIAL_AXES,
  type SWEEP_KEYS,
  SWEEP_NAME,
} from './spec.js';

/** What parseSweep checks that the schema cannot express. */
export const SWEEP_CROSS_FIELD_RULES: readonly string[] = [
  'a range: from < to, and from > 0 on a log scale; every generated value within what the axis sets',
  'values of one axis are distinct; no axis named twice (drug names in any letter case)',
  'zip groups name existing axes of equal length, each axis in at most one group',
  `the grid (the product of the axes, zipped groups counted once) holds at most ${MAX_POINTS} points unless --max-points, and never more than ${HARD_MAX_POINTS}`,
  'readout "protocol" needs a protocol of at least two phases (a baseline, then the drug); "steady" one phase',
  "every point's scenario passes every rule of a scenario file (see scenario.schema.json)",
];

type Range = { min: number; max: number; integer?: boolean };

/** "`key` is present", as a subschema (naming it in properties too, as ajv's strict mode asks). */
const has = (key: string): JsonSchema => ({ properties: { [key]: {} }, required: [key] });

/** JSON Schema's conditional: where `cond` holds, `then` must too. */
const ifThen = (cond: JsonSchema, then: JsonSchema): JsonSchema => ({ if: cond, then });

/** "the axis names a drug" (in any letter case). */
const isDrugAxis = (): JsonSchema => ({ properties: { axis: { type: 'string', pattern: caseInsensitivePattern(DRUG_NAMES) } } });

/** An axis's values: a list, or a range {from, to, count, scale}, within `r`. */
function numericValues(r: Range, what: string): JsonSchema {
  const num: JsonSchema = { type: r.integer ? 'integer' : 'number', minimum: r.min, maximum: r.max };
  return {
    anyOf: [
      { type: 'array', minItems: 1, maxItems: MAX_AXIS_VALUES, uniqueItems: true, items: num, description: `${what}: a list of values` },
      {
        type: 'object',
        description: `${what}: a range of count values from..to, evenly spaced on a linear or log scale`,
        properties: {
          from: { type: 'number', minimum: r.min, maximum: r.max },
          to: { type: 'number', minimum: r.min, maximum: r.max },
          count: { type: 'integer', minimum: 2, maximum: MAX_AXIS_VALUES },
          scale: { enum: ['linear', 'log'], default: 'linear' },
        },
        required: ['from', 'to', 'count'],
        additionalProperties: false,
      },
    ],
  };
}

/** One branch per thing an axis can vary: its name, and the values it takes. */
function axisBranches(): JsonSchema[] {
  const conc = { min: LIMITS.concentration_nM.min, max: LIMITS.concentration_nM.max };
  const seed = { ...LIMITS.seed, integer: true };
  const branches: JsonSchema[] = [
    ifThen(
      { properties: { axis: { const: 'genotype' } } },
      { properties: { values: { type: 'array', minItems: 1, uniqueItems: true, items: genotypeSchema() } } },
    ),
    ifThen({ properties: { axis: { const: 'seed' } } }, { properties: { values: numericValues(seed, 'seeds') } }),
    ifThen(isDrugAxis(), { properties: { values: numericValues(conc, 'free concentrations, nM') } }),
  ];
  for (const k of PARAM_KEYS) {
    const s = PARAM_SPECS[k];
    branches.push(
      ifThen(
        { properties: { axis: { const: k } } },
        { properties: { values: numericValues({ min: s.min, max: s.max, integer: s.integer }, `${k}, ${s.unit}`) } },
      ),
    );
  }
  return branches;
}

export function axisSchema(): JsonSchema {
  const props: Record<(typeof AXIS_KEYS)[number], JsonSchema> = {
    axis: {
      type: 'string',
      description:
        `what the axis varies: ${SPECIAL_AXES.join(', ')}, a drug's free concentration in nM (${DRUG_NAMES.join(', ')}; ` +
        'any letter case) or a parameter of the schema (see scenario.schema.json)',
      anyOf: [{ enum: [...SPECIAL_AXES, ...PARAM_KEYS] }, { pattern: caseInsensitivePattern(DRUG_NAMES) }],
    },
    values: {
      description: 'the values: a list, or a range {from, to, count, scale: log|linear}; checked against what the axis sets',
      anyOf: [{ type: 'array' }, { type: 'object' }],
    },
    reference: concentrationSchema(
      'a drug axis only: the concentration probeFold and rateRatio are computed against (default 0, added to the values when missing)',
    ),
  };
  return {
    type: 'object',
    description: 'one axis of the grid',
    properties: props,
    required: ['axis', 'values'],
    additionalProperties: false,
    allOf: [
      ...axisBranches(),
      // a reference belongs to a drug axis
      ifThen(has('reference'), isDrugAxis()),
    ],
  };
}

export function sweepBaseSchema(): JsonSchema {
  const sc = scenarioProperties();
  const props: Record<(typeof BASE_KEYS)[number], JsonSchema> = {
    genotype: sc.genotype as JsonSchema,
    neurons: sc.neurons as JsonSchema,
    seed: sc.seed as JsonSchema,
    params: sc.params as JsonSchema,
    recording: sc.recording as JsonSchema,
    c0_nM: sc.c0_nM as JsonSchema,
    protocol: sc.protocol as JsonSchema,
    duration: {
      ...((phaseSchema().properties as Record<string, JsonSchema>).durationS as JsonSchema),
      description: 'the seconds each point runs (one phase; with `drugs`), instead of a protocol',
    },
    drugs: { ...drugsSchema(), description: 'the drugs of every point (with `duration`); an axis overrides its drug' },
  };
  return {
    type: 'object',
    description: 'the scenario every point starts from: the fields of a scenario file, with a protocol or a duration (and drugs)',
    properties: props,
    additionalProperties: false,
    oneOf: [has('protocol'), has('duration')],
    dependencies: { drugs: { not: has('protocol') } },
  };
}

export function sweepJsonSchema(): JsonSchema {
  const props: Record<(typeof SWEEP_KEYS)[number], JsonSchema> = {
    $schema: { type: 'string', description: 'the JSON Schema of this file, for editors (ignored by raphe)' },
    name: {
      type: 'string',
      minLength: 1,
      maxLength: SWEEP_NAME.maxLength,
      pattern: SWEEP_NAME.pattern,
      default: 'sweep',
      description: 'the sweep name (letters, digits, ".", "_", "-"): names its output',
    },
    description: { type: 'string', description: 'what the sweep asks (shown in its report)' },
    base: sweepBaseSchema(),
    axes: { type: 'array', minItems: 1, description: 'the axes: the points are their cartesian product', items: axisSchema() },
    zip: {
      type: 'array',
      description: 'groups of axes (by name) that vary together, value by value, instead of as a product',
      items: { type: 'array', minItems: 2, items: { type: 'string' } },
    },
    readout: {
      enum: [...READOUT_NAMES],
      description:
        'steady: each point started from its estimated steady state and measured once settled (default with a duration); ' +
        'protocol: baseline then drug, read within the run (default with a protocol)',
    },
  };
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: 'raphe sweep',
    description:
      'A raphe sweep file (raphe sweep FILE). Generated from src/sweep/spec.ts and src/model/params.ts (npm run schema); ' +
      'do not edit. raphe also checks rules between fields that this schema cannot express: ' +
      SWEEP_CROSS_FIELD_RULES.join('; ') +
      '.',
    type: 'object',
    properties: props,
    required: ['base', 'axes'],
    additionalProperties: false,
  };
}
