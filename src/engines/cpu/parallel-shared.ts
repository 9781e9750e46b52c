/**
 * What ParallelCpuEngine (main thread) and its worker threads (parallel-worker.ts) share: the layout of
 * the shared state, the control block, the messages, and the barrier.
 */
import type { Constants } from '../../model/derive.js';
import type { KernelLayout } from './wasm-kernels.js';

/** Int32 slots of the control block (a SharedArrayBuffer). */
export const CTL = {
  /** Barrier: threads arrived in the current round. */
  arrived: 0,
  /** Barrier: round number (the futex word that waiters sleep on). */
  round: 1,
  /** Spikes of the current trace window (all threads; Atomics.add, reset by thread 0 at each sample). */
  window: 2,
  /** Next chunk of cells to take in the current neuron phase (Atomics.add; reset by thread 0 after it). */
  next: 3,
  slots: 4,
} as const;

/** Everything a worker needs: a shared memory and shared typed arrays (no copies). */
export interface WorkerInit {
  /**
   * The shared WebAssembly memory of the kernels: state, drive, voxels, gap table, both grids, spike
   * sub-steps and counts, region, masks, SERT (wasm-kernels.ts; the worker builds its views from `layout`).
   */
  memory: WebAssembly.Memory;
  layout: KernelLayout;
  id: number;
  threads: number;
  /**
   * Cells per chunk, a multiple of 4 (the kernel's SIMD blocks never straddle two threads' chunks):
   * threads take chunks of cells in turn (dynamic balance, robust to a busy machine).
   */
  chunk: number;
  /** This thread's region voxels inside[m0, m1) (static: the mass sums stay reproducible). */
  m0: number;
  m1: number;
  /** This thread's box planes [z0, z1), whose release quanta counts it zeroes once all threads read them. */
  z0: number;
  z1: number;
  ctl: Int32Array;
  probe: Uint32Array;
  nx: number;
  ny: number;
  nz: number;
}

/** Main -> worker: run `steps` grid steps from `firstStep`, grid `cur` (0: A, 1: B) current. */
export interface AdvanceMsg {
  type: 'advance';
  k: Constants;
  firstStep: number;
  steps: number;
  cur: number;
  sampleSteps: number;
  recordSpikes: boolean;
}

/**
 * Main -> worker: warm a built start up (warm-up.ts): take chunks of cells in turn (CTL.next) and run
 * each over `steps` grid steps against grid `cur`, held; answered with a DoneMsg of zeros. The main thread
 * then resets CTL.next and drops the counts.
 */
export interface WarmUpMsg {
  type: 'warmUp';
  k: Constants;
  steps: number;
  cur: number;
}

/** Worker -> main at the end of a batch. */
export interface DoneMsg {
  type: 'done';
  id: number;
  spikeCount: number;
  released: number;
  uptaken: number;
  cleared: number;
  /** Recorded spikes of the cells this thread ran, per step in ascending cell order, and how many fell in each step. */
  spikeCells?: Uint32Array;
  spikeSteps?: Uint32Array;
  perStep?: Uint32Array;
  /** Thread 0 only: the trace samples of the batch, SAMPLE_WORDS words each (model/layout.ts). */
  samples?: Uint32Array;
}

export type WorkerMsg = { type: 'ready'; id: number } | DoneMsg | { type: 'error'; id: number; message: string };

/**
 * A reusable barrier for `threads` threads on ctl[arrived] / ctl[round]: the last to arrive resets the
 * count, bumps the round and wakes the sleepers; the others spin briefly (a grid step's phases are short
 * at small sizes) and then sleep in Atomics.wait.
 */
export function barrier(ctl: Int32Array, threads: number, spin = 2000): void {
  if (threads === 1) return;
  const round = Atomics.load(ctl, CTL.round);
  if (Atomics.add(ctl, CTL.arrived, 1) === threads - 1) {
    Atomics.store(ctl, CTL.arrived, 0);
    Atomics.add(ctl, CTL.round, 1);
    Atomics.notify(ctl, CTL.round);
    return;
  }
  for (let s = 0; s < spin; s++) if (Atomics.load(ctl, CTL.round) !== round) return;
  while (Atomics.load(ctl, CTL.round) === round) Atomics.wait(ctl, CTL.round, round);
}
