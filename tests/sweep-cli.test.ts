/**
 * `raphe sweep` end to end (CPU engine, tiny tissue): bad input (one line naming the field, exit 2,
 * nothing written), --json's shape, the files in --out and the report's curves, and a sweep killed in
 * its child process after some points, resumed, giving the same table as an uninterrupted sweep.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRaphe, type Result } from './helpers/cli.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'raphe.mjs');
let tmp = '';

const raphe = (args: string[]): Promise<Result> => runRaphe(tmp, args);

const small = { regionX_um: 300, regionY_um: 240, regionZ_um: 200 };
const SWEEP = {
  name: 'tiny',
  base: { neurons: 250, seed: 2, c0_nM: 25, duration: 0.3, params: small },
  axes: [
    { axis: 'fluoxetine', values: [0.3, 1, 3, 10] },
    { axis: 'htr2bExpression', values: [0, 1] },
  ],
};

function writeJson(name: string, v: unknown): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, JSON.stringify(v));
  return p;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-sweep-'));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('raphe sweep: bad input', () => {
  const CASES: [string, () => string[], RegExp][] = [
    ['no sweep named', () => ['sweep'], /sweep: name a sweep file/],
    ['unknown built-in', () => ['sweep', 'nonesuch', '--out', 'o1'], /sweep: no sweep file "nonesuch"/],
    [
      'unknown axis',
      () => ['sweep', writeJson('a.json', { ...SWEEP, axes: [{ axis: 'aspirin', values: [1] }] }), '--out', 'o2'],
      /axes\[0\]\.axis: unknown axis target/,
    ],
    [
      'bad value with index',
      () => ['sweep', writeJson('b.json', { ...SWEEP, axes: [{ axis: 'sertExpression', values: [1, 9] }] }), '--out', 'o3'],
      /axes\[0\]\.values\[1\]: must be >= 0 and <= 4/,
    ],
    [
      'over the point cap',
      () => ['sweep', writeJson('c.json', SWEEP), '--max-points', '5', '--out', 'o4'],
      /axes: the grid holds 10 points; at most 5/,
    ],
    ['--resume without --out', () => ['sweep', writeJson('d.json', SWEEP), '--resume'], /--resume: only goes with --out/],
    [
      '--resume on a folder with no sweep',
      () => ['sweep', writeJson('e.json', SWEEP), '--resume', '--out', 'o5'],
      /--resume: .* holds no sweep/,
    ],
    ['bad --neurons', () => ['sweep', 'dpat', '--neurons', '0', '--out', 'o6'], /--neurons/],
    // shards and SLURM (issue 12)
    ['--shard not I/N', () => ['sweep', writeJson('s1.json', SWEEP), '--shard', '1', '--out', 's1'], /--shard: must be I\/N/],
    [
      '--shard I = N',
      () => ['sweep', writeJson('s2.json', SWEEP), '--shard', '3/3', '--out', 's2'],
      /--shard: shard 3 of 3: I must be below N/,
    ],
    ['--shard -1/3', () => ['sweep', writeJson('s3.json', SWEEP), '--shard=-1/3', '--out', 's3'], /--shard: must be I\/N/],
    [
      '--shard N over the points',
      () => ['sweep', writeJson('s4.json', SWEEP), '--shard', '0/11', '--out', 's4'],
      /--shard: 11 shards for a sweep of 10 points/,
    ],
    ['--slurm without --out', () => ['sweep', writeJson('s5.json', SWEEP), '--slurm'], /--slurm: needs --out DIR/],
    [
      '--slurm --shards over the points',
      () => ['sweep', writeJson('s6.json', SWEEP), '--slurm', '--shards', '11', '--out', 's6'],
      /--shards: 11 shards for a sweep of 10 points/,
    ],
    [
      '--slurm --shards 0',
      () => ['sweep', writeJson('s7.json', SWEEP), '--slurm', '--shards', '0', '--out', 's7'],
      /--shards: must be >= 1/,
    ],
    [
      '--shards without --slurm',
      () => ['sweep', writeJson('s8.json', SWEEP), '--shards', '2', '--out', 's8'],
      /--shards: only goes with --slurm/,
    ],
    ['--submit without --slurm', () => ['sweep', writeJson('s9.json', SWEEP), '--submit'], /--submit: only goes with --slurm/],
    [
      '--slurm with --shard',
      () => ['sweep', writeJson('sa.json', SWEEP), '--slurm', '--shard', '0/2', '--out', 'sa'],
      /--shard: does not go with --slurm/,
    ],
    [
      '--slurm with --resume',
      () => ['sweep', writeJson('sb.json', SWEEP), '--slurm', '--resume', '--out', 'sb'],
      /--resume: does not go with --slurm/,
    ],
    [
      '--slurm --time 1h',
      () => ['sweep', writeJson('sc.json', SWEEP), '--slurm', '--time', '1h', '--out', 'sc'],
      /--time: must be a time limit/,
    ],
    ['--slurm --time 01:75:00', () => ['sweep', writeJson('sd.json', SWEEP), '--slurm', '--time', '01:75:00', '--out', 'sd'], /--time/],
    [
      '--slurm --mem 8GB',
      () => ['sweep', writeJson('se.json', SWEEP), '--slurm', '--mem', '8GB', '--out', 'se'],
      /--mem: must be a whole amount/,
    ],
    ['--slurm --cpus 0', () => ['sweep', writeJson('sf.json', SWEEP), '--slurm', '--cpus', '0', '--out', 'sf'], /--cpus: must be >= 1/],
    [
      '--slurm --gpus x',
      () => ['sweep', writeJson('sg.json', SWEEP), '--slurm', '--gpus', 'x', '--out', 'sg'],
      /--gpus: must be a GPU count/,
    ],
    [
      '--slurm --partition with a space',
      () => ['sweep', writeJson('sh.json', SWEEP), '--slurm', '--partition', 'a b', '--out', 'sh'],
      /--partition: must be a partition name/,
    ],
    [
      '--slurm --out with a space',
      () => ['sweep', writeJson('si.json', SWEEP), '--slurm', '--out', 's i'],
      /--out s i: a SLURM job folder/,
    ],
    ['collect without a folder', () => ['sweep', 'collect'], /collect: name the folder/],
    ['collect on a missing folder', () => ['sweep', 'collect', 'nowhere'], /collect nowhere: no such folder/],
    [
      'collect on a folder that holds no sweep',
      () => {
        fs.mkdirSync(path.join(tmp, 'empty-cluster', 'shards', '0'), { recursive: true });
        return ['sweep', 'collect', 'empty-cluster'];
      },
      /collect empty-cluster: holds no sweep/,
    ],
  ];
  for (const [label, args, re] of CASES) {
    test(label, async () => {
      const a = args();
      const r = await raphe(a);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
      const i = a.indexOf('--out');
      if (i >= 0) expect(fs.existsSync(path.join(tmp, a[i + 1]))).toBe(false);
      if (a[1] === 'collect' && a[2]) expect(fs.existsSync(path.join(tmp, a[2], 'results'))).toBe(false);
    });
  }
});

describe('raphe sweep: a run, kill and resume', () => {
  test('--json, the files, the report curves; --resume on a folder of another sweep refused', async () => {
    const file = writeJson('tiny.json', SWEEP);
    const r = await raphe(['sweep', file, '--engine', 'cpu', '--threads', '2', '--out', 'full', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.sweep).toBe('tiny');
    // how it ran, as raphe run --json says it
    expect(j.engine).toBe('cpu');
    expect(j.adapter).toMatch(/WebAssembly/);
    expect(j.engineReason).toMatch(/cpu/i);
    expect(j.wallSeconds).toBeGreaterThan(0);
    expect(j.ranNow).toBe(10);
    expect(j.points).toHaveLength(10);
    expect(Object.keys(j.points[0]).sort()).toEqual(
      ['axes', 'medianCvIsi', 'probe5htNm', 'probeFold', 'rateHz', 'rateRatio', 's1A', 's2B', 'seed', 'settled'].sort(),
    );
    expect(j.points[0].axes).toEqual({ fluoxetine: 0, htr2bExpression: 0 });
    expect(j.points[0].probeFold).toBe(1);
    // fits: along fluoxetine (5 values), one per htr2bExpression value, for each of 4 readouts
    expect(j.fits).toHaveLength(8);
    for (const f of j.fits) {
      expect(f.axis).toBe('fluoxetine');
      expect(Object.keys(f.others)).toEqual(['htr2bExpression']);
      if (f.converged) expect(f.ec50).toBeGreaterThan(0);
      else expect(f.ec50).toBeNull();
    }
    const dir = path.join(tmp, 'full');
    expect(fs.readdirSync(dir).sort()).toEqual([
      'fits.csv',
      'points.jsonl',
      'provenance.json',
      'report.html',
      'scenario.json',
      'sweep-file.json',
      'sweep.json',
      'table.csv',
    ]);
    expect(fs.readFileSync(path.join(dir, 'table.csv'), 'utf8').trim().split('\n')).toHaveLength(11);
    expect(fs.readFileSync(path.join(dir, 'points.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
    const html = fs.readFileSync(path.join(dir, 'report.html'), 'utf8');
    // one dose-response figure per readout, one curve per htr2bExpression value; fitted lines where converged
    expect(html.match(/<figure data-axis="fluoxetine"/g)).toHaveLength(4);
    expect(html.match(/class="curve"/g)).toHaveLength(8);
    expect(html.match(/data-kind="fit"/g)?.length ?? 0).toBe(j.fits.filter((f: { converged: boolean }) => f.converged).length);
    expect(html).toContain('class="heatmap"');
    expect(html).toContain('<table class="points">');
    expect(html).not.toMatch(/NaN/);
    // another sweep's folder
    const other = writeJson('other.json', { ...SWEEP, base: { ...SWEEP.base, seed: 3 } });
    const bad = await raphe(['sweep', other, '--resume', '--out', 'full']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--resume: .*holds another sweep/);
    const bad2 = await raphe(['sweep', file, '--neurons', '200', '--resume', '--out', 'full']);
    expect(bad2.code).toBe(2);
    // an existing result folder without --force
    const again = await raphe(['sweep', file, '--out', 'full']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/holds earlier results; use --force/);
  }, 120_000);

  test('killed after some points, resumed: the same table as the uninterrupted sweep', async () => {
    const file = path.join(tmp, 'tiny.json');
    if (!fs.existsSync(file)) writeJson('tiny.json', SWEEP);
    const dir = path.join(tmp, 'killed');
    const ch = spawn(process.execPath, [BIN, 'sweep', file, '--engine', 'cpu', '--threads', '1', '--out', 'killed'], {
      cwd: tmp,
      stdio: 'ignore',
    });
    const journal = path.join(dir, 'points.jsonl');
    const lines = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0);
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const iv = setInterval(() => {
        if (lines() >= 3) {
          clearInterval(iv);
          ch.kill('SIGKILL');
          resolve();
        } else if (Date.now() - t0 > 90_000) {
          clearInterval(iv);
          reject(new Error('no points within 90 s'));
        }
      }, 20);
    });
    await new Promise((r) => ch.on('close', r));
    const got = lines();
    expect(got).toBeGreaterThanOrEqual(3);
    expect(got).toBeLessThan(10);
    expect(fs.existsSync(path.join(dir, 'table.csv'))).toBe(false);
    const r = await raphe(['sweep', file, '--engine', 'cpu', '--threads', '1', '--out', 'killed', '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`10 points \\(${10 - got} run now\\)`));
    const full = path.join(tmp, 'full', 'table.csv');
    if (fs.existsSync(full)) expect(fs.readFileSync(path.join(dir, 'table.csv'), 'utf8')).toBe(fs.readFileSync(full, 'utf8'));
    expect(fs.readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(10);
  }, 180_000);
});
