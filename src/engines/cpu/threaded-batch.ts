/**
 * The CPU engine's batch (Node): K simulations dealt round-robin over T worker threads (sim s on thread
 * s mod T), each thread advancing its own CpuEngines one after another, so each sim is bit-identical
 * to a CpuEngine run of it alone. One message per thread per advance; record batches come back as
 * transferables. Also: steady-state estimates of many conditions in parallel on the same kind of pool.
 *
 * Where the batch may use every core (BatchThreads.everyCore), it starts a thread per sim, up to
 * THREADS_PER_CORE a core, and leaves the sharing of the cores to the OS: K = 3 on 2 cores dealt over 2
 * threads leaves one core idle for a third of every advance (one thread has two sims, the other one),
 * while 3 threads on 2 cores finish together. Otherwise the threads asked for are a limit on the cores
 * used, and it starts at most that many.
 */
import type { DrugDoses } from '../../model/drugs.js';
import { deriveConstants, type Constants, type Model } from '../../model/derive.js';
import {
  checkCellValues,
  checkGrid,
  type BatchEngine,
  type EngineInfo,
  type EngineOptions,
  type RecordBatch,
  type SettableField,
  type StateSnapshot,
} from '../engine.js';
import { checkConstants } from '../engine.js';
import { batchStartStep } from '../initial-state.js';
import type { EstimateOptions, SteadyStateEstimate } from './steady-state.js';
import { ThreadPool } from './thread-pool.js';

/** Most threads a batch starts per core when it may use every core. */
export const THREADS_PER_CORE = 4;

/** How many threads a batch may run, on how many cores. */
export interface BatchThreads {
  /** Cores the batch may keep busy (the user's --threads, or every core). */
  cores: number;
  /** Whether those are all the cores this process may run on: then more threads than cores cost no more cores. */
  everyCore: boolean;
}

/** Threads for K sims: one a sim up to THREADS_PER_CORE a core when every core is the batch's, else at most `cores`. */
export function batchThreadCount(sims: number, t: BatchThreads): number {
  const cores = Math.max(1, Math.floor(t.cores));
  return Math.max(1, Math.min(sims, t.everyCore ? THREADS_PER_CORE * cores : cores));
}

export class ThreadedCpuBatch implements BatchEngine {
  readonly info: EngineInfo;
  readonly nSims: number;
  private readonly ks: Constants[];
  private disposed = false;

  private constructor(
    private readonly sims: EngineOptions[],
    private readonly pool: ThreadPool,
    cores: number,
  ) {
    this.nSims = sims.length;
    this.ks = sims.map((s) => deriveConstants(s.model, s.doses));
    const T = pool.size;
    const on = T > cores ? ` on ${cores} core${cores === 1 ? '' : 's'}` : '';
    this.info = { engine: 'cpu', adapter: `WebAssembly, ${T} worker thread${T === 1 ? '' : 's'}${on}, one simulation each` };
  }

  /** Start batchThreadCount(sims, threads) threads (a number: at most that many) and deal the sims to them. */
  static async create(sims: EngineOptions[], threads: number | BatchThreads): Promise<ThreadedCpuBatch> {
    if (!sims.length) throw new Error('cpu batch: no simulations');
    batchStartStep(sims); // as the WebGPU batch: one step count for all
    const t = typeof threads === 'number' ? { cores: threads, everyCore: false } : threads;
    const pool = await ThreadPool.start(batchThreadCount(sims.length, t));
    const b = new ThreadedCpuBatch(sims, pool, Math.max(1, Math.floor(t.cores)));
    try {
      await Promise.all(
        Array.from({ length: pool.size }, (_, t) =>
          pool.call(t, { op: 'create', sims: b.simsOf(t).map((sim) => ({ sim, opts: sims[sim] })) }),
        ),
      );
    } catch (e) {
      pool.close();
      throw e;
    }
    return b;
  }

