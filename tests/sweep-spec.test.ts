/** Sweep files: validation (each bad field named, with its index), cartesian and zipped points, references. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../src/model/errors.js';
import { pointCount, sweepPoints } from '../src/sweep/points.js';
import { HARD_MAX_POINTS, parseSweep } from '../src/sweep/spec.js';

const base = { neurons: 200, seed: 1, duration: 0.2, c0_nM: 20 };

function err(v: unknown, o = {}): string {
  try {
    const spec = parseSweep(v, 'sweep', o);
    sweepPoints(spec, 'sweep');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('no error');
}

describe('sweep spec validation', () => {
  const BAD: [string, unknown, RegExp][] = [
    ['unknown axis target', { base, axes: [{ axis: 'aspirin', values: [1] }] }, /^sweep\.axes\[0\]\.axis: unknown axis target "aspirin"/],
    ['empty axis', { base, axes: [{ axis: 'fluoxetine', values: [] }] }, /^sweep\.axes\[0\]\.values: is empty/],
    ['no axes', { base, axes: [] }, /^sweep\.axes: must be a non-empty list/],
    [
      'range count < 2',
      { base, axes: [{ axis: 'fluoxetine', values: { from: 1, to: 10, count: 1 } }] },
      /^sweep\.axes\[0\]\.values\.count: must be >= 2/,
    ],
    [
      'range from >= to',
      { base, axes: [{ axis: 'fluoxetine', values: { from: 10, to: 10, count: 3 } }] },
      /^sweep\.axes\[0\]\.values\.from: must be below to/,
    ],
    [
      'log range touching 0',
      { base, axes: [{ axis: 'fluoxetine', values: { from: 0, to: 10, count: 3, scale: 'log' } }] },
      /^sweep\.axes\[0\]\.values\.from: a log range must stay above 0/,
    ],
    ['bad scale', { base, axes: [{ axis: 'fluoxetine', values: { from: 1, to: 10, count: 3, scale: 'ln' } }] }, /values\.scale/],
    [
      'duplicate axes',
      {
        base,
        axes: [
          { axis: 'seed', values: [1] },
          { axis: 'seed', values: [2] },
        ],
      },
      /^sweep\.axes\[1\]\.axis: duplicate axis seed/,
    ],
    [
      'duplicate drug axes (case)',
      {
        base,
        axes: [
          { axis: 'fluoxetine', values: [1] },
          { axis: 'Fluoxetine', values: [2] },
        ],
      },
      /^sweep\.axes\[1\]\.axis: duplicate/,
    ],
    [
      'too many points',
      {
        base,
        axes: [
          { axis: 'seed', values: { from: 1, to: 200, count: 200 } },
          { axis: 'fluoxetine', values: { from: 1, to: 100, count: 60 } },
        ],
      },
      /^sweep\.axes: the grid holds 12200 points; at most 10000/,
    ],
    [
      'parameter value out of range',
      { base, axes: [{ axis: 'htr2bExpression', values: [0, 0.5, 5] }] },
      /^sweep\.axes\[0\]\.values\[2\]: must be >= 0 and <= 4/,
    ],
    ['negative concentration', { base, axes: [{ axis: 'fluoxetine', values: [1, -2] }] }, /^sweep\.axes\[0\]\.values\[1\]: must be >= 0/],
    ['non-integer seed', { base, axes: [{ axis: 'seed', values: [1, 2.5] }] }, /^sweep\.axes\[0\]\.values\[1\]: must be an integer/],
    [
      'unknown genotype value',
      { base, axes: [{ axis: 'genotype', values: ['wt', 'martian'] }] },
      /^sweep\.axes\[0\]\.values\[1\]: unknown genotype/,
    ],
    [
      'a value breaking a model relation',
      { base, axes: [{ axis: 'voxel_um', values: [20, 1] }] },
      /^sweep\.axes\[0\]\.values\[1\]: voxel_um = 1: .*voxel_um/,
    ],
    ['duplicate value', { base, axes: [{ axis: 'fluoxetine', values: [1, 1] }] }, /^sweep\.axes\[0\]\.values\[1\]: value 1 given twice/],
    ['unknown key in an axis', { base, axes: [{ axis: 'seed', values: [1], step: 2 }] }, /^sweep\.axes\[0\]\.step: unknown field/],
    ['unknown key at the top', { base, axes: [{ axis: 'seed', values: [1] }], points: 3 }, /^sweep\.points: unknown field/],
    ['unknown key in base', { base: { ...base, dose: 3 }, axes: [{ axis: 'seed', values: [1] }] }, /^sweep\.base\.dose: unknown field/],
    [
      'base without duration or protocol',
      { base: { neurons: 200 }, axes: [{ axis: 'seed', values: [1] }] },
      /^sweep\.base\.duration: is required/,
    ],
    ['bad base field', { base: { ...base, neurons: 0 }, axes: [{ axis: 'seed', values: [1] }] }, /^sweep\.base\.neurons: must be/],
    [
      'reference on a parameter axis',
      { base, axes: [{ axis: 'g1A_nS', values: [1, 2], reference: 1 }] },
      /^sweep\.axes\[0\]\.reference: only a drug axis/,
    ],
    [
      'zip of unequal axes',
      {
        base,
        axes: [
          { axis: 'g1A_nS', values: [1, 2] },
          { axis: 'g2B_nS', values: [1, 2, 3] },
        ],
        zip: [['g1A_nS', 'g2B_nS']],
      },
      /^sweep\.zip\[0\]\[1\]: zipped axes must have equal lengths/,
    ],
    [
      'zip naming no axis',
      { base, axes: [{ axis: 'g1A_nS', values: [1, 2] }], zip: [['g1A_nS', 'K1A_nM']] },
      /^sweep\.zip\[0\]\[1\]: names no axis/,
    ],
    [
      'protocol readout with one phase',
      { base, axes: [{ axis: 'seed', values: [1] }], readout: 'protocol' },
      /^sweep\.base\.protocol: the protocol readout needs/,
    ],
    [
      'a log range that rounds to equal values',
      { base, axes: [{ axis: 'fluoxetine', values: { from: 1, to: 1.00000000001, count: 5, scale: 'log' } }] },
      /^sweep\.axes\[0\]\.values\.count: the range 1 to 1\.00000000001 holds only 2 distinct values at 12 significant digits/,
    ],
    [
      'unknown readout',
      { base, axes: [{ axis: 'seed', values: [1] }], readout: 'peak' },
      /^sweep\.readout: must be "steady" or "protocol"/,
    ],
  ];
  for (const [label, v, re] of BAD) test(label, () => expect(err(v)).toMatch(re));

  test('--max-points raises the cap', () => {
    const v = { base, axes: [{ axis: 'seed', values: { from: 1, to: 12, count: 12 } }] };
    expect(err(v, { maxPoints: 10 })).toMatch(/12 points; at most 10/);
    expect(parseSweep(v, 'sweep', { maxPoints: 12 }).axes[0].values).toHaveLength(12);
  });

  test('no cap raises the hard ceiling: a grid of 10^8 points is refused by its count, none built', () => {
    const big = {
      base,
      axes: [
        { axis: 'seed', values: { from: 1, to: 10000, count: 10000 } },
        { axis: 'htr2bExpression', values: { from: 0, to: 1, count: 10000 } },
      ],
    };
    expect(err(big, { maxPoints: 1e9 })).toBe(`sweep.axes: the grid holds 100000000 points; at most ${HARD_MAX_POINTS}`);
  });
});

describe('sweep points', () => {
  test('cartesian product, first axis slowest; a drug axis gains its reference 0; folds point at it', () => {
    const spec = parseSweep({
      base,
      axes: [
        { axis: 'fluoxetine', values: { from: 0.1, to: 10, count: 3, scale: 'log' } },
        { axis: 'genotype', values: ['wt', 'htr2b-ko'] },
      ],
    });
    expect(spec.axes[0].values).toEqual([0, 0.1, 1, 10]);
    const pts = sweepPoints(spec);
    expect(pts).toHaveLength(8);
    expect(pts.map((p) => [p.axes.fluoxetine, p.axes.genotype])).toEqual([
      [0, 'wt'],
      [0, 'htr2b-ko'],
      [0.1, 'wt'],
      [0.1, 'htr2b-ko'],
      [1, 'wt'],
      [1, 'htr2b-ko'],
      [10, 'wt'],
      [10, 'htr2b-ko'],
    ]);
    expect(pts[5].scenario.genotype).toBe('htr2b-ko');
    expect(pts[5].scenario.phases[0].doses).toEqual({ fluoxetine: 1 });
    expect(pts[5].refId).toBe(1);
    expect(pts[6].refId).toBe(0);
  });

  test('zipped axes vary together; parameters and seeds reach the scenario', () => {
    const spec = parseSweep({
      base,
      axes: [
        { axis: 'g1A_nS', values: [1, 2, 3] },
        { axis: 'K1A_nM', values: [10, 20, 30] },
        { axis: 'seed', values: [4, 5] },
      ],
      zip: [['g1A_nS', 'K1A_nM']],
    });
    const pts = sweepPoints(spec);
    expect(pts).toHaveLength(6);
    expect(pts.map((p) => [p.axes.g1A_nS, p.axes.K1A_nM, p.axes.seed])).toEqual([
      [1, 10, 4],
      [1, 10, 5],
      [2, 20, 4],
      [2, 20, 5],
      [3, 30, 4],
      [3, 30, 5],
    ]);
    expect(pts[3].scenario.params.g1A_nS).toBe(2);
    expect(pts[3].scenario.params.K1A_nM).toBe(20);
    expect(pts[3].scenario.seed).toBe(5);
  });

  test('protocol readout: the drug goes into every phase after the baseline', () => {
    const spec = parseSweep({
      base: {
        neurons: 200,
        protocol: [
          { name: 'baseline', durationS: 0.2 },
          { name: 'ssri', durationS: 0.2, drugs: { bw723c86: 1 } },
        ],
      },
      axes: [{ axis: 'fluoxetine', values: [1, 10] }],
    });
    expect(spec.readout).toBe('protocol');
    const pts = sweepPoints(spec);
    expect(pts[1].scenario.phases[0].doses).toEqual({});
    expect(pts[1].scenario.phases[1].doses).toEqual({ bw723c86: 1, fluoxetine: 1 });
  });

  test("a shard's points built alone equal those of the whole grid, reference points included", () => {
    const spec = parseSweep({
      base,
      axes: [
        { axis: 'genotype', values: ['wt', 'htr2b-ko'] },
        { axis: 'fluoxetine', values: [1, 10], reference: 10 },
        { axis: 'g1A_nS', values: [1, 2, 3] },
        { axis: 'K1A_nM', values: [10, 20, 30] },
      ],
      zip: [['g1A_nS', 'K1A_nM']],
    });
    const all = sweepPoints(spec);
    expect(all).toHaveLength(pointCount(spec));
    expect(all.every((p) => p.refId !== undefined && all[p.refId].axes.fluoxetine === 10)).toBe(true);
    const odd = sweepPoints(spec, 'sweep', (id) => id % 2 === 1);
    expect(odd).toEqual(all.filter((p) => p.id % 2 === 1));
  });

  test('the built-in sweeps are valid: resistance 45 points, dpat 18', async () => {
    const r = (await import('../examples/sweeps/resistance.json')).default;
    const d = (await import('../examples/sweeps/dpat.json')).default;
    const rs = parseSweep(r, 'resistance');
    expect(rs.axes[0].values).toEqual([
      0, 0.1, 0.268269579528, 0.719685673001, 1.93069772888, 5.17947467923, 13.8949549437, 37.2759372031, 100,
    ]);
    expect(sweepPoints(rs)).toHaveLength(45);
    expect(sweepPoints(parseSweep(d, 'dpat'))).toHaveLength(18);
  });
});
