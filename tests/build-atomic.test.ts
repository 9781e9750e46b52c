/**
 * The build replaces each output file whole (written under a temporary name, then renamed): the tests
 * start CLIs and worker threads from build/node/ while other test files rebuild it, and a worker entry
 * read half-written (or empty) runs nothing and exits 0 ("a worker thread exited during start-up (code 0)",
 * seen once in a full suite on 2026-12-03).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

test('a rebuild puts every bundle file in place by a rename, never rewriting one in place, and leaves no temporary file', () => {
  const dir = path.join(ROOT, 'build', 'node');
  const build = () => spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  expect(build().status).toBe(0);
  const files = ['cli.mjs', 'cpu-worker.mjs', 'cpu-pool-worker.mjs', 'nwb-worker.mjs'];
  const before = files.map((f) => fs.statSync(path.join(dir, f)).ino);
  const b = build();
  expect(b.status, b.stderr).toBe(0);
  const after = files.map((f) => fs.statSync(path.join(dir, f)).ino);
  for (const [i, f] of files.entries()) expect(after[i], `${f}: the same inode, so it was rewritten in place`).not.toBe(before[i]);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
