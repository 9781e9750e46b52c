/**
 * The library's platform in a browser (src/lib/platform.ts), installed by src/browser.ts: `cpu` is the
 * WebAssembly engine in the calling thread (a page's, or a Web Worker's: no threads of its own), `webgpu`
 * opens navigator.gpu, `auto` chooses between them as in Node (WebGPU on a hardware adapter; the CPU
 * engine where the only adapter is software, e.g. SwiftShader, or none). The memory budget is the
 * device's memory as the browser reports it (navigator.deviceMemory, which Chromium rounds and caps at
 * 8 GiB; 4 GiB where it says nothing). No checkpoints: they are folders on disk.
 */
import { resolveEngine, type ResolvedEngine } from '../engines/create.js';
import { ConfigError } from '../model/errors.js';
import { type EngineJob, type EngineSelection, engineName, type Platform, setPlatform } from './platform.js';

const GiB = 2 ** 30;

function memoryBudget(): { memoryBytes: number; memoryName: string } {
  const gb = (globalThis.navigator as (Navigator & { deviceMemory?: number }) | undefined)?.deviceMemory;
  return typeof gb === 'number' && gb > 0
    ? { memoryBytes: gb * GiB, memoryName: 'the memory this browser reports (navigator.deviceMemory)' }
    : { memoryBytes: 4 * GiB, memoryName: 'the 4 GiB assumed in a browser that does not report its memory' };
}

/** The engine of a selection (`threads` is ignored: the CPU engine runs in the calling thread). */
export async function openEngine(o: EngineSelection = {}, job?: EngineJob): Promise<ResolvedEngine> {
  if (typeof o.engine === 'object') return o.engine;
  return resolveEngine(engineName(o.engine), o.onNotice ?? (() => {}), job ? { job } : {});
}

const noCheckpoints = (): never => {
  throw new ConfigError('checkpoint', 'needs a folder on disk: the browser build of raphe has none (run in Node for checkpoints)');
};

export const browserPlatform: Platform = {
  memoryBudget,
  openEngine,
  runCheckpoints: noCheckpoints,
  chronicCheckpoints: noCheckpoints,
};

setPlatform(browserPlatform);
