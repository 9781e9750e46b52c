/**
 * raphe as an installed package: `npm pack` of this checkout, installed into a fresh folder, runs the
 * examples of examples/library/ from there (200 cells, 0.2 s phases) on the multi-threaded CPU engine,
 * whose worker entries must be found inside the installed package; and from a page in headless Chromium
 * (examples/library/browser.html, the fresh folder served on localhost, the package's browser build
 * through an import map): the three examples on the CPU engine, and a run on WebGPU (SwiftShader) when
 * Chromium has an adapter. A bundler given the fresh folder picks the browser build by itself.
 *
 * Offline, npm cannot fetch raphe's dependencies, so the fresh folder's node_modules first gets links
 * to this checkout's copies of them; `npm install --offline` of the tarball then takes those as they
 * are and unpacks raphe beside them. (With a registry at hand, the plain `npm install ./raphe-*.tgz`
 * does the same.) The tarball is packed with --ignore-scripts after the bundle is built here: npm's
 * `prepare` would also type-check the whole project for the declarations, a minute on its own.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
// @ts-expect-error plain ESM script without types
import { CHROMIUM, chromiumArgs, serveDemo } from '../scripts/serve-demo.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const EXAMPLES = path.join(ROOT, 'examples', 'library');
let tmp = '';
let app = '';

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** Run an example from the fresh folder at the test's size; its one line of JSON. */
function example(name: string, ...args: string[]): Record<string, unknown> {
  const out = sh(process.execPath, [name, ...args], app, {
    RAPHE_EXAMPLE_NEURONS: '200',
    RAPHE_EXAMPLE_SECONDS: '0.2',
    RAPHE_EXAMPLE_THREADS: '2',
    RAPHE_CACHE_DIR: path.join(tmp, 'cache'),
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-pack-'));
  app = path.join(tmp, 'app');
  fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true });
  sh(process.execPath, ['esbuild.config.mjs', '--node-only'], ROOT);
  sh('npm', ['pack', '--ignore-scripts', '--pack-destination', tmp], ROOT);
  const tarball = fs.readdirSync(tmp).find((f) => /^raphe-.*\.tgz$/.test(f));
  if (!tarball) throw new Error(`npm pack left no raphe-*.tgz in ${tmp}`);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const deps = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).dependencies);
  for (const d of deps) fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules', d)), path.join(app, 'node_modules', d));
  sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--no-save', path.join(tmp, tarball)], app);
  for (const f of fs.readdirSync(EXAMPLES)) fs.copyFileSync(path.join(EXAMPLES, f), path.join(app, f));
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the package installed from npm pack', () => {
  test('is a copy in the fresh folder, not a link to this checkout, with the library and its worker entries', () => {
    const pkg = path.join(app, 'node_modules', 'raphe');
    expect(fs.lstatSync(pkg).isSymbolicLink()).toBe(false);
    for (const f of ['index.mjs', 'cpu-worker.mjs', 'cpu-pool-worker.mjs', 'browser.mjs'])
      expect(fs.existsSync(path.join(pkg, 'build', 'lib', f))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'src'))).toBe(false);
  });

  test('runs a scenario on the multi-threaded CPU engine and gives its traces as typed arrays', () => {
    const r = example('run.mjs', 'cpu');
    expect(r.engine).toBe('cpu');
    expect(r.adapter).toMatch(/2 worker threads/);
    expect(r.complete).toBe(true);
    expect(r.neurons).toBe(200);
    expect(r.phases).toEqual(['baseline', 'fluoxetine']);
    expect(r.traceType).toBe('Float64Array');
    expect(r.samples).toBeGreaterThan(0);
    expect(r.meanRateHz).toBeGreaterThan(0);
    expect(r.lastProgress).toBe(1);
  });

  test('runs a sweep cancelled by its AbortSignal, then resumed: only the unfinished points run again', () => {
    const out = path.join(tmp, 'sweep');
    const r = example('sweep-resume.mjs', out, 'cpu');
    expect(r.interrupted).toBe(true);
    expect(r.points).toBe(4);
    expect(r.ranOnResume).toBeGreaterThan(0);
    expect(r.ranOnResume).toBeLessThan(4);
    expect(r.failed).toBe(0);
    const journal = fs.readFileSync(path.join(out, 'points.jsonl'), 'utf8').trim().split('\n');
    expect(journal.map((l) => JSON.parse(l).id).sort()).toEqual([0, 1, 2, 3]);
    expect(fs.existsSync(path.join(out, 'report.html'))).toBe(true);
  });

  test('runs a chronic course and reads out each of its days', () => {
    const r = example('chronic.mjs', 'cpu');
    expect(r.engine).toBe('cpu');
    const days = r.days as { day: number; meanD1A: number; rateHz: number }[];
    expect(days.map((d) => d.day)).toEqual([0, 7, 21]);
    expect(days[0].meanD1A).toBe(0);
    expect(days[2].meanD1A).toBeGreaterThan(0);
  });
});

