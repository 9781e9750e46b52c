/**
 * schema/scenario.schema.json: generated from the parameter schema and the scenario rules (never by hand),
 * committed up to date (`npm run schema`), printed by `raphe schema scenario`; every example validates
 * with a real JSON Schema validator (ajv), and a set of bad files is refused by both the schema and
 * parseScenario (rules between fields, which the schema cannot express, are left to parseScenario and
 * listed in the schema's description).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { describe, expect, test } from 'vitest';
import { DRUG_NAMES, GENOTYPE_NAMES } from '../src/model/drugs.js';
import { ConfigError } from '../src/model/errors.js';
import { SCHEMA_FILES } from '../src/cli/schema-files.js';
import { CROSS_FIELD_RULES, caseInsensitivePattern, scenarioJsonSchema } from '../src/model/json-schema.js';
import { PARAM_KEYS, PARAM_SPECS } from '../src/model/params.js';
import { parseScenario } from '../src/model/scenario.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const committed = (name: string) => JSON.parse(readFileSync(join(ROOT, 'schema', name), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(committed('scenario.schema.json'));
const schemaOk = (v: unknown) => validate(v) === true;
const parseOk = (v: unknown): true | string => {
  try {
    parseScenario(v);
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
};

const EXAMPLES = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
const base = () => ({ name: 't', neurons: 50, protocol: [{ name: 'b', durationS: 0.2 }], c0_nM: 10 });

describe('generated schema files', () => {
  test.each(Object.keys(SCHEMA_FILES))('schema/%s is what src/cli/schema-files.ts generates now (run `npm run schema`)', (name) => {
    expect(committed(name)).toEqual(SCHEMA_FILES[name]());
  });

  test('the schema is valid draft-07 and ajv compiles it in strict mode', () => {
    expect(ajv.validateSchema(scenarioJsonSchema())).toBe(true);
  });

  test('every parameter of PARAM_SPECS is in the schema with its range, default and unit', () => {
    const params = (scenarioJsonSchema().properties as Record<string, { properties: Record<string, Record<string, unknown>> }>).params;
    expect(Object.keys(params.properties)).toEqual(PARAM_KEYS);
    for (const k of PARAM_KEYS) {
      const s = params.properties[k];
      const spec = PARAM_SPECS[k];
      expect([s.minimum, s.maximum, s.default], k).toEqual([spec.min, spec.max, spec.value]);
      expect(s.description as string, k).toContain(spec.unit === '1' ? 'dimensionless' : spec.unit);
    }
  });

  test('the rules the schema cannot express are named in its description', () => {
    const d = scenarioJsonSchema().description as string;
    for (const r of CROSS_FIELD_RULES) expect(d).toContain(r);
  });

  test('`raphe schema scenario` prints the committed schema; an unknown name is one line, exit 2', () => {
    const bin = join(ROOT, 'bin', 'raphe.mjs');
    const ok = spawnSync(process.execPath, [bin, 'schema', 'scenario'], { encoding: 'utf8' });
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual(committed('scenario.schema.json'));
    const bad = spawnSync(process.execPath, [bin, 'schema', 'sweeps'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown schema "sweeps"; did you mean sweep\? allowed: scenario, sweep/);
  });
});

describe('good files: accepted by the schema and by parseScenario', () => {
  test.each(EXAMPLES)('examples/%s carries a $schema reference and validates', (f) => {
    const j = JSON.parse(readFileSync(join(ROOT, 'examples', f), 'utf8'));
    expect(j.$schema).toBe('../schema/scenario.schema.json');
    expect(schemaOk(j), JSON.stringify(validate.errors)).toBe(true);
    expect(parseOk(j)).toBe(true);
  });

  const GOOD: [string, Record<string, unknown>][] = [
    ['minimal (protocol only)', { protocol: [{ durationS: 1 }] }],
    ['genotype in upper case', { ...base(), genotype: 'HTR2B-KO' }],
    ['genotype with the Kelvin sign for k', { ...base(), genotype: 'htr2b-\u212Ao' }],
    ['drug names in mixed case', { ...base(), protocol: [{ durationS: 0.2, drugs: { FLUOXETINE: 10, 'Way-100635': 1 } }] }],
    ['every parameter at its default', { ...base(), params: Object.fromEntries(PARAM_KEYS.map((k) => [k, PARAM_SPECS[k].value])) }],
    ['recording options and $schema', { ...base(), $schema: 'x.json', recording: { spikes: false, sampleSteps: 1 } }],
    ['a 200-character name', { ...base(), name: 'n'.repeat(200) }],
    [
      'a SERT inhibitor as its SERT occupancy',
      { ...base(), protocol: [{ durationS: 0.2, drugs: { fluoxetine: '80%', Paroxetine: '92.5%' } }] },
    ],
  ];
  test.each(GOOD)('%s', (_label, j) => {
    expect(schemaOk(j), JSON.stringify(validate.errors)).toBe(true);
    expect(parseOk(j)).toBe(true);
  });
});

describe('bad files: refused by the schema and by parseScenario', () => {
  const ph = (o: Record<string, unknown>) => ({ ...base(), protocol: [{ name: 'b', durationS: 0.2, ...o }] });
  const BAD: [string, unknown][] = [
    ['not an object', [base()]],
    ['a string', 'scenario'],
    ['unknown top-level key', { ...base(), neuron: 10 }],
    ['no protocol', { name: 'x' }],
    ['empty protocol', { ...base(), protocol: [] }],
    ['protocol not an array', { ...base(), protocol: { durationS: 1 } }],
    ['phase without durationS', { ...base(), protocol: [{ name: 'b' }] }],
    ['phase duration 0', ph({ durationS: 0 })],
    ['phase duration negative', ph({ durationS: -1 })],
    ['phase duration as a string', ph({ durationS: '10' })],
    ['phase duration too long', ph({ durationS: 2e6 })],
    ['unknown phase key', ph({ drug: { fluoxetine: 1 } })],
    ['phase not an object', { ...base(), protocol: [3] }],
    ['phase name a number', ph({ name: 3 })],
    ['scenario name too long', { ...base(), name: 'n'.repeat(201) }],
    ['scenario name null', { ...base(), name: null }],
    ['neurons 0', { ...base(), neurons: 0 }],
    ['neurons fractional', { ...base(), neurons: 1.5 }],
    ['neurons too many', { ...base(), neurons: 1e9 }],
    ['neurons as a string', { ...base(), neurons: '9000' }],
    ['seed negative', { ...base(), seed: -1 }],
    ['seed fractional', { ...base(), seed: 0.5 }],
    ['seed beyond 2^53 - 1', { ...base(), seed: 2 ** 53 }],
    ['unknown genotype', { ...base(), genotype: 'mouse' }],
    ['genotype a number', { ...base(), genotype: 1 }],
    ['unknown drug', ph({ drugs: { aspirin: 10 } })],
    ['drug "__proto__"', ph({ drugs: JSON.parse('{"__proto__": 1}') })],
    ['negative concentration', ph({ drugs: { fluoxetine: -1 } })],
    ['concentration as a string', ph({ drugs: { fluoxetine: '10' } })],
    ['concentration too high', ph({ drugs: { fluoxetine: 1e8 } })],
    ['a receptor ligand as an occupancy', ph({ drugs: { '8-oh-dpat': '50%' } })],
    ['a receptor ligand in upper case as an occupancy', ph({ drugs: { 'WAY-100635': '50%' } })],
    ['an occupancy of 100%', ph({ drugs: { fluoxetine: '100%' } })],
    ['an occupancy without %', ph({ drugs: { fluoxetine: '0.8' } })],
    ['concentration of an upper-case name negative', ph({ drugs: { FLUOXETINE: -1 } })],
    ['drugs null', ph({ drugs: null })],
    ['drugs an array', ph({ drugs: [] })],
    ['unknown parameter', { ...base(), params: { voxel: 20 } }],
    ['parameter "constructor"', { ...base(), params: { constructor: 1 } }],
    ['parameter below its minimum', { ...base(), params: { voxel_um: 0.5 } }],
    ['parameter above its maximum', { ...base(), params: { alpha: 2 } }],
    ['integer parameter fractional', { ...base(), params: { subSteps: 2.5 } }],
    ['parameter as a string', { ...base(), params: { gL_nS: '1.4' } }],
    ['params an array', { ...base(), params: [] }],
    ['unknown recording key', { ...base(), recording: { spike: true } }],
    ['recording.spikes not boolean', { ...base(), recording: { spikes: 'yes' } }],
    ['recording.sampleSteps 0', { ...base(), recording: { sampleSteps: 0 } }],
    ['recording null', { ...base(), recording: null }],
    ['c0_nM negative', { ...base(), c0_nM: -1 }],
    ['c0_nM null', { ...base(), c0_nM: null }],
    ['$schema not a string', { ...base(), $schema: 1 }],
  ];
  test.each(BAD)('%s', (_label, j) => {
    expect(schemaOk(j), 'schema accepted it').toBe(false);
    expect(parseOk(j), 'parseScenario accepted it').not.toBe(true);
  });

  const CROSS: [string, unknown][] = [
    ['diffusion stability bound', { ...base(), params: { voxel_um: 1 } }],
    ['Vreset_mV above Vth_mV', { ...base(), params: { Vreset_mV: -50 } }],
    ['a phase with fewer than 12 trace samples', { ...base(), protocol: [{ durationS: 0.001 }] }],
    ['one drug twice in different cases', { ...base(), protocol: [{ durationS: 0.2, drugs: { fluoxetine: 1, FLUOXETINE: 2 } }] }],
  ];
  test.each(CROSS)('cross-field rule (%s): parseScenario refuses, the schema cannot express it', (_label, j) => {
    expect(schemaOk(j)).toBe(true);
    expect(parseOk(j)).not.toBe(true);
  });
});

describe('caseInsensitivePattern', () => {
  test('matches exactly the spellings String.toLowerCase maps to a name', () => {
    const re = new RegExp(caseInsensitivePattern([...GENOTYPE_NAMES, ...DRUG_NAMES]), 'u');
    for (const n of [...GENOTYPE_NAMES, ...DRUG_NAMES]) {
      expect(re.test(n)).toBe(true);
      expect(re.test(n.toUpperCase())).toBe(true);
      expect(re.test(`${n}x`)).toBe(false);
      expect(re.test(` ${n}`)).toBe(false);
    }
    expect(re.test('W.')).toBe(false);
  });
});
