// `npm run schema`: writes the JSON Schema files of schema/ registered in src/cli/schema-files.ts
// (generated from the parameter schema, the scenario and the sweep rules; never edited by hand), then
// formats them with Biome. The registry is bundled in memory and imported (import-ts.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTs } from './import-ts.mjs';

const DIR = 'schema';
const gen = await importTs('src/cli/schema-files.ts');
mkdirSync(DIR, { recursive: true });
const files = [];
for (const [name, build] of Object.entries(gen.SCHEMA_FILES)) {
  const file = join(DIR, name);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileSync(file, gen.schemaText(build()));
  files.push([file, before]);
}
const biome = spawnSync(process.execPath, ['node_modules/@biomejs/biome/bin/biome', 'format', '--write', ...files.map(([f]) => f)], {
  stdio: 'inherit',
});
if (biome.status !== 0) process.exit(biome.status ?? 1);
for (const [file, before] of files) console.log(`${file}: ${readFileSync(file, 'utf8') === before ? 'up to date' : 'written'}`);
