/**
 * JSON Schema (draft-07) of a scenario file, generated from the one parameter schema (params.ts: ranges,
 * units, sources) and the scenario rules of scenario.ts (keys, limits, names), never written by hand.
 * Every schema file is registered in src/cli/schema-files.ts (SCHEMA_FILES): `npm run schema` writes them
 * into schema/, a test checks the committed files are what is generated now, and `raphe schema NAME`
 * prints one.
 *
 * The pieces (paramsSchema, phaseSchema, ...) are exported so that another file format built on
 * scenarios composes them (the sweep file: src/sweep/json-schema.ts).
 *
 * parseScenario stays the authority: the schema refuses what it can express; the rules it cannot
 * (relations between fields) are listed in CROSS_FIELD_RULES and in the schema's description.
 */
import { DRUGS, DRUG_NAMES, GENOTYPES, GENOTYPE_NAMES, THERAPEUTIC_OCCUPANCY, isSertInhibitor } from './drugs.js';
import { PARAM_KEYS, PARAM_SPECS, type ParamSpec } from './params.js';
import { CHRONIC_DEFAULTS, CHRONIC_LIMITS, MAX_READOUTS, MIN_SLOW_STEP_H, MIN_WINDOW_STEPS } from './chronic.js';
import { LIMITS, MAX_NAME_CHARS, MIN_SAMPLES_PER_PHASE, OCCUPANCY_PATTERN, RECORDING_DEFAULTS, SCENARIO_DEFAULTS } from './scenario.js';

export type JsonSchema = { [key: string]: unknown };

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** Rules parseScenario checks that a JSON Schema cannot express (relations between fields, the machine). */
export const CROSS_FIELD_RULES: readonly string[] = [
  'diffusion stability: D_cm2ps / lambda² x dt_ms x subSteps / voxel_um² <= 1/6',
  'tRef_ms >= dt_ms x subSteps (at most one spike per grid step), and tRef_ms / dt_ms <= 60000',
  'Vreset_mV < Vth_mV',
  `regionX_um, regionY_um, regionZ_um / voxel_um <= ${LIMITS.gridDim.max} voxels per axis`,
  'at least one voxel centre inside the region, and inside the probe (probeRadius_um)',
  `every phase holds >= ${MIN_SAMPLES_PER_PHASE} trace samples: durationS >= ${MIN_SAMPLES_PER_PHASE} x recording.sampleSteps x dt_ms x subSteps / 1000`,
  'a drug named twice in one phase in different letter cases',
  'protocol or chronic, not both; chronic.slowStepH <= chronic.days x 24 h; chronic.readoutDays within [0, chronic.days], ascending',
  `chronic.windowS holds >= ${MIN_WINDOW_STEPS} grid steps`,
  'the memory estimate of the run against the machine (or RAPHE_MEMORY_BYTES)',
  `names: at most ${MAX_NAME_CHARS} UTF-16 code units (the schema counts code points)`,
];

/**
 * A pattern matching `names` in any letter case, as parseScenario's lookup (String.toLowerCase) does:
 * each letter becomes the class of every BMP character that lower-cases to it (e.g. K and the Kelvin sign
 * for k).
 */
export function caseInsensitivePattern(names: readonly string[]): string {
  const esc = (c: string) => (/[\\^$.*+?()[\]{}|]/.test(c) ? `\\${c}` : c);
  const cls = (ch: string) => {
    const all = upperVariants(ch);
    if (all.length === 1) return esc(ch);
    return `[${all.map((c) => (c.charCodeAt(0) > 0x7e ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : esc(c))).join('')}]`;
  };
  return `^(?:${names.map((n) => [...n].map(cls).join('')).join('|')})$`;
}

let LOWER_TO_CHARS: Map<string, string[]> | undefined;
function upperVariants(lower: string): string[] {
  if (!LOWER_TO_CHARS) {
    LOWER_TO_CHARS = new Map();
    for (let u = 0; u <= 0xffff; u++) {
      if (u >= 0xd800 && u <= 0xdfff) continue;
      const c = String.fromCharCode(u);
      const l = c.toLowerCase();
      if (l.length !== 1) continue;
      const list = LOWER_TO_CHARS.get(l);
      if (list) list.push(c);
      else LOWER_TO_CHARS.set(l, [c]);
    }
  }
  return LOWER_TO_CHARS.get(lower) ?? [lower];
}

/** A name of a scenario or phase. */
export function nameSchema(what: string): JsonSchema {
  return { type: 'string', maxLength: MAX_NAME_CHARS, description: `${what} (at most ${MAX_NAME_CHARS} characters)` };
}

