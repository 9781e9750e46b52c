/**
 * raphe as a library in a browser (package.json's `browser` condition, and `raphe/browser`): the jobs of
 * src/index.ts on the browser's engines (src/lib/browser-platform.ts: WebGPU through navigator.gpu, the
 * CPU engine's WebAssembly kernel in the calling thread), in a page or a Web Worker. What needs a file
 * system is left out: checkpoints, a sweep's results folder (its resume is the caller's:
 * src/lib/sweep-browser.ts). docs/library.md#in-a-browser describes it.
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
export type { EngineChoice, ResolvedEngine } from './engines/create.js';
export type { EngineInfo, EngineKind } from './engines/engine.js';
export type { ExperimentResult } from './experiment/belmer2018.js';
export type { ChronicRun, ChronicStep } from './experiment/chronic.js';
export type { ChronicExperimentResult, ChronicSize, DpatCurve } from './experiment/chronic-ssri.js';
export type { ChronicProtocol, ChronicReadout } from './model/chronic.js';
export type { Finding } from './model/findings.js';
export type { Params } from './model/params.js';
export { defaultParams } from './model/params.js';
export type { Phase, RecordingOptions, Scenario } from './model/scenario.js';
export type { MassBalance, PhaseRecord, RunResult, RunSummary, Traces } from './record/run-result.js';
export type { PointMeasure, SweepFit, SweepResult } from './sweep/run.js';
export type { SweepRun } from './sweep/run-sweep.js';
export type { SweepSpec } from './sweep/spec.js';
