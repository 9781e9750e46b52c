/**
 * The `raphe` command on bad input: exit code 2, exactly one line on stderr naming the field, nothing
 * on stdout, nothing written (the --out folder is not created). Plus --out over earlier results without
 * --force, and one good small run (JSON summary, files written). Hostile and careless input:
 * cli-hostile-input.test.ts; signals, pipes and random mutations: cli-signals.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliSandbox } from './helpers/cli-sandbox.js';

const box = cliSandbox('raphe-cli-');

const phase = [{ name: 'baseline', durationS: 0.1 }];

/** [label, args (scenario files written lazily), text the stderr line must contain]. */
const CASES: [string, () => string[], RegExp][] = [
  ['unknown genotype', () => ['run', '--genotype', 'martian'], /--genotype.*martian/],
  ['unknown drug', () => ['run', '--drug', 'aspirin=10'], /--drug.*aspirin/],
  ['negative concentration', () => ['run', '--drug', 'fluoxetine=-5'], /--drug fluoxetine/],
  ['non-numeric concentration', () => ['run', '--drug', 'fluoxetine=abc'], /--drug fluoxetine.*number/],
  ['drug without =', () => ['run', '--drug', 'fluoxetine'], /--drug/],
  ['an occupancy for a receptor ligand', () => ['run', '--drug', '8-oh-dpat=50%'], /--drug 8-oh-dpat.*only for SERT inhibitors/],
  ['an occupancy of 100%', () => ['run', '--drug', 'fluoxetine=100%'], /--drug fluoxetine.*below "100%"/],
  ['--neurons 0', () => ['run', '--neurons', '0'], /--neurons/],
  ['--neurons -5', () => ['run', '--neurons', '-5'], /--neurons/],
  ['--neurons=-5', () => ['run', '--neurons=-5'], /--neurons/],
  ['--neurons 1.5', () => ['run', '--neurons', '1.5'], /--neurons.*integer/],
  ['--duration 0', () => ['run', '--duration', '0'], /--duration/],
  ['--duration -1', () => ['run', '--duration', '-1'], /--duration/],
  ['--duration=-1', () => ['run', '--duration=-1'], /--duration/],
  ['--duration abc', () => ['run', '--duration', 'abc'], /--duration/],
  ['unknown option', () => ['run', '--frobnicate'], /--frobnicate/],
  ['unknown experiment', () => ['experiment', 'nosuch'], /experiment.*nosuch/],
  ['unknown command', () => ['fly'], /command.*fly/],
  ['--engine bogus', () => ['run', '--engine', 'bogus'], /--engine.*bogus/],
  ['missing scenario file', () => ['run', '--scenario', path.join(box.tmp, 'nope.json')], /--scenario/],
  ['malformed scenario JSON', () => ['run', '--scenario', box.writeJson('bad.json', '{"protocol": [')], /--scenario.*JSON/],
  [
    'a sweep file given to run --scenario',
    () => ['run', '--scenario', box.writeJson('a-sweep.json', { base: { protocol: phase }, axes: [{ param: 'g1A_nS', values: [1] }] })],
    /a-sweep\.json: is a sweep file.*raphe sweep FILE/,
  ],
  [
    'a scenario file given to sweep',
    () => ['sweep', box.writeJson('a-scenario.json', { protocol: phase })],
    /a-scenario\.json: is a scenario file.*raphe run --scenario FILE/,
  ],
  ['scenario without protocol', () => ['run', '--scenario', box.writeJson('noproto.json', { neurons: 10 })], /protocol/],
  [
    'scenario with an unknown field',
    () => ['run', '--scenario', box.writeJson('extra.json', { protocol: phase, colour: 'red' })],
    /colour/,
  ],
  [
    'scenario phase with an unknown field',
    () => ['run', '--scenario', box.writeJson('phasefield.json', { protocol: [{ durationS: 1, dose: 3 }] })],
    /protocol\[0\]\.dose/,
  ],
  [
    'scenario with an unknown param',
    () => ['run', '--scenario', box.writeJson('param.json', { protocol: phase, params: { warpFactor: 9 } })],
    /params\.warpFactor/,
  ],
  [
    'scenario param out of range (voxel_um 0.5 < min 1)',
    () => ['run', '--scenario', box.writeJson('vox.json', { protocol: phase, params: { voxel_um: 0.5 } })],
    /params\.voxel_um.*>= 1/,
  ],
  [
    'scenario with an unstable grid',
    // D* dt/dx² = (1e-4 cm²/s = 1e4 µm²/s / 2.56) x 1 ms / 1 µm² ≈ 3.9 > 1/6
    () => ['run', '--scenario', box.writeJson('unstable.json', { protocol: phase, params: { voxel_um: 1, D_cm2ps: 1e-4 } })],
    /params\.voxel_um.*stability bound.*1\/6/,
  ],
  [
    'scenario with a negative phase duration',
    () => ['run', '--scenario', box.writeJson('negdur.json', { protocol: [{ durationS: -1 }] })],
    /protocol\[0\]\.durationS/,
  ],
  [
    'scenario with a negative drug dose',
    () => ['run', '--scenario', box.writeJson('negdose.json', { protocol: [{ durationS: 1, drugs: { fluoxetine: -1 } }] })],
    /protocol\[0\]\.drugs\.fluoxetine/,
  ],
  ['scenario that is not an object', () => ['run', '--scenario', box.writeJson('arr.json', '[1, 2]')], /JSON object/],
];

