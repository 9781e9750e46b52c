// `npm run bench`: bundles bench/bench.ts and the CPU engine's worker entry into build/bench/ with esbuild
// (WGSL as text, `webgpu` external, as the CLI is built), then runs the bundle with the arguments given.
// `npm run bench -- memory-access ...` runs bench/memory-access.ts instead (the adapter's cost per word).
import * as esbuild from 'esbuild';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await esbuild.build({
  absWorkingDir: root,
  entryPoints: { bench: 'bench/bench.ts', 'memory-access': 'bench/memory-access.ts', 'cpu-worker': 'src/engines/cpu/parallel-worker.ts' },
  outdir: 'build/bench',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  loader: { '.wgsl': 'text', '.wasm': 'binary' },
  outExtension: { '.js': '.mjs' },
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __raphe_cr } from 'node:module'; const require = __raphe_cr(import.meta.url);" },
});
const entry = process.argv[2] === 'memory-access' ? 'memory-access' : 'bench';
const child = spawn(process.execPath, ['--enable-source-maps', `${root}build/bench/${entry}.mjs`, ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: root,
});
child.on('close', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