  /** The sims of thread t, ascending. */
  private simsOf(t: number): number[] {
    const out: number[] = [];
    for (let s = t; s < this.nSims; s += this.pool.size) out.push(s);
    return out;
  }

  private check(sim: number): number {
    if (!Number.isInteger(sim) || sim < 0 || sim >= this.nSims) throw new Error(`cpu batch: no sim ${sim} (batch of ${this.nSims})`);
    if (this.disposed) throw new Error('cpu batch: disposed');
    return sim;
  }

  constants(sim: number): Constants {
    return this.ks[this.check(sim)];
  }

  setDoses(sim: number, doses: DrugDoses): void {
    const s = this.check(sim);
    this.ks[s] = deriveConstants(this.sims[s].model, doses);
    // messages to one thread are handled in order: the doses apply before its next advance
    void this.pool.call(s % this.pool.size, { op: 'setDoses', sim: s, doses }).catch(() => {});
  }

  setConstants(sim: number, k: Constants): void {
    const s = this.check(sim);
    checkConstants(k, this.ks[s]);
    this.ks[s] = { ...k };
    // like setDoses: applies before the thread's next advance
    void this.pool.call(s % this.pool.size, { op: 'setConstants', sim: s, k: this.ks[s] }).catch(() => {});
  }

  async advance(steps: number): Promise<RecordBatch[]> {
    if (this.disposed) throw new Error('cpu batch: disposed');
    const n = Math.max(0, Math.floor(steps));
    const perThread = await Promise.all(
      Array.from({ length: this.pool.size }, (_, t) => this.pool.call<RecordBatch[]>(t, { op: 'advance', steps: n })),
    );
    const out = new Array<RecordBatch>(this.nSims);
    perThread.forEach((batches, t) => {
      this.simsOf(t).forEach((s, i) => {
        out[s] = batches[i];
      });
    });
    return out;
  }

  retire(sim: number): void {
    const s = this.check(sim);
    // like setDoses: applies before the thread's next advance
    void this.pool.call(s % this.pool.size, { op: 'retire', sim: s }).catch(() => {});
  }

  setCellState(sim: number, field: SettableField, values: Float32Array): void {
    const s = this.check(sim);
    checkCellValues(field, values, this.sims[s].model.nCells);
    // like setDoses: messages to one thread are handled in order, so this applies before its next advance
    void this.pool.call(s % this.pool.size, { op: 'setCellState', sim: s, field, values: values.slice() }).catch(() => {});
  }

  setGrid(sim: number, grid: Float32Array): void {
    const s = this.check(sim);
    const g = this.sims[s].model.geometry;
    checkGrid(grid, g.nx * g.ny * g.nz);
    void this.pool.call(s % this.pool.size, { op: 'setGrid', sim: s, grid: grid.slice() }).catch(() => {});
  }

  snapshot(sim: number): Promise<StateSnapshot> {
    const s = this.check(sim);
    return this.pool.call<StateSnapshot>(s % this.pool.size, { op: 'snapshot', sim: s });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.pool.close();
  }
}

/**
 * Steady-state estimates of several conditions, in parallel on up to `threads` worker threads (one
 * estimate too: it may take minutes, and this thread stays free for signals); results in input order,
 * each the same as estimateSteadyState of it alone.
 */
export async function estimateSteadyStates(
  items: { model: Model; doses: DrugDoses; options?: EstimateOptions }[],
  threads: number,
  onEach?: () => void,
): Promise<SteadyStateEstimate[]> {
  if (!items.length) return [];
  const pool = await ThreadPool.start(Math.max(1, Math.min(threads, items.length)));
  try {
    const out = new Array<SteadyStateEstimate>(items.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: pool.size }, async (_, t) => {
        while (next < items.length) {
          const i = next++;
          out[i] = await pool.call<SteadyStateEstimate>(t, {
            op: 'estimate',
            model: items[i].model,
            doses: items[i].doses,
            options: items[i].options,
          });
          onEach?.();
        }
      }),
    );
    return out;
  } finally {
    pool.close();
  }
}
