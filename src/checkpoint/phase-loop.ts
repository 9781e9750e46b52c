/**
 * One phase of a batch of runs, chunk by chunk, from any grid step into it: the clock's own advance
 * (Clock.advance, Clock.advanceUntilSettled: the same chunks, events and settling rule, asked at the
 * same steps) with an await after each chunk, where a checkpoint can be written, and a start part-way
 * through (a resume), the phase's records so far included in the settling rule.
 */
import { type Clock, nextChunk, recordsSettled, type StepPlan } from '../clock/clock.js';
import type { RecordBatch } from '../engines/engine.js';

export interface PhasePlan {
  /** The phase's grid steps, and the steps of it already run (a resume; else 0). */
  steps: number;
  done: number;
  chunkSteps: number;
  /** The engine's step at the phase's start: its records are those from there on. */
  startStep: number;
  dtS: number;
  /** Ends the phase once settled (Clock.advanceUntilSettled's options), at least minSteps into it. */
  settle?: { minSteps: number; fromS: number; tolerance: number };
}

/**
 * Runs the rest of a phase; `records[sim]` holds every record batch so far (the clock's onChunk appends
 * to it). `afterChunk` is awaited after each chunk with the steps of the phase run by then. Returns the
 * steps of the phase run in all.
 */
export async function runPhase(
  clock: Clock,
  records: RecordBatch[][],
  p: PhasePlan,
  afterChunk: (ran: number) => Promise<void>,
): Promise<number> {
  const plan: StepPlan = p.settle
    ? { minSteps: p.settle.minSteps, maxSteps: p.steps, chunkSteps: p.chunkSteps }
    : { minSteps: p.steps, maxSteps: p.steps, chunkSteps: p.chunkSteps };
  const settle = p.settle;
  const check =
    settle &&
    ((): boolean =>
      records.every((rs) =>
        recordsSettled(
          rs.filter((r) => r.firstStep >= p.startStep),
          p.dtS,
          { fromS: settle.fromS, tolerance: settle.tolerance },
          ran,
        ),
      ));
  let ran = p.done;
  for (;;) {
    await clock.chunk(0); // applies the dose events due now (no step runs), as the clock's advance does first
    const n = nextChunk(ran, plan, clock.stepsToEvent(), check);
    if (n <= 0) break;
    await clock.chunk(n);
    ran += n;
    await afterChunk(ran);
  }
  return ran;
}
