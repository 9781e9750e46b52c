/**
 * The library's platform in Node (src/lib/platform.ts), installed by src/index.ts: engines as the CLI
 * opens them (src/lib/engine.ts), this machine's memory or $RAPHE_MEMORY_BYTES, and checkpoints in a
 * folder (src/checkpoint/).
 */
import { chronicCheckpoint, chronicProgressOf } from '../checkpoint/chronic.js';
import { RunCheckpoints, scenarioHash } from '../checkpoint/run-checkpoints.js';
import { hasCheckpoint } from '../checkpoint/store.js';
import type { ChronicProgress } from '../experiment/chronic.js';
import { ConfigError } from '../model/errors.js';
import type { Scenario } from '../model/scenario.js';
import { openEngine } from './engine.js';
import { memoryBudget } from './memory.js';
import { type CheckpointOption, type ChronicCheckpointHooks, type Platform, type RunCheckpointHooks, setPlatform } from './platform.js';

/** The checkpoints of runMany's runs (RunJobOptions.checkpoint): an abort writes one first. */
function runCheckpoints(scs: Scenario[], c: CheckpointOption, signal?: AbortSignal): RunCheckpointHooks {
  if (typeof c.dir !== 'string' || c.dir === '') throw new ConfigError('checkpoint.dir', 'must name a folder');
  const hash = scenarioHash(scs);
  const ck = new RunCheckpoints(c.dir, hash, c.everyS);
  const hooks = ck.hooks();
  const resume = c.resume && hasCheckpoint(c.dir) ? RunCheckpoints.read(c.dir, hash, 'checkpoint.dir').progress : undefined;
  const checkpoint = { due: () => !!signal?.aborted || hooks.due(), save: hooks.save };
  return { done: ck, options: { checkpoint, ...(resume ? { resume } : {}) } };
}

/**
 * A chronic course's checkpoints (the `checkpoint` option of chronicCourse, as runMany's): after its slow
 * steps every `everyS` seconds, and at the first slow step after `signal` aborts; `resume` continues from
 * the one in `dir`, checked against the course.
 */
function chronicCheckpoints(scs: Scenario[], c: CheckpointOption, signal?: AbortSignal): ChronicCheckpointHooks {
  if (typeof c.dir !== 'string' || c.dir === '') throw new ConfigError('checkpoint.dir', 'must name a folder');
  const hash = scenarioHash(scs);
  const ck = new RunCheckpoints(c.dir, hash, c.everyS);
  const h = ck.hooksOf(
    (p: ChronicProgress) => chronicCheckpoint(p, hash),
    (p) => `day ${p.t / 24}`,
  );
  const shape = { names: scs.map((x) => x.name), nCells: scs[0].neurons, days: scs[0].chronic!.days };
  const resume =
    c.resume && hasCheckpoint(c.dir)
      ? chronicProgressOf(RunCheckpoints.read(c.dir, hash, 'checkpoint.dir'), 'checkpoint.dir', shape)
      : undefined;
  const hooks = { due: () => !!signal?.aborted || h.due(), save: h.save, ...(resume ? { resume } : {}) };
  return { done: ck, hooks };
}

export const nodePlatform: Platform = { memoryBudget, openEngine, runCheckpoints, chronicCheckpoints };

setPlatform(nodePlatform);
