/**
 * The library's jobs: a scenario (or several), the Belmer et al. 2018 experiment, a chronic course and
 * the chronic SSRI experiment, each on an engine chosen as the CLI chooses it, with a progress callback
 * and cancellation by an AbortSignal (checked between chunks of simulated time: src/lib/abort.ts).
 * Results are the simulator's own (RunResult: Float64Array traces, Uint32Array spikes); nothing is written.
 */
import { belmerConditions } from '../model/findings-conditions.js';
import type { ChronicRun } from '../experiment/chronic.js';
import { runChronic } from '../experiment/chronic.js';
import {
  CHRONIC_CONDITIONS,
  CHRONIC_QUICK,
  DPAT_SAMPLE_STEPS,
  type ChronicExperimentResult,
  type ChronicSize,
  runChronicSsri,
} from '../experiment/chronic-ssri.js';
import { type ExperimentResult, MAX_SEEDS, QUICK, runBelmer2018 } from '../experiment/belmer2018.js';
import { runScenarios } from '../experiment/run-scenario.js';
import { gridStep_s } from '../model/derive.js';
import { ConfigError, checkNumber } from '../model/errors.js';
import { PARAM_SPECS, defaultParams, type Params } from '../model/params.js';
import {
  LIMITS,
  MIN_SAMPLES_PER_PHASE,
  checkModelConsistency,
  parseDrugs,
  parseParams,
  parseScenario,
  type Scenario,
} from '../model/scenario.js';
import { parseChronic } from '../model/chronic.js';
import type { RunResult } from '../record/run-result.js';
import { checkAbort } from './abort.js';
import { type CheckpointOption, type EngineSelection, jobEngine, platform } from './platform.js';

/** A scenario as a scenario file holds it (schema/scenario.schema.json): `protocol` or `chronic`, `params`, ... */
export type ScenarioFile = Record<string, unknown>;

/** What every job takes besides its own settings. */
export interface JobOptions extends EngineSelection {
  /** Cancels the job between two chunks of simulated time; it then rejects with an AbortError. */
  signal?: AbortSignal;
  /** Fraction of the job done, 0 to 1, after each chunk. */
  onProgress?: (fraction: number) => void;
}

export interface RunJobOptions extends JobOptions {
  /** The steady-state starts as they are estimated, before any run: done and total. */
  onEstimate?: (done: number, total: number) => void;
  /** Grid steps per engine call (default 1000); a smaller chunk answers an abort sooner. */
  chunkSteps?: number;
  /**
   * Checkpoints of the runs (scenarios that run as one batch) in the folder `dir`: every `everyS` seconds
   * of wall time (default: 30 s, and at least 20 times a checkpoint's cost), and when `signal` aborts.
   * `resume`: continue from the checkpoint in `dir` when there is one (the same scenarios; another is
   * refused with a ConfigError), bit for bit as the runs would have gone on. Removed once the runs end.
   */
  checkpoint?: CheckpointOption;
}

/**
 * A scenario from its file's object, validated as `raphe run --scenario` validates it (defaults filled,
 * every parameter checked, the memory estimate against this machine's or $RAPHE_MEMORY_BYTES).
 * Throws a ConfigError naming the field.
 */
export function scenario(file: ScenarioFile, where = 'scenario'): Scenario {
  return parseScenario(file, where, platform().memoryBudget());
}

/** A parsed Scenario has `phases`; a scenario file never does. */
const asScenario = (s: Scenario | ScenarioFile, where: string): Scenario =>
  Array.isArray((s as { phases?: unknown }).phases) ? (s as Scenario) : scenario(s as ScenarioFile, where);

/** Run scenarios (objects as in a scenario file, or from `scenario()`); results in input order. */
export async function runMany(scenarios: (Scenario | ScenarioFile)[], o: RunJobOptions = {}): Promise<RunResult[]> {
  const scs = scenarios.map((s, i) => asScenario(s, `scenarios[${i}]`));
  const chronic = scs.find((s) => s.chronic);
  if (chronic) throw new ConfigError(chronic.name, 'is a chronic scenario: run it with chronicCourse()');
  if (!scs.length) return [];
  const engine = await jobEngine(o, { cells: Math.max(...scs.map((s) => s.neurons)), sims: scs.length });
  const ck = o.checkpoint && platform().runCheckpoints(scs, o.checkpoint, o.signal);
  const out = await runScenarios(scs, engine, {
    onProgress: o.onProgress,
    onEstimate: o.onEstimate,
    ...(o.chunkSteps ? { chunkSteps: o.chunkSteps } : {}),
    ...ck?.options,
  });
  checkAbort(o.signal);
  ck?.done.remove();
  return out;
}

/** Run one scenario (see runMany). */
export async function run(sc: Scenario | ScenarioFile, o: RunJobOptions = {}): Promise<RunResult> {
  return (await runMany([asScenario(sc, 'scenario')], o))[0];
}

export interface Belmer2018Options extends JobOptions {
  /** Cells a condition (default 9000; `quick`: 2000). */
  neurons?: number;
  seed?: number;
  /**
   * Seeds per condition, 1 to 64 (default 1): every condition also runs at seed + 1, ..., seed + K - 1
   * and the findings are decided on the mean readouts, each with its 95% interval (SeedFindingRow).
   */
  seeds?: number;
  /** The shorter phase lengths of `raphe experiment belmer2018 --quick` (and 2000 cells unless `neurons`). */
  quick?: boolean;
  /** Scale of every condition's length (1 = the paper's protocol lengths). */
  durationScale?: number;
  params?: Params;
  /** Also run the two microdialysis time courses of the report (default false, as the CLI without --out). */
  timecourse?: boolean;
  onEstimate?: (done: number, total: number) => void;
}

