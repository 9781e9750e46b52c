// `npm run build:wasm`: compiles the CPU engines' WebAssembly kernels. Writes the generated layout
// (src/engines/cpu/wasm/layout.ts, from src/model/layout.ts) and compiles src/engines/cpu/wasm/neurons.ts
// and grid.ts with AssemblyScript into one module, twice: kernels.wasm (an unshared memory imported: one
// thread, the browser) and kernels-shared.wasm (a shared memory: the worker threads of the parallel engine). Both binaries
// are committed (the build and the tests load them as bytes); tests/wasm-kernels.test.ts checks that
// they are what this script makes of the sources.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTs } from './import-ts.mjs';

const DIR = 'src/engines/cpu/wasm';
/** The flags both builds share: speed, no runtime, no assertions, SIMD, the memory from the engine. */
export const ASC_FLAGS = ['-O3', '--noAssert', '--runtime', 'stub', '--enable', 'simd', '--importMemory', '--noExportMemory'];

export async function buildWasm({ outDir = DIR, check = false } = {}) {
  const { wasmLayoutSource } = await importTs('src/engines/cpu/wasm-header.ts');
  const layout = wasmLayoutSource();
  const results = {};
  if (check) results['layout.ts'] = readFileSync(join(DIR, 'layout.ts'), 'utf8') === layout;
  else writeFileSync(join(DIR, 'layout.ts'), layout);
  const tmp = mkdtempSync(join(tmpdir(), 'raphe-wasm-'));
  try {
    for (const [file, extra] of [
      ['kernels.wasm', []],
      ['kernels-shared.wasm', ['--enable', 'threads', '--sharedMemory', '--maximumMemory', '65536']],
    ]) {
      const out = join(tmp, file);
      const asc = spawnSync(
        process.execPath,
        ['node_modules/assemblyscript/bin/asc.js', join(DIR, 'neurons.ts'), join(DIR, 'grid.ts'), ...ASC_FLAGS, ...extra, '-o', out],
        {
          encoding: 'utf8',
        },
      );
      if (asc.status !== 0) throw new Error(`asc failed for ${file}:\n${asc.stderr}${asc.stdout}`);
      const bytes = readFileSync(out);
      if (check) results[file] = Buffer.compare(bytes, readFileSync(join(outDir, file))) === 0;
      else writeFileSync(join(outDir, file), bytes);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const check = process.argv.includes('--check');
  const r = await buildWasm({ check });
  if (check) {
    for (const [f, ok] of Object.entries(r)) console.log(`${DIR}/${f}: ${ok ? 'up to date' : 'STALE (run npm run build:wasm)'}`);
    if (!Object.values(r).every(Boolean)) process.exit(1);
  } else console.log(`${DIR}: layout.ts, kernels.wasm, kernels-shared.wasm written`);
}
