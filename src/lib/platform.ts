/**
 * What the library's jobs take from where they run: Node (src/lib/node-platform.ts: the multi-threaded
 * CPU engine, WebGPU through the `webgpu` package, this machine's memory, checkpoints on disk) or a
 * browser (src/lib/browser-platform.ts: the CPU engine in the calling thread, WebGPU through
 * navigator.gpu, no file system). Each entry (src/index.ts, src/browser.ts) installs its own before any
 * job runs; the jobs (src/lib/jobs.ts) are the same code in both.
 */
import type { EngineChoice, ResolvedEngine } from '../engines/create.js';
import type { ChronicProgress } from '../experiment/chronic.js';
import type { BatchProgress } from '../checkpoint/format.js';
import type { Scenario } from '../model/scenario.js';
import { ConfigError } from '../model/errors.js';
import { abortable, checkAbort } from './abort.js';

export interface EngineSelection {
  /** `auto` (default), `cpu`, `webgpu`, or an engine made earlier by openEngine (reused as it is). */
  engine?: EngineChoice | ResolvedEngine;
  /**
   * Worker threads of the CPU engine (default: one per core). Node only: the browser build's CPU engine
   * runs in the calling thread (a page's, or a Web Worker's) and ignores it.
   */
  threads?: number;
  /** One line each: why `auto` chose as it did when it had to fall back (default: dropped). */
  onNotice?: (line: string) => void;
}

/** What `auto` weighs: cells a simulation and simulations to run. */
export interface EngineJob {
  cells: number;
  sims: number;
}

/** Checkpoints of a job's runs (RunJobOptions.checkpoint). */
export interface CheckpointOption {
  dir: string;
  everyS?: number;
  resume?: boolean;
}

/** A job's checkpoints as the runners take them, and the folder to remove once the job ends. */
export interface RunCheckpointHooks {
  done: { remove(): void };
  options: { checkpoint: { due(): boolean; save(p: BatchProgress): Promise<void> }; resume?: BatchProgress };
}
export interface ChronicCheckpointHooks {
  done: { remove(): void };
  hooks: { due(): boolean; save(p: ChronicProgress): Promise<void>; resume?: ChronicProgress };
}

export interface Platform {
  /** The memory a job may use: scenarios whose estimate exceeds it are refused before any work. */
  memoryBudget(): { memoryBytes: number; memoryName: string };
  /** The engine of a selection (see openEngine). */
  openEngine(o: EngineSelection, job?: EngineJob): Promise<ResolvedEngine>;
  /** Checkpoints on disk (Node); a platform without them refuses the option. */
  runCheckpoints(scs: Scenario[], c: CheckpointOption, signal?: AbortSignal): RunCheckpointHooks;
  chronicCheckpoints(scs: Scenario[], c: CheckpointOption, signal?: AbortSignal): ChronicCheckpointHooks;
}

/** The engine choice as a name, checked (a ResolvedEngine is returned by the caller as it is). */
export function engineName(e: EngineSelection['engine']): 'auto' | 'cpu' | 'webgpu' {
  const n = e ?? 'auto';
  if (n !== 'auto' && n !== 'cpu' && n !== 'webgpu')
    throw new ConfigError('engine', `must be auto, cpu or webgpu, got ${JSON.stringify(n)}`);
  return n;
}

let current: Platform | undefined;

/** Installed by the entry module (src/index.ts or src/browser.ts). */
export function setPlatform(p: Platform): void {
  current = p;
}

export function platform(): Platform {
  if (!current) throw new Error('raphe: no platform installed (import raphe from its package entry, not from src/lib/)');
  return current;
}

/** The engine of a job that may be cancelled: resolved (unless given), then seen through `signal`. */
export async function jobEngine(o: EngineSelection & { signal?: AbortSignal }, job: EngineJob): Promise<ResolvedEngine> {
  checkAbort(o.signal);
  return abortable(await platform().openEngine(o, job), o.signal);
}
