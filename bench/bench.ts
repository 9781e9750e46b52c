/**
 * raphe's GPU vs CPU benchmark (run by `npm run bench`, which bundles this file with bench/run.mjs).
 * Over 400 lines: a stand-alone program (arguments, child processes, measurement, roofline, tables,
 * plot) kept in one file so that the bundle it is run from is the whole method.
 *
 * The default DRN model (region, grid and parameters of defaultParams(), WT, no drug) at several cell
 * counts on each engine: `cpu` (CpuEngine, one thread), `cpu-mt` (ParallelCpuEngine, all cores),
 * `webgpu:<driver>` (WebGpuEngine; driver lavapipe | swiftshader | default). Every (size, engine) runs in
 * its own child process, so peak memory does not mix and a software Vulkan driver is chosen before Dawn
 * loads; children run one after the other, engines interleaved per size, so ratios are taken close in time.
 *
 * In each child: build the model (not timed) -> time to first step = engine creation + advance(1) ->
 * warm-up (discarded) -> `repeats` timed advance(steps) with recording off, steps chosen so that one
 * repeat lasts about `--seconds` -> median. WebGPU: then a short profiled run (timestamp queries) for GPU
 * time per kernel, on a second engine created after peak memory was read.
 *
 * Peers (--peers brian2): the same model and tissue exported by `raphe export brian2` (src/interop/brian2.ts)
 * and run by /usr/bin/python3 with Brian2's cpp_standalone, one thread, in its own process after raphe's
 * engines at each size: a fresh build folder per size, so its time to first step is the whole build (code
 * generation and C++ compilation); its run time is the compiled binary's wall time for --peer-seconds of
 * biological time (one run: a compiled binary has no warm-up), recording as raphe's engines do here: no
 * spikes per cell (recording.spikes false: the script counts them per fine step), a trace sample every 100 ms. The raphe/Brian2 ratio per size is raphe's median neuron-updates/s over
 * Brian2's.
 *
 * Usage: bench [--sizes 1000,10000,100000] [--large] [--engines cpu,cpu-mt,webgpu:lavapipe,webgpu:swiftshader]
 *              [--repeats 5] [--seconds 1] [--threads N] [--chunk 1024] [--peers brian2] [--peer-seconds 2] [--out DIR] [--json] [--no-write]
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem, hostname, platform, release, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initialState } from '../src/engines/initial-state.js';
import { brian2Script } from '../src/interop/brian2.js';
import { buildModel, deriveConstants } from '../src/model/derive.js';
import type { Scenario } from '../src/model/scenario.js';
import { STATE_WORDS } from '../src/model/layout.js';
import { defaultParams } from '../src/model/params.js';
import type { Engine, EngineOptions } from '../src/engines/engine.js';
import { CELL_CHUNK, CpuEngine, getGpu, LAVAPIPE_ICD, ParallelCpuEngine, SWIFTSHADER_ICD, WebGpuEngine } from '../src/engines/node.js';

// ---------------------------------------------------------------------------------------------------
// Roofline: bytes each kernel moves, from the buffers it reads and writes (bench/README.md, "Roofline").

/** Neuron kernel, per cell per grid step: reads STATE_WORDS state words + Idrive + vox + its voxel's c, writes them back. */
export const NEURON_BYTES_PER_CELL_STEP = STATE_WORDS * 4 + 4 + 4 + 4 + STATE_WORDS * 4; // 84 with 9 state words
/** release_uptake per region voxel: reads inside[m], counts, c, vmaxDt; writes c (counts rarely). */
export const RELEASE_BYTES_PER_VOXEL = 4 * 4 + 4; // 20
/** diffuse per region voxel: reads inside[m], nbrMask (1 byte), c (neighbours from cache); writes c'. */
export const DIFFUSE_BYTES_PER_VOXEL = 4 + 1 + 4 + 4; // 13

export function bytesPerGridStep(nCells: number, nVoxels: number): number {
  return nCells * NEURON_BYTES_PER_CELL_STEP + nVoxels * (RELEASE_BYTES_PER_VOXEL + DIFFUSE_BYTES_PER_VOXEL);
}

/** Bytes of engine state (recording aside): per cell, and per grid (box and region voxels). */
export function engineStateBytes(engine: string, _nCells: number, nBox: number, nInside: number): { perCell: number; grid: number } {
  // both CPU engines: the WebAssembly memory (wasm-kernels.ts): state, Idrive, vox, spikeSub; grids A/B, counts, vmax, mask; inside
  if (engine === 'cpu' || engine === 'cpu-mt') return { perCell: STATE_WORDS * 4 + 4 + 4 + 1, grid: nBox * 17 + nInside * 4 };
  // webgpu: state (STATE_WORDS words) + cell inputs (Idrive, vox); grids A/B, counts, vmax, mask; inside, mass accumulators
  return { perCell: STATE_WORDS * 4 + 8, grid: nBox * 17 + nInside * 8 };
}

// ---------------------------------------------------------------------------------------------------