describe.concurrent('bad input: exit 2, one line on stderr naming the field, nothing written', () => {
  CASES.forEach(([label, args, field], idx) => {
    it(label, async () => {
      const out = path.join(box.tmp, `out-${idx}`);
      const r = await box.raphe([...args(), '--out', out]);
      expect(r.stdout).toBe('');
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n'), `stderr: ${JSON.stringify(r.stderr)}`).toHaveLength(1);
      expect(r.stderr).toMatch(field);
      expect(r.code).toBe(2);
      expect(fs.existsSync(out)).toBe(false);
    });
  });
});

describe.concurrent('runs', () => {
  it('--force without --out: exit 2, one line naming --force', async () => {
    const r = await box.raphe(['run', '--force', '--neurons', '20', '--duration', '0.01', '--engine', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--force.*--out/);
  });

  it('--out over earlier results without --force: exit 2, earlier files unchanged', async () => {
    const out = path.join(box.tmp, 'earlier');
    fs.mkdirSync(out);
    const earlier = '{"earlier": true}\n';
    fs.writeFileSync(path.join(out, 'summary.json'), earlier);
    const r = await box.raphe(['run', '--neurons', '20', '--duration', '0.01', '--engine', 'cpu', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--out.*earlier results/);
    expect(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).toBe(earlier);
    expect(fs.readdirSync(out)).toEqual(['summary.json']);
  });

  it('a small good run prints one JSON object with the summary', async () => {
    const r = await box.raphe(['run', '--neurons', '1000', '--duration', '0.5', '--engine', 'cpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]) as Record<string, unknown>;
    for (const key of [
      'engine',
      'adapter',
      'neurons',
      'durationS',
      'meanRateHz',
      'medianCvIsi',
      'probe5htNm',
      'massBalanceRelError',
      'wallSeconds',
    ]) {
      expect(o, key).toHaveProperty(key);
    }
    expect(o.engine).toBe('cpu');
    expect(typeof o.adapter).toBe('string');
    expect(o.neurons).toBe(1000);
    expect(o.durationS).toBeCloseTo(0.5, 9);
    expect(o.meanRateHz as number).toBeGreaterThan(0);
    expect(o.meanRateHz as number).toBeLessThan(20);
    expect(o.probe5htNm as number).toBeGreaterThan(0);
    expect(o.massBalanceRelError as number).toBeLessThan(1e-4);
    expect(o.wallSeconds as number).toBeGreaterThan(0);
  });

  it('--out DIR writes summary.json, spikes.csv, traces.csv, report.html', async () => {
    const out = path.join(box.tmp, 'good-out');
    const r = await box.raphe(['run', '--neurons', '200', '--duration', '0.5', '--engine', 'cpu', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rate/);
    for (const f of ['summary.json', 'spikes.csv', 'traces.csv', 'report.html']) {
      const p = path.join(out, f);
      expect(fs.existsSync(p), f).toBe(true);
      expect(fs.statSync(p).size, f).toBeGreaterThan(0);
    }
    const s = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(JSON.stringify(s)).toMatch(/"neurons":200/);
    expect(fs.readFileSync(path.join(out, 'traces.csv'), 'utf8').trim().split('\n').length).toBeGreaterThan(10);
    expect(fs.readFileSync(path.join(out, 'report.html'), 'utf8')).toMatch(/<html/i);
  });
});
