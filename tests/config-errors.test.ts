/**
 * A file's problems reported in one pass (issue 23): parseScenario, the chronic protocol and parseSweep
 * collect every problem (a ConfigErrors listing each, in the file's order) instead of stopping at the
 * first; a check that rests on a refused field does not run; a single problem stays a ConfigError.
 * Unknown names are answered with the closest known one, and a range message reads as a sentence.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError, ConfigErrors, MAX_PROBLEMS, checkNumber } from '../src/model/errors.js';
import { parseScenario } from '../src/model/scenario.js';
import { parseSweep } from '../src/sweep/spec.js';

/** What `fn` threw: its problems as "field: problem" lines (ConfigError: one). */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigErrors) return e.lines();
    if (e instanceof ConfigError) return [e.message];
    throw e;
  }
  throw new Error('accepted');
}

const phase = [{ name: 'baseline', durationS: 1 }];

describe('a scenario file with several problems', () => {
  const fiveTypos = {
    genotyp: 'wt',
    nuerons: 100,
    protocol: [{ durationS: 1, drugs: { fluoxetin: 10 } }],
    params: { sertExpresion: 1 },
    recording: { spike: true },
  };

  test('names all five, one line each, in the order of the file', () => {
    expect(problems(() => parseScenario(fiveTypos))).toEqual([
      'scenario.genotyp: unknown field; did you mean genotype? allowed: $schema, name, genotype, neurons, seed, protocol, params, recording, c0_nM, chronic',
      'scenario.nuerons: unknown field; did you mean neurons? allowed: $schema, name, genotype, neurons, seed, protocol, params, recording, c0_nM, chronic',
      'scenario.recording.spike: unknown field; did you mean spikes? allowed: spikes, sampleSteps',
      'scenario.params.sertExpresion: unknown parameter; did you mean sertExpression?',
      expect.stringMatching(/^scenario\.protocol\[0\]\.drugs\.fluoxetin: unknown drug "fluoxetin"; did you mean fluoxetine\? allowed: /),
    ]);
  });

  test('is one ConfigErrors: field, problem and message of the first, the message counting the rest', () => {
    const e = (() => {
      try {
        parseScenario(fiveTypos);
      } catch (x) {
        return x;
      }
    })() as ConfigErrors;
    expect(e).toBeInstanceOf(ConfigErrors);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.field).toBe('scenario.genotyp');
    expect(e.total).toBe(5);
    expect(e.message).toMatch(/^scenario\.genotyp: unknown field; .* \(and 4 more problems\)$/);
  });

  test('with one problem is a plain ConfigError', () => {
    expect(() => parseScenario({ protocol: phase, neurons: 0 })).toThrow(ConfigError);
    try {
      parseScenario({ protocol: phase, neurons: 0 });
    } catch (e) {
      expect(e).not.toBeInstanceOf(ConfigErrors);
    }
  });

  test('a bad neuron count is not also weighed against the memory budget', () => {
    const lines = problems(() => parseScenario({ protocol: phase, neurons: -5, seed: -1 }, 'f', { memoryBytes: 1 }));
    expect(lines).toEqual([expect.stringMatching(/^f\.neurons: /), expect.stringMatching(/^f\.seed: /)]);
  });

  test('the relations between parameters wait for each parameter to be in range', () => {
    // Vreset_mV >= Vth_mV is a relation; with Vth_mV refused it is not judged
    const lines = problems(() => parseScenario({ protocol: phase, params: { Vth_mV: 5, Vreset_mV: -1 } }));
    expect(lines).toEqual(['scenario.params.Vth_mV: must be >= -100 and <= 0 mV, got 5']);
  });

  test('every phase too short for its grid step is named', () => {
    const short = [{ durationS: 0.001 }, { durationS: 1 }, { durationS: 0.002 }];
    const lines = problems(() => parseScenario({ protocol: short }));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['scenario.protocol[0].durationS', 'scenario.protocol[2].durationS']);
  });

  test(`past ${MAX_PROBLEMS} problems, the first ${MAX_PROBLEMS} and a count of the rest`, () => {
    const params = Object.fromEntries(Array.from({ length: MAX_PROBLEMS + 5 }, (_, i) => [`nosuch${i}`, 1]));
    const lines = problems(() => parseScenario({ protocol: phase, params }));
    expect(lines).toHaveLength(MAX_PROBLEMS + 1);
    expect(lines[0]).toMatch(/^scenario\.params\.nosuch0: unknown parameter/);
    expect(lines[MAX_PROBLEMS]).toBe('5 more problems not shown');
  });
});

