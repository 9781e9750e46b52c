/**
 * Hostile and careless input to `raphe`, one row each: a label, the command (scenario files written lazily),
 * the expected exit code, what the message must contain, and (by default) a check that nothing was
 * written: no --out folder, no staging folder, earlier results untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Result } from './helpers/cli.js';
import { cliSandbox, TINY } from './helpers/cli-sandbox.js';

const box = cliSandbox('raphe-hostile-');

interface Row {
  label: string;
  args: () => string[];
  code: number;
  /** Must match the stderr lines (exit 2) or stdout (exit 0). */
  msg: RegExp;
  /** Lines on stderr (exit 2): one per problem of the input, one unless the row says. */
  lines?: number;
  env?: Record<string, string>;
  /** Run without an added `--out` (the row names its own, or must not write one). */
  noOut?: boolean;
  /** Extra check after the run. */
  after?: (r: Result) => void;
}

const tinyPhase = (ph: Record<string, unknown>[]) => box.tiny({ protocol: ph });
const aFile = (name: string): string => {
  const p = path.join(box.tmp, name);
  fs.writeFileSync(p, 'not a folder\n');
  return p;
};
const aDir = (name: string, files: Record<string, string>): string => {
  const p = path.join(box.tmp, name);
  fs.mkdirSync(p, { recursive: true });
  for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(p, f), c);
  return p;
};
const TWO_PHASES = [
  { name: 'a', durationS: 0.2 },
  { name: 'b', durationS: 0.2, drugs: { fluoxetine: 1 } },
];
const SMALL_MEM = { RAPHE_MEMORY_BYTES: '1e9' };

