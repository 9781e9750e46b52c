/**
 * The types of the library's results and inputs, exported by both entries (src/index.ts, src/browser.ts)
 * so that every type a job's signature names can be imported by name (and is in the API documentation,
 * `npm run apidocs`).
 */
export type { EngineChoice, ResolvedEngine } from '../engines/create.js';
export type { EngineInfo, EngineKind } from '../engines/engine.js';
export type { ExperimentResult, SeedResult } from '../experiment/belmer2018.js';
export type { ChronicRun, ChronicStep } from '../experiment/chronic.js';
export type { ChronicExperimentResult, ChronicSize, DpatCurve } from '../experiment/chronic-ssri.js';
export type { ChronicProtocol, ChronicReadout } from '../model/chronic.js';
export type { DrugDoses, DrugName, Genotype } from '../model/drugs.js';
export type { Finding } from '../model/findings.js';
export type { FindingRow } from '../model/findings-spec.js';
export type { Interval } from '../model/hill-fit.js';
export type { ParamKey, Params } from '../model/params.js';
export type { Phase, RecordingOptions, Scenario } from '../model/scenario.js';
export type { MassBalance, PhaseRecord, RunResult, RunSummary, Traces } from '../record/run-result.js';
export type { FitReadout, PointMeasure, PointRow, SweepFit, SweepResult } from '../sweep/run.js';
export type { SweepRun } from '../sweep/run-sweep.js';
export type { SweepPoint } from '../sweep/points.js';
export type { Axis, AxisKind, AxisValue, Readout, SweepSpec } from '../sweep/spec.js';