/** A free drug concentration, nM. */
export function concentrationSchema(description: string): JsonSchema {
  return {
    type: 'number',
    minimum: LIMITS.concentration_nM.min,
    maximum: LIMITS.concentration_nM.max,
    description: `${description}, nM (${LIMITS.concentration_nM.min} to ${LIMITS.concentration_nM.max})`,
  };
}

export function genotypeSchema(): JsonSchema {
  return {
    description:
      `genotype (default ${SCENARIO_DEFAULTS.genotype}; letter case is ignored): ` +
      GENOTYPE_NAMES.map((g) => `${g}: ${GENOTYPES[g].doc}`).join('; '),
    type: 'string',
    default: SCENARIO_DEFAULTS.genotype,
    anyOf: [{ enum: [...GENOTYPE_NAMES] }, { pattern: caseInsensitivePattern(GENOTYPE_NAMES) }],
  };
}

/** A SERT occupancy written as a percentage, converted to nM when the file is read. */
export function occupancySchema(drug: string): JsonSchema {
  return {
    type: 'string',
    pattern: OCCUPANCY_PATTERN,
    description: `the SERT occupancy of ${drug} alone, "0%" to below "100%" (e.g. "${100 * THERAPEUTIC_OCCUPANCY}%"), converted to nM as K f / (1 - f)`,
  };
}

/** Drug name -> free concentration (nM), or SERT occupancy ("80%") for a SERT inhibitor; names in any letter case. */
export function drugsSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const patternProperties: Record<string, JsonSchema> = {};
  for (const sert of [true, false]) {
    const names = DRUG_NAMES.filter((d) => isSertInhibitor(d) === sert);
    const any = sert ? 'a SERT inhibitor' : 'a receptor ligand';
    // the other spellings of these names (the exact ones are `properties`, which strict validators keep apart)
    const others = `^(?!(?:${names.map((n) => n.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')).join('|')})$)${caseInsensitivePattern(names).slice(1)}`;
    patternProperties[others] = doseSchema(any, sert);
    for (const d of names) {
      const s = DRUGS[d];
      properties[d] = doseSchema(`${d}: ${s.target} ${s.action}, K ${Number(s.K_nM.toPrecision(4))} nM (${s.source})`, sert);
    }
  }
  return {
    type: 'object',
    description:
      'drug name -> free concentration in nM, or for a SERT inhibitor its SERT occupancy as a percentage ("80%"); ' +
      `letter case of names is ignored; drugs: ${DRUG_NAMES.join(', ')}`,
    properties,
    patternProperties,
    propertyNames: { pattern: caseInsensitivePattern(DRUG_NAMES) },
  };
}

/** One drug's dose: a concentration, or (SERT inhibitors) a concentration or an occupancy. */
function doseSchema(what: string, occupancy: boolean): JsonSchema {
  const nM = concentrationSchema(occupancy ? 'free concentration' : what);
  return occupancy ? { description: `${what}: a free concentration in nM or a SERT occupancy`, anyOf: [nM, occupancySchema(what)] } : nM;
}

function paramSchema(spec: ParamSpec): JsonSchema {
  const unit = spec.unit === '1' ? 'dimensionless' : spec.unit;
  const extra = spec.choice ? `; model choice: ${spec.reason}` : spec.reason ? `; ${spec.reason}` : '';
  return {
    type: spec.integer ? 'integer' : 'number',
    minimum: spec.min,
    maximum: spec.max,
    default: spec.value,
    description: `${spec.doc}, ${unit} (${spec.min} to ${spec.max}; default ${spec.value}); source: ${spec.source}${extra}`,
  };
}

/** Parameter overrides: every key of PARAM_SPECS, with its range, unit and default. */
export function paramsSchema(): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const k of PARAM_KEYS) properties[k] = paramSchema(PARAM_SPECS[k]);
  return {
    type: 'object',
    description: 'parameter overrides (docs/model.md §2-4); an absent parameter keeps its default',
    properties,
    additionalProperties: false,
  };
}

export function phaseSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'one timed phase of the protocol with its drug doses',
    properties: {
      name: nameSchema('phase name (default phaseN)'),
      durationS: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: LIMITS.durationS.max,
        description:
          `phase duration, s (> 0 and <= ${LIMITS.durationS.max}); it must also hold ${MIN_SAMPLES_PER_PHASE} trace samples ` +
          `(>= ${MIN_SAMPLES_PER_PHASE} x recording.sampleSteps grid steps), checked by raphe`,
      },
      drugs: drugsSchema(),
    },
    required: ['durationS'],
    additionalProperties: false,
  };
}

