/**
 * Cancellation for the library: an engine seen through an AbortSignal. Every advance of simulated time
 * goes through a batch's `advance` (the clock's chunks, the chronic driver's fast phases), and every
 * start through `createBatch`/`create`/`estimate`, so checking the signal there stops any job between
 * two chunks without a check in each job's loop. The error thrown is an AbortError (`name` 'AbortError',
 * the signal's reason as its `cause`); runScenarios lets it through rather than marking the batch
 * incomplete, so a sweep's journal never records an interrupted point.
 */
import type { ResolvedEngine } from '../engines/create.js';
import type { BatchEngine, Engine } from '../engines/engine.js';

/** The error an aborted job rejects with. */
export class AbortError extends Error {
  constructor(reason?: unknown) {
    super('raphe: aborted', reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortError';
  }
}

/** True for the error an aborted job rejects with (ours, or a DOMException of that name). */
export const isAbortError = (e: unknown): boolean => e instanceof Error && e.name === 'AbortError';

/** Throw an AbortError when `signal` has been aborted. */
export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}

function abortableBatch(b: BatchEngine, signal: AbortSignal): BatchEngine {
  return {
    get info() {
      return b.info;
    },
    nSims: b.nSims,
    constants: (sim) => b.constants(sim),
    setDoses: (sim, doses) => b.setDoses(sim, doses),
    setConstants: (sim, k) => b.setConstants(sim, k),
    advance: async (steps) => {
      checkAbort(signal);
      return b.advance(steps);
    },
    setCellState: (sim, field, values) => b.setCellState(sim, field, values),
    setGrid: (sim, grid) => b.setGrid(sim, grid),
    snapshot: (sim) => b.snapshot(sim),
    dispose: () => b.dispose(),
  };
}

function abortableEngine(e: Engine, signal: AbortSignal): Engine {
  return {
    get info() {
      return e.info;
    },
    get constants() {
      return e.constants;
    },
    setDoses: (doses) => e.setDoses(doses),
    setConstants: (k) => e.setConstants(k),
    advance: async (steps) => {
      checkAbort(signal);
      return e.advance(steps);
    },
    setCellState: (field, values) => e.setCellState(field, values),
    setGrid: (grid) => e.setGrid(grid),
    snapshot: () => e.snapshot(),
    dispose: () => e.dispose(),
  };
}

/** `engine`, checking `signal` before each batch, each chunk of simulated time and each set of estimates. */
export function abortable(engine: ResolvedEngine, signal: AbortSignal | undefined): ResolvedEngine {
  if (!signal) return engine;
  return {
    ...engine,
    create: async (opts) => {
      checkAbort(signal);
      return abortableEngine(await engine.create(opts), signal);
    },
    createBatch: async (sims) => {
      checkAbort(signal);
      return abortableBatch(await engine.createBatch(sims), signal);
    },
    estimate: async (items, onEach) => {
      checkAbort(signal);
      const out = await engine.estimate(items, onEach);
      checkAbort(signal);
      return out;
    },
  };
}
