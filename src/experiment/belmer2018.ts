/**
 * The main experiment: every condition that findings F1-F7 need (model/findings.ts), each an
 * independent run started from its own estimated steady state, then the findings table. The
 * conditions share the tissue (N, seed, geometry) and differ only in genotype and doses, so they run
 * through runScenarios (run-scenario.ts, on the one clock: src/clock/) as batches of equal phase lengths: on
 * WebGPU in the same dispatches, on the CPU engine one condition per worker thread.
 *
 * With `seeds` K > 1 every condition runs at seeds seed, seed + 1, ..., seed + K - 1 (the whole tissue
 * drawn anew at each), all in the one call of runScenarios (which batches those that share a tissue,
 * so each seed's conditions batch as a single seed's do); the findings are then decided on the mean
 * readouts over the seeds, each with its 95% interval (model/findings-seeds.ts). The microdialysis time
 * courses, a figure and not a finding, run at the first seed only.
 */
import type { ResolvedEngine } from '../engines/create.js';
import {
  DOSES,
  DURATIONS_S,
  QUICK_DURATIONS_S,
  belmerConditions,
  evaluateFindings,
  evaluateFindingsOverSeeds,
  type ConditionMeasure,
  type Finding,
  type PhaseDurations,
} from '../model/findings.js';
import { gridStep_s } from '../model/derive.js';
import { defaultParams, type Params } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';
import { settleMinFraction } from '../model/settling.js';
import type { DrugDoses } from '../model/drugs.js';
import type { RunResult } from '../record/run-result.js';
import type { BatchProgress, SimProgress } from '../checkpoint/format.js';
import { phaseSteps } from '../clock/schedule.js';
import { runScenarios, type RunOptions } from './run-scenario.js';

export interface ExperimentOptions {
  engine: ResolvedEngine;
  neurons: number;
  seed: number;
  /** Scale of every condition's duration (1 = the durations of model/findings.ts). */
  durationScale?: number;
  /** Phase lengths (default DURATIONS_S of model/findings.ts; QUICK.durations for --quick). */
  durations?: PhaseDurations;
  params?: Params;
  onProgress?: (fraction: number) => void;
  /** The steady-state starts as they are estimated (before the runs). */
  onEstimate?: (done: number, total: number) => void;
  /** Most conditions in one batch (default: as many as the engine allows). */
  maxBatch?: number;
  /** Also run the report's microdialysis time courses (two protocol runs, not findings; default true). */
  timecourse?: boolean;
  /**
   * End each drug condition once settled, after at least this fraction of its duration (default: each
   * its own, model/settling.ts settleMinFraction; 1: always the full duration). The baselines always run
   * in full: F1 reads their ISI CV, and a shorter window would censor the long intervals.
   */
  settleMinFraction?: number;
  /** Seeds per condition, from `seed` up (default 1: one run each, as without the option). */
  seeds?: number;
}

/** One condition's result at one seed. */
export interface SeedResult {
  seed: number;
  result: RunResult;
}

export interface ExperimentResult {
  /** Each condition's result (at the first seed), and with K > 1 seeds its result at every seed. */
  conditions: { name: string; result: RunResult; seeds?: SeedResult[] }[];
  /** The microdialysis time course: one protocol run per genotype, baseline then fluoxetine. */
  timecourse: { name: string; result: RunResult }[];
  /** The findings (with K > 1 seeds decided on the means over the seeds: SeedFindingRow). */
  findings: Finding[];
  /** With K > 1 seeds: the seeds and each seed's own findings. */
  perSeed?: { seed: number; findings: Finding[] }[];
  wallSeconds: number;
  neurons: number;
  engine: string;
  adapter: string;
}

export const QUICK = { neurons: 2000, durations: QUICK_DURATIONS_S } as const;

