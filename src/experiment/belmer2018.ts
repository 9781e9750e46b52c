/**
 * The main experiment: every condition that findings F1-F7 need (model/findings.ts), each an
 * independent run started from its own estimated steady state, then the findings table. The
 * conditions share the tissue (N, seed, geometry) and differ only in genotype and doses, so they run
 * through runScenarios (run-scenario.ts, on the one clock: src/clock/) as batches of equal phase lengths: on
 * WebGPU in the same dispatches, on the CPU engine one condition per worker thread.
 */
import type { ResolvedEngine } from '../engines/create.js';
import {
  DOSES,
  DURATIONS_S,
  QUICK_DURATIONS_S,
  belmerConditions,
  evaluateFindings,
  type ConditionMeasure,
  type Finding,
  type PhaseDurations,
} from '../model/findings.js';
import { defaultParams, type Params } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';
import type { RunResult } from '../record/run-result.js';
import { runScenarios } from './run-scenario.js';

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
   * End each condition once settled, after at least this fraction of its duration (default
   * SETTLE_MIN_FRACTION; 1: always the full duration). The baselines always run in full: F1 reads
   * their ISI CV, and a shorter window would censor the long intervals.
   */
  settleMinFraction?: number;
}

/**
 * A condition starts at its estimated steady state, so most settle long before their fixed length:
 * each runs at least this fraction of it, then ends as soon as it (and every other condition of its
 * batch) is settled across the last quarter (model/settling.ts).
 */
export const SETTLE_MIN_FRACTION = 0.5;

export interface ExperimentResult {
  conditions: { name: string; result: RunResult }[];
  /** The microdialysis time course: one protocol run per genotype, baseline then fluoxetine. */
  timecourse: { name: string; result: RunResult }[];
  findings: Finding[];
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

export async function runBelmer2018(o: ExperimentOptions): Promise<ExperimentResult> {
  const t0 = performance.now();
  const conditions = conditionScenarios(o);
  const tc = o.timecourse === false ? [] : timecourseScenarios(o);
  const minFraction = o.settleMinFraction ?? SETTLE_MIN_FRACTION;
  const all = await runScenarios([...conditions, ...tc], o.engine, {
    onProgress: o.onProgress,
    onEstimate: o.onEstimate,
    maxBatch: o.maxBatch,
    // a last phase with a drug ends once settled (the time courses too: their plateau is reached); the
    // drug-free baselines run in full (F1 reads their ISI CV)
    settle:
      minFraction < 1 ? { minFraction: (sc) => (Object.keys(sc.phases[sc.phases.length - 1].doses).length ? minFraction : 1) } : undefined,
  });
  const results = all.slice(0, conditions.length);
  const timecourse = all.slice(conditions.length).map((r) => ({ name: r.name, result: r }));
  const failed = results.find((r) => !r.summary.complete);
  if (failed) throw new Error(`condition ${failed.name} failed: ${failed.summary.error}`);
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
  return {
    conditions: results.map((r) => ({ name: r.name, result: r })),
    timecourse,
    findings: evaluateFindings(measures),
    wallSeconds: (performance.now() - t0) / 1000,
    neurons: o.neurons,
    engine: results[0].engine.engine,
    adapter: results[0].engine.adapter,
  };
}
