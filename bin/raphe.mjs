#!/usr/bin/env node
// Entry point of the `raphe` command. Builds the bundle on first use (npm install normally does it).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'build', 'node', 'cli.mjs');
if (!existsSync(cli)) {
  const cwd = process.cwd();
  process.chdir(root);
  const { buildNode } = await import(pathToFileURL(join(root, 'esbuild.config.mjs')).href);
  await buildNode();
  process.chdir(cwd);
}
const { main } = await import(pathToFileURL(cli).href);
process.exitCode = await main(process.argv.slice(2));