describe('a chronic protocol with several problems', () => {
  test('names each, the readout days checked against a valid days', () => {
    const chronic = { days: 7, slowStepH: 0, readoutDays: [3, 1], windowS: 0, dose: 1 };
    expect(problems(() => parseScenario({ chronic })).map((l) => l.split(':')[0])).toEqual([
      'scenario.chronic.dose',
      'scenario.chronic.slowStepH',
      'scenario.chronic.readoutDays[1]',
      'scenario.chronic.windowS',
    ]);
  });

  test('a refused days leaves the readout days unjudged', () => {
    expect(problems(() => parseScenario({ chronic: { days: -1, readoutDays: [0, 30] } }))).toEqual([
      'scenario.chronic.days: must be > 0 and <= 3650 days, got -1',
    ]);
  });
});

describe('a sweep file with several problems', () => {
  const base = { duration: 1 };

  test('names the base, each axis and the readout, one line each', () => {
    const sweep = {
      base: { ...base, neuron: 10, params: { g1A_nS: -1 } },
      axes: [
        { axis: 'g1A_ns', values: [1] },
        { axis: 'seed', values: [1, 1] },
      ],
      readout: 'steddy',
    };
    expect(problems(() => parseSweep(sweep))).toEqual([
      'sweep.base.neuron: unknown field; did you mean neurons? allowed: genotype, neurons, seed, params, recording, c0_nM, protocol, duration, drugs',
      'sweep.base.params.g1A_nS: must be >= 0 and <= 100 nS, got -1',
      'sweep.readout: must be "steady" or "protocol", got "steddy"',
      'sweep.axes[0].axis: unknown axis target "g1A_ns"; did you mean g1A_nS?',
      'sweep.axes[1].values[1]: value 1 given twice',
    ]);
  });

  test('the bad values of an axis are named by index: those of the wrong type, then those out of range', () => {
    const sweep = { base, axes: [{ axis: 'seed', values: [-1, 2, 1.5, 'x'] }] };
    expect(problems(() => parseSweep(sweep)).map((l) => l.split(':')[0])).toEqual(['sweep.axes[0].values[3]']);
    const ranged = { base, axes: [{ axis: 'seed', values: [-1, 2, 1.5] }] };
    expect(problems(() => parseSweep(ranged)).map((l) => l.split(':')[0])).toEqual(['sweep.axes[0].values[0]', 'sweep.axes[0].values[2]']);
  });

  test('a zip group naming a misspelt axis is answered with the axis meant', () => {
    const sweep = {
      base,
      axes: [
        { axis: 'g1A_nS', values: [1, 2] },
        { axis: 'seed', values: [1, 2] },
      ],
      zip: [['g1A_nS', 'sed']],
    };
    expect(problems(() => parseSweep(sweep))).toEqual(['sweep.zip[0][1]: names no axis: "sed"; did you mean seed?']);
  });
});

describe('range messages', () => {
  test('a dimensionless parameter (unit "1") shows no unit after its bound', () => {
    expect(problems(() => parseScenario({ protocol: phase, params: { sertExpression: 5 } }))).toEqual([
      'scenario.params.sertExpression: must be >= 0 and <= 4, got 5',
    ]);
  });

  test('a unit follows the upper bound', () => {
    expect(() => checkNumber('x', 2000, 1, 1000, { unit: 'pF' })).toThrow('x: must be >= 1 and <= 1000 pF, got 2000');
    expect(() => checkNumber('x', 0, 0, 1, { unit: 's', exclusiveMin: true })).toThrow('x: must be > 0 and <= 1 s, got 0');
  });
});
