// Builds raphe. Node: the CLI and its worker entries into build/node/ (run by bin/raphe.mjs); the library
// (src/index.ts, package.json "exports") with its own worker entries into build/lib/, where the engines
// find them next to index.mjs wherever the package is installed, its browser build (src/browser.ts) as
// build/lib/browser.mjs, and with --types its declarations into build/types/ (tsconfig.lib.json).
// Browser (unless --node-only): the demo as a static site into dist/. WGSL files load as text in both,
// the CPU engines' WebAssembly kernel (src/engines/cpu/wasm/*.wasm) as bytes.
import * as esbuild from 'esbuild';
import { cp, mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const nodeOnly = process.argv.includes('--node-only');

/**
 * esbuild.build, each output file written under a temporary name and renamed into place: a process that
 * starts a bundle or a worker entry while a build rewrites it (the tests start CLIs and worker threads while
 * other test files rebuild build/node/) reads the old file or the new one, never a half-written one (a
 * worker entry read empty runs nothing and exits 0).
 */
async function build(options) {
  const res = await esbuild.build({ ...options, write: false });
  for (const f of res.outputFiles) {
    await mkdir(dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    await writeFile(tmp, f.contents);
    await rename(tmp, f.path);
  }
  return res;
}
const common = { bundle: true, loader: { '.wgsl': 'text', '.wasm': 'binary' }, logLevel: 'warning', sourcemap: true };

/** An ES module bundle for Node: webgpu and h5wasm load from node_modules; `require` for the CommonJS they use. */
const nodeBundle = {
  ...common,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // h5wasm (the NWB writer, 4 MB of WebAssembly) loads from node_modules when a run writes NWB
  external: ['webgpu', 'h5wasm'],
  outExtension: { '.js': '.mjs' },
  banner: { js: "import { createRequire as __raphe_cr } from 'node:module'; const require = __raphe_cr(import.meta.url);" },
};

export async function buildNode() {
  await build({
    ...nodeBundle,
    entryPoints: {
      cli: 'src/cli/main.ts',
      ...cpuWorkers,
      ...(existsSync('src/worker/node-worker.ts') ? { 'sim-worker': 'src/worker/node-worker.ts' } : {}),
      // the NWB writer's thread (src/report/nwb-thread.ts)
      'nwb-worker': 'src/report/nwb-worker.ts',
    },
    outdir: 'build/node',
  });
}

/** The worker entries the CPU engines start, found next to the bundle that starts them (thread-pool.ts). */
const cpuWorkers = { 'cpu-worker': 'src/engines/cpu/parallel-worker.ts', 'cpu-pool-worker': 'src/engines/cpu/pool-worker.ts' };

export async function buildLib({ types = false } = {}) {
  await build({
    ...nodeBundle,
    entryPoints: { index: 'src/index.ts', ...cpuWorkers },
    outdir: 'build/lib',
  });
  // the browser build of the library (src/browser.ts, package.json's `browser` condition and
  // `raphe/browser`): one ES module, the WGSL and the WebAssembly kernel inside, nothing from Node
  await build({
    ...common,
    entryPoints: { browser: 'src/browser.ts' },
    outdir: 'build/lib',
    outExtension: { '.js': '.mjs' },
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  });
  // the declarations (build/types/index.d.ts, package.json "types"), by the TypeScript of devDependencies;
  // a minute of type checking, so only when asked (--types: npm's prepare, npm run build)
  const tsc = 'node_modules/typescript/bin/tsc';
  if (types && existsSync(tsc)) execFileSync(process.execPath, [tsc, '-p', 'tsconfig.lib.json'], { stdio: 'inherit' });
}

/**
 * A script's own entry (`contents`: export lines from src/) bundled as the CLI is, into build/node/NAME.mjs
 * next to the CPU engines' worker entries (a script that starts threaded engines finds them there), then
 * imported. Used by the calibration, scan and convergence scripts.
 */
export async function buildScript(name, contents) {
  const outfile = `build/node/${name}.mjs`;
  const { outExtension: _, ...options } = nodeBundle;
  await build({
    ...options,
    sourcemap: false,
    stdin: { contents, resolveDir: process.cwd(), sourcefile: `${name}-entry.ts`, loader: 'ts' },
    outfile,
  });
  return import(new URL(outfile, import.meta.url).href);
}

export async function buildBrowser() {
  if (!existsSync('demo/main.ts')) return;
  await mkdir('dist', { recursive: true });
  await build({
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
  await buildLib({ types: process.argv.includes('--types') });
  if (!nodeOnly) await buildBrowser();
}