type PageResult = Record<string, unknown> & { error?: string; webgpu: boolean };
declare global {
  interface Window {
    rapheExample?: PageResult;
  }
}

const haveChromium = fs.existsSync(CHROMIUM);

(haveChromium ? describe : describe.skip)('the installed package in a page in headless Chromium', () => {
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;

  beforeAll(async () => {
    server = await serveDemo({ port: 0, dir: app });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(true) });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** browser.html at the test's size; its window.rapheExample, with the page's errors. */
  async function page(query: string): Promise<{ r: PageResult; errors: string[] }> {
    const p = await browser.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    p.on('console', (m) => {
      if (m.type() === 'error' && !/favicon|404 \(Not Found\)/.test(m.text())) errors.push(m.text());
    });
    await p.goto(`${server.url}browser.html?neurons=200&seconds=0.2&${query}`);
    await p.waitForFunction(() => window.rapheExample, null, { timeout: 170_000 });
    const r = (await p.evaluate(() => window.rapheExample)) as PageResult;
    await p.close();
    return { r, errors };
  }

  test('runs a scenario, a sweep cancelled and resumed, and a chronic course on the CPU engine', async () => {
    const { r, errors } = await page('engine=cpu');
    expect(r.error).toBeUndefined();
    expect(errors).toEqual([]);
    const run = r.run as Record<string, unknown>;
    expect(run.engine).toBe('cpu');
    expect(run.adapter).toMatch(/WebAssembly, 1 thread/);
    expect(run.complete).toBe(true);
    expect(run.neurons).toBe(200);
    expect(run.phases).toEqual(['baseline', 'fluoxetine']);
    expect(run.traceType).toBe('Float64Array');
    expect(run.samples).toBeGreaterThan(0);
    expect(run.spikes).toBeGreaterThan(0);
    expect(run.meanRateHz).toBeGreaterThan(0);
    expect(run.lastProgress).toBe(1);
    const sw = r.sweep as Record<string, number | boolean | number[]>;
    expect(sw.interrupted).toBe(true);
    expect(sw.points).toBe(4);
    expect(sw.ranOnResume).toBeGreaterThan(0);
    expect(sw.ranOnResume).toBeLessThan(4);
    expect(sw.failed).toBe(0);
    // fluoxetine raises the probe's 5-HT over the no-drug reference of each SERT level
    const fold = sw.probeFold as number[];
    expect(fold.slice(0, 2)).toEqual([1, 1]);
    for (const f of fold.slice(2)) expect(f).toBeGreaterThan(1.5);
    const ch = r.chronic as { engine: string; days: { day: number; meanD1A: number }[] };
    expect(ch.engine).toBe('cpu');
    expect(ch.days.map((d) => d.day)).toEqual([0, 7, 21]);
    expect(ch.days[0].meanD1A).toBe(0);
    expect(ch.days[2].meanD1A).toBeGreaterThan(0);
  }, 180_000);

  test('runs a scenario on WebGPU where Chromium has an adapter (SwiftShader here)', async (ctx) => {
    const { r, errors } = await page('engine=webgpu&jobs=run');
    if (r.error && /no WebGPU adapter/.test(r.error) && !process.env.RAPHE_GPU_REQUIRED) ctx.skip();
    expect(r.error).toBeUndefined();
    expect(errors).toEqual([]);
    const run = r.run as Record<string, number | string | boolean>;
    expect(run.engine).toBe('webgpu');
    expect(String(run.adapter)).not.toBe('');
    expect(run.complete).toBe(true);
    expect(run.spikes).toBeGreaterThan(0);
    expect(run.meanRateHz).toBeGreaterThan(0);
  }, 180_000);

  test("a bundler targeting the browser resolves `import 'raphe'` to the browser build, nothing from Node in it", async () => {
    const out = await esbuild.build({
      stdin: { contents: "export { run } from 'raphe';", resolveDir: app, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(out.metafile.inputs);
    expect(inputs.some((f) => f.endsWith('node_modules/raphe/build/lib/browser.mjs'))).toBe(true);
    expect(inputs.some((f) => f.endsWith('index.mjs'))).toBe(false);
  });
});
