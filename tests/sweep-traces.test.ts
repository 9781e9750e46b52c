/**
 * `raphe sweep --traces` end to end (CPU engine, tiny tissue): each point's traces.csv and point.nwb in
 * points/ID/, linked from report.html; a point folder is whole whenever it exists, even after a kill;
 * --resume keeps the folders of the points it does not run again and replaces those it does; --force
 * without --traces drops them; shards and SLURM job scripts pass the flag on, and `sweep collect` gives
 * the collected results/ the shards' point folders, linked from its report. What the files hold is
 * checked with pynwb and nwbinspector in tests/nwb-inspector.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { TRACES_HEADER } from '../src/report/csv.js';
import { POINT_NWB, POINT_TRACES, POINTS_DIR } from '../src/report/point-files.js';
import { BIN, ROOT, runRaphe, type Result } from './helpers/cli.js';

let tmp = '';
const raphe = (args: string[]): Promise<Result> => runRaphe(tmp, args);

const SWEEP = {
  name: 'traces',
  base: { neurons: 150, seed: 3, c0_nM: 25, duration: 0.3, params: { regionX_um: 300, regionY_um: 240, regionZ_um: 200 } },
  axes: [
    { axis: 'fluoxetine', values: [0, 1, 10], reference: 0 },
    { axis: 'htr2bExpression', values: [0, 1] },
  ],
};
const N = 6;
const RUN = ['--engine', 'cpu', '--threads', '1'];

/** The HDF5 signature every NWB file starts with. */
const HDF5 = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

