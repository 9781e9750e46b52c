/**
 * Engine selection: `cpu`, `webgpu` (an error when no adapter exists) or `auto` (WebGPU when an adapter
 * exists, else the CPU engine with a one-line notice). A ResolvedEngine makes single simulations, batches
 * of simulations of one tissue (BatchEngine), and the steady-state estimates they start from; the rest
 * of raphe reaches the engines through it and never imports engines/cpu or engines/webgpu itself.
 */
import type { DrugDoses, Genotype } from '../model/drugs.js';
import { buildModel, type Model } from '../model/derive.js';
import type { Params } from '../model/params.js';
import { CpuEngine } from './cpu/cpu-engine.js';
import { estimateSteadyState, type EstimateOptions, type SteadyStateEstimate } from './cpu/steady-state.js';
import {
  DeviceLimitError,
  sequentialBatch,
  singleAsBatch,
  type BatchEngine,
  type Engine,
  type EngineKind,
  type EngineOptions,
} from './engine.js';

export type EngineChoice = EngineKind | 'auto';
export const ENGINE_CHOICES: EngineChoice[] = ['cpu', 'webgpu', 'auto'];
export type { EstimateOptions, SteadyStateEstimate } from './cpu/steady-state.js';

export class NoAdapterError extends Error {
  constructor() {
    super('--engine webgpu: no WebGPU adapter found (run scripts/setup-system.sh to install lavapipe, or use --engine cpu|auto)');
    this.name = 'NoAdapterError';
  }
}

/** A steady-state estimate to make: the tissue and the doses of the condition's first phase. */
export interface EstimateRequest {
  model: Model;
  doses: DrugDoses;
  options?: EstimateOptions;
}

export interface ResolvedEngine {
  kind: EngineKind;
  adapter: string;
  /** Why this engine, for the run's header (e.g. auto's choice on a software adapter). */
  reason: string;
  /** Set when `auto` ran the CPU engine because the only adapter is software Vulkan: that adapter's name. */
  softwareAdapter?: string;
  /** One simulation. */
  create(opts: EngineOptions): Promise<Engine>;
  /** Several simulations of one tissue, advanced together (see BatchEngine). */
  createBatch(sims: EngineOptions[]): Promise<BatchEngine>;
  /** The most simulations of `model`'s tissue one batch holds (WebGPU: the device limits; 0: not even one fits). */
  maxBatch(model: Model, recordSpikes: boolean): number;
  /**
   * Steady-state estimates (CPU work for every engine; on threads where the CPU provider has them);
   * `onEach` is called as each one is ready (a cached one at once), for a progress display.
   */
  estimate(items: EstimateRequest[], onEach?: () => void): Promise<SteadyStateEstimate[]>;
}

/** The CPU engine's pieces; the CLI injects the multi-threaded ones, which are Node-only. */
export interface CpuProvider {
  adapter: string;
  create(opts: EngineOptions): Promise<Engine>;
  /** Default: the sims one after another in this thread. */
  createBatch?(sims: EngineOptions[]): Promise<BatchEngine>;
  /** Default: one after another in this thread. */
  estimate?(items: EstimateRequest[], onEach?: () => void): Promise<SteadyStateEstimate[]>;
}

export interface ResolveOptions {
  cpu?: CpuProvider;
  /** The job in hand, for `auto` on a software adapter: cells per simulation and simulations (none: WebGPU whenever an adapter exists). */
  job?: { cells: number; sims: number };
}

/** Software Vulkan (lavapipe/llvmpipe, SwiftShader): WebGPU on the CPU's own cores. */
export const isSoftwareAdapter = (name: string): boolean => /swiftshader|llvmpipe|lavapipe|software|soft|cpu/i.test(name);

/** A CpuEngine with its start's warm-up done (in slices: this thread stays free meanwhile). */
async function warmCpuEngine(o: EngineOptions): Promise<CpuEngine> {
  const e = new CpuEngine(o);
  await e.warmUp();
  return e;
}

const inThread = async (items: EstimateRequest[], onEach?: () => void) =>
  items.map((it) => {
    const e = estimateSteadyState(it.model, it.doses, it.options);
    onEach?.();
    return e;
  });