export function conditionScenarios(o: Pick<ExperimentOptions, 'neurons' | 'seed' | 'durationScale' | 'durations' | 'params'>): Scenario[] {
  return belmerConditions(o.durationScale ?? 1, o.durations).map((c) => ({
    name: c.id,
    genotype: c.genotype,
    neurons: o.neurons,
    seed: o.seed,
    phases: [{ name: c.id, durationS: c.durationS, doses: c.doses }],
    params: o.params ?? defaultParams(),
    recording: { spikes: true, sampleSteps: 10 },
  }));
}

/**
 * The microdialysis time course of the report (not a finding): WT and KO, each one run of a drug-free
 * baseline (half the baseline condition's length) then fluoxetine for the SSRI conditions' length,
 * started from the baseline's steady state.
 */
export function timecourseScenarios(o: Pick<ExperimentOptions, 'neurons' | 'seed' | 'durationScale' | 'durations' | 'params'>): Scenario[] {
  const dur = o.durations ?? DURATIONS_S;
  const d = (s: number) => Math.max(2, Math.round(s * (o.durationScale ?? 1)));
  return (['wt', 'htr2b-ko'] as const).map((genotype) => ({
    name: genotype === 'wt' ? 'WT' : 'Htr2b 5-HTKO',
    genotype,
    neurons: o.neurons,
    seed: o.seed,
    phases: [
      { name: 'baseline', durationS: d(dur.baseline / 2), doses: {} },
      { name: 'fluoxetine', durationS: d(dur.ssri), doses: DOSES.ssri },
    ],
    params: o.params ?? defaultParams(),
    recording: { spikes: false, sampleSteps: 10 },
  }));
}

/** Grid steps of a scenario's phase (the clock's own rounding, clock/schedule.ts). */
const stepsIn = (sc: Scenario, phase: number) => phaseSteps([sc.phases[phase]], gridStep_s(sc.params))[0];

/** Grid steps of every scenario's phases together (for the progress fraction). */
const stepsOf = (scs: readonly Scenario[]) => scs.reduce((a, sc) => a + sc.phases.reduce((x, _, i) => x + stepsIn(sc, i), 0), 0);

/**
 * Each time course's fork: the drug-free condition of its genotype among `conds` (one seed's) and the grid
 * steps of its own drug-free phase, where it continues that condition's run (its phases from the second on).
 * None where a condition cannot carry it (other parameters or tissue, or a baseline not longer than the time
 * course's).
 */
function forkTimecourses(tc: readonly Scenario[], conds: readonly Scenario[]): { from: number; steps: number }[] {
  const forks = tc.map((t) => {
    const from = conds.findIndex((c) => c.genotype === t.genotype && c.phases.length === 1 && !Object.keys(c.phases[0].doses).length);
    const c = conds[from];
    const ok =
      from >= 0 &&
      !Object.keys(t.phases[0].doses).length &&
      JSON.stringify(c.params) === JSON.stringify(t.params) &&
      c.neurons === t.neurons &&
      c.seed === t.seed &&
      c.recording.sampleSteps === t.recording.sampleSteps &&
      stepsIn(t, 0) < stepsIn(c, 0);
    return ok ? { from, steps: stepsIn(t, 0) } : undefined;
  });
  return forks.every((f) => f !== undefined) ? forks : [];
}

/** The time courses' progress at their fork: phase 1 from its start, spikes left out (not recorded there). */
function forkProgress(kept: readonly { p: SimProgress; wall: number }[]): BatchProgress {
  return {
    phase: 1,
    stepInPhase: 0,
    wallSeconds: Math.max(...kept.map((k) => k.wall)),
    sims: kept.map(({ p }) => ({ ...p, records: p.records.map(({ spikes: _, ...r }) => r) })),
  };
}

/** What the findings read from each condition's result. */
function measuresOf(results: readonly RunResult[]): Record<string, ConditionMeasure> {
  const measures: Record<string, ConditionMeasure> = {};
  for (const r of results) {
    measures[r.name] = {
      rateHz: r.summary.meanRateHz,
      medianCvIsi: r.summary.medianCvIsi,
      probeNm: r.summary.probe5htNm,
      settled: r.summary.settled,
      drift: r.summary.probeDriftLastQuarter,
    };
  }
  return measures;
}

