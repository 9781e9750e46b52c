/**
 * The Node-only engine pieces (worker_threads), kept out of create.ts so the browser bundle stays free
 * of them: the CPU provider the CLI injects into resolveEngine (a single run on ParallelCpuEngine, cells
 * split over threads; a batch as ThreadedCpuBatch, one simulation per thread; steady-state estimates
 * in parallel, through a disk cache: cpu/estimate-cache.ts), and the engines the benchmark measures one by one.
 */
import { availableParallelism } from 'node:os';
import type { CpuProvider } from './create.js';
import { cachedEstimates } from './cpu/estimate-cache.js';
import { ParallelCpuEngine } from './cpu/parallel-engine.js';
import { ThreadedCpuBatch, estimateSteadyStates } from './cpu/threaded-batch.js';

export { CpuEngine } from './cpu/cpu-engine.js';
export { CELL_CHUNK, ParallelCpuEngine } from './cpu/parallel-engine.js';
export { ThreadedCpuBatch, estimateSteadyStates } from './cpu/threaded-batch.js';

/**
 * The multi-threaded CPU provider: `threads` worker threads (default: one per core). A batch may start a
 * thread per simulation when `threads` covers every core this process may run on (ThreadedCpuBatch).
 */
export function nodeCpuProvider(threads: number = availableParallelism()): CpuProvider {
  const T = Math.max(1, Math.floor(threads));
  const batchThreads = { cores: T, everyCore: T >= availableParallelism() };
  return {
    adapter: `WebAssembly, ${T} thread${T === 1 ? '' : 's'}`,
    create: (o) => ParallelCpuEngine.create(o, T),
    createBatch: (sims) => ThreadedCpuBatch.create(sims, batchThreads),
    estimate: (items, onEach) => cachedEstimates(items, (todo, each) => estimateSteadyStates(todo, T, each), onEach),
  };
}
export { getGpu, LAVAPIPE_ICD, SWIFTSHADER_ICD } from './webgpu/gpu-context.js';
export { WebGpuEngine } from './webgpu/webgpu-engine.js';