export async function resolveEngine(
  choice: EngineChoice,
  notice: (msg: string) => void = () => {},
  ro: ResolveOptions = {},
): Promise<ResolvedEngine> {
  const p: CpuProvider = ro.cpu ?? { adapter: 'WebAssembly', create: warmCpuEngine };
  const estimate = p.estimate ?? inThread;
  const cpu: ResolvedEngine = {
    kind: 'cpu',
    adapter: p.adapter,
    reason: choice === 'cpu' ? 'asked for (--engine cpu)' : 'auto: no WebGPU adapter',
    create: p.create,
    createBatch: async (sims) => {
      if (sims.length === 1) return singleAsBatch(await p.create(sims[0]));
      return p.createBatch ? p.createBatch(sims) : sequentialBatch(await Promise.all(sims.map(warmCpuEngine)));
    },
    maxBatch: () => Number.MAX_SAFE_INTEGER,
    estimate,
  };
  if (choice === 'cpu') return cpu;
  const { findAdapter, getGpu } = await import('./webgpu/gpu-context.js');
  const noAdapter = () => {
    if (choice === 'webgpu') throw new NoAdapterError();
    notice('raphe: no WebGPU adapter found; running on the CPU engine');
    return cpu;
  };
  // the adapter is found first without opening it here (Node: in a child process), so the CPU engine's
  // runs never open Dawn, whose native diagnostics go straight to stderr
  const adapterName = await findAdapter();
  if (!adapterName) return noAdapter();
  // A CLI job runs on the CPU engine when the only adapter is software Vulkan: since the CPU engines run
  // WebAssembly kernels, WebGPU on lavapipe is the slower engine at every size measured (`npm run bench`
  // on 2 cores, bench/README.md: lavapipe / multi-threaded CPU engine 0.37-0.50x at 100,000 cells, 0.34x
  // at 1,000,000; SwiftShader 10-40x slower than lavapipe; `npm run bench -- memory-access` says why),
  // and batches gain nothing there (compute-bound), while the CPU engine runs them side by side.
  if (choice === 'auto' && ro.job && isSoftwareAdapter(adapterName)) {
    const job = ro.job;
    const sw = `the only adapter is software Vulkan (${adapterName.split(' / ').pop()})`;
    const why =
      job.sims > 1
        ? `${job.sims} simulations: the CPU engine runs them side by side on its threads; ${sw}, slower than the CPU engine at every size measured`
        : `${job.cells.toLocaleString('en-US')} cells: ${sw}, slower than the CPU engine at every size measured`;
    return { ...cpu, reason: `auto: ${why} (--engine webgpu to use it)`, softwareAdapter: adapterName };
  }
  const ctx = await getGpu();
  if (!ctx) return noAdapter();
  const { WebGpuEngine, WebGpuBatch } = await import('./webgpu/webgpu-engine.js');
  return {
    kind: 'webgpu',
    adapter: ctx.adapterName,
    reason:
      choice === 'webgpu'
        ? 'asked for (--engine webgpu)'
        : isSoftwareAdapter(ctx.adapterName)
          ? 'auto: software Vulkan, no job named (the demo)'
          : 'auto: a WebGPU adapter',
    create: (o) => WebGpuEngine.create(o, ctx),
    createBatch: (sims) => WebGpuBatch.create(sims, ctx),
    maxBatch: (model, recordSpikes) => WebGpuBatch.maxSims(model, ctx, {}, recordSpikes),
    estimate,
  };
}

/** What a simulation's size depends on: its tissue and whether spikes are recorded. */
export interface SimulationSize {
  params: Params;
  genotype: Genotype;
  neurons: number;
  seed: number;
  recording: { spikes: boolean };
}

/**
 * Refuses a simulation the engine cannot hold (WebGPU: its buffer limits) before any work, its model
 * included (10^8 cells take most of a minute to build): the limits depend only on the tissue's counts,
 * its geometry and time steps, so they are checked on the tissue built with one cell standing for
 * `neurons` (the region's voxel arrays, no per-cell arrays). The CPU engine holds any size.
 */
export function refuseUnfit(engine: Pick<ResolvedEngine, 'kind' | 'adapter' | 'maxBatch'>, sim: SimulationSize): void {
  if (engine.kind !== 'webgpu') return;
  const shape: Model = { ...buildModel(sim.params, sim.genotype, 1, sim.seed), nCells: sim.neurons };
  if (engine.maxBatch(shape, sim.recording.spikes) >= 1) return;
  const g = shape.geometry;
  throw new DeviceLimitError(
    `webgpu: one simulation of ${sim.neurons} cells (grid ${g.nx}x${g.ny}x${g.nz}) does not fit ${engine.adapter}'s buffer limits; use fewer cells or --engine cpu`,
  );
}
