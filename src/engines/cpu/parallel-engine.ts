/**
 * The CPU engine on several threads: the same WebAssembly neuron kernel and releaseUptake / diffuse as
 * CpuEngine, the worker threads (parallel-worker.ts) taking chunks of cells in turn and each owning a
 * contiguous range of region voxels, the state in one shared WebAssembly memory (wasm-kernels.ts), Atomics
 * barriers between the phases of each grid step, one message per advance().
 *
 * Results are bit-identical to CpuEngine: per cell and per voxel the same float32 operations in the same
 * order; release counts per voxel are integers (atomic adds, order-free); trace samples are taken by thread 0
 * over the whole state exactly as CpuEngine takes them; recorded spikes are merged per grid step in cell
 * order. Only the batch's mass-balance sums (released, uptaken, cleared) are summed per thread
 * and then combined in thread order, so they differ from CpuEngine's by float64 rounding (~1e-12 relative).
 * A built start is warmed up (warm-up.ts) by all the workers before create() returns, the same bits as
 * CpuEngine's warm-up; this thread only waits for their messages.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DrugDoses } from '../../model/drugs.js';
import { deriveConstants, type Constants, type Model } from '../../model/derive.js';
import {
  checkCellValues,
  checkGrid,
  copySnapshot,
  type Engine,
  type SettableField,
  type EngineInfo,
  type EngineOptions,
  type RecordBatch,
  type StateSnapshot,
} from '../engine.js';
import { checkConstants } from '../engine.js';
import { decodeSamples, SAMPLE_WORDS } from '../../model/layout.js';
import { startState, startWarmUp } from '../initial-state.js';
import { sumOver } from './grid.js';
import { CTL, type AdvanceMsg, type DoneMsg, type WarmUpMsg, type WorkerInit, type WorkerMsg } from './parallel-shared.js';
import { ThreadPool } from './thread-pool.js';
import { clearWarmUpCounts } from './warm-up.js';
import { kernelViews, modelMemory, type KernelLayout, type KernelViews } from './wasm-kernels.js';

/** Cells per chunk of the neuron phase (a multiple of 4; about 0.06 ms of the WebAssembly kernel's work: small enough to balance, large enough to amortise). */
export const CELL_CHUNK = 1024;

export interface ParallelCpuOptions {
  /** The worker entry (default: cpu-worker.mjs next to this bundle; from the TS sources, build/node/cpu-worker.mjs). */
  workerUrl?: string | URL;
  /** Cells per chunk of the neuron phase (default CELL_CHUNK; tests use small chunks). */
  chunk?: number;
}

/** Where the bundled worker lives: next to the running bundle, or build/node/ when running the TS sources. */
export function defaultCpuWorkerUrl(): URL {
  const here = import.meta.url;
  if (/\.ts$/.test(here)) return new URL('../../../build/node/cpu-worker.mjs', here);
  return new URL('./cpu-worker.mjs', here);
}

function shared<T extends Float32Array | Uint32Array | Uint8Array | Int32Array>(
  Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  length: number,
  from?: ArrayLike<number>,
): T {
  const a = new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT));
  if (from) (a as unknown as { set(x: ArrayLike<number>): void }).set(from);
  return a;
}

/** Cells from which the engine's memory is filled on a worker thread (below: here, quicker than a thread's start). */
export const OFF_THREAD_CELLS = 100_000;

/** The engine's shared memory and its layout, ready to run: the model and its initial state laid in. */
type EngineMemory = { memory: WebAssembly.Memory; layout: KernelLayout };

/**
 * The shared memory of `threads` threads holding `m` and its initial state (initialState, modelMemory),
 * for a large model made on a worker thread: seconds of work at 10^6 cells that would otherwise hold
 * this thread, and with it every signal's handler. A shared memory crosses threads without a copy.
 */
async function engineMemory(m: Model, k: Constants, opts: EngineOptions, threads: number): Promise<EngineMemory> {
  if (m.nCells < OFF_THREAD_CELLS) return modelMemory(m, startState(m, k, opts), threads, true);
  const pool = await ThreadPool.start(1);
  try {
    const { c0_nM, rate0_Hz, d1A, initial } = opts;
    return await pool.call<EngineMemory>(0, { op: 'engineMemory', model: m, k, c0_nM, rate0_Hz, d1A, initial, threads });
  } finally {
    pool.close();
  }
}

function split(total: number, parts: number, p: number): number {
  return Math.floor((total * p) / parts);
}

