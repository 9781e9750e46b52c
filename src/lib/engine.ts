/**
 * Engine choice for the library, as the CLI makes it: `cpu` (WebAssembly kernels on worker threads,
 * one per core unless `threads` says otherwise), `webgpu` (an error without an adapter) or `auto`
 * (WebGPU when an adapter exists, except a software-Vulkan one for a job on the CPU's own cores).
 * The worker entries and the WebAssembly kernels are found next to the library's bundle, wherever the
 * package is installed.
 */
import { availableParallelism } from 'node:os';
import { type EngineChoice, type ResolvedEngine, resolveEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { ConfigError } from '../model/errors.js';
import { abortable, checkAbort } from './abort.js';

export interface EngineSelection {
  /** `auto` (default), `cpu`, `webgpu`, or an engine made earlier by openEngine (reused as it is). */
  engine?: EngineChoice | ResolvedEngine;
  /** Worker threads of the CPU engine (default: one per core). */
  threads?: number;
  /** One line each: why `auto` chose as it did when it had to fall back (default: dropped). */
  onNotice?: (line: string) => void;
}

/** What `auto` weighs: cells a simulation and simulations to run. */
export interface EngineJob {
  cells: number;
  sims: number;
}

/** Resolve the engine a job runs on (see the file comment). `job`: for `auto` on a software adapter. */
export async function openEngine(o: EngineSelection = {}, job?: EngineJob): Promise<ResolvedEngine> {
  const e = o.engine ?? 'auto';
  if (typeof e === 'object') return e;
  if (e !== 'auto' && e !== 'cpu' && e !== 'webgpu')
    throw new ConfigError('engine', `must be auto, cpu or webgpu, got ${JSON.stringify(e)}`);
  const threads = o.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('threads', `must be a whole number >= 1, got ${threads}`);
  return resolveEngine(e, o.onNotice ?? (() => {}), { cpu: nodeCpuProvider(threads), ...(job ? { job } : {}) });
}

/** The engine of a job that may be cancelled: resolved (unless given), then seen through `signal`. */
export async function jobEngine(o: EngineSelection & { signal?: AbortSignal }, job: EngineJob): Promise<ResolvedEngine> {
  checkAbort(o.signal);
  return abortable(await openEngine(o, job), o.signal);
}
