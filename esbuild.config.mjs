// Builds raphe. Node: the CLI and its worker entries into build/node/ (run by bin/raphe.mjs).
// Browser (unless --node-only): the demo as a static site into dist/. WGSL files load as text in both,
// the CPU engines' WebAssembly kernel (src/engines/cpu/wasm/*.wasm) as bytes.
import * as esbuild from 'esbuild';
import { cp, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const nodeOnly = process.argv.includes('--node-only');
const common = { bundle: true, loader: { '.wgsl': 'text', '.wasm': 'binary' }, logLevel: 'warning', sourcemap: true };

export async function buildNode() {
  await esbuild.build({
    ...common,
    entryPoints: {
      cli: 'src/cli/main.ts',
      'cpu-worker': 'src/engines/cpu/parallel-worker.ts',
      'cpu-pool-worker': 'src/engines/cpu/pool-worker.ts',
      ...(existsSync('src/worker/node-worker.ts') ? { 'sim-worker': 'src/worker/node-worker.ts' } : {}),
    },
    outdir: 'build/node',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // h5wasm (the NWB writer, 4 MB of WebAssembly) loads from node_modules when a run writes NWB
    external: ['webgpu', 'h5wasm'],
    outExtension: { '.js': '.mjs' },
    banner: { js: "import { createRequire as __raphe_cr } from 'node:module'; const require = __raphe_cr(import.meta.url);" },
  });
}

export async function buildBrowser() {
  if (!existsSync('demo/main.ts')) return;
  await mkdir('dist', { recursive: true });
  await esbuild.build({
    ...common,
    entryPoints: { main: 'demo/main.ts', 'sim-worker': 'src/worker/browser-worker.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
  });
  await cp('demo/index.html', 'dist/index.html');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildNode();
  if (!nodeOnly) await buildBrowser();
}
