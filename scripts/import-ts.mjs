// Imports a TypeScript module of the project from a script: bundles it in memory with esbuild (as the
// CLI is built) and imports the result from a data URL. Used by gen-docs.mjs and gen-schema.mjs.
import * as esbuild from 'esbuild';

export async function importTs(entry) {
  const out = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
    logLevel: 'warning',
  });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}
