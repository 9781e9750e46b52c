// `npm run docs`: rewrites the generated tables of docs/model.md, README.md and docs/chronic.md (the blocks between
// `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`) from the model's own tables.
// src/model/doc-tables.ts is bundled in memory and imported (import-ts.mjs).
import { importTs } from './import-ts.mjs';
import { readFileSync, writeFileSync } from 'node:fs';

const gen = await importTs('src/model/doc-tables.ts');

/** Rewrites the blocks of one document; warns about generated blocks it has no markers for. */
function rewrite(doc, blocks, all) {
  const before = readFileSync(doc, 'utf8');
  const after = gen.fillGeneratedBlocks(before, blocks);
  const names = gen.blockNames(after);
  const missing = Object.keys(blocks).filter((n) => !names.includes(n));
  if (all && missing.length) console.warn(`${doc}: no markers for ${missing.join(', ')}`);
  if (after === before) console.log(`${doc}: up to date (${names.length} generated blocks)`);
  else {
    writeFileSync(doc, after);
    console.log(`${doc}: rewrote ${names.length} generated blocks`);
  }
}

rewrite('docs/model.md', gen.generatedBlocks(), true);
// the README and the chronic guide hold only some of its blocks (the findings tables)
rewrite('README.md', gen.readmeBlocks(), false);
rewrite('docs/chronic.md', gen.readmeBlocks(), false);
