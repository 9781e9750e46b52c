/**
 * schema/sweep.schema.json: generated from the sweep rules and the parameter schema (never by hand),
 * printed by `raphe schema sweep`; the built-in sweeps validate with a real JSON Schema validator (ajv)
 * and with parseSweep, and a set of bad sweep files is refused by both.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../src/model/errors.js';
import { PARAM_KEYS, PARAM_SPECS } from '../src/model/params.js';
import { SWEEP_CROSS_FIELD_RULES, sweepJsonSchema } from '../src/sweep/json-schema.js';
import { parseSweep } from '../src/sweep/spec.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const committed = JSON.parse(readFileSync(join(ROOT, 'schema', 'sweep.schema.json'), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(committed);
const schemaOk = (v: unknown) => validate(v) === true;
const parseOk = (v: unknown): true | string => {
  try {
    parseSweep(v);
    return true;
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
};

const SWEEPS = readdirSync(join(ROOT, 'examples', 'sweeps')).filter((f) => f.endsWith('.json'));
const good = () => ({
  name: 't',
  base: { neurons: 50, duration: 0.2, c0_nM: 10 },
  axes: [
    { axis: 'fluoxetine', values: { from: 0.1, to: 10, count: 4, scale: 'log' } },
    { axis: 'htr2bExpression', values: [0, 1] },
  ],
});

describe('sweep.schema.json', () => {
  test('is valid draft-07, compiles in strict mode, and names the rules it cannot express', () => {
    expect(ajv.validateSchema(sweepJsonSchema())).toBe(true);
    for (const r of SWEEP_CROSS_FIELD_RULES) expect(committed.description).toContain(r);
  });

  test('`raphe schema sweep` prints the committed schema', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'raphe.mjs'), 'schema', 'sweep'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(committed);
  });

  test.each(SWEEPS)('examples/sweeps/%s carries a $schema reference and validates with the schema and parseSweep', (f) => {
    const j = JSON.parse(readFileSync(join(ROOT, 'examples', 'sweeps', f), 'utf8'));
    expect(j.$schema).toBe('../../schema/sweep.schema.json');
    expect(schemaOk(j), JSON.stringify(validate.errors)).toBe(true);
    expect(parseOk(j)).toBe(true);
  });

  test('a sweep over genotype, seed and a drug in another letter case is accepted by both', () => {
    const v = {
      ...good(),
      axes: [
        { axis: 'genotype', values: ['wt', 'HTR2B-KO'] },
        { axis: 'seed', values: [1, 2] },
        { axis: 'Fluoxetine', values: [1, 3] },
      ],
    };
    expect(schemaOk(v), JSON.stringify(validate.errors)).toBe(true);
    expect(parseOk(v)).toBe(true);
  });

  test.each(PARAM_KEYS)('an axis of %s at its default value is accepted by both, and one beyond its maximum by neither', (k) => {
    const spec = PARAM_SPECS[k];
    const at = { ...good(), axes: [{ axis: k, values: [spec.value] }] };
    expect(schemaOk(at), JSON.stringify(validate.errors)).toBe(true);
    expect(parseOk(at)).toBe(true);
    const over = { ...good(), axes: [{ axis: k, values: [spec.max * 2 + 1] }] };
    expect(schemaOk(over)).toBe(false);
    expect(parseOk(over)).not.toBe(true);
  });

  const BAD: [string, (v: ReturnType<typeof good>) => unknown][] = [
    ['an unknown top-level key', (v) => ({ ...v, axis: [] })],
    ['no base', ({ base: _b, ...v }) => v],
    ['no axes', ({ axes: _a, ...v }) => v],
    ['empty axes', (v) => ({ ...v, axes: [] })],
    ['an unknown axis target', (v) => ({ ...v, axes: [{ axis: 'gNa', values: [1, 2] }] })],
    ['an empty axis', (v) => ({ ...v, axes: [{ axis: 'fluoxetine', values: [] }] })],
    ['a range with count 1', (v) => ({ ...v, axes: [{ axis: 'fluoxetine', values: { from: 1, to: 2, count: 1 } }] })],
    ['a range with an unknown scale', (v) => ({ ...v, axes: [{ axis: 'fluoxetine', values: { from: 1, to: 2, count: 3, scale: 'ln' } }] })],
    ['a negative concentration', (v) => ({ ...v, axes: [{ axis: 'fluoxetine', values: [-1, 2] }] })],
    ['a parameter value out of its range', (v) => ({ ...v, axes: [{ axis: 'htr2bExpression', values: [0, 9] }] })],
    ['a parameter range out of its range', (v) => ({ ...v, axes: [{ axis: 'htr2bExpression', values: { from: 0, to: 9, count: 3 } }] })],
    ['a seed that is not an integer', (v) => ({ ...v, axes: [{ axis: 'seed', values: [1.5] }] })],
    ['an unknown genotype value', (v) => ({ ...v, axes: [{ axis: 'genotype', values: ['wt', 'mutant'] }] })],
    ['a repeated value', (v) => ({ ...v, axes: [{ axis: 'htr2bExpression', values: [1, 1] }] })],
    ['a reference on a parameter axis', (v) => ({ ...v, axes: [{ axis: 'htr2bExpression', values: [0, 1], reference: 1 }] })],
    ['a base with a protocol and a duration', (v) => ({ ...v, base: { ...v.base, protocol: [{ durationS: 1 }] } })],
    ['a base with neither protocol nor duration', (v) => ({ ...v, base: { neurons: 50 } })],
    [
      'drugs beside a protocol',
      (v) => ({ ...v, base: { neurons: 50, protocol: [{ durationS: 1 }, { durationS: 1 }], drugs: { fluoxetine: 1 } } }),
    ],
    ['an unknown base key', (v) => ({ ...v, base: { ...v.base, durationS: 1 } })],
    ['an unknown parameter in base.params', (v) => ({ ...v, base: { ...v.base, params: { gNa: 1 } } })],
    ['a name with a slash', (v) => ({ ...v, name: 'a/b' })],
    ['an unknown readout', (v) => ({ ...v, readout: 'peak' })],
    ['a zip group of one axis', (v) => ({ ...v, zip: [['fluoxetine']] })],
  ];

  test.each(BAD)('%s is refused by the schema and by parseSweep', (_what, make) => {
    const v = make(good());
    expect(schemaOk(v)).toBe(false);
    expect(parseOk(v)).not.toBe(true);
  });

  test('the good base file of these cases is accepted by both (so each refusal is the one change)', () => {
    expect(schemaOk(good()), JSON.stringify(validate.errors)).toBe(true);
    expect(parseOk(good())).toBe(true);
  });
});
