/**
 * One (size, engine), measured inside a child process (`--child`): build the model (not timed) -> time
 * to first step = engine creation + advance(1) -> warm-up (discarded) -> `repeats` timed advance(steps)
 * with recording off, steps chosen so that one repeat lasts about `--seconds` -> median. WebGPU: then a
 * short profiled run (timestamp queries) for GPU time per kernel, on a second engine created after peak
 * memory was read.
 */
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import type { Engine, EngineOptions } from '../src/engines/engine.js';
import { CpuEngine, getGpu, ParallelCpuEngine, WebGpuEngine } from '../src/engines/node.js';
import { buildModel } from '../src/model/derive.js';
import { defaultParams } from '../src/model/params.js';
import { engineOf, type BenchArgs } from './args.js';
import type { BenchResult } from './result.js';
import { bandwidthLimit, bytesPerGridStep, engineStateBytes } from './roofline.js';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

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

/** Measure a.engines[0] at a.sizes[0] cells in this process; `a.bandwidth` (bytes/s) gives the roofline. */
export async function measure(a: BenchArgs): Promise<BenchResult> {
  const bandwidth = a.bandwidth;
  const id = a.engines[0];
  const { engine, driver } = engineOf(id);
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
  const limit = bandwidthLimit(bandwidth, n, S, bytes);
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
