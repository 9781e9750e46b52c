/**
 * `raphe sweep --traces` on a disk that fills up midway (a tiny tmpfs): exit 1, one line naming the
 * point's file and ENOSPC; every point folder left is whole and journaled, the point that failed has
 * neither folder nor journal line, no staging folder is left; with room again, --resume completes the
 * sweep with every point's files. Mounting needs root: skipped when it fails, unless
 * RAPHE_FAULTS_REQUIRED=1 (set by .ci/run).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { POINT_NWB, POINT_TRACES, POINTS_DIR } from '../src/report/point-files.js';
import { ROOT, runRaphe } from './helpers/cli.js';

const SWEEP = {
  name: 'full-disk',
  base: { neurons: 150, seed: 5, c0_nM: 25, duration: 0.3, params: { regionX_um: 300, regionY_um: 240, regionZ_um: 200 } },
  axes: [{ axis: 'fluoxetine', values: [0, 1, 3, 10, 30, 100], reference: 0 }],
};
const N = 6;

let tmp = '';
let disk = '';

/** Mount a tmpfs of `kib` KiB at `dir`; the reason when it cannot. */
function mountTmpfs(dir: string, kib: number): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `mount -t tmpfs failed: ${(r.stderr || String(r.error)).trim()}`;
}

const noMount = (() => {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-traces-probe-'));
  const why = mountTmpfs(probe, 64);
  if (!why) spawnSync('umount', [probe]);
  fs.rmdirSync(probe);
  return why;
})();
if (noMount && process.env.RAPHE_FAULTS_REQUIRED === '1')
  throw new Error(`RAPHE_FAULTS_REQUIRED=1 but a tmpfs cannot be mounted (${noMount})`);

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-traces-faults-'));
  fs.writeFileSync(path.join(tmp, 'sweep.json'), JSON.stringify(SWEEP));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterAll(() => {
  if (disk) spawnSync('umount', [disk]);
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!!noMount)('raphe sweep --traces on a full disk', () => {
  test('fails cleanly on the point that does not fit; resumed with room, every point keeps its files', async () => {
    disk = path.join(tmp, 'disk');
    fs.mkdirSync(disk);
    const why = mountTmpfs(disk, 2048);
    if (why) throw new Error(why);
    // room for two or three points' files (a point.nwb of 150 cells is about 60 KiB), not six
    const st = fs.statfsSync(disk);
    fs.writeFileSync(path.join(disk, 'filler'), Buffer.alloc(st.bavail * st.bsize - 160 * 1024));
    const out = path.join(disk, 's');
    const args = ['sweep', 'sweep.json', '--engine', 'cpu', '--threads', '1', '--out', out, '--traces'];
    const r = await runRaphe(tmp, args);
    expect(r.code, r.stderr.slice(-2000)).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/points\/\d+: cannot write (point\.nwb|traces\.csv): ENOSPC/);

    const journaled = fs
      .readFileSync(path.join(out, 'points.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => String(JSON.parse(l).id));
    expect(journaled.length).toBeGreaterThan(0);
    expect(journaled.length).toBeLessThan(N);
    // nothing but whole, journaled point folders: no staging folder, no half-written point
    expect(fs.readdirSync(path.join(out, POINTS_DIR)).sort()).toEqual([...journaled].sort());
    for (const id of journaled) expect(fs.readdirSync(path.join(out, POINTS_DIR, id)).sort()).toEqual([POINT_NWB, POINT_TRACES].sort());
    expect(fs.readdirSync(disk).filter((n) => n.includes('raphe-staging'))).toEqual([]);

    fs.rmSync(path.join(disk, 'filler'));
    const again = await runRaphe(tmp, [...args, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`${N} points \\(${N - journaled.length} run now\\)`));
    expect(fs.readdirSync(path.join(out, POINTS_DIR)).sort()).toEqual(Array.from({ length: N }, (_, i) => String(i)).sort());
    for (let id = 0; id < N; id++)
      expect(fs.readdirSync(path.join(out, POINTS_DIR, String(id))).sort()).toEqual([POINT_NWB, POINT_TRACES].sort());
  }, 120_000);
});