export function recordingSchema(): JsonSchema {
  return {
    type: 'object',
    description: 'what the run records',
    properties: {
      spikes: { type: 'boolean', default: RECORDING_DEFAULTS.spikes, description: 'record every spike (cell, time)' },
      sampleSteps: {
        type: 'integer',
        minimum: LIMITS.sampleSteps.min,
        maximum: LIMITS.sampleSteps.max,
        default: RECORDING_DEFAULTS.sampleSteps,
        description: `trace sampling interval, grid steps (1 ms each by default), ${LIMITS.sampleSteps.min} to ${LIMITS.sampleSteps.max}`,
      },
    },
    additionalProperties: false,
  };
}

/** The properties of a scenario object (a sweep spec may reuse them). */
export function scenarioProperties(): Record<string, JsonSchema> {
  return {
    $schema: { type: 'string', description: 'the JSON Schema of this file, for editors (ignored by raphe)' },
    name: nameSchema(`scenario name (default "${SCENARIO_DEFAULTS.name}")`),
    genotype: genotypeSchema(),
    neurons: {
      type: 'integer',
      minimum: LIMITS.neurons.min,
      maximum: LIMITS.neurons.max,
      default: SCENARIO_DEFAULTS.neurons,
      description: `number of simulated 5-HT neurons, cells (${LIMITS.neurons.min} to ${LIMITS.neurons.max})`,
    },
    seed: {
      type: 'integer',
      minimum: LIMITS.seed.min,
      maximum: LIMITS.seed.max,
      default: SCENARIO_DEFAULTS.seed,
      description: 'random seed (tissue, per-cell draws, background drive), 0 to 2^53 - 1',
    },
    protocol: { type: 'array', minItems: 1, description: 'the phases, in order', items: phaseSchema() },
    params: paramsSchema(),
    recording: recordingSchema(),
    c0_nM: concentrationSchema('initial uniform extracellular 5-HT (absent: the estimated steady state of the first phase)'),
  };
}

/** A chronic treatment (docs/model.md §7): drugs held for days, the two-timescale driver's steps and readouts. */
export function chronicSchema(): JsonSchema {
  const L = CHRONIC_LIMITS;
  const D = CHRONIC_DEFAULTS;
  return {
    type: 'object',
    description:
      'chronic treatment (docs/model.md §7): the drugs held constant for `days` (steady infusion), the fast network re-settled with ' +
      'd1A frozen once per slow step; replaces protocol (day 0 is read drug-free, before the drug)',
    properties: {
      drugs: drugsSchema(),
      days: { type: 'number', exclusiveMinimum: L.days.min, maximum: L.days.max, default: D.days, description: 'treatment length, days' },
      slowStepH: {
        type: 'number',
        minimum: MIN_SLOW_STEP_H,
        maximum: L.slowStepH.max,
        default: D.slowStepH,
        description: `longest slow step, hours (at least one minute, at most the protocol's length; every step when slowTolerance is 0); default ${D.slowStepH}`,
      },
      slowTolerance: {
        type: 'number',
        minimum: L.slowTolerance.min,
        maximum: L.slowTolerance.max,
        default: D.slowTolerance,
        description:
          "slow step's error tolerance: the largest change of mean d1A or d2B between a step's predictor and corrector the step-size control aims at; 0: fixed steps of slowStepH",
      },
      readoutDays: {
        type: 'array',
        minItems: 1,
        maxItems: MAX_READOUTS,
        items: { type: 'number', minimum: 0 },
        default: [...D.readoutDays],
        description: 'days of a readout (0: before the drug), ascending, within the treatment',
      },
      settleS: {
        type: 'number',
        minimum: L.settleS.min,
        maximum: L.settleS.max,
        default: D.settleS,
        description:
          "fast model time each slow step runs from the previous step's state before its averaging window, at most, ended once the probe is settled, s",
      },
      windowS: {
        type: 'number',
        minimum: L.windowS.min,
        maximum: L.windowS.max,
        default: D.windowS,
        description: "fast model time over which each cell's 5-HT1A activation is averaged (the slow step's drive), s",
      },
    },
    additionalProperties: false,
  };
}

export function scenarioJsonSchema(): JsonSchema {
  return {
    $schema: JSON_SCHEMA_DRAFT,
    title: 'raphe scenario',
    description:
      'A raphe scenario file (raphe run --scenario FILE). Generated from src/model/params.ts and src/model/scenario.ts ' +
      '(npm run schema); do not edit. raphe also checks rules between fields that this schema cannot express: ' +
      CROSS_FIELD_RULES.join('; ') +
      '.',
    type: 'object',
    properties: { ...scenarioProperties(), chronic: chronicSchema() },
    // exactly one of the two (parseScenario names the field when both or neither are given)
    oneOf: [
      { properties: { protocol: true }, required: ['protocol'] },
      { properties: { chronic: true }, required: ['chronic'] },
    ],
    additionalProperties: false,
  };
}

/** A schema as the text of its file. */
export function schemaText(schema: JsonSchema): string {
  return JSON.stringify(schema, null, 2) + '\n';
}
