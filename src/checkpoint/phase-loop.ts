/**
 * One phase of a batch of runs, chunk by chunk, from any grid step into it: the clock's own advance
 * (Clock.advance, Clock.advanceUntilSettled: the same chunks, events and settling rule, asked at the
 * same steps) with an await after each chunk, where a checkpoint can be written, and a start part-way
 * through (a resume), the phase's records so far included in the settling rule.
 */
import { type Clock, nextChunk, recordsSettled } from '../clock/clock.js';
import type { RecordBatch } from '../engines/engine.js';

export interface PhasePlan {
  /** The phase's grid steps, and the steps of it already run (a resume; else 0). */
  steps: number;
  done: number;
  chunkSteps: number;
  /** The engine's step at the phase's start: its records are those from there on. */
  startStep: number;
  dtS: number;
  /**
   * Ends each sim's phase once its probe is settled (the settling rule of model/settling.ts from fromS),
   * at least its minSteps into the phase (one per sim, on a chunk's end): a settled sim is retired
   * (Clock.retire), so its run is what it would be alone, whatever its batch; the phase ends when
   * every sim has.
   */
  settle?: { minSteps: readonly number[]; fromS: number; tolerance: number };
  /** Whether a retired sim's steps may be skipped (not where the batch is checkpointed: its sims keep one step). */
  skipRetired: boolean;
  /** Steps of the phase at which a chunk must end (a fork's: run-scenario.ts RunOptions.fork). */
  stops?: readonly number[];
}

/** How far a phase ran: the steps of it the batch ran, and each sim's (less where its run ended settled). */
export interface PhaseRun {
  ran: number;
  simSteps: number[];
}

/**
 * Runs the rest of a phase; `records[sim]` holds every record batch so far (the clock's onChunk appends
 * to it, but not for retired sims). `afterChunk` is awaited after each chunk with the steps of the phase
 * run by then.
 */
export async function runPhase(
  clock: Clock,
  records: RecordBatch[][],
  p: PhasePlan,
  afterChunk: (ran: number) => Promise<void>,
): Promise<PhaseRun> {
  const settle = p.settle;
  const K = records.length;
  const simSteps = new Array<number>(K).fill(p.steps);
  // a resume part-way through: a sim whose records end before the position had ended settled
  const here = p.startStep + p.done;
  for (let s = 0; s < K; s++) {
    const last = records[s].at(-1);
    const end = last ? last.firstStep + last.steps : 0;
    if (settle && p.done > 0 && end < here && end > p.startStep) {
      simSteps[s] = end - p.startStep;
      clock.retire(s, p.skipRetired);
    }
  }
  const open = new Set(Array.from({ length: K }, (_, s) => s).filter((s) => !clock.isRetired(s)));
  const settledNow = (s: number, ran: number): boolean =>
    !!settle &&
    ran >= settle.minSteps[s] &&
    recordsSettled(
      records[s].filter((r) => r.firstStep >= p.startStep),
      p.dtS,
      { fromS: settle.fromS, tolerance: settle.tolerance },
      ran,
    );
  let ran = p.done;
  for (;;) {
    await clock.chunk(0); // applies the dose events due now (no step runs), as the clock's advance does first
    if (settle)
      for (const s of [...open])
        if (settledNow(s, ran)) {
          open.delete(s);
          simSteps[s] = ran;
          clock.retire(s, p.skipRetired);
        }
    if (!open.size) break;
    // a chunk ends where an open sim's settling may first be asked (its minSteps), else at the phase's end
    const ask = Math.min(
      settle ? Math.min(...[...open].map((s) => settle.minSteps[s]).filter((m) => m > ran)) : Infinity,
      ...(p.stops ?? []).filter((m) => m > ran),
    );
    const n = nextChunk(ran, { minSteps: p.steps, maxSteps: p.steps, chunkSteps: p.chunkSteps }, Math.min(clock.stepsToEvent(), ask - ran));
    if (n <= 0) break;
    await clock.chunk(n);
    ran += n;
    await afterChunk(ran);
  }
  return { ran, simSteps };
}