export interface BenchResult {
  /** e.g. "webgpu:lavapipe" */
  id: string;
  neurons: number;
  engine: 'cpu' | 'cpu-mt' | 'webgpu' | 'brian2';
  driver?: string;
  adapter: string;
  threads?: number;
  ok: boolean;
  error?: string;
  regionVoxels: number;
  gridSteps: number;
  repeats: number;
  /** Median over repeats. */
  neuronUpdatesPerSecond: number;
  /** All repeats, neuron-updates/s. */
  samples: number[];
  /** Wall time / biological time (median); < 1 is faster than real time. */
  realTimeFactor: number;
  timeToFirstStepSeconds: number;
  /** WebGPU: adapter and device request, once per process (not in time to first step). */
  deviceSeconds?: number;
  modelBuildSeconds: number;
  peakRssMiB: number;
  stateBytesPerNeuron: number;
  stateBytesTotalPerNeuron: number;
  measuredArrayBufferBytesPerNeuron?: number;
  /** GPU ms per grid step per kernel (timestamp queries), when the adapter has them. */
  kernelMsPerStep?: Record<string, number> | null;
  /** Roofline: bytes per grid step and the throughput the machine's memory bandwidth would allow. */
  bytesPerGridStep: number;
  bandwidthLimitUpdatesPerSecond: number;
  fractionOfBandwidthLimit: number;
  loadBefore: number;
  /** Peers: code generation and compilation (included in timeToFirstStepSeconds with the script's start-up). */
  buildSeconds?: number;
}

interface Args {
  sizes: number[];
  engines: string[];
  repeats: number;
  seconds: number;
  threads: number;
  /** cpu-mt: cells per chunk of the neuron phase (default CELL_CHUNK). */
  chunk: number;
  out: string;
  json: boolean;
  write: boolean;
  child: boolean;
  childTimeoutS: number;
  peers: string[];
  peerSeconds: number;
}

const DEFAULT_SIZES = [1000, 10000, 100000];
const PEERS = ['brian2'];
const PYTHON = '/usr/bin/python3';
const LARGE = 1_000_000;