const pointDir = (out: string, id: number) => path.join(tmp, out, POINTS_DIR, String(id));
const journalIds = (out: string) =>
  fs
    .readFileSync(path.join(tmp, out, 'points.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).id as number);
/** The entries of points/ (none when it does not exist). */
const pointEntries = (out: string) =>
  fs.existsSync(path.join(tmp, out, POINTS_DIR)) ? fs.readdirSync(path.join(tmp, out, POINTS_DIR)) : [];

/** A point folder holds exactly a traces.csv with rows and an NWB (HDF5) file. */
function expectWhole(out: string, id: number): void {
  const dir = pointDir(out, id);
  expect(fs.readdirSync(dir).sort(), `point ${id}`).toEqual([POINT_NWB, POINT_TRACES].sort());
  const csv = fs.readFileSync(path.join(dir, POINT_TRACES), 'utf8').split('\n');
  expect(csv[0]).toBe(TRACES_HEADER);
  expect(csv.length).toBeGreaterThan(10);
  expect(fs.readFileSync(path.join(dir, POINT_NWB)).subarray(0, 8).equals(HDF5), `point ${id}: an HDF5 file`).toBe(true);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-sweep-traces-'));
  fs.writeFileSync(path.join(tmp, 'traces.json'), JSON.stringify(SWEEP));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('raphe sweep --traces', () => {
  test('without --out: one line naming --traces, exit 2, nothing written', async () => {
    const r = await raphe(['sweep', 'traces.json', ...RUN, '--traces']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--traces: only goes with --out/);
    expect(fs.readdirSync(tmp)).toEqual(['traces.json']);
  });

  test("each point's traces.csv and point.nwb in points/ID/, linked from its row of the report", async () => {
    const r = await raphe(['sweep', 'traces.json', ...RUN, '--out', 'kept', '--traces']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/written {5}kept\/ \(.*points\/ID\/\{traces\.csv,point\.nwb\}\)/);
    expect(pointEntries('kept').sort()).toEqual(Array.from({ length: N }, (_, i) => String(i)).sort());
    for (let id = 0; id < N; id++) expectWhole('kept', id);
    const html = fs.readFileSync(path.join(tmp, 'kept', 'report.html'), 'utf8');
    for (let id = 0; id < N; id++) {
      expect(html).toContain(`href="points/${id}/traces.csv"`);
      expect(html).toContain(`href="points/${id}/point.nwb"`);
    }
    // each point its own run: no two points' traces alike
    const traces = new Set(Array.from({ length: N }, (_, id) => fs.readFileSync(path.join(pointDir('kept', id), POINT_TRACES), 'utf8')));
    expect(traces.size).toBe(N);
  }, 60_000);

  test('off by default: no points/ folder and no links', async () => {
    const r = await raphe(['sweep', 'traces.json', ...RUN, '--out', 'plain']);
    expect(r.code, r.stderr).toBe(0);
    expect(pointEntries('plain')).toEqual([]);
    expect(fs.readFileSync(path.join(tmp, 'plain', 'report.html'), 'utf8')).not.toContain('href="points/');
  }, 60_000);

  test('killed midway: every point folder there is whole and every journaled point has one; the resume completes them', async () => {
    const out = 'killed';
    const journal = path.join(tmp, out, 'points.jsonl');
    const lines = () => (fs.existsSync(journal) ? fs.readFileSync(journal, 'utf8').split('\n').filter(Boolean).length : 0);
    const ch = spawn(process.execPath, [BIN, 'sweep', 'traces.json', ...RUN, '--out', out, '--traces'], { cwd: tmp, stdio: 'ignore' });
    await new Promise<void>((resolve, reject) => {
      const t0 = Date.now();
      const iv = setInterval(() => {
        if (lines() >= 2) {
          clearInterval(iv);
          ch.kill('SIGKILL');
          resolve();
        } else if (Date.now() - t0 > 60_000) {
          clearInterval(iv);
          reject(new Error('no points within 60 s'));
        }
      }, 10);
    });
    await new Promise((r) => ch.on('close', r));
    const journaled = journalIds(out);
    expect(journaled.length).toBeLessThan(N);
    const folders = pointEntries(out).filter((n) => /^\d+$/.test(n));
    for (const id of journaled) expect(folders).toContain(String(id));
    for (const f of folders) expectWhole(out, Number(f));
    const r = await raphe(['sweep', 'traces.json', ...RUN, '--out', out, '--resume', '--traces']);
    expect(r.code, r.stderr).toBe(0);
    expect(pointEntries(out).sort()).toEqual(Array.from({ length: N }, (_, i) => String(i)).sort());
    for (let id = 0; id < N; id++) expectWhole(out, id);
  }, 120_000);

  test('--resume keeps the folders of the points it does not run again and replaces a folder whose point it runs', async () => {
    const out = 'resumed';
    expect((await raphe(['sweep', 'traces.json', ...RUN, '--out', out, '--traces'])).code).toBe(0);
    const ids = journalIds(out);
    const last = ids[ids.length - 1]!;
    const kept = ids[0]!;
    const keptNwb = fs.readFileSync(path.join(pointDir(out, kept), POINT_NWB));
    // the last point as if killed after its folder and before its journal line, its folder overwritten
    const text = fs
      .readFileSync(path.join(tmp, out, 'points.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean);
    fs.writeFileSync(path.join(tmp, out, 'points.jsonl'), text.slice(0, -1).join('\n') + '\n');
    fs.writeFileSync(path.join(pointDir(out, last), POINT_TRACES), 'not this point\n');
    // resumed without --traces: the folders of the journaled points stay, the point run again has none
    const r = await raphe(['sweep', 'traces.json', ...RUN, '--out', out, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(1 run now\)/);
    expect(pointEntries(out)).not.toContain(String(last));
    expect(fs.readFileSync(path.join(pointDir(out, kept), POINT_NWB)).equals(keptNwb)).toBe(true);
    const html = fs.readFileSync(path.join(tmp, out, 'report.html'), 'utf8');
    expect(html).not.toContain(`href="points/${last}/`);
    expect(html).toContain(`href="points/${kept}/point.nwb"`);
    // with --traces, the point run again gets its folder anew
    fs.writeFileSync(path.join(tmp, out, 'points.jsonl'), text.slice(0, -1).join('\n') + '\n');
    const again = await raphe(['sweep', 'traces.json', ...RUN, '--out', out, '--resume', '--traces']);
    expect(again.code, again.stderr).toBe(0);
    for (let id = 0; id < N; id++) expectWhole(out, id);
    expect(fs.readFileSync(path.join(pointDir(out, kept), POINT_NWB)).equals(keptNwb)).toBe(true);
    // --force without --traces starts over without them
    const forced = await raphe(['sweep', 'traces.json', ...RUN, '--out', out, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(pointEntries(out)).toEqual([]);
  }, 120_000);

  test("a shard keeps its points; collect links every shard's point folders; the SLURM job script passes --traces", async () => {
    const r = await raphe(['sweep', 'traces.json', ...RUN, '--shard', '1/2', '--out', 'shard', '--traces']);
    expect(r.code, r.stderr).toBe(0);
    const ids = journalIds('shard');
    expect(ids.length).toBeGreaterThan(0);
    expect(pointEntries('shard').sort()).toEqual(ids.map(String).sort());
    for (const id of ids) expectWhole('shard', id);
    // the other shard, then both collected: results/ holds every point's folder, the report links each
    fs.mkdirSync(path.join(tmp, 'sharded', 'shards'), { recursive: true });
    fs.renameSync(path.join(tmp, 'shard'), path.join(tmp, 'sharded', 'shards', '1'));
    const r2 = await raphe(['sweep', 'traces.json', ...RUN, '--shard', '0/2', '--out', 'sharded/shards/0', '--traces']);
    expect(r2.code, r2.stderr).toBe(0);
    const c = await raphe(['sweep', 'collect', 'sharded']);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/written {5}sharded\/results\/ \(.*points\/ID\/\{traces\.csv,point\.nwb\}\)/);
    expect(pointEntries('sharded/results').sort()).toEqual(Array.from({ length: N }, (_, i) => String(i)).sort());
    for (let id = 0; id < N; id++) expectWhole('sharded/results', id);
    const html = fs.readFileSync(path.join(tmp, 'sharded', 'results', 'report.html'), 'utf8');
    for (let id = 0; id < N; id++) {
      expect(html).toContain(`href="points/${id}/traces.csv"`);
      expect(html).toContain(`href="points/${id}/point.nwb"`);
    }
    // how it was made: the shards' engine, in provenance.json, sweep.json and the report
    const prov = JSON.parse(fs.readFileSync(path.join(tmp, 'sharded', 'results', 'provenance.json'), 'utf8'));
    expect(prov.engine).toBe('cpu');
    expect(prov.command).toEqual(['raphe', 'sweep', 'collect', 'sharded']);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'sharded', 'results', 'sweep.json'), 'utf8')).provenance).toEqual(prov);
    expect(html).toContain('<h2>Provenance</h2>');
    // the same files as the shard's own (hard links, or copies across file systems)
    const id = ids[0];
    const collected = fs.readFileSync(path.join(pointDir('sharded/results', id), POINT_TRACES), 'utf8');
    expect(collected).toBe(fs.readFileSync(path.join(tmp, 'sharded', 'shards', '1', POINTS_DIR, String(id), POINT_TRACES), 'utf8'));
    const s = await raphe(['sweep', 'traces.json', '--slurm', '--out', 'cl', '--shards', '2', '--traces']);
    expect(s.code, s.stderr).toBe(0);
    const exec = fs
      .readFileSync(path.join(tmp, 'cl', 'sweep.sbatch'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('exec '));
    expect(exec).toMatch(/ sweep .* --shard .* '--traces'/);
  }, 60_000);
});