/** An experiment's tissue, checked as a scenario file's fields are, before any work (ConfigError naming the field). */
function checkedTissue(o: { neurons?: number; seed?: number; params?: Params }, neurons: number) {
  return {
    neurons: checkNumber('neurons', neurons, LIMITS.neurons.min, LIMITS.neurons.max, { integer: true }),
    seed: o.seed === undefined ? 1 : checkNumber('seed', o.seed, LIMITS.seed.min, LIMITS.seed.max, { integer: true }),
    params: o.params === undefined ? undefined : parseParams('params', o.params),
  };
}

/** The Belmer et al. 2018 experiment: every condition, its readouts and findings F1-F7. */
export async function belmer2018(o: Belmer2018Options = {}): Promise<ExperimentResult> {
  const { neurons, seed, params } = checkedTissue(o, o.neurons ?? (o.quick ? QUICK.neurons : 9000));
  const seeds = o.seeds === undefined ? 1 : checkNumber('seeds', o.seeds, 1, MAX_SEEDS, { integer: true });
  const engine = await jobEngine(o, { cells: neurons, sims: belmerConditions().length * seeds });
  const res = await runBelmer2018({
    engine,
    neurons,
    seed,
    ...(seeds > 1 ? { seeds } : {}),
    ...(o.durationScale !== undefined ? { durationScale: o.durationScale } : {}),
    ...(o.quick ? { durations: QUICK.durations } : {}),
    ...(params ? { params } : {}),
    timecourse: o.timecourse ?? false,
    onProgress: o.onProgress,
    onEstimate: o.onEstimate,
  });
  checkAbort(o.signal);
  return res;
}

/**
 * A chronic course: scenarios with a `chronic` protocol (days of treatment by the two-timescale driver,
 * docs/chronic.md) that share one tissue and timing, run together; results in input order.
 */
export async function chronicCourse(
  scenarios: (Scenario | ScenarioFile)[],
  o: JobOptions & { checkpoint?: RunJobOptions['checkpoint'] } = {},
): Promise<ChronicRun[]> {
  const scs = scenarios.map((s, i) => asScenario(s, `scenarios[${i}]`));
  const plain = scs.find((s) => !s.chronic);
  if (plain) throw new ConfigError(plain.name, 'has no chronic protocol: run it with run()');
  if (!scs.length) return [];
  const engine = await jobEngine(o, { cells: scs[0].neurons, sims: scs.length });
  const ck = o.checkpoint && platform().chronicCheckpoints(scs, o.checkpoint, o.signal);
  const out = await runChronic(scs, engine, { onProgress: o.onProgress, checkpoint: ck?.hooks });
  checkAbort(o.signal);
  ck?.done.remove();
  return out;
}

export interface ChronicSsriOptions extends JobOptions {
  /**
   * Slow step, fast-phase lengths and grid (default: those of --quick, CHRONIC_QUICK: 2,000 cells on a 40 µm
   * grid). Its voxel_um replaces params.voxel_um; `voxel_um: undefined` keeps the parameters' own.
   */
  size?: Partial<ChronicSize>;
  neurons?: number;
  seed?: number;
  params?: Params;
  /** The 8-OH-DPAT dose-response curves on days 0 and 21 (default true). */
  dpat?: boolean;
}

/** The chronic SSRI experiment (`raphe experiment chronic-ssri`): every condition's trajectory, C1-C3. */
export async function chronicSsri(o: ChronicSsriOptions = {}): Promise<ChronicExperimentResult> {
  const size: ChronicSize = { ...CHRONIC_QUICK, ...o.size };
  const { neurons, seed, params } = checkedTissue(o, o.neurons ?? size.neurons);
  // the size's grid replaces params.voxel_um; its slow step and phases are checked as a chronic protocol's
  const p = { ...(params ?? defaultParams()) };
  if (size.voxel_um !== undefined) {
    const spec = PARAM_SPECS.voxel_um;
    p.voxel_um = checkNumber('size.voxel_um', size.voxel_um, spec.min, spec.max, { unit: spec.unit });
    checkModelConsistency('size', p);
  }
  const dt = gridStep_s(p);
  const { slowStepH, slowTolerance, settleS, windowS } = size;
  parseChronic('size', { drugs: {}, slowStepH, slowTolerance, settleS, windowS }, parseDrugs, dt);
  const minDpatS = MIN_SAMPLES_PER_PHASE * DPAT_SAMPLE_STEPS * dt; // the fewest trace samples a phase may hold
  checkNumber('size.dpatS', size.dpatS, minDpatS, LIMITS.durationS.max, { unit: 's' });
  const engine = await jobEngine(o, { cells: neurons, sims: CHRONIC_CONDITIONS.length });
  const res = await runChronicSsri({
    engine,
    size,
    neurons,
    seed,
    ...(params ? { params } : {}),
    ...(o.dpat === false ? { dpat: false } : {}),
    onProgress: o.onProgress,
  });
  checkAbort(o.signal);
  return res;
}
