/**
 * raphe as a library (`import { run, sweep } from 'raphe'`): the jobs of the CLI from code, with
 * progress callbacks, cancellation by AbortSignal and typed-array results. Node only (the CPU engine's
 * worker threads, the WebGPU engine through the `webgpu` package). docs/library.md describes the API;
 * src/browser.ts is the browser build's entry.
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