export class ParallelCpuEngine implements Engine {
  readonly info: EngineInfo;
  private k: Constants;
  private readonly m: Model;
  private readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly sh: WorkerInit[] = [];
  /** The main thread's views of the shared memory. */
  private v!: KernelViews;
  private readonly recordSpikes: boolean;
  private readonly sampleSteps: number;
  private step = 0;
  private cur = 0;
  private busy = false;
  private disposed = false;
  private failure: Error | null = null;
  private pending: { resolve(d: DoneMsg[]): void; reject(e: Error): void; done: DoneMsg[] } | null = null;

  private constructor(opts: EngineOptions, threads: number) {
    this.m = opts.model;
    this.k = deriveConstants(opts.model, opts.doses);
    this.threads = threads;
    this.recordSpikes = opts.recordSpikes;
    this.sampleSteps = opts.sampleSteps;
    this.info = { engine: 'cpu', adapter: `WebAssembly, ${threads} worker thread${threads === 1 ? '' : 's'}` };
  }

  /** Start `threads` workers (default: all cores) on the initial state of `opts`. */
  static async create(opts: EngineOptions & ParallelCpuOptions, threads: number = availableParallelism()): Promise<ParallelCpuEngine> {
    if (!(opts.sampleSteps >= 1)) throw new Error(`cpu: sampleSteps must be >= 1, got ${opts.sampleSteps}`);
    const T = Math.max(1, Math.floor(threads));
    const e = new ParallelCpuEngine(opts, T);
    const url = opts.workerUrl ?? defaultCpuWorkerUrl();
    const path = typeof url === 'string' ? url : fileURLToPath(url);
    if (!existsSync(path)) {
      throw new Error(`cpu: the worker entry ${path} does not exist (build it: node esbuild.config.mjs --node-only)`);
    }
    await e.start(opts, path, Math.max(4, Math.ceil(Math.floor(opts.chunk ?? CELL_CHUNK) / 4) * 4));
    return e;
  }

