/**
 * raphe as a library (`import { run, sweep } from 'raphe'`): the jobs of the CLI from code, with
 * progress callbacks, cancellation by AbortSignal and typed-array results. Node only (the CPU engine's
 * worker threads, the WebGPU engine through the `webgpu` package). docs/library.md describes the API;
 * src/browser.ts is the browser build's entry.
 *
 * @module raphe
 */
// the Node platform (engines, memory, checkpoints) for the jobs, installed before any of them runs
import './lib/node-platform.js';
export { AbortError, isAbortError } from './lib/abort.js';
export { openEngine } from './lib/engine.js';
export type { CheckpointOption, EngineJob, EngineSelection } from './lib/platform.js';
export {
  belmer2018,
  type Belmer2018Options,
  chronicCourse,
  chronicSsri,
  type ChronicSsriOptions,
  type JobOptions,
  run,
  runMany,
  type RunJobOptions,
  scenario,
  type ScenarioFile,
} from './lib/jobs.js';
export { sweep, type SweepFile, type SweepOptions, sweepSpec } from './lib/sweep.js';

export { ConfigError, ConfigErrors } from './model/errors.js';
export { defaultParams } from './model/params.js';
export type * from './lib/public-types.js';
