/**
 * The steady-state estimates' disk cache (engines/cpu/estimate-cache.ts), through the CLI bundle: a
 * second run reads the estimate the first one stored and prints the same results; RAPHE_CACHE=0 stores
 * nothing and gives the same results too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '..');
const BIN = join(ROOT, 'bin/raphe.mjs');

beforeAll(() => {
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  expect(b.status, b.stderr).toBe(0);
});

function run(env: Record<string, string>): Record<string, unknown> {
  const r = spawnSync(process.execPath, [BIN, 'run', '--neurons', '200', '--duration', '0.3', '--engine', 'cpu', '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout);
  delete out.wallSeconds;
  return out;
}

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
