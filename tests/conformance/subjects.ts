/**
 * The engines the conformance suite runs against, each made the same way: a factory of a batch of K
 * simulations of one tissue (a single engine is a batch of one), and how closely its readouts agree
 * with the single-thread CPU engine, the suite's reference (itself held to the plain specification,
 * src/engines/reference/, bit for bit by tests/wasm-kernels.test.ts):
 *   cpu             CpuEngine (WebAssembly, one thread), sims one after another
 *   cpu-mt          ParallelCpuEngine on 2 worker threads, cells in chunks of 64 (the threads take turns)
 *   threaded batch  ThreadedCpuBatch, 3 sims dealt over 2 threads (one thread holds two)
 *   webgpu          WebGpuEngine (one sim) and WebGpuBatch (several in one set of dispatches); skipped
 *                   without an adapter unless RAPHE_GPU_REQUIRED is set
 * State and spikes are bit-identical on every engine. Trace samples and mass sums are float64 sums on
 * the CPU engines (cpu-mt combines its threads' mass sums in a fixed order: float64 rounding apart) and
 * Kahan-compensated float32 sums on the GPU.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CpuEngine } from '../../src/engines/cpu/cpu-engine.js';
import { defaultCpuWorkerUrl, ParallelCpuEngine } from '../../src/engines/cpu/parallel-engine.js';
import { ThreadedCpuBatch } from '../../src/engines/cpu/threaded-batch.js';
import { type BatchEngine, type EngineOptions, sequentialBatch, singleAsBatch } from '../../src/engines/engine.js';
import { WebGpuBatch } from '../../src/engines/webgpu/batch.js';
import { WebGpuEngine } from '../../src/engines/webgpu/webgpu-engine.js';
import { gpuOrSkip } from '../helpers/gpu.js';

/** How a subject's record batches agree with the reference's. */
export interface Agreement {
  /** Trace samples (probe, meanC, s1A, s2B): 'bits', or their largest relative difference. */
  samples: 'bits' | number;
  /** Mass sums (released, uptaken, cleared): their largest relative difference. */
  mass: number;
  /** Grid totals (gridStart, gridEnd): 'bits', or their largest relative difference. */
  gridTotals: 'bits' | number;
}

export interface Subject {
  name: string;
  /** K simulations of one tissue (K = 1: the engine alone). */
  batch(sims: EngineOptions[]): Promise<BatchEngine>;
  agreement: Agreement;
  /** What its info.adapter says. */
  adapter: RegExp;
  /** Per-test time limit, ms, where the default is too short (software Vulkan compiles its kernels slowly). */
  timeout?: number;
  /** Why the subject cannot run here (no WebGPU adapter), or null. */
  skip: string | null;
}

const CPU_EXACT: Agreement = { samples: 'bits', mass: 0, gridTotals: 'bits' };
/** cpu-mt: its threads' mass sums combined in a fixed order, float64 rounding apart. */
export const CPU_MT_AGREEMENT: Agreement = { samples: 'bits', mass: 1e-12, gridTotals: 'bits' };
/** WebGPU: float32 Kahan sums where the CPU sums in float64. */
export const GPU_AGREEMENT: Agreement = { samples: 1e-5, mass: 1e-5, gridTotals: 1e-5 };

/** Builds the bundled worker entry the threaded engines load, when missing. */
export function ensureWorkerBundle(): void {
  if (!existsSync(fileURLToPath(defaultCpuWorkerUrl())))
    execFileSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: fileURLToPath(new URL('../..', import.meta.url)) });
}

/** vitest options of a subject's tests: its own time limit where it has one, else the configured one. */
export const testOptions = (s: Subject) => (s.timeout ? { timeout: s.timeout } : {});

/** The reference every subject is compared with: CpuEngine runs of each sim alone. */
export const reference = (o: EngineOptions) => new CpuEngine(o);

export async function subjects(): Promise<Subject[]> {
  const gpu = await gpuOrSkip();
  return [
    {
      name: 'cpu',
      batch: async (sims) => sequentialBatch(sims.map((o) => new CpuEngine(o))),
      agreement: CPU_EXACT,
      adapter: /WebAssembly, 1 thread/,
      skip: null,
    },
    {
      name: 'cpu-mt',
      batch: async (sims) => sequentialBatch(await Promise.all(sims.map((o) => ParallelCpuEngine.create({ ...o, chunk: 64 }, 2)))),
      agreement: CPU_MT_AGREEMENT,
      adapter: /WebAssembly, 2 worker threads/,
      skip: null,
    },
    {
      name: 'threaded batch',
      batch: (sims) => ThreadedCpuBatch.create(sims, 2),
      agreement: CPU_EXACT,
      adapter: /WebAssembly, \d worker threads?, one simulation each/,
      skip: null,
    },
    {
      name: 'webgpu',
      batch: async (sims) => (sims.length === 1 ? singleAsBatch(await WebGpuEngine.create(sims[0], gpu!)) : WebGpuBatch.create(sims, gpu!)),
      agreement: GPU_AGREEMENT,
      adapter: /WebGPU/,
      timeout: 600_000,
      skip: gpu ? null : 'no WebGPU adapter (set RAPHE_GPU_REQUIRED=1 to fail instead)',
    },
  ];
}
