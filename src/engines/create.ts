/**
 * Engine selection: `cpu`, `webgpu` (an error when no adapter exists) or `auto` (WebGPU when an adapter
 * exists, else the CPU engine with a one-line notice).
 */
import { CpuEngine } from './cpu/cpu-engine.js';
import type { Engine, EngineKind, EngineOptions } from './engine.js';

export type EngineChoice = EngineKind | 'auto';
export const ENGINE_CHOICES: EngineChoice[] = ['cpu', 'webgpu', 'auto'];

export class NoAdapterError extends Error {
  constructor() {
    super('--engine webgpu: no WebGPU adapter found (run scripts/setup-system.sh to install lavapipe, or use --engine cpu|auto)');
    this.name = 'NoAdapterError';
  }
}

export interface ResolvedEngine {
  kind: EngineKind;
  adapter: string;
  create(opts: EngineOptions): Promise<Engine>;
}

export interface ResolveOptions {
  /** Another CPU engine (e.g. the multi-threaded one, which is Node-only: the CLI injects it). */
  cpu?: { adapter: string; create(opts: EngineOptions): Promise<Engine> };
}

export async function resolveEngine(
  choice: EngineChoice,
  notice: (msg: string) => void = () => {},
  ro: ResolveOptions = {},
): Promise<ResolvedEngine> {
  const cpu: ResolvedEngine = { kind: 'cpu', ...(ro.cpu ?? { adapter: 'JavaScript', create: async (o) => new CpuEngine(o) }) };
  if (choice === 'cpu') return cpu;
  const { getGpu } = await import('./webgpu/gpu-context.js');
  const ctx = await getGpu();
  if (!ctx) {
    if (choice === 'webgpu') throw new NoAdapterError();
    notice('raphe: no WebGPU adapter found; running on the CPU engine');
    return cpu;
  }
  const { WebGpuEngine } = await import('./webgpu/webgpu-engine.js');
  return { kind: 'webgpu', adapter: ctx.adapterName, create: (o) => WebGpuEngine.create(o, ctx) };
}
