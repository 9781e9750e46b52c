/**
 * Faults of the disk: every job that writes files (`raphe run --out`, `raphe experiment belmer2018 --out`,
 * `raphe export brian2 --out`) meets a full disk, a tiny tmpfs filled to a chosen free space, and must
 * fail as an environment failure: exit 1, one line on stderr naming the file and ENOSPC (no HDF5
 * diagnostics), no output folder installed, no staging left, and an earlier output at the same path intact
 * after a failed --force replacement. Mounting needs root: the tmpfs cases skip when it fails, unless
 * RAPHE_FAULTS_REQUIRED=1 (set by .ci/run). Also: staging folders left by a run killed with SIGKILL in the
 * middle of a replacement are recognised and cleaned at the next write to the same parent folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hostTag } from '../src/report/staging.js';
import { writeAtomically } from '../src/report/write.js';
import { BIN, runRaphe } from './helpers/cli.js';

const REQUIRED = process.env.RAPHE_FAULTS_REQUIRED === '1';
let tmp = '';
const mounts: string[] = [];

/** Mount a tmpfs of `kib` KiB at `dir`; the reason when it cannot be mounted. */
function mountTmpfs(dir: string, kib: number): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return `mount -t tmpfs failed: ${(r.stderr || String(r.error)).trim()}`;
  mounts.push(dir);
  return undefined;
}

const noMount = (() => {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-faults-probe-'));
  const why = mountTmpfs(probe, 64);
  if (!why) spawnSync('umount', [probe]);
  mounts.length = 0;
  fs.rmdirSync(probe);
  return why;
})();
if (noMount && REQUIRED) throw new Error(`RAPHE_FAULTS_REQUIRED=1 but a tmpfs cannot be mounted (${noMount})`);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-faults-'));
});
afterAll(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * A fresh 2 MiB tmpfs holding `setup`'s files, then filled so that `freeKib` KiB stay free: a disk
 * that takes the small files of a job and fails on its large ones.
 */
function fullDisk(name: string, freeKib: number, setup: (disk: string) => void = () => {}): string {
  const disk = path.join(tmp, name);
  fs.mkdirSync(disk);
  const why = mountTmpfs(disk, 2048);
  if (why) throw new Error(why);
  setup(disk);
  const st = fs.statfsSync(disk);
  const fill = st.bavail * st.bsize - freeKib * 1024;
  if (fill > 0) fs.writeFileSync(path.join(disk, 'filler'), Buffer.alloc(fill));
  return disk;
}

/** An earlier output folder at `dir` (a file raphe writes, with a marker) for --force to replace. */
function earlierFolder(dir: string): void {
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'summary.json'), '{"earlier": true}\n');
}