/** Most seeds of one experiment (`--seeds K`, the library's `seeds`). */
export const MAX_SEEDS = 64;

/** The seeds of a run with `seeds` K: seed, seed + 1, ..., seed + K - 1. */
export function seedList(seed: number, seeds = 1): number[] {
  return Array.from({ length: Math.max(1, seeds) }, (_, k) => seed + k);
}

export async function runBelmer2018(o: ExperimentOptions): Promise<ExperimentResult> {
  const t0 = performance.now();
  const seeds = seedList(o.seed, o.seeds);
  const bySeed = seeds.map((seed) => conditionScenarios({ ...o, seed }));
  const conditions = bySeed.flat();
  const tc = o.timecourse === false ? [] : timecourseScenarios(o);
  const minFraction = (doses: DrugDoses) => o.settleMinFraction ?? settleMinFraction(doses);
  const settle: RunOptions['settle'] =
    o.settleMinFraction === 1
      ? undefined
      : {
          // a last phase with a drug ends once settled (the time courses too: their plateau is reached); the
          // drug-free baselines run in full (F1 reads their ISI CV)
          minFraction: (sc) => {
            const doses = sc.phases[sc.phases.length - 1].doses;
            return Object.keys(doses).length ? minFraction(doses) : 1;
          },
        };
  // the time courses' drug-free start is the first seconds of their genotype's baseline condition (the same
  // tissue, seed, start and engine: bit for bit), so each continues that condition's run from there
  const forks = forkTimecourses(tc, bySeed[0]);
  const kept = new Map<number, { p: SimProgress; wall: number }>();
  const cSteps = stepsOf(conditions);
  const tSteps = stepsOf(tc) - forks.reduce((a, f) => a + f.steps, 0);
  const share = cSteps / Math.max(1, cSteps + tSteps);
  const results = await runScenarios(conditions, o.engine, {
    onProgress: o.onProgress && ((f) => o.onProgress!(f * share)),
    onEstimate: o.onEstimate,
    maxBatch: o.maxBatch,
    settle,
    fork: {
      at: (i) => forks.find((f) => f.from === i)?.steps,
      keep: (i, p, wall) => kept.set(i, { p, wall }),
    },
  });
  const forked = forks.length > 0 && forks.every((f) => kept.has(f.from));
  const timecourse = (
    await runScenarios(tc, o.engine, {
      onProgress: o.onProgress && ((f) => o.onProgress!(share + f * (1 - share))),
      maxBatch: o.maxBatch,
      settle,
      // from the conditions' states (or, where one ended before the fork, from the start)
      ...(forked ? { resume: forkProgress(forks.map((f) => kept.get(f.from)!)) } : { onEstimate: o.onEstimate }),
    })
  ).map((r) => ({ name: r.name, result: r }));
  const failed = results.find((r) => !r.summary.complete);
  if (failed)
    throw new Error(`condition ${failed.name}${seeds.length > 1 ? ` (seed ${failed.summary.seed})` : ''} failed: ${failed.summary.error}`);
  const n = bySeed[0].length;
  const perSeed = seeds.map((_, k) => results.slice(k * n, (k + 1) * n));
  const made = (conds: ExperimentResult['conditions'], findings: Finding[]): ExperimentResult => ({
    conditions: conds,
    timecourse,
    findings,
    wallSeconds: (performance.now() - t0) / 1000,
    neurons: o.neurons,
    engine: results[0].engine.engine,
    adapter: results[0].engine.adapter,
  });
  if (seeds.length === 1)
    return made(
      results.map((r) => ({ name: r.name, result: r })),
      evaluateFindings(measuresOf(results)),
    );
  const measures = perSeed.map(measuresOf);
  const conds = perSeed[0].map((r, i) => ({ name: r.name, result: r, seeds: perSeed.map((rs, k) => ({ seed: seeds[k], result: rs[i] })) }));
  return {
    ...made(conds, evaluateFindingsOverSeeds(seeds, measures)),
    perSeed: seeds.map((seed, k) => ({ seed, findings: evaluateFindings(measures[k]) })),
  };
}
