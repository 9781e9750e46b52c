/**
 * Driving the simulation worker from Node: starts build/node/sim-worker.mjs (or another built entry)
 * in a worker_threads Worker and wraps it with comlink's Node adapter.
 */
import { wrap, type Remote } from 'comlink';
import nodeEndpoint from 'comlink/dist/umd/node-adapter.js';
import { Worker } from 'node:worker_threads';
import type { SimApi } from './protocol.js';

export interface NodeSimulation {
  sim: Remote<SimApi>;
  worker: Worker;
  close(): Promise<void>;
}

export function openNodeSimulation(workerFile: string | URL): NodeSimulation {
  const worker = new Worker(workerFile);
  const sim = wrap<SimApi>(nodeEndpoint(worker));
  return {
    sim,
    worker,
    async close() {
      try {
        await Promise.race([sim.dispose(), new Promise((r) => setTimeout(r, 2000))]);
      } catch {
        /* already gone */
      }
      await worker.terminate();
    },
  };
}