/** stderr's lines, less the progress bars a long job prints every 10 s when stderr is not a terminal. */
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.trim() !== '' && !/\[[#-]{30}\]/.test(l));

/** The job failed as the environment's fault, in one line naming `file` and ENOSPC. */
function failedCleanly(r: { code: number | null; stderr: string }, file: RegExp): void {
  expect(r.code, r.stderr.slice(-2000)).toBe(1);
  const lines = errorLines(r.stderr);
  expect(lines, r.stderr.slice(-2000)).toHaveLength(1);
  expect(lines[0]).toMatch(file);
  expect(lines[0]).toMatch(/ENOSPC/);
}

const RUN = ['run', '--neurons', '300', '--duration', '1', '--seed', '3', '--engine', 'cpu'];
// every condition of the experiment, as short and small as the flags allow
const EXPERIMENT = ['experiment', 'belmer2018', '--quick', '--neurons', '40', '--duration-scale', '0.05', '--engine', 'cpu'];

describe.skipIf(!!noMount)('a full disk', () => {
  // the CSV and HTML files of this run take about 60 KiB, its run.nwb about 77 KiB
  test('raphe run --out: a full disk while run.nwb is written installs nothing and names run.nwb', async () => {
    const disk = fullDisk('run-new', 100);
    const r = await runRaphe(tmp, [...RUN, '--out', path.join(disk, 'r')]);
    failedCleanly(r, /run\.nwb/);
    expect(fs.readdirSync(disk)).toEqual(['filler']);
  });

  test('raphe run --out --force: a failed replacement keeps the earlier folder as it was', async () => {
    const disk = fullDisk('run-force', 100, (d) => earlierFolder(path.join(d, 'r')));
    const r = await runRaphe(tmp, [...RUN, '--out', path.join(disk, 'r'), '--force']);
    failedCleanly(r, /run\.nwb/);
    expect(fs.readdirSync(disk).sort()).toEqual(['filler', 'r']);
    expect(fs.readdirSync(path.join(disk, 'r'))).toEqual(['summary.json']);
    expect(fs.readFileSync(path.join(disk, 'r', 'summary.json'), 'utf8')).toBe('{"earlier": true}\n');
  });

  test('raphe run --out: a disk too full for the CSV files fails the same way, naming the CSV file', async () => {
    const disk = fullDisk('run-csv', 8);
    const r = await runRaphe(tmp, [...RUN, '--out', path.join(disk, 'r')]);
    failedCleanly(r, /cannot write \S+\.csv/);
    expect(fs.readdirSync(disk)).toEqual(['filler']);
  });

  test('raphe run --out: a disk with no room at all is an environment failure found before the run', async () => {
    const disk = fullDisk('run-none', 0);
    const r = await runRaphe(tmp, [...RUN, '--out', path.join(disk, 'r')]);
    failedCleanly(r, /cannot write in /);
    expect(r.stdout).toBe('');
    expect(fs.readdirSync(disk)).toEqual(['filler']);
  });

  // the JSON, HTML and CSV files of this experiment take about 450 KiB (23 conditions), each condition's NWB file about 64 KiB
  test('raphe experiment --out --force: a full disk while a condition file is written keeps the earlier folder', async () => {
    const disk = fullDisk('experiment', 490, (d) => earlierFolder(path.join(d, 'e')));
    const r = await runRaphe(tmp, [...EXPERIMENT, '--out', path.join(disk, 'e'), '--force'], {
      RAPHE_CACHE_DIR: path.join(tmp, 'cache'),
    });
    failedCleanly(r, /conditions\/\S+\.nwb/);
    expect(fs.readdirSync(disk).sort()).toEqual(['e', 'filler']);
    expect(fs.readdirSync(path.join(disk, 'e'))).toEqual(['summary.json']);
    expect(fs.readFileSync(path.join(disk, 'e', 'summary.json'), 'utf8')).toBe('{"earlier": true}\n');
  });

  test('raphe export brian2 --out --force: a full disk keeps the earlier script and leaves no temporary file', async () => {
    const disk = fullDisk('export', 0, (d) => fs.writeFileSync(path.join(d, 'model.py'), '# earlier\n'));
    const r = await runRaphe(tmp, [
      'export',
      'brian2',
      '--neurons',
      '20',
      '--duration',
      '0.2',
      '--out',
      path.join(disk, 'model.py'),
      '--force',
    ]);
    failedCleanly(r, /model\.py/);
    expect(fs.readdirSync(disk).sort()).toEqual(['filler', 'model.py']);
    expect(fs.readFileSync(path.join(disk, 'model.py'), 'utf8')).toBe('# earlier\n');
  });
});

if (noMount) {
  test(`a full disk (skipped: ${noMount}; RAPHE_FAULTS_REQUIRED=1 fails instead)`, () => {
    expect(REQUIRED).toBe(false);
  });
}

/** A pid that no process has now: that of a child that has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid;
  expect(pid).toBeGreaterThan(0);
  return pid!;
}

describe('leftovers of a killed run', () => {
  test('a staging folder whose owner is gone is removed at the next write to the same parent', () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'left-'));
    const left = path.join(parent, `.old.raphe-staging-${hostTag()}-${deadPid()}-a1b2c3`);
    fs.mkdirSync(left);
    fs.writeFileSync(path.join(left, 'spikes.csv'), 'cell,time_s\n');
    writeAtomically(path.join(parent, 'new'), () => [['summary.json', '{}\n']], { force: false });
    expect(fs.readdirSync(parent)).toEqual(['new']);
  });

  test('earlier results left aside are put back, or removed when the new ones were already in place', () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'aside-'));
    const pid = deadPid();
    const aside = (name: string) => path.join(parent, `.${name}.raphe-staging-${hostTag()}-${pid}-a1b2c3-old`);
    // lost: only the earlier results aside, no target, no staging folder
    fs.mkdirSync(aside('lost'));
    fs.writeFileSync(path.join(aside('lost'), 'summary.json'), 'earlier\n');
    // done: the new results in place, the earlier ones not yet removed
    fs.mkdirSync(path.join(parent, 'done'));
    fs.writeFileSync(path.join(parent, 'done', 'summary.json'), 'new\n');
    fs.mkdirSync(aside('done'));
    writeAtomically(path.join(parent, 'new'), () => [['summary.json', '{}\n']], { force: false });
    expect(fs.readdirSync(parent).sort()).toEqual(['done', 'lost', 'new']);
    expect(fs.readFileSync(path.join(parent, 'lost', 'summary.json'), 'utf8')).toBe('earlier\n');
    expect(fs.readFileSync(path.join(parent, 'done', 'summary.json'), 'utf8')).toBe('new\n');
  });

  test('a staging folder of a live process (another run writing beside this one) is left alone', () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'live-'));
    const live = `.other.raphe-staging-${hostTag()}-${process.ppid}-a1b2c3`;
    fs.mkdirSync(path.join(parent, live));
    writeAtomically(path.join(parent, 'new'), () => [['summary.json', '{}\n']], { force: false });
    expect(fs.readdirSync(parent).sort()).toEqual([live, 'new']);
  });

  test('SIGKILL with the earlier results renamed aside: the next run puts a complete folder back and cleans up', async () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'kill-'));
    const out = path.join(parent, 'r');
    const tiny = ['run', '--neurons', '20', '--duration', '0.2', '--engine', 'cpu', '--no-nwb'];
    const first = await runRaphe(tmp, [...tiny, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const ch = spawn(process.execPath, [BIN, ...tiny, '--seed', '7', '--out', out, '--force'], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, RAPHE_TEST_PAUSE_REPLACE: '20000' },
    });
    let stderr = '';
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
      ch.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        if (stderr.includes('test pause')) ch.kill('SIGKILL');
      });
      ch.on('close', (_c, sig) => resolve(sig));
    });
    expect(signal).toBe('SIGKILL');
    expect(fs.existsSync(out)).toBe(false); // killed between the two renames: the results are aside
    expect(fs.readdirSync(parent).length).toBe(2);
    // the next write to the same parent (another folder) finishes the replacement the killed run began
    const next = await runRaphe(tmp, [...tiny, '--out', path.join(parent, 'other')]);
    expect(next.code, next.stderr).toBe(0);
    expect(fs.readdirSync(parent).sort()).toEqual(['other', 'r']);
    expect(fs.readdirSync(out).sort()).toEqual([
      'provenance.json',
      'report.html',
      'scenario.json',
      'spikes.csv',
      'summary.json',
      'traces.csv',
    ]);
    expect(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).toMatch(/"seed": 7/);
  });
});