function parseArgs(argv: string[]): Args {
  const a: Args = {
    sizes: DEFAULT_SIZES,
    engines: [],
    repeats: 5,
    seconds: 1,
    threads: availableParallelism(),
    chunk: CELL_CHUNK,
    out: resolve('bench/results/latest'),
    json: false,
    write: true,
    child: false,
    childTimeoutS: 1200,
    peers: [],
    peerSeconds: 2,
  };
  let large = false;
  let sizesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${x} needs a value`);
      return v;
    };
    const num = (v: string, what: string) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) fail(`${what}: not a positive number: ${v}`);
      return n;
    };
    if (x === '--sizes') {
      a.sizes = val()
        .split(',')
        .map((s) => Math.round(num(s, '--sizes')));
      sizesGiven = true;
    } else if (x === '--engines') a.engines = val().split(',').filter(Boolean);
    else if (x === '--large') large = true;
    else if (x === '--repeats') a.repeats = Math.round(num(val(), '--repeats'));
    else if (x === '--seconds') a.seconds = num(val(), '--seconds');
    else if (x === '--threads') a.threads = Math.round(num(val(), '--threads'));
    else if (x === '--chunk') a.chunk = Math.round(num(val(), '--chunk'));
    else if (x === '--out') a.out = resolve(val());
    else if (x === '--json') a.json = true;
    else if (x === '--no-write') a.write = false;
    else if (x === '--child') a.child = true;
    else if (x === '--child-timeout') a.childTimeoutS = num(val(), '--child-timeout');
    else if (x === '--peers') {
      a.peers = val().split(',').filter(Boolean);
      for (const p of a.peers) if (!PEERS.includes(p)) fail(`unknown peer ${p} (${PEERS.join(', ')})`);
    } else if (x === '--peer-seconds') a.peerSeconds = num(val(), '--peer-seconds');
    else if (x === '--help' || x === '-h') {
      process.stdout.write(
        'npm run bench -- [--sizes 1000,10000,100000] [--large] [--engines cpu,cpu-mt,webgpu:lavapipe,webgpu:swiftshader]\n' +
          '                 [--repeats 5] [--seconds 1] [--threads N] [--chunk 1024] [--peers brian2] [--peer-seconds 2] [--out DIR] [--json] [--no-write]\n',
      );
      process.exit(0);
    } else fail(`unknown argument ${x}`);
  }
  if (large && !sizesGiven) a.sizes = [...DEFAULT_SIZES, LARGE];
  else if (large && !a.sizes.includes(LARGE)) a.sizes = [...a.sizes, LARGE];
  return a;
}

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

/** Engines by default: both CPU engines, and WebGPU on each software Vulkan driver that is installed. */
function defaultEngines(): string[] {
  const e = ['cpu', 'cpu-mt'];
  if (existsSync(LAVAPIPE_ICD)) e.push('webgpu:lavapipe');
  if (existsSync(SWIFTSHADER_ICD)) e.push('webgpu:swiftshader');
  if (e.length === 2) e.push('webgpu');
  return e;
}

function normaliseEngine(id: string): { engine: BenchResult['engine']; driver?: string } {
  if (id === 'cpu' || id === 'cpu-mt') return { engine: id };
  if (id === 'webgpu') return { engine: 'webgpu', driver: process.env.RAPHE_GPU_ICD || 'default' };
  const m = /^webgpu:(.+)$/.exec(id);
  if (m) return { engine: 'webgpu', driver: m[1] };
  fail(`unknown engine ${id} (cpu, cpu-mt, webgpu, webgpu:lavapipe, webgpu:swiftshader)`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

// ---------------------------------------------------------------------------------------------------
// Child: one (size, engine)

/**
 * Peak resident memory of this process, KiB: VmHWM of /proc/self/status (Linux). Not getrusage's maxRSS
 * alone: Linux carries the parent's resident size at fork() over exec() into the child's maxRSS.
 */
function peakRss(): number {
  try {
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return process.resourceUsage().maxRSS;
}

async function runChild(a: Args, bandwidth: number): Promise<BenchResult> {
  const id = a.engines[0];
  const { engine, driver } = normaliseEngine(id);
  const n = a.sizes[0];
  const loadBefore = loadavg()[0];
  const tb = performance.now();
  const model = buildModel(defaultParams(), 'wt', n, 1);
  const modelBuildSeconds = (performance.now() - tb) / 1000;
  const g = model.geometry;
  const nBox = g.nx * g.ny * g.nz;
  const S = model.params.subSteps;
  const opts: EngineOptions = { model, doses: {}, c0_nM: 30, rate0_Hz: 1, recordSpikes: false, sampleSteps: 1_000_000 };
  let deviceSeconds: number | undefined;
  let create: (profile?: boolean) => Promise<Engine>;
  let adapter = '';
  if (engine === 'cpu') create = async () => new CpuEngine(opts);
  else if (engine === 'cpu-mt') create = () => ParallelCpuEngine.create({ ...opts, chunk: a.chunk }, a.threads);
  else {
    const td = performance.now();
    const ctx = await getGpu();
    deviceSeconds = (performance.now() - td) / 1000;
    if (!ctx) throw new Error(`no WebGPU adapter (driver ${driver})`);
    create = (profile = false) => WebGpuEngine.create({ ...opts, profile }, ctx);
  }
  const ab0 = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  const e = await create();
  await e.advance(1);
  const ttfs = (performance.now() - t0) / 1000;
  const abBytes = process.memoryUsage().arrayBuffers - ab0;
  adapter = e.info.adapter;
  // warm-up: estimate the time per grid step, then run ~0.5 s (at least 3 steps) and discard it
  let t = performance.now();
  await e.advance(2);
  let perStep = (performance.now() - t) / 1000 / 2;
  const warm = Math.max(3, Math.min(20000, Math.round(Math.min(0.5, a.seconds) / perStep)));
  t = performance.now();
  await e.advance(warm);
  perStep = (performance.now() - t) / 1000 / warm;
  const steps = Math.max(2, Math.min(50000, Math.round(a.seconds / perStep)));
  const rates: number[] = [];
  const walls: number[] = [];
  for (let r = 0; r < a.repeats; r++) {
    t = performance.now();
    await e.advance(steps);
    const s = (performance.now() - t) / 1000;
    walls.push(s);
    rates.push((n * S * steps) / s);
  }
  e.dispose();
  const peakRssMiB = peakRss() / 1024;
  let kernelMsPerStep: Record<string, number> | null | undefined;
  if (engine === 'webgpu') {
    kernelMsPerStep = null;
    const pe = (await create(true)) as Engine & { kernelTimes(): Record<string, number> };
    const pSteps = Math.max(3, Math.min(200, Math.round(a.seconds / perStep)));
    await pe.advance(2);
    await pe.advance(pSteps);
    const kt = pe.kernelTimes();
    pe.dispose();
    const names = Object.keys(kt).filter((k) => k !== 'wall');
    if (names.length) {
      kernelMsPerStep = {};
      for (const k of Object.keys(kt)) kernelMsPerStep[k] = kt[k] / pSteps;
    }
  }
  const med = median(rates);
  const bytes = bytesPerGridStep(n, g.inside.length);
  const limit = (bandwidth * n * S) / bytes;
  const sb = engineStateBytes(engine, n, nBox, g.inside.length);
  return {
    id,
    neurons: n,
    engine,
    driver,
    adapter,
    threads: engine === 'cpu-mt' ? a.threads : engine === 'cpu' ? 1 : undefined,
    ok: true,
    regionVoxels: g.inside.length,
    gridSteps: steps,
    repeats: a.repeats,
    neuronUpdatesPerSecond: med,
    samples: rates,
    realTimeFactor: median(walls) / (steps * model.dtGrid_s),
    timeToFirstStepSeconds: ttfs,
    deviceSeconds,
    modelBuildSeconds,
    peakRssMiB,
    stateBytesPerNeuron: sb.perCell,
    stateBytesTotalPerNeuron: sb.perCell + sb.grid / n,
    measuredArrayBufferBytesPerNeuron: engine === 'webgpu' ? undefined : abBytes / n,
    kernelMsPerStep,
    bytesPerGridStep: bytes,
    bandwidthLimitUpdatesPerSecond: limit,
    fractionOfBandwidthLimit: med / limit,
    loadBefore,
  };
}

// ---------------------------------------------------------------------------------------------------
// Parent: machine, bandwidth, children, report

/** Single-thread memory bandwidth: best of 5 copies of a 256 MiB Float64Array (read + write bytes). */
function measureBandwidth(): number {
  const n = 32 << 20;
  const src = new Float64Array(n);
  const dst = new Float64Array(n);
  for (let i = 0; i < n; i += 512) src[i] = i;
  dst.set(src);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    dst.set(src);
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  return (2 * 8 * n) / best;
}

function runChildProcess(a: Args, id: string, n: number, bandwidth: number): Promise<BenchResult> {
  const { engine, driver } = normaliseEngine(id);
  const env = { ...process.env };
  if (engine === 'webgpu' && driver && driver !== 'default') env.RAPHE_GPU_ICD = driver;
  const args = [
    fileURLToPath(import.meta.url),
    '--child',
    '--sizes',
    String(n),
    '--engines',
    id,
    '--repeats',
    String(a.repeats),
    '--seconds',
    String(a.seconds),
    '--threads',
    String(a.threads),
    '--chunk',
    String(a.chunk),
    '--bandwidth',
    String(bandwidth),
  ];
  return new Promise((res) => {
    const p = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), a.childTimeoutS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const r = JSON.parse(line) as BenchResult;
        if (r && typeof r.neurons === 'number') return res(r);
      } catch {
        /* below */
      }
      const why = signal ? `killed (${signal}${signal === 'SIGKILL' ? ', over --child-timeout' : ''})` : `exit ${code}`;
      res(failed(id, n, `${why}: ${(err.trim().split('\n').slice(-3).join(' | ') || out.trim()).slice(0, 400)}`));
    });
  });
}

/**
 * Brian2 at n cells: the bench's model (defaultParams, WT, no drug, seed 1, c0 30 nM, rate0 1 Hz) exported
 * as raphe export brian2 writes it, run by /usr/bin/python3 in a fresh build folder.
 */
function runBrian2Peer(a: Args, n: number, bandwidth: number): Promise<BenchResult> {
  const id = 'brian2:cpp_standalone';
  const loadBefore = loadavg()[0];
  const params = defaultParams();
  const model = buildModel(params, 'wt', n, 1);
  const sc: Scenario = {
    name: `bench-${n}`,
    genotype: 'wt',
    neurons: n,
    seed: 1,
    phases: [{ name: 'run', durationS: a.peerSeconds, drugs: {} }],
    params,
    recording: { spikes: false, sampleSteps: 100 },
    c0_nM: 30,
  };
  const state = initialState(model, deriveConstants(model, {}), 30, 1);
  const dir = mkdtempSync(join(tmpdir(), 'raphe-bench-brian2-'));
  const script = join(dir, 'model.py');
  writeFileSync(script, brian2Script({ scenario: sc, model, c0_nM: 30, rate0_Hz: 1, state, target: 'cpp_standalone', version: 'bench' }));
  const steps = Math.round(a.peerSeconds / model.dtGrid_s);
  const S = params.subSteps;
  return new Promise((res) => {
    const p = spawn(PYTHON, [script, '--build-dir', join(dir, 'build')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', (e) => {
      rmSync(dir, { recursive: true, force: true });
      res(failed(id, n, `${PYTHON}: ${e.message}`));
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), a.childTimeoutS * 1000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      let j: { adapter: string; runSeconds: number; buildSeconds: number; timeToFirstStepSeconds: number } | undefined;
      try {
        j = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        /* below */
      }
      if (!j || typeof j.runSeconds !== 'number') {
        const why = signal ? `killed (${signal})` : `exit ${code}`;
        return res(failed(id, n, `${why}: ${(err.trim().split('\n').slice(-3).join(' | ') || out.trim()).slice(0, 400)}`));
      }
      const nups = (n * S * steps) / j.runSeconds;
      const bytes = bytesPerGridStep(n, model.geometry.inside.length);
      res({
        id,
        neurons: n,
        engine: 'brian2',
        adapter: j.adapter,
        threads: 1,
        ok: true,
        regionVoxels: model.geometry.inside.length,
        gridSteps: steps,
        repeats: 1,
        neuronUpdatesPerSecond: nups,
        samples: [nups],
        realTimeFactor: j.runSeconds / a.peerSeconds,
        timeToFirstStepSeconds: j.timeToFirstStepSeconds,
        buildSeconds: j.buildSeconds,
        modelBuildSeconds: NaN,
        peakRssMiB: NaN,
        stateBytesPerNeuron: NaN,
        stateBytesTotalPerNeuron: NaN,
        bytesPerGridStep: bytes,
        bandwidthLimitUpdatesPerSecond: (bandwidth * n * S) / bytes,
        fractionOfBandwidthLimit: NaN,
        loadBefore,
      });
    });
  });
}

function failed(id: string, n: number, error: string): BenchResult {
  const { engine, driver } = id.startsWith('brian2') ? { engine: 'brian2' as const, driver: undefined } : normaliseEngine(id);
  return {
    id,
    neurons: n,
    engine,
    driver,
    adapter: '',
    ok: false,
    error,
    regionVoxels: 0,
    gridSteps: 0,
    repeats: 0,
    neuronUpdatesPerSecond: NaN,
    samples: [],
    realTimeFactor: NaN,
    timeToFirstStepSeconds: NaN,
    modelBuildSeconds: NaN,
    peakRssMiB: NaN,
    stateBytesPerNeuron: NaN,
    stateBytesTotalPerNeuron: NaN,
    bytesPerGridStep: NaN,
    bandwidthLimitUpdatesPerSecond: NaN,
    fractionOfBandwidthLimit: NaN,
    loadBefore: loadavg()[0],
  };
}

interface Report {
  version: 1;
  date: string;
  machine: {
    hostname: string;
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    memoryBandwidthGBps: number;
    bandwidthMethod: string;
    loadAverageBefore: number[];
    loadAverageAfter: number[];
  };
  method: Record<string, unknown>;
  roofline: Record<string, number | string>;
  results: BenchResult[];
  ratios: { neurons: number; gpu: string; cpu: string; ratio: number }[];
  /** raphe engine / peer, neuron-updates/s, per size. */
  peerRatios: { neurons: number; raphe: string; peer: string; ratio: number }[];
  goals: { goal: string; value: string; met: boolean | null }[];
}

function peerRatios(results: BenchResult[]): Report['peerRatios'] {
  const out: Report['peerRatios'] = [];
  for (const n of [...new Set(results.map((r) => r.neurons))]) {
    const at = results.filter((r) => r.neurons === n && r.ok);
    for (const peer of at.filter((r) => r.engine === 'brian2')) {
      for (const raphe of at.filter((r) => r.engine !== 'brian2')) {
        out.push({ neurons: n, raphe: raphe.id, peer: peer.id, ratio: raphe.neuronUpdatesPerSecond / peer.neuronUpdatesPerSecond });
      }
    }
  }
  return out;
}

function ratios(results: BenchResult[]): Report['ratios'] {
  const out: Report['ratios'] = [];
  for (const n of [...new Set(results.map((r) => r.neurons))]) {
    const at = results.filter((r) => r.neurons === n && r.ok && r.engine !== 'brian2');
    for (const gpu of at.filter((r) => r.engine === 'webgpu')) {
      for (const cpu of at.filter((r) => r.engine !== 'webgpu')) {
        out.push({ neurons: n, gpu: gpu.id, cpu: cpu.id, ratio: gpu.neuronUpdatesPerSecond / cpu.neuronUpdatesPerSecond });
      }
    }
  }
  return out;
}

function goals(all: BenchResult[], rat: Report['ratios']): Report['goals'] {
  const g: Report['goals'] = [];
  const results = all.filter((r) => r.engine !== 'brian2'); // raphe's goals
  const find = (n: number, id: string) => results.find((r) => r.neurons === n && r.id === id && r.ok);
  const lv = rat.find((r) => r.neurons === 100000 && r.gpu === 'webgpu:lavapipe' && r.cpu === 'cpu-mt');
  g.push({
    goal: 'WebGPU on lavapipe >= 2x cpu-mt at 100,000 neurons',
    value: lv ? `${lv.ratio.toFixed(2)}x` : 'not measured',
    met: lv ? lv.ratio >= 2 : null,
  });
  const mt = find(100000, 'cpu-mt');
  g.push({
    goal: 'cpu-mt >= 25 M neuron-updates/s at 100,000 neurons',
    value: mt ? `${(mt.neuronUpdatesPerSecond / 1e6).toFixed(1)} M/s` : 'not measured',
    met: mt ? mt.neuronUpdatesPerSecond >= 25e6 : null,
  });
  // SwiftShader is there for comparison only: the goal is read on the CPU engines and the machine's own adapter
  const at100 = results.filter((r) => r.neurons === 100000 && r.ok && r.driver !== 'swiftshader');
  const ss = results.find((r) => r.neurons === 100000 && r.ok && r.driver === 'swiftshader');
  g.push({
    goal: 'time to first step < 1 s at 100,000 neurons (cpu, cpu-mt, WebGPU on lavapipe / the default adapter)',
    value: at100.length
      ? at100.map((r) => `${r.id} ${r.timeToFirstStepSeconds.toFixed(2)} s`).join(', ') +
        (ss ? ` (SwiftShader, for comparison: ${ss.timeToFirstStepSeconds.toFixed(2)} s)` : '')
      : 'not measured',
    met: at100.length ? at100.every((r) => r.timeToFirstStepSeconds < 1) : null,
  });
  const atMax = results.filter((r) => r.ok && r.neurons >= 100000);
  g.push({
    goal: '<= 64 bytes of engine state per neuron (per-cell arrays; recording aside)',
    value: atMax.length
      ? [
          ...new Set(
            atMax.map(
              (r) => `${r.engine} ${r.stateBytesPerNeuron} B (${r.stateBytesTotalPerNeuron.toFixed(1)} B with the grid at ${r.neurons})`,
            ),
          ),
        ].join(', ')
      : 'not measured',
    met: atMax.length ? atMax.every((r) => r.stateBytesPerNeuron <= 64) : null,
  });
  const big = results.filter((r) => r.neurons >= 1_000_000);
  g.push({
    goal: 'peak RSS < 1 GiB at 1,000,000 neurons, recording off (every engine)',
    value: big.length
      ? big.map((r) => (r.ok ? `${r.id} ${r.peakRssMiB.toFixed(0)} MiB` : `${r.id} failed`)).join(', ')
      : 'not measured (--large)',
    met: big.length ? big.every((r) => r.ok && r.peakRssMiB < 1024) : null,
  });
  return g;
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const fmtRate = (x: number) =>
  Number.isFinite(x) ? (x >= 1e9 ? `${(x / 1e9).toFixed(2)} G` : `${(x / 1e6).toFixed(x >= 1e7 ? 1 : 2)} M`) : '—';

/** Two significant digits (at least one decimal below 10). */
const sig = (x: number) => (!Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2));

/** "mesa / software / ... / llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) 0.0.1 (WebGPU)" -> its last part. */
function shortAdapter(a: string): string {
  const last =
    a
      .replace(/ \(WebGPU\)$/, '')
      .split(' / ')
      .pop() ?? a;
  return last.replace(/\|/g, '/');
}

function markdown(rep: Report): string {
  const L: string[] = [];
  const m = rep.machine;
  L.push(
    `Adapters: ${[...new Set(rep.results.filter((r) => r.ok && r.engine === 'webgpu').map((r) => `${r.id} = ${r.adapter}`))].join('; ') || 'none'}.`,
  );
  L.push('');
  L.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(0)} GiB, ${m.os}, Node ${m.node}; memory bandwidth ${m.memoryBandwidthGBps.toFixed(1)} GB/s (${m.bandwidthMethod}); load average ${m.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')} before, ${m.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')} after. ${rep.date}.`,
  );
  L.push('');
  L.push(
    '| neurons | engine | adapter | neuron-updates/s | wall / bio time | x real time | first step (s) | peak RSS (MiB) | state B/neuron | of BW limit |',
  );
  L.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rep.results) {
    if (!r.ok) {
      L.push(`| ${r.neurons.toLocaleString('en-US')} | ${r.id} | failed: ${r.error?.replace(/\|/g, '/')} | | | | | | | |`);
      continue;
    }
    L.push(
      `| ${r.neurons.toLocaleString('en-US')} | ${r.id} | ${shortAdapter(r.adapter)} | ${fmtRate(r.neuronUpdatesPerSecond)} | ${sig(r.realTimeFactor)} | ${sig(1 / r.realTimeFactor)} | ${fmt(r.timeToFirstStepSeconds, 2)} | ${fmt(r.peakRssMiB, 0)} | ${Number.isFinite(r.stateBytesPerNeuron) ? `${r.stateBytesPerNeuron} (${fmt(r.stateBytesTotalPerNeuron, 0)})` : '—'} | ${Number.isFinite(r.fractionOfBandwidthLimit) ? `${fmt(100 * r.fractionOfBandwidthLimit, 2)}%` : '—'} |`,
    );
  }
  if (rep.ratios.length) {
    L.push('');
    L.push('| neurons | GPU / CPU | ratio |');
    L.push('|---:|---|---:|');
    for (const q of rep.ratios) L.push(`| ${q.neurons.toLocaleString('en-US')} | ${q.gpu} / ${q.cpu} | ${q.ratio.toFixed(2)} |`);
  }
  if (rep.peerRatios.length) {
    L.push('');
    L.push(
      'Brian2 (`raphe export brian2`, cpp_standalone, one thread): first step = script start-up, code generation and C++ build; run = the compiled binary.',
    );
    L.push('');
    L.push('| neurons | Brian2 build (s) | Brian2 neuron-updates/s | raphe engine | raphe / Brian2 |');
    L.push('|---:|---:|---:|---|---:|');
    for (const q of rep.peerRatios) {
      const b = rep.results.find((r) => r.neurons === q.neurons && r.id === q.peer);
      L.push(
        `| ${q.neurons.toLocaleString('en-US')} | ${fmt(b?.buildSeconds ?? NaN, 1)} | ${fmtRate(b?.neuronUpdatesPerSecond ?? NaN)} | ${q.raphe} | ${q.ratio.toFixed(2)} |`,
      );
    }
  }
  const prof = rep.results.filter((r) => r.ok && r.kernelMsPerStep);
  if (prof.length) {
    const names = [...new Set(prof.flatMap((r) => Object.keys(r.kernelMsPerStep!)))].filter((k) => k !== 'wall');
    L.push('');
    L.push(`GPU time per grid step (ms, timestamp queries, profiled run; wall = host time per step in that run):`);
    L.push('');
    L.push(`| neurons | engine | ${names.join(' | ')} | wall |`);
    L.push(`|---:|---|${names.map(() => '---:').join('|')}|---:|`);
    for (const r of prof) {
      L.push(
        `| ${r.neurons.toLocaleString('en-US')} | ${r.id} | ${names.map((k) => fmt(r.kernelMsPerStep![k] ?? NaN, 3)).join(' | ')} | ${fmt(r.kernelMsPerStep!.wall ?? NaN, 3)} |`,
      );
    }
  }
  const noProf = rep.results.filter((r) => r.ok && r.engine === 'webgpu' && r.kernelMsPerStep === null);
  if (noProf.length)
    L.push('', `No per-kernel GPU times for ${[...new Set(noProf.map((r) => r.id))].join(', ')}: the adapter has no 'timestamp-query'.`);
  L.push('');
  L.push('| goal | measured | met |');
  L.push('|---|---|---|');
  for (const g of rep.goals) L.push(`| ${g.goal} | ${g.value} | ${g.met === null ? '—' : g.met ? 'yes' : 'no'} |`);
  return L.join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function svgPlot(rep: Report): string {
  const W = 760,
    H = 460,
    ml = 80,
    mr = 210,
    mt = 40,
    mb = 60;
  const ok = rep.results.filter((r) => r.ok);
  const xs = ok.map((r) => r.neurons);
  const ys = ok.map((r) => r.neuronUpdatesPerSecond).concat(ok.map((r) => r.bandwidthLimitUpdatesPerSecond));
  const x0 = Math.floor(Math.log10(Math.min(...xs, 1000)));
  const x1 = Math.ceil(Math.log10(Math.max(...xs, 1e5)));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (v: number) => ml + ((Math.log10(v) - x0) / (x1 - x0 || 1)) * (W - ml - mr);
  const py = (v: number) => H - mb - ((Math.log10(v) - y0) / (y1 - y0 || 1)) * (H - mt - mb);
  const S: string[] = [];
  S.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
  );
  S.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  S.push(`<text x="${ml}" y="22" font-size="14">raphe: neuron-updates per second against neurons (log-log)</text>`);
  for (let e = x0; e <= x1; e++) {
    const x = px(10 ** e);
    S.push(`<line x1="${x}" y1="${mt}" x2="${x}" y2="${H - mb}" stroke="#ddd"/>`);
    S.push(`<text x="${x}" y="${H - mb + 18}" text-anchor="middle">1e${e}</text>`);
  }
  for (let e = y0; e <= y1; e++) {
    const y = py(10 ** e);
    S.push(`<line x1="${ml}" y1="${y}" x2="${W - mr}" y2="${y}" stroke="#ddd"/>`);
    S.push(`<text x="${ml - 8}" y="${y + 4}" text-anchor="end">1e${e}</text>`);
  }
  S.push(`<rect x="${ml}" y="${mt}" width="${W - ml - mr}" height="${H - mt - mb}" fill="none" stroke="#333"/>`);
  S.push(`<text x="${(ml + W - mr) / 2}" y="${H - 18}" text-anchor="middle">neurons</text>`);
  S.push(`<text transform="translate(20 ${(mt + H - mb) / 2}) rotate(-90)" text-anchor="middle">neuron-updates / s</text>`);
  const ids = [...new Set(ok.map((r) => r.id))];
  const series: { name: string; color: string; dash?: string; pts: [number, number][] }[] = ids.map((id, i) => ({
    name: id,
    color: COLORS[i % COLORS.length],
    pts: ok
      .filter((r) => r.id === id)
      .sort((a, b) => a.neurons - b.neurons)
      .map((r) => [r.neurons, r.neuronUpdatesPerSecond]),
  }));
  const limitPts = [...new Set(xs)]
    .sort((a, b) => a - b)
    .map((n) => [n, ok.find((r) => r.neurons === n)!.bandwidthLimitUpdatesPerSecond] as [number, number]);
  series.push({
    name: `memory-bandwidth limit (${rep.machine.memoryBandwidthGBps.toFixed(0)} GB/s)`,
    color: '#777',
    dash: '6 4',
    pts: limitPts,
  });
  series.forEach((s, i) => {
    const d = s.pts.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    S.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    if (!s.dash)
      for (const [x, y] of s.pts) S.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`);
    const ly = mt + 10 + i * 20;
    S.push(
      `<line x1="${W - mr + 15}" y1="${ly}" x2="${W - mr + 40}" y2="${ly}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`,
    );
    S.push(`<text x="${W - mr + 46}" y="${ly + 4}">${s.name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`);
  });
  S.push('</svg>');
  return S.join('\n') + '\n';
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const bwAt = argv.indexOf('--bandwidth');
  let bandwidth = NaN;
  if (bwAt >= 0) {
    bandwidth = Number(argv[bwAt + 1]);
    argv.splice(bwAt, 2);
  }
  const a = parseArgs(argv);
  if (a.child) {
    let r: BenchResult;
    try {
      r = await runChild(a, bandwidth);
    } catch (e) {
      r = failed(a.engines[0], a.sizes[0], e instanceof Error ? e.message : String(e));
    }
    process.stdout.write(JSON.stringify(r) + '\n');
    process.exit(0);
  }
  if (!a.engines.length) a.engines = defaultEngines();
  for (const id of a.engines) normaliseEngine(id);
  const log = (s: string) => process.stderr.write(s + '\n');
  const loadBefore = loadavg();
  if (loadBefore[0] > 1.5)
    log(`bench: load average ${loadBefore[0].toFixed(2)} > 1.5: other work is running, figures will be low and noisy`);
  bandwidth = measureBandwidth();
  log(
    `bench: memory bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s; sizes ${a.sizes.join(', ')}; engines ${a.engines.join(', ')}; ${a.repeats} repeats of ~${a.seconds} s`,
  );
  const results: BenchResult[] = [];
  for (const n of a.sizes) {
    for (const id of a.engines) {
      log(`bench: ${n.toLocaleString('en-US')} neurons on ${id} ...`);
      const r = await runChildProcess(a, id, n, bandwidth);
      results.push(r);
      logResult(r);
    }
    for (const peer of a.peers) {
      log(`bench: ${n.toLocaleString('en-US')} neurons on ${peer} (export, build, run) ...`);
      const r = await runBrian2Peer(a, n, bandwidth);
      results.push(r);
      logResult(r);
    }
  }
  function logResult(r: BenchResult): void {
    log(
      r.ok
        ? `bench:   ${fmtRate(r.neuronUpdatesPerSecond)} neuron-updates/s, wall/bio ${fmt(r.realTimeFactor, 2)}, first step ${fmt(r.timeToFirstStepSeconds, 2)} s, peak RSS ${fmt(r.peakRssMiB, 0)} MiB (${r.adapter})`
        : `bench:   failed: ${r.error}`,
    );
  }
  const c = cpus();
  const rat = ratios(results);
  const rep: Report = {
    version: 1,
    date: new Date().toISOString(),
    machine: {
      hostname: hostname(),
      cpu: c[0]?.model ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: totalmem() / 2 ** 30,
      os: `${platform()} ${release()}`,
      node: process.version,
      memoryBandwidthGBps: bandwidth / 1e9,
      bandwidthMethod: 'one thread, best of 5 copies of a 256 MiB Float64Array, read + write bytes',
      loadAverageBefore: loadBefore,
      loadAverageAfter: loadavg(),
    },
    method: {
      model: 'defaultParams(), WT, no drug, seed 1; c0 30 nM, rate0 1 Hz',
      recording: 'off (recordSpikes false, sampleSteps 1e6)',
      warmup: 'advance(2) to estimate the step time, then ~0.5 s discarded',
      repeats: a.repeats,
      secondsPerRepeat: a.seconds,
      statistic: 'median over repeats',
      neuronUpdate: 'one cell advanced by one dt = 0.1 ms (subSteps = 10 per 1 ms grid step)',
      realTimeFactor: 'wall time / biological time',
      timeToFirstStep: 'engine creation (pipelines, buffers, workers) + advance(1); model build and WebGPU device request excluded',
      peakMemory: 'VmHWM (peak resident set) of the child process running the (size, engine), read after the timed runs',
      threadsCpuMt: a.threads,
      chunkCpuMt: a.chunk,
      peers: a.peers.length
        ? `${a.peers.join(', ')}: raphe export brian2 of the same model, cpp_standalone, 1 thread, ${a.peerSeconds} s biological, one run; time to first step = script start-up + code generation + C++ build (fresh folder); run = the compiled binary's wall time`
        : 'none',
    },
    roofline: {
      neuronBytesPerCellStep: NEURON_BYTES_PER_CELL_STEP,
      neuronBytesPerNeuronUpdate: NEURON_BYTES_PER_CELL_STEP / 10,
      releaseBytesPerVoxel: RELEASE_BYTES_PER_VOXEL,
      diffuseBytesPerVoxel: DIFFUSE_BYTES_PER_VOXEL,
      note: 'limit = bandwidth x neurons x subSteps / (neurons x neuron bytes + region voxels x grid bytes)',
    },
    results,
    ratios: rat,
    peerRatios: peerRatios(results),
    goals: goals(results, rat),
  };
  const md = markdown(rep);
  if (a.write) {
    mkdirSync(a.out, { recursive: true });
    writeFileSync(join(a.out, 'results.json'), JSON.stringify(rep, null, 2) + '\n');
    writeFileSync(join(a.out, 'results.md'), md);
    writeFileSync(join(a.out, 'throughput.svg'), svgPlot(rep));
    log(`bench: wrote ${join(a.out, 'results.json')}, results.md, throughput.svg`);
  }
  process.stdout.write(a.json ? JSON.stringify(rep) + '\n' : md);
}

await main();
