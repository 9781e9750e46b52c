// `npm run docs`: rewrites the generated tables of docs/model.md (the blocks between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`) from the model's own tables.
// src/model/doc-tables.ts is bundled in memory and imported (import-ts.mjs).
import { importTs } from './import-ts.mjs';
import { readFileSync, writeFileSync } from 'node:fs';

const DOC = 'docs/model.md';
const gen = await importTs('src/model/doc-tables.ts');
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
