/**
 * A sweep's faults (CPU engine, tiny tissue): the files it reads back are as untrusted as user input
 * (a torn last journal line, journal lines that parse but are not points, a garbage shard.json), every
 * refusal comes before any work and before anything is created, `--force` never loses the earlier
 * results before the new sweep is complete, and a grid too large to build is refused by its size.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIN, ROOT, runRaphe, type Result } from './helpers/cli.js';
import { SHARD_SWEEP } from './helpers/sweeps.js';

let tmp = '';
let file = '';
const raphe = (args: string[], env: Record<string, string> = {}): Promise<Result> => runRaphe(tmp, args, env);
const at = (...p: string[]) => path.join(tmp, ...p);
const read = (...p: string[]) => fs.readFileSync(at(...p), 'utf8');
const journalLines = (dir: string) => read(dir, 'points.jsonl').split('\n').filter(Boolean);
/** No adapter, whatever the machine has: `--engine webgpu` is refused (exit 2). */
const NO_GPU = { RAPHE_GPU_ICD: '/nonexistent/raphe-no-icd.json' };
const CPU = ['--engine', 'cpu', '--threads', '2'];

/** A copy of the complete sweep folder `full`, as a killed sweep would have left it plus `edit` applied to its journal. */
function killedCopy(name: string, edit: (lines: string[]) => string): string {
  fs.mkdirSync(at(name));
  fs.copyFileSync(at('full', 'sweep-file.json'), at(name, 'sweep-file.json'));
  fs.writeFileSync(at(name, 'points.jsonl'), edit(journalLines('full')));
  return name;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-sweep-faults-'));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  file = at('tiny.json');
  fs.writeFileSync(file, JSON.stringify(SHARD_SWEEP));
  const r = await raphe(['sweep', file, ...CPU, '--out', 'full']);
  if (r.code !== 0) throw new Error(`the reference sweep failed: ${r.stderr}`);
}, 120_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the journal read back on --resume', () => {
  test('a torn last line (a kill mid-write) is cut away, named, and its point run again', async () => {
    const dir = killedCopy('torn', (l) => `${l.slice(0, 5).join('\n')}\n${l[5].slice(0, 40)}`);
    const r = await raphe(['sweep', file, ...CPU, '--out', dir, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/torn\/points\.jsonl line 6: a torn last line/);
    expect(r.stdout).toMatch(/8 points \(3 run now\)/);
    const ids = journalLines(dir).map((l) => JSON.parse(l).id);
    expect([...ids].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(read(dir, 'table.csv')).toBe(read('full', 'table.csv'));
  }, 120_000);

  test('lines that parse but are not points are dropped, each named with its line, and recomputed', async () => {
    const dir = killedCopy('bad-lines', (l) => {
      const edit = (i: number, f: (o: Record<string, unknown>) => void) => {
        const o = JSON.parse(l[i]);
        f(o);
        l[i] = JSON.stringify(o);
      };
      edit(1, (o) => {
        o.rateHz = 'abc';
      });
      edit(2, (o) => {
        o.probe5htNm = -5;
      });
      edit(3, (o) => {
        delete o.s1A;
      });
      edit(4, (o) => {
        o.id = 99;
      });
      return `${l.join('\n')}\n[1,2]\n`;
    });
    const r = await raphe(['sweep', file, ...CPU, '--out', dir, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    const warned = r.stderr.split('\n').filter((s) => s.includes('points.jsonl line'));
    expect(warned).toHaveLength(5);
    expect(warned[0]).toMatch(/bad-lines\/points\.jsonl line 2: rateHz must be a number/);
    expect(warned[1]).toMatch(/line 3: probe5htNm must be >= 0/);
    expect(warned[2]).toMatch(/line 4: s1A is missing/);
    expect(warned[3]).toMatch(/line 5: id 99 is not a point of this sweep/);
    expect(warned[4]).toMatch(/line 9: not a point record/);
    expect(r.stdout).toMatch(/8 points \(4 run now\)/);
    expect(read(dir, 'table.csv')).toBe(read('full', 'table.csv'));
    expect(read(dir, 'table.csv')).not.toMatch(/undefined/);
    expect(journalLines(dir)).toHaveLength(8);
  }, 120_000);

  test('a folder holding a file raphe did not write is refused before any point runs', async () => {
    const dir = killedCopy('foreign', (l) => `${l.slice(0, 4).join('\n')}\n`);
    fs.writeFileSync(at(dir, 'notes.txt'), 'mine\n');
    const r = await raphe(['sweep', file, ...CPU, '--out', dir, '--resume']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--out foreign: holds files raphe did not write \(notes\.txt\)/);
    expect(journalLines(dir)).toHaveLength(4);
  }, 60_000);
});

describe('refusals create nothing', () => {
  test('no adapter for --engine webgpu: exit 2, neither the folder nor its parents created', async () => {
    const r = await raphe(['sweep', file, '--engine', 'webgpu', '--out', 'deep/er/nogpu'], NO_GPU);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--engine webgpu: no WebGPU adapter/);
    expect(fs.existsSync(at('deep'))).toBe(false);
  }, 60_000);

  test('--max-points past the ceiling: one line naming the allowed range, exit 2, before any point is built', async () => {
    const grid = at('grid.json');
    fs.writeFileSync(
      grid,
      JSON.stringify({
        ...SHARD_SWEEP,
        axes: [
          { axis: 'seed', values: { from: 1, to: 10000, count: 10000 } },
          { axis: 'htr2bExpression', values: { from: 0, to: 1, count: 10000 } },
        ],
      }),
    );
    for (const extra of [[], ['--slurm']]) {
      const r = await raphe(['sweep', grid, '--max-points', '100000000', '--out', 'huge', ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual(['raphe: --max-points: must be >= 1 and <= 100000, got 100000000']);
      expect(fs.existsSync(at('huge'))).toBe(false);
    }
  }, 20_000);

  test('--slurm writes the job script of a large grid without building its points', async () => {
    const grid = at('grid-ok.json');
    fs.writeFileSync(
      grid,
      JSON.stringify({
        ...SHARD_SWEEP,
        axes: [
          { axis: 'seed', values: { from: 1, to: 10000, count: 10000 } },
          { axis: 'htr2bExpression', values: { from: 0, to: 1, count: 10 } },
        ],
      }),
    );
    const t0 = performance.now();
    const r = await raphe(['sweep', grid, '--max-points', '100000', '--slurm', '--out', 'big-cluster', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).shards).toBe(10);
    expect(JSON.parse(read('big-cluster', 'slurm.json')).points).toBe(100000);
    // building 100,000 points takes tens of seconds; the script alone a fraction of one
    expect(performance.now() - t0).toBeLessThan(10_000);
  }, 30_000);
});

describe('signals while a large grid is built', () => {
  test('SIGTERM while 100,000 points are being built: handled at once, exit 143', async () => {
    const grid = at('grid-term.json');
    fs.writeFileSync(
      grid,
      JSON.stringify({
        ...SHARD_SWEEP,
        axes: [
          { axis: 'seed', values: { from: 1, to: 10000, count: 10000 } },
          { axis: 'htr2bExpression', values: { from: 0, to: 1, count: 10 } },
        ],
      }),
    );
    const ch = spawn(process.execPath, [BIN, 'sweep', grid, '--max-points', '100000', '--engine', 'cpu'], { cwd: tmp, stdio: 'ignore' });
    const closed = new Promise((r) => ch.on('close', r));
    // building 100,000 points takes tens of seconds; 3 s in, it is under way
    await new Promise((r) => setTimeout(r, 3000));
    const t0 = performance.now();
    ch.kill('SIGTERM');
    const late = setTimeout(() => ch.kill('SIGKILL'), 20_000);
    const code = await closed;
    clearTimeout(late);
    expect(code).toBe(143);
    expect(performance.now() - t0).toBeLessThan(5000);
  }, 40_000);
});

describe('--force keeps the earlier results until the new sweep is written', () => {
  test('refused (no adapter): the earlier folder unchanged', async () => {
    fs.cpSync(at('full'), at('earlier'), { recursive: true });
    const r = await raphe(['sweep', file, '--engine', 'webgpu', '--out', 'earlier', '--force'], NO_GPU);
    expect(r.code).toBe(2);
    for (const f of fs.readdirSync(at('full'))) expect(read('earlier', f)).toBe(read('full', f));
  }, 60_000);

  test('interrupted (SIGINT once it runs): the earlier folder unchanged, no staging left', async () => {
    fs.cpSync(at('full'), at('earlier-int'), { recursive: true });
    const ch = spawn(process.execPath, [BIN, 'sweep', file, '--engine', 'cpu', '--threads', '1', '--out', 'earlier-int', '--force'], {
      cwd: tmp,
      stdio: 'ignore',
    });
    // once the new sweep runs (its journal begun beside the target, or in it), then 0.3 s later
    const begun = () =>
      !fs.existsSync(at('earlier-int', 'table.csv')) ||
      fs.readdirSync(tmp).some((n) => n.startsWith('.earlier-int.raphe-staging-') && fs.existsSync(at(n, 'points.jsonl')));
    const closed = new Promise((r) => ch.on('close', r));
    const t0 = Date.now();
    while (!begun() && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    ch.kill('SIGINT');
    const code = await closed;
    expect(code).toBe(130);
    for (const f of fs.readdirSync(at('full'))) expect(read('earlier-int', f)).toBe(read('full', f));
    expect(fs.readdirSync(tmp).filter((n) => n.includes('earlier-int') && n !== 'earlier-int')).toEqual([]);
  }, 60_000);

  test('completed: the new results replace the earlier ones whole', async () => {
    fs.mkdirSync(at('replaced'));
    fs.writeFileSync(at('replaced', 'table.csv'), 'earlier\n');
    fs.writeFileSync(at('replaced', 'shard.json'), '{}\n');
    const r = await raphe(['sweep', file, ...CPU, '--out', 'replaced', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(at('replaced')).sort()).toEqual(fs.readdirSync(at('full')).sort());
    expect(read('replaced', 'table.csv')).toBe(read('full', 'table.csv'));
  }, 120_000);
});

describe('collect reads the shard folders as untrusted', () => {
  test('a garbage shard.json is named and not carried into sweep.json; a bad journal line is named', async () => {
    const shard = at('cl', 'shards', '0');
    fs.mkdirSync(shard, { recursive: true });
    const id = JSON.parse(read('full', 'sweep-file.json'));
    fs.writeFileSync(path.join(shard, 'sweep-file.json'), `${JSON.stringify({ ...id, shard: { index: 0, count: 1 } })}\n`);
    fs.writeFileSync(path.join(shard, 'points.jsonl'), read('full', 'points.jsonl'));
    fs.writeFileSync(path.join(shard, 'shard.json'), JSON.stringify({ engine: '<script>', adapter: 7, wallSeconds: 'abc' }));
    const r = await raphe(['sweep', 'collect', 'cl']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/cl\/shards\/0\/shard\.json: not a shard record .*; ignored/);
    const j = JSON.parse(read('cl', 'results', 'sweep.json'));
    expect(j.engine).toBe('?');
    expect(j.wallSeconds).toBe(0);
    expect(read('cl', 'results', 'table.csv')).toBe(read('full', 'table.csv'));

    const lines = journalLines('full');
    lines[2] = lines[2].replace(/"rateHz":[^,]+/, '"rateHz":"abc"');
    fs.writeFileSync(path.join(shard, 'points.jsonl'), `${lines.join('\n')}\n`);
    const bad = await raphe(['sweep', 'collect', 'cl']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/cl\/shards\/0\/points\.jsonl line 3: rateHz must be a number.*; dropped/);
    expect(bad.stderr).toMatch(/1 of 8 points missing/);
  }, 60_000);
});
