// `npm run docs`: rewrites the generated tables of docs/model.md (the blocks between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`) from the model's own tables.
// src/model/doc-tables.ts is bundled in memory with esbuild and imported from a data URL.
import * as esbuild from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';

const DOC = 'docs/model.md';
const out = await esbuild.build({
  entryPoints: ['src/model/doc-tables.ts'],
  bundle: true,
  write: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
});
const code = out.outputFiles[0].text;
const gen = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
const before = readFileSync(DOC, 'utf8');
const after = gen.fillGeneratedBlocks(before);
const names = gen.blockNames(after);
const missing = Object.keys(gen.generatedBlocks()).filter((n) => !names.includes(n));
if (missing.length) console.warn(`${DOC}: no markers for ${missing.join(', ')}`);
if (after === before) console.log(`${DOC}: up to date (${names.length} generated blocks)`);
else {
  writeFileSync(DOC, after);
  console.log(`${DOC}: rewrote ${names.length} generated blocks`);
}
