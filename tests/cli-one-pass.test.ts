/**
 * Errors a user fixes in one pass (issue 23): `raphe` reports every problem of a scenario or sweep file
 * at once, one line each (`raphe: FILE.field: message`), still exit 2 with nothing written; a misspelt
 * name (flag, command, experiment, engine, genotype, drug, parameter, field) is answered with the name
 * meant. One problem: one line, as cli-bad-input.test.ts holds.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from './helpers/cli.js';
import { cliSandbox } from './helpers/cli-sandbox.js';

const box = cliSandbox('raphe-one-pass-');

/**
 * A refusal: exit 2, nothing on stdout, the --out folder not made (`raphe schema` takes none); its stderr
 * lines without `raphe: `.
 */
async function refusal(args: string[]): Promise<string[]> {
  const out = path.join(box.tmp, `out-${Math.random()}`);
  const r: Result = await box.raphe(args[0] === 'schema' ? args : [...args, '--out', out]);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(fs.existsSync(out)).toBe(false);
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.trimEnd().split('\n');
  for (const l of lines) expect(l).toMatch(/^raphe: /);
  return lines.map((l) => l.slice('raphe: '.length));
}

describe.concurrent('a file with several problems: one line each, exit 2, nothing written', () => {
  it('a scenario with five typos prints five lines, each naming its field and the name meant', async () => {
    const file = box.writeJson('five-typos.json', {
      genotyp: 'wt',
      nuerons: 100,
      protocol: [{ durationS: 0.2, drugs: { fluoxetin: 10 } }],
      params: { sertExpresion: 1 },
      recording: { spike: false },
    });
    const lines = await refusal(['run', '--scenario', file, '--engine', 'cpu']);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/five-typos\.json\.genotyp: unknown field; did you mean genotype\?/);
    expect(lines[1]).toMatch(/five-typos\.json\.nuerons: unknown field; did you mean neurons\?/);
    expect(lines[2]).toMatch(/five-typos\.json\.recording\.spike: unknown field; did you mean spikes\?/);
    expect(lines[3]).toBe(`${file}.params.sertExpresion: unknown parameter; did you mean sertExpression?`);
    expect(lines[4]).toMatch(/five-typos\.json\.protocol\[0\]\.drugs\.fluoxetin: unknown drug "fluoxetin"; did you mean fluoxetine\?/);
  });

  it("a flag laid over a file is named as the flag, next to the file's own problems", async () => {
    const file = box.writeJson('flag-and-file.json', { protocol: [{ durationS: 0.2 }], params: { sertExpression: 5 } });
    const lines = await refusal(['run', '--scenario', file, '--neurons', '0']);
    expect(lines).toEqual([
      '--neurons: must be >= 1 and <= 100000000, got 0',
      `${file}.params.sertExpression: must be >= 0 and <= 4, got 5`,
    ]);
  });

  it('a sweep file with three problems prints three lines', async () => {
    const file = box.writeJson('three-problems.sweep.json', {
      base: { duration: 1, neurons: 100, params: { g1A_nS: -1 } },
      axes: [{ axis: 'fluoxetin', values: [1, 10] }],
      readout: 'steddy',
    });
    const lines = await refusal(['sweep', file, '--engine', 'cpu']);
    expect(lines).toEqual([
      `${file}.base.params.g1A_nS: must be >= 0 and <= 100 nS, got -1`,
      `${file}.readout: must be "steady" or "protocol", got "steddy"`,
      expect.stringMatching(/three-problems\.sweep\.json\.axes\[0\]\.axis: unknown axis target "fluoxetin"; did you mean fluoxetine\?$/),
    ]);
  });
});

/** [label, arguments, the one line (less `raphe: `) the refusal must match]. */
const NAMES: [string, () => string[], RegExp][] = [
  ['a flag', () => ['run', '--neuron', '5'], /^--neuron: unknown option '--neuron'; did you mean --neurons\?$/],
  ['a sweep flag', () => ['sweep', 'x.json', '--max-point', '3'], /^--max-point: .*did you mean --max-points\?$/],
  ['a command', () => ['rnu'], /^command: unknown command "rnu"; did you mean run\? allowed: run, /],
  ['an experiment', () => ['experiment', 'belmer2108'], /^experiment: unknown experiment "belmer2108"; did you mean belmer2018\?/],
  ['an engine', () => ['run', '--engine', 'cpo'], /^--engine: must be one of .*, got "cpo"; did you mean cpu\?$/],
  ['a genotype', () => ['run', '--genotype', 'sertko'], /^--genotype: unknown genotype "sertko"; did you mean sert-ko\?/],
  ['a drug', () => ['run', '--drug', 'fluoxetin=10'], /^--drug: unknown drug "fluoxetin"; did you mean fluoxetine\?/],
  [
    'a parameter',
    () => ['run', '--scenario', box.writeJson('param-typo.json', { protocol: [{ durationS: 0.2 }], params: { sertExpresion: 2 } })],
    /param-typo\.json\.params\.sertExpresion: unknown parameter; did you mean sertExpression\?$/,
  ],
  ['a schema', () => ['schema', 'scenaro'], /^schema: unknown schema "scenaro"; did you mean scenario\?/],
];

describe.concurrent('a misspelt name is answered with the name meant, in one line', () => {
  for (const [label, args, line] of NAMES) {
    it(label, async () => {
      const lines = await refusal(args());
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
    });
  }
});
