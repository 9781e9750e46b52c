/**
 * A checkpoint's progress against the runs it is to continue (after its own checks, validate.ts, and its
 * scenario hash): its position a step of these phases, each state one of this tissue (checkSnapshot),
 * each record batch of these recording settings (spikes recorded or not, one trace sample per window
 * ended in it). A mismatch, which only a damaged or forged checkpoint can hold, is a ConfigError (exit 2).
 */
import type { RecordBatch } from '../engines/engine.js';
import { checkSnapshot } from '../engines/initial-state.js';
import type { Model } from '../model/derive.js';
import { ConfigError } from '../model/errors.js';
import type { RecordingOptions } from '../model/scenario.js';
import type { BatchProgress } from './format.js';

function checkRecords(records: RecordBatch[], rec: RecordingOptions, what: (i: number) => string): void {
  records.forEach((r, i) => {
    if (!!r.spikes !== rec.spikes) throw new ConfigError(what(i), `spikes ${rec.spikes ? 'not ' : ''}recorded, unlike the scenario`);
    const windows = Math.floor((r.firstStep + r.steps) / rec.sampleSteps) - Math.floor(r.firstStep / rec.sampleSteps);
    if (r.samples.step.length !== windows) throw new ConfigError(what(i), `${r.samples.step.length} trace samples for ${windows} windows`);
  });
}

/** Checks `p` against the runs `members` (see the file comment); `step0` is where its position lies. */
export function checkResume(
  p: BatchProgress,
  members: { model: Model; recording: RecordingOptions }[],
  phaseSteps: readonly number[],
  step0: number,
): void {
  if (p.sims.length !== members.length) throw new ConfigError('resume', `${p.sims.length} runs in the checkpoint for ${members.length}`);
  if (p.phase >= phaseSteps.length || p.stepInPhase > phaseSteps[p.phase])
    throw new ConfigError('resume', `the checkpoint's position (phase ${p.phase}, step ${p.stepInPhase} of it) is not one of these phases`);
  p.sims.forEach((sim, s) => {
    if (sim.state.step !== step0)
      throw new ConfigError('resume', `run ${s}'s state is at step ${sim.state.step}, its position at ${step0}`);
    try {
      checkSnapshot(sim.state, members[s].model);
    } catch (e) {
      throw new ConfigError('resume', `run ${s}: ${e instanceof Error ? e.message : e} (not this scenario's tissue)`);
    }
    checkRecords(sim.records, members[s].recording, (i) => `resume: run ${s}, record batch ${i}`);
  });
}