  private async start(opts: EngineOptions, path: string, chunk: number): Promise<void> {
    const m = this.m;
    const g = m.geometry;
    const { memory, layout } = await engineMemory(m, this.k, opts, this.threads);
    this.v = kernelViews(memory, layout);
    // a restart's step and trace window (checked with its state above)
    this.step = opts.initial?.step ?? 0;
    const ctl = shared(Int32Array, CTL.slots);
    ctl[CTL.window] = opts.initial?.windowSpikes ?? 0;
    const base = {
      threads: this.threads,
      ctl,
      memory,
      layout,
      probe: shared(Uint32Array, g.probe.length, g.probe),
      nx: g.nx,
      ny: g.ny,
      nz: g.nz,
    };
    const T = this.threads;
    const ready: Promise<void>[] = [];
    for (let id = 0; id < T; id++) {
      const init: WorkerInit = {
        ...base,
        id,
        chunk,
        m0: split(g.inside.length, T, id),
        m1: split(g.inside.length, T, id + 1),
        z0: split(g.nz, T, id),
        z1: split(g.nz, T, id + 1),
      };
      this.sh.push(init);
      const wk = new Worker(path, { workerData: init });
      this.workers.push(wk);
      // from the start, so that no 'error' event is ever unhandled (after set-up: the engine fails)
      wk.on('error', (err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMsg = (msg: WorkerMsg) => {
            if (msg.type === 'ready') {
              wk.off('message', onMsg);
              wk.off('error', reject);
              resolve();
            }
          };
          wk.on('message', onMsg);
          wk.once('error', reject);
          wk.once('exit', (code) => reject(new Error(`cpu: a worker thread exited during start-up (code ${code})`)));
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      this.failure ??= err instanceof Error ? err : new Error(String(err));
      this.dispose();
      throw err;
    }
    for (const wk of this.workers) {
      wk.on('message', (msg: WorkerMsg) => this.onMessage(msg));
      wk.on('exit', (code) => {
        if (!this.disposed) this.fail(new Error(`cpu: a worker thread exited (code ${code})`));
      });
      wk.unref();
    }
    const warmUp = startWarmUp(m, opts);
    if (warmUp > 0 && m.nCells > 0) {
      try {
        await this.post({ type: 'warmUp', k: this.k, steps: warmUp, cur: this.cur });
      } catch (err) {
        this.dispose();
        throw err;
      }
      Atomics.store(ctl, CTL.next, 0);
      clearWarmUpCounts(this.v);
    }
  }

  /** Send `msg` to every worker; their DoneMsgs, in thread order. */
  private post(msg: AdvanceMsg | WarmUpMsg): Promise<DoneMsg[]> {
    return new Promise<DoneMsg[]>((resolve, reject) => {
      this.pending = { resolve, reject, done: [] };
      for (const wk of this.workers) {
        wk.ref();
        wk.postMessage(msg);
      }
    }).finally(() => {
      for (const wk of this.workers) wk.unref();
    });
  }

  private onMessage(msg: WorkerMsg): void {
    if (msg.type === 'error') {
      this.fail(new Error(`cpu worker ${msg.id}: ${msg.message}`));
      return;
    }
    if (msg.type !== 'done' || !this.pending) return;
    this.pending.done[msg.id] = msg;
    if (this.pending.done.filter(Boolean).length === this.threads) {
      const p = this.pending;
      this.pending = null;
      p.resolve(p.done);
    }
  }

  /** A worker failed: the others may wait at a barrier forever, so all are stopped and the engine is dead. */
  private fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    const p = this.pending;
    this.pending = null;
    this.dispose();
    p?.reject(err);
  }

  get constants(): Constants {
    return this.k;
  }

  setDoses(doses: DrugDoses): void {
    this.k = deriveConstants(this.m, doses);
  }

  setConstants(k: Constants): void {
    checkConstants(k, this.k);
    this.k = { ...k };
  }

  async advance(steps: number): Promise<RecordBatch> {
    if (this.failure) throw this.failure;
    if (this.disposed) throw new Error('cpu: engine disposed');
    if (this.busy) throw new Error('cpu: advance() called while another advance() is running');
    this.busy = true;
    try {
      return await this.advanceInner(Math.max(0, Math.floor(steps)));
    } finally {
      this.busy = false;
    }
  }

  private async advanceInner(steps: number): Promise<RecordBatch> {
    const g = this.m.geometry;
    const firstStep = this.step;
    const gridStart = sumOver(this.grid(), g.inside);
    let done: DoneMsg[] = [];
    if (steps > 0) {
      const msg: AdvanceMsg = {
        type: 'advance',
        k: this.k,
        firstStep,
        steps,
        cur: this.cur,
        sampleSteps: this.sampleSteps,
        recordSpikes: this.recordSpikes,
      };
      done = await this.post(msg);
      this.step += steps;
      if (steps % 2) this.cur = 1 - this.cur;
    }
    const raw = done[0]?.samples ?? new Uint32Array(0);
    const samples = decodeSamples(raw, raw.length / SAMPLE_WORDS);
    let spikeCount = 0;
    let released = 0;
    let uptaken = 0;
    let cleared = 0;
    for (const d of done) {
      spikeCount += d.spikeCount;
      released += d.released;
      uptaken += d.uptaken;
      cleared += d.cleared;
    }
    const batch: RecordBatch = {
      firstStep,
      steps,
      spikeCount,
      samples,
      mass: { released, uptaken, cleared, gridStart, gridEnd: sumOver(this.grid(), g.inside) },
    };
    if (this.recordSpikes) batch.spikes = mergeSpikes(done, steps, spikeCount);
    return batch;
  }

  private grid(): Float32Array {
    return this.v.grids[this.cur];
  }

  /** The state lives in shared memory that the workers touch only inside advance(). */
  setCellState(field: SettableField, values: Float32Array): void {
    if (this.busy) throw new Error('cpu: setCellState() while advance() is running');
    checkCellValues(field, values, this.m.nCells);
    this.v.state[field].set(values);
  }

  setGrid(grid: Float32Array): void {
    if (this.busy) throw new Error('cpu: setGrid() while advance() is running');
    checkGrid(grid, this.grid().length);
    this.grid().set(grid);
  }

  async snapshot(): Promise<StateSnapshot> {
    if (this.busy) throw new Error('cpu: snapshot() while advance() is running');
    return copySnapshot(this.step, this.v.state, this.grid(), Atomics.load(this.sh[0].ctl, CTL.window));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const wk of this.workers) void wk.terminate();
  }
}

/** Per grid step, the threads' lists (each ascending in cell) merged: ascending cells, CpuEngine's order. */
function mergeSpikes(done: DoneMsg[], steps: number, total: number): { cells: Uint32Array; steps: Uint32Array } {
  const cells = new Uint32Array(total);
  const fine = new Uint32Array(total);
  const T = done.length;
  const off = new Array<number>(T).fill(0);
  const end = new Array<number>(T).fill(0);
  let o = 0;
  for (let t = 0; t < steps; t++) {
    for (let w = 0; w < T; w++) end[w] = off[w] + done[w].perStep![t];
    for (;;) {
      let best = -1;
      let bestCell = Infinity;
      for (let w = 0; w < T; w++) {
        if (off[w] < end[w] && done[w].spikeCells![off[w]] < bestCell) {
          best = w;
          bestCell = done[w].spikeCells![off[w]];
        }
      }
      if (best < 0) break;
      cells[o] = bestCell;
      fine[o] = done[best].spikeSteps![off[best]];
      off[best]++;
      o++;
    }
  }
  return { cells, steps: fine };
}
