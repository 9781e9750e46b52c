/**
 * Engine choice for the library in Node, as the CLI makes it: `cpu` (WebAssembly kernels on worker
 * threads, one per core unless `threads` says otherwise), `webgpu` (an error without an adapter) or `auto`
 * (WebGPU when an adapter exists, except a software-Vulkan one for a job on the CPU's own cores).
 * The worker entries and the WebAssembly kernels are found next to the library's bundle, wherever the
 * package is installed. The browser build's: src/lib/browser-platform.ts.
 */
import { availableParallelism } from 'node:os';
import { type ResolvedEngine, resolveEngine } from '../engines/create.js';
import { nodeCpuProvider } from '../engines/node.js';
import { ConfigError } from '../model/errors.js';
import { type EngineJob, type EngineSelection, engineName } from './platform.js';

export type { EngineJob, EngineSelection } from './platform.js';

/** Resolve the engine a job runs on (see the file comment). `job`: for `auto` on a software adapter. */
export async function openEngine(o: EngineSelection = {}, job?: EngineJob): Promise<ResolvedEngine> {
  if (typeof o.engine === 'object') return o.engine;
  const e = engineName(o.engine);
  const threads = o.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError('threads', `must be a whole number >= 1, got ${threads}`);
  return resolveEngine(e, o.onNotice ?? (() => {}), { cpu: nodeCpuProvider(threads), ...(job ? { job } : {}) });
}
