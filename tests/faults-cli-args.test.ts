/**
 * Argument parsing of `raphe experiment` and the flags of every command, as a careless user types them:
 * the experiment's name wherever it stands among the flags, one line for an extra argument, a negative
 * number as a flag's value answered with the flag's allowed range. Every refusal: exit 2, one line on
 * stderr naming the field, nothing on stdout, no --out folder created.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../src/cli/args.js';
import { isControl } from '../src/cli/terminal-text.js';
import { runRaphe, type Result } from './helpers/cli.js';

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-args-'));
});
afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Memory budget so small that an experiment is refused by its memory check, after the arguments are parsed. */
const TINY_BUDGET = { RAPHE_MEMORY_BYTES: '1000' };

function expectRefusal(r: Result, field: RegExp, out?: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr.trimEnd().split('\n'), JSON.stringify(r.stderr)).toHaveLength(1);
  expect(r.stderr).toMatch(field);
  if (out) expect(fs.existsSync(out)).toBe(false);
}

describe('raphe experiment finds its name among the flags', () => {
  it.each([
    ['belmer2018', ['--neurons', '300', 'belmer2018']],
    ['belmer2018', ['--seed=3', 'belmer2018', '--quick']],
    ['chronic-ssri', ['--neurons', '300', 'chronic-ssri']],
    ['chronic-ssri', ['--quick', '--seed', '2', 'chronic-ssri']],
  ])('%s after flags is the experiment (it reaches the memory check)', async (_name, args) => {
    const r = await runRaphe(tmp, ['experiment', ...args], TINY_BUDGET);
    expectRefusal(r, /--neurons.*memory/);
  });

  it('--out chronic-ssri is the output folder, not the experiment', async () => {
    const r = await runRaphe(tmp, ['experiment', '--out', 'chronic-ssri', '--neurons', '300'], TINY_BUDGET);
    expectRefusal(r, /^raphe: experiment: name one of belmer2018, chronic-ssri/, path.join(tmp, 'chronic-ssri'));
  });

  it.each([
    [['chronic-ssri', 'extra']],
    [['chronic-ssri', '--quick', 'extra']],
    [['extra', 'chronic-ssri']],
    [['belmer2018', '--quick', 'extra']],
    [['chronic-ssri', 'chronic-ssri']],
  ])('an extra argument (%j) is refused in one line', async (args) => {
    const out = path.join(tmp, `extra-${args.join('-')}`);
    const r = await runRaphe(tmp, ['experiment', ...args, '--out', out], TINY_BUDGET);
    expectRefusal(r, /experiment: unexpected argument "(extra|chronic-ssri)"/, out);
  });

  it('a flag only belmer2018 has is refused for chronic-ssri, wherever the name stands', async () => {
    const r = await runRaphe(tmp, ['experiment', '--duration-scale', '2', 'chronic-ssri'], TINY_BUDGET);
    expectRefusal(r, /--duration-scale/);
  });

  it('an unknown experiment names the allowed ones', async () => {
    const r = await runRaphe(tmp, ['experiment', '--quick', 'nosuch']);
    expectRefusal(r, /experiment.*"nosuch".*allowed: belmer2018, chronic-ssri/);
  });
});

describe('a negative number as a flag value is a value, answered with the allowed range', () => {
  it.each([
    [['run', '--seed', '-1'], /--seed.*>= 0/],
    [['run', '--neurons', '-5'], /--neurons.*>= 1/],
    [['run', '--duration', '-1.5'], /--duration/],
    [['experiment', 'belmer2018', '--threads', '-2'], /--threads.*>= 0/],
    [['experiment', '--seed', '-1', 'chronic-ssri'], /--seed.*>= 0/],
  ])('%j', async (args, field) => {
    const r = await runRaphe(tmp, args);
    expectRefusal(r, field);
    expect(r.stderr).not.toMatch(/ambiguous/);
  });

  it('a flag that takes no value followed by a negative number still refuses the number', () => {
    expect(() => parseCli(['--quick', '-1'], { quick: { type: 'boolean' } })).toThrow(/-1/);
  });

  it('an option name after a flag is not taken as its value', () => {
    expect(() => parseCli(['--seed', '--quick'], { seed: { type: 'string' }, quick: { type: 'boolean' } })).toThrow(/--seed/);
  });
});

describe('user text echoed in a refusal is escaped and shortened: one readable line', () => {
  const scenario = (name: string, v: unknown) => {
    const p = path.join(tmp, name);
    fs.writeFileSync(p, JSON.stringify(v));
    return p;
  };
  const ESC = '\x1b';
  it.each([
    [
      'a key with terminal escapes',
      () => ['run', '--scenario', scenario('esc.json', { protocol: [{ durationS: 1 }], [`${ESC}[31mred\x07`]: 1 })],
    ],
    [
      'a parameter with terminal escapes',
      () => ['run', '--scenario', scenario('esc-param.json', { protocol: [{ durationS: 1 }], params: { [`${ESC}[2J`]: 1 } })],
    ],
    ['an option with terminal escapes', () => ['run', `--x${ESC}[31m`]],
    ['an --out folder with terminal escapes', () => ['run', '--neurons', '20', '--out', `/proc/a${ESC}[31m\u009b31m`]],
  ])('%s: no control character reaches the terminal, the escape is shown', async (_label, args) => {
    const r = await runRaphe(tmp, args());
    expectRefusal(r, /\\u001b/);
    expect([...r.stderr.trimEnd()].filter((c) => isControl(c.charCodeAt(0)))).toEqual([]);
  });

  it('a 500 KB key: the line stays short, names the file and keeps the allowed fields', async () => {
    const r = await runRaphe(tmp, [
      'run',
      '--scenario',
      scenario('long-key.json', { protocol: [{ durationS: 1 }], ['k'.repeat(500_000)]: 1 }),
    ]);
    // the field path is cut in its middle (model/errors.ts MAX_FIELD_CHARS): its start and end stay
    expectRefusal(r, /long-key\.json\.k+\.\.\.k+: unknown field; allowed: .*protocol/);
    expect(r.stderr.length).toBeLessThan(1000);
  });

  it('a 3,000-character option: one short line', async () => {
    const r = await runRaphe(tmp, ['run', `--${'y'.repeat(3000)}`]);
    expectRefusal(r, /unknown option/);
    expect(r.stderr.length).toBeLessThan(1000);
  });
});

describe('a refusal names the field the user wrote', () => {
  it("a file's phase too short for its samples, with --drug: the file's durationS, not --duration", async () => {
    const file = path.join(tmp, 'short-phase.json');
    fs.writeFileSync(file, JSON.stringify({ neurons: 20, protocol: [{ durationS: 0.2 }], recording: { sampleSteps: 100 } }));
    const r = await runRaphe(tmp, ['run', '--scenario', file, '--drug', 'fluoxetine=1']);
    expectRefusal(r, /short-phase\.json\.protocol\[0\]\.durationS: must be >= 1\.2 s/);
    expect(r.stderr).not.toMatch(/--duration/);
  });

  it('the same with --duration: --duration', async () => {
    const file = path.join(tmp, 'short-phase-2.json');
    fs.writeFileSync(file, JSON.stringify({ neurons: 20, protocol: [{ durationS: 5 }], recording: { sampleSteps: 100 } }));
    const r = await runRaphe(tmp, ['run', '--scenario', file, '--drug', 'fluoxetine=1', '--duration', '0.5']);
    expectRefusal(r, /^raphe: --duration: must be >= 1\.2 s/);
  });
});
