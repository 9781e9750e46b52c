#!/usr/bin/env node
// Entry point of the `raphe` command. (Re)builds the bundle when it is missing or older than the
// sources (npm install builds it once; this keeps a checkout that is being edited honest).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'build', 'node', 'cli.mjs');

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stale = !existsSync(cli) || Math.max(newest(join(root, 'src')), newest(join(root, 'shaders'))) > statSync(cli).mtimeMs;
if (stale && existsSync(join(root, 'node_modules', 'esbuild'))) {
  const cwd = process.cwd();
  process.chdir(root);
  const { buildNode } = await import(pathToFileURL(join(root, 'esbuild.config.mjs')).href);
  await buildNode();
  process.chdir(cwd);
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
// the work is done: should a handle outlive it (a GPU device after a failed set-up), do not hang on it
setTimeout(() => process.exit(), 1000).unref();
