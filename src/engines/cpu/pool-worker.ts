/**
 * Worker thread of ThreadPool (bundled as build/node/cpu-pool-worker.mjs): holds the CpuEngines of the
 * simulations dealt to this thread by ThreadedCpuBatch, and runs steady-state estimates and the initial
 * state and shared memory of large ParallelCpuEngines (long work kept off the main thread). One request
 * in, one reply out, matched by id; record batches go back as transferables.
 */
import { parentPort } from 'node:worker_threads';
import type { DrugDoses } from '../../model/drugs.js';
import type { Constants, Model } from '../../model/derive.js';
import type { EngineOptions, RecordBatch, SettableField, StateSnapshot } from '../engine.js';
import { startState } from '../initial-state.js';
import { CpuEngine } from './cpu-engine.js';
import { estimateSteadyState, type EstimateOptions } from './steady-state.js';
import { modelMemory } from './wasm-kernels.js';

export type PoolRequest =
  | { op: 'create'; sims: { sim: number; opts: EngineOptions }[] }
  | { op: 'setDoses'; sim: number; doses: DrugDoses }
  | { op: 'setConstants'; sim: number; k: Constants }
  | { op: 'advance'; steps: number }
  | { op: 'retire'; sim: number }
  | { op: 'snapshot'; sim: number }
  | { op: 'setCellState'; sim: number; field: SettableField; values: Float32Array }
  | { op: 'setGrid'; sim: number; grid: Float32Array }
  | { op: 'estimate'; model: Model; doses: DrugDoses; options?: EstimateOptions }
  | {
      op: 'engineMemory';
      model: Model;
      k: Constants;
      c0_nM: number;
      rate0_Hz: number;
      d1A?: ArrayLike<number>;
      initial?: StateSnapshot;
      threads: number;
    };

export type PoolReply = { id: number; result?: unknown; error?: string };

/** The buffers of a record batch, to transfer rather than copy. */
export function batchBuffers(b: RecordBatch): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [...Object.values(b.samples), ...(b.spikes ? [b.spikes.cells, b.spikes.steps] : [])];
  return [...new Set(arrays.map((a) => a.buffer as ArrayBuffer))];
}

const port = parentPort;
if (port) {
  /** This thread's simulations, in sim order. */
  const engines = new Map<number, CpuEngine>();
  /** Sims whose runs are over (BatchEngine.retire): advanced no further. */
  const retired = new Set<number>();
  const handle = async (r: PoolRequest): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> => {
    switch (r.op) {
      case 'create':
        for (const s of r.sims) {
          const e = new CpuEngine(s.opts);
          await e.warmUp(); // each thread warms its own sims, side by side with the others
          engines.set(s.sim, e);
        }
        return { result: null };
      case 'setDoses':
        engines.get(r.sim)!.setDoses(r.doses);
        return { result: null };
      case 'setConstants':
        engines.get(r.sim)!.setConstants(r.k);
        return { result: null };
      case 'advance': {
        const batches = [...engines].map(([s, e]) => e.advanceSync(retired.has(s) ? 0 : r.steps));
        return { result: batches, transfer: batches.flatMap(batchBuffers) };
      }
      case 'retire':
        retired.add(r.sim);
        return { result: null };
      case 'setCellState':
        engines.get(r.sim)!.setCellState(r.field, r.values);
        return { result: null };
      case 'setGrid':
        engines.get(r.sim)!.setGrid(r.grid);
        return { result: null };
      case 'snapshot':
        return { result: await engines.get(r.sim)!.snapshot() };
      case 'estimate':
        return { result: estimateSteadyState(r.model, r.doses, r.options) };
      case 'engineMemory': {
        const { memory, layout } = modelMemory(r.model, startState(r.model, r.k, r), r.threads, true);
        return { result: { memory, layout } };
      }
    }
  };
  port.on('message', async (m: PoolRequest & { id: number }) => {
    try {
      const { result, transfer } = await handle(m);
      port.postMessage({ id: m.id, result } satisfies PoolReply, transfer ?? []);
    } catch (e) {
      port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies PoolReply);
    }
  });
}
