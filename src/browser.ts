/**
 * raphe as a library in a browser (package.json's `browser` condition, and `raphe/browser`): the jobs of
 * src/index.ts on the browser's engines (src/lib/browser-platform.ts: WebGPU through navigator.gpu, the
 * CPU engine's WebAssembly kernel in the calling thread), in a page or a Web Worker. What needs a file
 * system is left out: checkpoints, a sweep's results folder (its resume is the caller's:
 * src/lib/sweep-browser.ts). docs/library.md#in-a-browser describes it.
 *
 * @module raphe/browser
 */
// the browser platform for the jobs, installed before any of them runs
import './lib/browser-platform.js';
export { AbortError, isAbortError } from './lib/abort.js';
export { openEngine } from './lib/browser-platform.js';
export type { EngineJob, EngineSelection } from './lib/platform.js';
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
export { type BrowserSweepOptions, sweep, type SweepFile, sweepSpec } from './lib/sweep-browser.js';

export { ConfigError, ConfigErrors } from './model/errors.js';
export { defaultParams } from './model/params.js';
export type * from './lib/public-types.js';