const ROWS: Row[] = [
  // 1. output problems found before the run
  {
    label: '--out under /proc',
    args: () => ['run', '--scenario', box.tiny(), '--out', '/proc/raphe-out'],
    code: 2,
    msg: /--out.*\/proc\/raphe-out/,
    noOut: true,
  },
  {
    label: '--out under read-only /sys',
    args: () => ['run', '--scenario', box.tiny(), '--out', '/sys/raphe-out'],
    code: 2,
    msg: /--out.*\/sys\/raphe-out/,
    noOut: true,
  },
  {
    label: '--out is a file',
    args: () => ['run', '--scenario', box.tiny(), '--out', aFile('package.json')],
    code: 2,
    msg: /--out.*not a folder/,
    noOut: true,
    after: () => expect(fs.readFileSync(path.join(box.tmp, 'package.json'), 'utf8')).toBe('not a folder\n'),
  },
  {
    label: '--out is a file, --force',
    args: () => ['run', '--scenario', box.tiny(), '--out', aFile('f-force'), '--force'],
    code: 2,
    msg: /--out.*not a folder/,
    noOut: true,
  },
  {
    label: '--out below a file',
    args: () => ['run', '--scenario', box.tiny(), '--out', path.join(aFile('f-parent'), 'sub')],
    code: 2,
    msg: /--out/,
    noOut: true,
  },
  {
    label: '--out name over 255 characters',
    args: () => ['run', '--scenario', box.tiny(), '--out', path.join(box.tmp, 'x'.repeat(300))],
    code: 2,
    msg: /--out.*255/,
    noOut: true,
  },
  { label: '--out empty', args: () => ['run', '--scenario', box.tiny(), '--out', ''], code: 2, msg: /--out/, noOut: true },
  {
    label: '--out folder holding other files',
    args: () => ['run', '--scenario', box.tiny(), '--out', aDir('others', { 'notes.txt': 'mine' })],
    code: 2,
    msg: /--out.*notes\.txt/,
    noOut: true,
    after: () => expect(fs.readdirSync(path.join(box.tmp, 'others'))).toEqual(['notes.txt']),
  },
  {
    label: 'experiment --out is a file',
    args: () => ['experiment', 'belmer2018', '--quick', '--out', aFile('exp-file')],
    code: 2,
    msg: /--out.*not a folder/,
    noOut: true,
  },
  // 2. names that are properties of every object
  {
    label: '--drug constructor=10',
    args: () => ['run', '--scenario', box.tiny(), '--drug', 'constructor=10'],
    code: 2,
    msg: /--drug.*unknown drug.*constructor/,
  },
  {
    label: '--drug __proto__=10',
    args: () => ['run', '--scenario', box.tiny(), '--drug', '__proto__=10'],
    code: 2,
    msg: /--drug.*__proto__/,
  },
  { label: '--drug toString=1', args: () => ['run', '--scenario', box.tiny(), '--drug', 'toString=1'], code: 2, msg: /--drug.*toString/ },
  {
    label: '--drug hasOwnProperty=1',
    args: () => ['run', '--scenario', box.tiny(), '--drug', 'hasOwnProperty=1'],
    code: 2,
    msg: /hasOwnProperty/,
  },
  {
    label: 'phase drug "__proto__"',
    args: () => [
      'run',
      '--scenario',
      box.writeJson('proto-drug.json', '{"c0_nM": 1, "neurons": 20, "protocol": [{"durationS": 0.2, "drugs": {"__proto__": 5}}]}'),
    ],
    code: 2,
    msg: /drugs\.__proto__/,
  },
  {
    label: 'phase drug "constructor"',
    args: () => ['run', '--scenario', tinyPhase([{ durationS: 0.2, drugs: { constructor: 5 } }])],
    code: 2,
    msg: /drugs\.constructor/,
  },
  {
    label: '--genotype constructor',
    args: () => ['run', '--scenario', box.tiny(), '--genotype', 'constructor'],
    code: 2,
    msg: /--genotype.*constructor/,
  },
  { label: '--genotype __proto__', args: () => ['run', '--scenario', box.tiny(), '--genotype', '__proto__'], code: 2, msg: /--genotype/ },
  {
    label: 'param "constructor"',
    args: () => ['run', '--scenario', box.tiny({ params: { constructor: 1 } })],
    code: 2,
    msg: /params\.constructor/,
  },
  {
    label: 'param "__proto__"',
    args: () => [
      'run',
      '--scenario',
      box.writeJson('proto-param.json', '{"c0_nM": 1, "protocol": [{"durationS": 0.2}], "params": {"__proto__": {"voxel_um": 5}}}'),
    ],
    code: 2,
    msg: /params\.__proto__/,
  },
  {
    label: 'top-level "__proto__"',
    args: () => [
      'run',
      '--scenario',
      box.writeJson('proto-top.json', '{"c0_nM": 1, "protocol": [{"durationS": 0.2}], "__proto__": {"neurons": 5}}'),
    ],
    code: 2,
    msg: /__proto__/,
  },
  // 3. typos
  {
    label: 'recording typos',
    args: () => ['run', '--scenario', box.tiny({ recording: { spike: false, samplesteps: 5 } })],
    code: 2,
    msg: /recording\.spike\b.*allowed: spikes, sampleSteps\n.*recording\.samplesteps: unknown field; did you mean sampleSteps\?/,
    lines: 2,
  },
  { label: 'recording not an object', args: () => ['run', '--scenario', box.tiny({ recording: [] })], code: 2, msg: /recording/ },
  {
    label: 'recording.spikes "yes"',
    args: () => ['run', '--scenario', box.tiny({ recording: { spikes: 'yes' } })],
    code: 2,
    msg: /recording\.spikes/,
  },
  { label: 'phase drugs an array', args: () => ['run', '--scenario', tinyPhase([{ durationS: 0.2, drugs: [] }])], code: 2, msg: /drugs/ },
  { label: 'params null', args: () => ['run', '--scenario', box.tiny({ params: null })], code: 2, msg: /params/ },
  // 4. inputs that gave NaN results
  {
    label: '--duration 0.001 (one grid step)',
    args: () => ['run', '--scenario', box.tiny(), '--duration', '0.001'],
    code: 2,
    msg: /--duration.*>= 0\.12 s/,
  },
  {
    label: 'a phase rounding to zero grid steps',
    args: () => ['run', '--scenario', tinyPhase([{ durationS: 0.2 }, { durationS: 0.0004 }])],
    code: 2,
    msg: /protocol\[1\]\.durationS.*>= 0\.12/,
  },
  {
    label: 'a phase too short for its trace samples',
    args: () => ['run', '--scenario', box.tiny({ recording: { sampleSteps: 100 } })],
    code: 2,
    msg: /protocol\[0\]\.durationS.*>= 1\.2 s/,
  },
  {
    label: 'probeRadius_um too small for a voxel',
    args: () => ['run', '--scenario', box.tiny({ params: { probeRadius_um: 1 } })],
    code: 2,
    msg: /params\.probeRadius_um.*>= \d/,
  },
  {
    label: 'voxel_um 700: no voxel inside the region',
    args: () => ['run', '--scenario', box.tiny({ params: { voxel_um: 700 } })],
    code: 2,
    msg: /params\.voxel_um.*<= \d/,
  },
  // 5. size bounds (memory budget given so the case does not depend on the machine)
  {
    label: 'a region of 10^9 voxels',
    args: () => ['run', '--scenario', box.tiny({ params: { regionX_um: 20000, regionY_um: 20000, regionZ_um: 20000 } })],
    code: 2,
    msg: /memory.*GB/,
    env: SMALL_MEM,
  },
  {
    label: '--neurons 1e8 over the memory budget',
    args: () => ['run', '--scenario', box.tiny(), '--neurons', '100000000'],
    code: 2,
    msg: /--neurons.*memory/,
    env: SMALL_MEM,
  },
  {
    label: '--duration 1e6 over the memory budget (recording)',
    args: () => ['run', '--scenario', box.tiny(), '--duration', '1000000'],
    code: 2,
    msg: /memory/,
    env: SMALL_MEM,
  },
  {
    label: 'experiment --neurons over the memory budget',
    args: () => ['experiment', 'belmer2018', '--neurons', '100000000'],
    code: 2,
    msg: /--neurons.*memory/,
    env: SMALL_MEM,
  },
  // 7. messages
  { label: 'experiment belmer2018 extra', args: () => ['experiment', 'belmer2018', 'extra'], code: 2, msg: /unexpected argument "extra"/ },
  { label: 'run extra', args: () => ['run', 'extra'], code: 2, msg: /unexpected argument "extra"/ },
  { label: 'run --help', args: () => ['run', '--help'], code: 0, msg: /usage:/, noOut: true },
  { label: 'experiment --help', args: () => ['experiment', '-h'], code: 0, msg: /usage:/, noOut: true },
  {
    label: 'help lists every drug from the model table',
    args: () => ['--help'],
    code: 0,
    msg: /rs-127445[\s\S]*sert-ko|sert-ko[\s\S]*rs-127445/,
    noOut: true,
  },
  {
    label: 'not-JSON scenario: one line',
    args: () => ['run', '--scenario', box.writeJson('two-lines.json', 'not json\nat all')],
    code: 2,
    msg: /--scenario.*not valid JSON/,
  },
  { label: 'scenario is a folder', args: () => ['run', '--scenario', box.tmp], code: 2, msg: /--scenario/ },
  { label: 'scenario path empty', args: () => ['run', '--scenario', ''], code: 2, msg: /--scenario/ },
  // 8. questionable, decided
  { label: '--neurons 0x20 (hex)', args: () => ['run', '--scenario', box.tiny(), '--neurons', '0x20'], code: 2, msg: /--neurons.*decimal/ },
  { label: '--neurons " 20"', args: () => ['run', '--scenario', box.tiny(), '--neurons', ' 20'], code: 2, msg: /--neurons/ },
  { label: '--neurons Infinity', args: () => ['run', '--scenario', box.tiny(), '--neurons', 'Infinity'], code: 2, msg: /--neurons/ },
  { label: '--duration 1e400', args: () => ['run', '--scenario', box.tiny(), '--duration', '1e400'], code: 2, msg: /--duration/ },
  {
    label: '--drug fluoxetine=0x10',
    args: () => ['run', '--scenario', box.tiny(), '--drug', 'fluoxetine=0x10'],
    code: 2,
    msg: /--drug fluoxetine.*decimal/,
  },
  {
    label: 'a flag given twice',
    args: () => ['run', '--scenario', box.tiny(), '--neurons', '20', '--neurons', '30'],
    code: 2,
    msg: /--neurons.*twice/,
  },
  {
    label: '--seed given twice (= form)',
    args: () => ['run', '--scenario', box.tiny(), '--seed=1', '--seed=2'],
    code: 2,
    msg: /--seed.*twice/,
  },
  {
    label: 'a drug given twice, different case',
    args: () => ['run', '--scenario', box.tiny(), '--drug', 'fluoxetine=1', '--drug', 'FLUOXETINE=2'],
    code: 2,
    msg: /--drug.*fluoxetine.*twice/,
  },
  {
    label: 'a phase drug given twice, different case',
    args: () => ['run', '--scenario', tinyPhase([{ durationS: 0.2, drugs: { fluoxetine: 1, FLUOXETINE: 2 } }])],
    code: 2,
    msg: /drugs\.FLUOXETINE.*twice/,
  },
  {
    label: 'multi-phase file + --drug',
    args: () => ['run', '--scenario', tinyPhase(TWO_PHASES), '--drug', 'fluoxetine=1'],
    code: 2,
    msg: /--drug.*multi-phase/,
  },
  {
    label: 'multi-phase file + --baseline',
    args: () => ['run', '--scenario', tinyPhase(TWO_PHASES), '--baseline', '1'],
    code: 2,
    msg: /--baseline.*multi-phase/,
  },
  {
    label: 'multi-phase file + --duration (as before)',
    args: () => ['run', '--scenario', tinyPhase(TWO_PHASES), '--duration', '1'],
    code: 2,
    msg: /--duration.*multi-phase/,
  },
  {
    label: 'a dose as the string "10"',
    args: () => ['run', '--scenario', tinyPhase([{ durationS: 0.2, drugs: { fluoxetine: '10' } }])],
    code: 2,
    msg: /drugs\.fluoxetine.*number/,
  },
  {
    label: 'neurons as the string "100"',
    args: () => ['run', '--scenario', box.tiny({ neurons: '100' })],
    code: 2,
    msg: /neurons.*number/,
  },
  {
    label: 'a 50 MB scenario file',
    args: () => ['run', '--scenario', box.writeJson('huge.json', { ...TINY, name: 'x'.repeat(50e6) })],
    code: 2,
    msg: /--scenario.*MB/,
  },
  {
    label: 'a name over 200 characters',
    args: () => ['run', '--scenario', box.tiny({ name: 'x'.repeat(5000) })],
    code: 2,
    msg: /name.*200/,
  },
  {
    label: 'a phase name over 200 characters',
    args: () => ['run', '--scenario', tinyPhase([{ name: 'y'.repeat(300), durationS: 0.2 }])],
    code: 2,
    msg: /protocol\[0\]\.name.*200/,
  },
  // others of the same classes
  { label: '--seed -1', args: () => ['run', '--scenario', box.tiny(), '--seed', '-1'], code: 2, msg: /--seed/ },
  { label: '--seed 2^53', args: () => ['run', '--scenario', box.tiny(), '--seed', String(2 ** 53)], code: 2, msg: /--seed/ },
  { label: '--neurons ""', args: () => ['run', '--scenario', box.tiny(), '--neurons', ''], code: 2, msg: /--neurons/ },
  { label: '--drug =5', args: () => ['run', '--scenario', box.tiny(), '--drug', '=5'], code: 2, msg: /--drug/ },
  {
    label: '--drug fluoxetine=',
    args: () => ['run', '--scenario', box.tiny(), '--drug', 'fluoxetine='],
    code: 2,
    msg: /--drug fluoxetine/,
  },
  { label: '--engine ""', args: () => ['run', '--scenario', box.tiny(), '--engine', ''], code: 2, msg: /--engine/ },
  { label: '--engine constructor', args: () => ['run', '--scenario', box.tiny(), '--engine', 'constructor'], code: 2, msg: /--engine/ },
  { label: 'short option -n', args: () => ['run', '-n', '5'], code: 2, msg: /-n/ },
  { label: 'c0_nM -1', args: () => ['run', '--scenario', box.tiny({ c0_nM: -1 })], code: 2, msg: /c0_nM/ },
  { label: 'c0_nM "5"', args: () => ['run', '--scenario', box.tiny({ c0_nM: '5' })], code: 2, msg: /c0_nM.*number/ },
  { label: 'protocol []', args: () => ['run', '--scenario', box.tiny({ protocol: [] })], code: 2, msg: /protocol/ },
  { label: 'protocol {}', args: () => ['run', '--scenario', box.tiny({ protocol: {} })], code: 2, msg: /protocol/ },
  {
    label: 'phase name a number',
    args: () => ['run', '--scenario', tinyPhase([{ name: 5, durationS: 0.2 }])],
    code: 2,
    msg: /protocol\[0\]\.name/,
  },
  { label: 'neurons 20.5 in a file', args: () => ['run', '--scenario', box.tiny({ neurons: 20.5 })], code: 2, msg: /neurons.*integer/ },
  { label: 'genotype null', args: () => ['run', '--scenario', box.tiny({ genotype: null })], code: 2, msg: /genotype/ },
  { label: 'experiment --neurons 0x10', args: () => ['experiment', 'belmer2018', '--neurons', '0x10'], code: 2, msg: /--neurons.*decimal/ },
  { label: 'experiment --threads abc', args: () => ['experiment', 'belmer2018', '--threads', 'abc'], code: 2, msg: /--threads/ },
  {
    label: 'experiment --duration-scale 0',
    args: () => ['experiment', 'belmer2018', '--duration-scale', '0'],
    code: 2,
    msg: /--duration-scale/,
  },
  {
    label: 'experiment --neurons twice',
    args: () => ['experiment', 'belmer2018', '--neurons', '5', '--neurons', '6'],
    code: 2,
    msg: /--neurons.*twice/,
  },
  { label: 'experiment --force without --out', args: () => ['experiment', 'belmer2018', '--force'], code: 2, msg: /--force/, noOut: true },
  // good runs that must say the right thing
  {
    label: 'SERT-KO without clearance: warns that no steady state exists',
    args: () => ['run', '--scenario', box.tiny({ genotype: 'sert-ko', params: { kClear_perH: 0 } }), '--engine', 'cpu'],
    code: 0,
    msg: /no steady state/,
    noOut: true,
    after: (r) => {
      expect(r.stderr).toMatch(/warning.*no steady state/);
      expect(r.stdout).not.toMatch(/\(settled\)/);
    },
  },
  {
    label: 'ISI CV n/a says why when spikes were recorded',
    args: () => ['run', '--scenario', box.tiny(), '--engine', 'cpu', '--neurons', '20'],
    code: 0,
    msg: /median ISI CV (\d|n\/a \(too few)/,
    noOut: true,
    after: (r) => expect(r.stdout).not.toMatch(/spikes not recorded/),
  },
];

/** Staging folders left in box.tmp by one row (`prefix`: its --out folder's name). */
const staging = (prefix: string): string[] =>
  fs.readdirSync(box.tmp).filter((n) => n.startsWith(`.${prefix}.`) && /raphe-(staging|old)/.test(n));

describe.concurrent('hostile and careless input (issue 9)', () => {
  ROWS.forEach((row, idx) => {
    it(row.label, async () => {
      const out = path.join(box.tmp, `hostile-${idx}`);
      const r = await box.raphe([...row.args(), ...(row.noOut ? [] : ['--out', out])], row.env);
      expect(r.code, `stderr: ${r.stderr.slice(0, 500)}`).toBe(row.code);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      if (row.code === 2) {
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n'), `stderr: ${JSON.stringify(r.stderr.slice(0, 500))}`).toHaveLength(row.lines ?? 1);
        expect(r.stderr.length).toBeLessThan(1000);
        expect(r.stderr).toMatch(row.msg);
      } else {
        expect(r.stdout + r.stderr).toMatch(row.msg);
        expect(r.stdout).not.toMatch(/NaN|Infinity/);
      }
      expect(fs.existsSync(out)).toBe(false);
      expect(staging(`hostile-${idx}`)).toEqual([]);
      row.after?.(r);
    });
  });
});
