/**
 * Sharded sweeps without a cluster (CPU engine, tiny tissue): the round-robin deal holds every point
 * exactly once for every N; shards run by hand (`--shard I/N`) and merged by `raphe sweep collect` give
 * the table, fits and sweep.json of the same sweep run locally, value for value; collect names the
 * points missing (exit 1, the shards to rerun, nothing written) and the points present twice, and
 * refuses shards of another sweep (exit 2); `--slurm` writes the job script (checked by bash -n), the
 * sweep file copy and the manifest, and `--submit` without sbatch on the PATH says so and leaves the
 * script written. The real cluster: tests/slurm.test.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sweepPoints } from '../src/sweep/points.js';
import { parseShard, shardPoints } from '../src/sweep/shard.js';
import { parseSweep } from '../src/sweep/spec.js';
import { BIN, ROOT, runRaphe, type Result } from './helpers/cli.js';
import { SHARD_SWEEP, sweepBody } from './helpers/sweeps.js';

let tmp = '';
const raphe = (args: string[], env: Record<string, string> = {}): Promise<Result> => runRaphe(tmp, args, env);

function writeJson(name: string, v: unknown): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, JSON.stringify(v));
  return p;
}

const read = (...p: string[]) => fs.readFileSync(path.join(tmp, ...p), 'utf8');
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-shard-'));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the deal of points to shards', () => {
  test('every N from 1 to the point count: each point in exactly one shard, round-robin by id', () => {
    const spec = parseSweep({ ...SHARD_SWEEP, axes: [...SHARD_SWEEP.axes, { axis: 'seed', values: [1, 2, 3] }] });
    const points = sweepPoints(spec);
    expect(points).toHaveLength(24);
    for (let n = 1; n <= points.length; n++) {
      const seen = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const s = shardPoints(points, parseShard('--shard', `${i}/${n}`, points.length));
        expect(s.length).toBeGreaterThan(0);
        expect(Math.abs(s.length - points.length / n)).toBeLessThan(1);
        for (const p of s) {
          expect(seen.has(p.id)).toBe(false);
          seen.set(p.id, i);
          expect(p.id % n).toBe(i);
        }
      }
      expect([...seen.keys()].sort((a, b) => a - b)).toEqual(points.map((p) => p.id));
    }
    // the same deal whatever the order the points come in
    const shuffled = [...points].reverse();
    expect(shardPoints(shuffled, { index: 1, count: 5 }).map((p) => p.id)).toEqual(
      shardPoints(points, { index: 1, count: 5 }).map((p) => p.id),
    );
  });
});

describe('shards by hand, collect', () => {
  test('three shards collected equal the local sweep; missing, present twice, another sweep', async () => {
    const file = writeJson('tiny.json', SHARD_SWEEP);
    const local = await raphe(['sweep', file, '--engine', 'cpu', '--threads', '2', '--out', 'local']);
    expect(local.code, local.stderr).toBe(0);
    const shard = (i: number, n = 3, f = file, dir = 'hand') =>
      raphe(['sweep', f, '--engine', 'cpu', '--threads', '1', '--shard', `${i}/${n}`, '--out', `${dir}/shards/${i}`]);
    const [r0, r1] = await Promise.all([shard(0), shard(1)]);
    expect(r0.code, r0.stderr).toBe(0);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r0.stdout).toMatch(/shard {7}0\/3 of tiny: 3 of 8 points \(3 run now\)/);
    expect(fs.readdirSync(path.join(tmp, 'hand', 'shards', '0')).sort()).toEqual(['points.jsonl', 'shard.json', 'sweep-file.json']);
    expect(
      read('hand', 'shards', '0', 'points.jsonl')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id)
        .sort(),
    ).toEqual([0, 3, 6]);

    // shard 2 not yet run: its points named, the shard to rerun, nothing written
    const incomplete = await raphe(['sweep', 'collect', 'hand']);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stdout).toBe('');
    const lines = incomplete.stderr.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      'raphe: collect: point 2 (fluoxetine=1 htr2bExpression=0) is missing (shard 2/3)',
      'raphe: collect: point 5 (fluoxetine=10 htr2bExpression=1) is missing (shard 2/3)',
    ]);
    expect(lines[2]).toMatch(
      /^raphe: collect: 2 of 8 points missing; rerun shard 2: raphe sweep FILE --shard 2\/3 --out hand\/shards\/2 --resume$/,
    );
    expect(fs.existsSync(path.join(tmp, 'hand', 'results'))).toBe(false);
    const incJson = await raphe(['sweep', 'collect', 'hand', '--json']);
    expect(incJson.code).toBe(1);
    const ij = JSON.parse(incJson.stdout);
    expect(ij.complete).toBe(false);
    expect(ij.missing.map((m: { point: number }) => m.point)).toEqual([2, 5]);
    expect(ij.rerun).toEqual([2]);

    const r2 = await shard(2);
    expect(r2.code, r2.stderr).toBe(0);
    const c = await raphe(['sweep', 'collect', 'hand']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toBe('');
    expect(c.stdout).toMatch(/collect {5}tiny: 8 points from 3 shard folders, cpu/);
    const res = path.join('hand', 'results');
    expect(fs.readdirSync(path.join(tmp, res)).sort()).toEqual(fs.readdirSync(path.join(tmp, 'local')).sort());
    expect(read(res, 'table.csv')).toBe(read('local', 'table.csv'));
    expect(read(res, 'fits.csv')).toBe(read('local', 'fits.csv'));
    expect(read(res, 'sweep-file.json')).toBe(read('local', 'sweep-file.json'));
    expect(sweepBody(read(res, 'sweep.json'))).toEqual(sweepBody(read('local', 'sweep.json')));
    expect(JSON.parse(read(res, 'sweep.json')).shards).toBe(3);
    expect(read(res, 'report.html')).toContain('<table class="points">');
    // the collected folder is a local sweep's folder: --resume takes it and has nothing to run
    const resumed = await raphe(['sweep', file, '--engine', 'cpu', '--threads', '1', '--out', res, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/8 points \(0 run now\)/);
    expect(read(res, 'table.csv')).toBe(read('local', 'table.csv'));

    // a shard folder copied: its points present twice, named; the table unchanged
    fs.cpSync(path.join(tmp, 'hand', 'shards', '1'), path.join(tmp, 'hand', 'shards', '1-copy'), { recursive: true });
    const twice = await raphe(['sweep', 'collect', 'hand']);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.stderr.trim().split('\n')).toEqual([
      'raphe: collect: point 1 (fluoxetine=0 htr2bExpression=1) is present twice, in shards/1 and shards/1-copy; the first is used',
      'raphe: collect: point 4 (fluoxetine=10 htr2bExpression=0) is present twice, in shards/1 and shards/1-copy; the first is used',
      'raphe: collect: point 7 (fluoxetine=100 htr2bExpression=1) is present twice, in shards/1 and shards/1-copy; the first is used',
    ]);
    expect(read(res, 'table.csv')).toBe(read('local', 'table.csv'));
    fs.rmSync(path.join(tmp, 'hand', 'shards', '1-copy'), { recursive: true });

    // a shard of another sweep (another seed) in the folder: exit 2, one line naming it, nothing written
    const other = writeJson('other.json', {
      ...SHARD_SWEEP,
      base: { ...SHARD_SWEEP.base, seed: 3, neurons: 60 },
      axes: [{ axis: 'fluoxetine', values: [1] }],
    });
    fs.cpSync(path.join(tmp, 'hand', 'shards'), path.join(tmp, 'mixed', 'shards'), { recursive: true });
    const ro = await shard(1, 2, other, 'mixed-other');
    expect(ro.code, ro.stderr).toBe(0);
    fs.cpSync(path.join(tmp, 'mixed-other', 'shards', '1'), path.join(tmp, 'mixed', 'shards', '9'), { recursive: true });
    const mixed = await raphe(['sweep', 'collect', 'mixed']);
    expect(mixed.code).toBe(2);
    expect(mixed.stdout).toBe('');
    expect(mixed.stderr.trim().split('\n')).toHaveLength(1);
    expect(mixed.stderr).toMatch(/^raphe: collect mixed\/shards\/9: holds a shard of another sweep than shards\/0/);
    expect(fs.existsSync(path.join(tmp, 'mixed', 'results'))).toBe(false);

    // a shard resumed on a folder of another shard: refused
    const wrong = await raphe(['sweep', file, '--shard', '1/3', '--out', 'hand/shards/0', '--resume']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--resume: .*holds another sweep \(its sweep file, --neurons\/--seed or --shard differ\)/);
  }, 240_000);
});

describe('--slurm without a cluster', () => {
  test('the job script, the sweep file copy, the manifest; --submit without sbatch: one line, the script written', async () => {
    const file = writeJson('tiny-slurm.json', SHARD_SWEEP);
    const r = await raphe(
      [
        'sweep',
        file,
        '--slurm',
        '--out',
        'cl',
        '--shards',
        '3',
        '--partition',
        'short',
        '--time',
        '00:20:00',
        '--cpus',
        '2',
        '--mem',
        '4G',
        '--gpus',
        '1',
        '--engine',
        'cpu',
        '--neurons',
        '200',
        '--submit',
        '--json',
      ],
      { PATH: path.join(tmp, 'no-bin') },
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^raphe: --submit: no sbatch on the PATH; the job script is written: .*\/cl\/sweep\.sbatch/);
    const dir = path.join(fs.realpathSync(tmp), 'cl');
    expect(fs.readdirSync(dir).sort()).toEqual(['logs', 'shards', 'slurm.json', 'sweep-input.json', 'sweep.sbatch']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'sweep-input.json'), 'utf8'))).toEqual(SHARD_SWEEP);
    const script = fs.readFileSync(path.join(dir, 'sweep.sbatch'), 'utf8');
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    for (const line of [
      '#SBATCH --array=0-2',
      `#SBATCH --output=${dir}/logs/%A_%a.log`,
      '#SBATCH --partition=short',
      '#SBATCH --time=00:20:00',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --mem=4G',
      '#SBATCH --gpus=1',
    ])
      expect(script).toContain(`${line}\n`);
    expect(script).toMatch(/^#SBATCH --job-name=raphe-tiny-[0-9a-f]{8}$/m);
    expect(script).toContain(
      `exec '${process.execPath}' '${BIN}' sweep '${dir}/sweep-input.json' --shard "$task/$shards" --out "$out" $resume '--neurons' '200' '--engine' 'cpu' --threads "\${SLURM_CPUS_PER_TASK:-0}"\n`,
    );
    expect(spawnSync('bash', ['-n', path.join(dir, 'sweep.sbatch')]).status).toBe(0);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'slurm.json'), 'utf8'));
    expect(m).toMatchObject({ name: 'tiny', points: 8, shards: 3, neurons: 200, seed: null, node: process.execPath, bin: BIN, jobIds: [] });

    // the folder again: earlier results refused without --force; --force writes it anew (default shards: up to 10)
    const again = await raphe(['sweep', file, '--slurm', '--out', 'cl']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--out cl: holds earlier results; use --force/);
    const forced = await raphe(['sweep', file, '--slurm', '--out', 'cl', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toEqual({ jobId: null, shards: 8, script: path.join(dir, 'sweep.sbatch') });

    // collect of a cluster folder whose tasks have not run: every point missing, the array to resubmit
    const c = await raphe(['sweep', 'collect', 'cl']);
    expect(c.code).toBe(1);
    const last = c.stderr.trim().split('\n').pop();
    expect(last).toBe(
      `raphe: collect: 8 of 8 points missing; rerun shards 0, 1, 2, 3, 4, 5, 6, 7: sbatch --array=0,1,2,3,4,5,6,7 cl/sweep.sbatch`,
    );
  }, 60_000);
});
