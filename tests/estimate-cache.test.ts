/**
 * The steady-state estimates' disk cache (engines/cpu/estimate-cache.ts), through the CLI bundle: a
 * second run reads the estimate the first one stored and prints the same results; RAPHE_CACHE=0 stores
 * nothing and gives the same results too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin/raphe.mjs');

beforeAll(() => {
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
});

function runFull(env: Record<string, string>, cwd = ROOT): { out: Record<string, unknown>; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'run', '--neurons', '200', '--duration', '0.3', '--engine', 'cpu', '--json'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  expect(r.error, 'the run ended by itself').toBeUndefined();
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  delete out.wallSeconds;
  return { out, stderr: r.stderr };
}

const run = (env: Record<string, string>): Record<string, unknown> => runFull(env).out;

const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true }).map(String) : []);

test('a cached estimate gives the same run as a fresh one, and RAPHE_CACHE=0 stores nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raphe-cache-'));
  const first = run({ RAPHE_CACHE_DIR: dir, RAPHE_CACHE: '1' });
  const stored = files(dir).filter((f) => f.endsWith('.json'));
  expect(stored.length).toBe(1);
  const second = run({ RAPHE_CACHE_DIR: dir, RAPHE_CACHE: '1' });
  expect(second).toEqual(first);
  const off = mkdtempSync(join(tmpdir(), 'raphe-nocache-'));
  expect(run({ RAPHE_CACHE_DIR: off, RAPHE_CACHE: '0' })).toEqual(first);
  expect(files(off)).toEqual([]);
});

test('a cache entry that is not a plausible estimate is named on stderr, recomputed and replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'raphe-cache-bad-'));
  const first = run({ RAPHE_CACHE_DIR: dir, RAPHE_CACHE: '1' });
  const [entry] = files(dir).filter((f) => f.endsWith('.json'));
  const file = join(dir, entry);
  const good = readFileSync(file, 'utf8');
  for (const bad of [
    '{"c0_nM":-50,"rate_Hz":1}',
    '{"c0_nM":1e38,"rate_Hz":1}',
    '{"c0_nM":"abc","rate_Hz":1}',
    '{"c0_nM":20}',
    '[1,2]',
    '{"c0_nM":20,',
  ]) {
    writeFileSync(file, bad);
    const r = runFull({ RAPHE_CACHE_DIR: dir, RAPHE_CACHE: '1' });
    expect(r.out, bad).toEqual(first);
    expect(r.stderr, bad).toContain(`ignored a bad steady-state cache entry ${file}`);
    expect(JSON.parse(readFileSync(file, 'utf8')), bad).toEqual(JSON.parse(good));
  }
});

test('a cache folder that cannot be made (under /proc) is skipped, and the run ends', () => {
  const first = run({ RAPHE_CACHE: '0' });
  expect(run({ RAPHE_CACHE_DIR: '/proc/raphe-cache', RAPHE_CACHE: '1' })).toEqual(first);
});

test('an empty RAPHE_CACHE_DIR means the default place, not the current folder', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'raphe-cwd-'));
  const home = mkdtempSync(join(tmpdir(), 'raphe-home-'));
  runFull({ RAPHE_CACHE_DIR: '', XDG_CACHE_HOME: home, RAPHE_CACHE: '1' }, cwd);
  expect(files(cwd)).toEqual([]);
  expect(files(join(home, 'raphe')).filter((f) => f.endsWith('.json')).length).toBe(1);
});
