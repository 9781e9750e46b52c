/**
 * "Did you mean" (src/model/suggest.ts): the one known name close to a misspelt one, by edits (a swap of
 * neighbours is one), case ignored; nothing offered when none is close or two are as close.
 */
import { describe, expect, test } from 'vitest';
import { DRUG_NAMES, GENOTYPE_NAMES } from '../src/model/drugs.js';
import { PARAM_KEYS } from '../src/model/params.js';
import { SHORT_LIST, closestName, editDistance, unknownName } from '../src/model/suggest.js';

describe('the edit distance', () => {
  test.each([
    ['', '', 0],
    ['abc', '', 3],
    ['sertExpresion', 'sertExpression', 1],
    ['neuron', 'neurons', 1],
    ['fluoxetien', 'fluoxetine', 1],
    ['kitten', 'sitting', 3],
  ])('from %j to %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('the closest name', () => {
  test.each([
    ['a missing letter', 'sertExpresion', PARAM_KEYS, 'sertExpression'],
    ['a letter too many', 'neuronss', ['neurons', 'seed', 'engine'], 'neurons'],
    ['two letters swapped', 'fluoxeitne', DRUG_NAMES, 'fluoxetine'],
    ['another case', 'SERTEXPRESSION', PARAM_KEYS, 'sertExpression'],
    ['a dropped dash', 'sertko', GENOTYPE_NAMES, 'sert-ko'],
  ])('%s: %j is taken for %j', (_, given, known, near) => {
    expect(closestName(given, known)).toBe(near);
  });

  test.each([
    ['a name far from all', 'warpFactor', PARAM_KEYS],
    ['a short name two edits away', 'abc', ['xyz', 'ab1c2']],
    ['a name as close to two', 'tauAhp_ms', PARAM_KEYS],
    ['an empty name', '', ['a']],
    ['a 500-character name', 's'.repeat(500), ['s'.repeat(499)]],
  ])('%s offers nothing', (_, given, known) => {
    expect(closestName(given, known)).toBeUndefined();
  });
});

describe('the problem of an unknown name', () => {
  test('a long list is replaced by the name meant', () => {
    expect(PARAM_KEYS.length).toBeGreaterThan(SHORT_LIST);
    expect(unknownName('unknown parameter', 'sertExpresion', PARAM_KEYS)).toBe('unknown parameter; did you mean sertExpression?');
  });

  test('a short list is kept after the name meant', () => {
    expect(unknownName('unknown genotype "sertko"', 'sertko', GENOTYPE_NAMES)).toBe(
      `unknown genotype "sertko"; did you mean sert-ko? allowed: ${GENOTYPE_NAMES.join(', ')}`,
    );
  });

  test('with no name close, the whole list', () => {
    expect(unknownName('unknown parameter', 'warpFactor', PARAM_KEYS)).toBe(`unknown parameter; allowed: ${PARAM_KEYS.join(', ')}`);
  });
});
