/**
 * `raphe experiment chronic-ssri` (docs/model.md §7): WT and Htr2b 5-HTKO on fluoxetine 10 nM for 21
 * days, and WT with WAY-100635 10 nM alongside, advanced together by the two-timescale driver
 * (chronic.ts); readouts on days 0 (before the drug), 1, 2, 3, 7, 14 and 21; on days 0 and 21 the
 * 8-OH-DPAT dose-response of firing of each genotype with its d1A of that day (drug-free, as in a slice
 * of the treated tissue; every dose of both days in one call, advanced together), its IC50 from the Hill fit of F7 (model/findings.ts ic50Fit); C1-C3.
 */
import type { ResolvedEngine } from '../engines/create.js';
import {
  CHRONIC_DOSES,
  evaluateChronicFindings,
  type ChronicFinding,
  type ChronicProtocol,
  type ChronicReadout,
} from '../model/chronic.js';
import type { DrugDoses, Genotype } from '../model/drugs.js';
import { DOSES, ic50Fit } from '../model/findings.js';
import { defaultParams, type Params } from '../model/params.js';
import { chronicDay0Phase, type Scenario } from '../model/scenario.js';
import { DPAT_MIN_FRACTION } from '../model/settling.js';
import { runChronic, type ChronicCheckpointHooks, type ChronicRun } from './chronic.js';
import { runScenarios } from './run-scenario.js';

export interface ChronicCondition {
  id: string;
  label: string;
  genotype: Genotype;
  doses: DrugDoses;
  /** Whether the 8-OH-DPAT curves are measured for it (days 0 and 21). */
  dpat: boolean;
}

export const CHRONIC_CONDITIONS: readonly ChronicCondition[] = [
  { id: 'wt+fluoxetine', label: 'WT', genotype: 'wt', doses: { fluoxetine: CHRONIC_DOSES.fluoxetine_nM }, dpat: true },
  { id: 'ko+fluoxetine', label: 'Htr2b 5-HTKO', genotype: 'htr2b-ko', doses: { fluoxetine: CHRONIC_DOSES.fluoxetine_nM }, dpat: true },
  {
    id: 'wt+fluoxetine+way',
    label: 'WT + WAY-100635',
    genotype: 'wt',
    doses: { fluoxetine: CHRONIC_DOSES.fluoxetine_nM, 'way-100635': CHRONIC_DOSES.way_nM },
    dpat: false,
  },
];

/** Sizes and fast-phase lengths of the full experiment and of --quick. */
export interface ChronicSize {
  neurons: number;
  /**
   * The longest slow step, h, and the step-size control's tolerance (ChronicProtocol). 56 h is a third of
   * the week between the readout days 7, 14 and 21, so that the long steps of the late course meet each
   * readout without a short step cut off by it (48 h took four steps a week, the last of 24 h).
   */
  slowStepH: number;
  slowTolerance: number;
  settleS: number;
  windowS: number;
  /** Length of each 8-OH-DPAT condition, s (ended once settled after half of it). */
  dpatS: number;
  /**
   * The grid's voxel edge at this size, µm, in place of the parameters' own voxel_um (absent: theirs, 20 µm
   * by default). --quick's 40 µm: its 2,000 cells would otherwise spend half of each step on the same
   * 31,384-voxel grid as 9,000; the release field (80 µm half-width) and the probe (120 µm) span whole
   * voxels at either edge, and the readouts move less than --quick's smaller N moves them
   * (docs/measurements/2026-12-03-quick-grid.md).
   */
  voxel_um?: number;
}
export const CHRONIC_FULL: ChronicSize = { neurons: 9000, slowStepH: 56, slowTolerance: 0.005, settleS: 2, windowS: 2, dpatS: 8 };
export const CHRONIC_QUICK: ChronicSize = {
  neurons: 2000,
  slowStepH: 56,
  slowTolerance: 0.01,
  settleS: 1,
  windowS: 1.5,
  dpatS: 3,
  voxel_um: 40,
};
export const CHRONIC_READOUT_DAYS = [0, 1, 2, 3, 7, 14, 21];
export const CHRONIC_DAYS = 21;
/** Days on which the 8-OH-DPAT dose-response is measured. */
export const DPAT_DAYS = [0, 21];
/** Grid steps between the trace samples of the 8-OH-DPAT runs (their settling rule reads the probe's samples). */
export const DPAT_SAMPLE_STEPS = 10;

export interface ChronicExperimentOptions {
  engine: ResolvedEngine;
  size: ChronicSize;
  neurons?: number;
  seed: number;
  params?: Params;
  /** The course's checkpoints, and a resume from one (experiment/chronic.ts). */
  checkpoint?: ChronicCheckpointHooks;
  /** Skip the 8-OH-DPAT curves (calibration runs). */
  dpat?: boolean;
  onProgress?: (fraction: number) => void;
}

/** One 8-OH-DPAT curve: rate relative to the drug-free rate with the same d1A, and its fitted IC50. */
export interface DpatCurve {
  condition: string;
  label: string;
  day: number;
  doses: number[];
  rel: number[];
  ic50Nm: number;
}

export interface ChronicExperimentResult {
  runs: ChronicRun[];
  days: ChronicReadout[];
  dpat: DpatCurve[];
  findings: ChronicFinding[];
  wallSeconds: number;
  neurons: number;
  engine: string;
  adapter: string;
}

export function chronicProtocol(size: ChronicSize, doses: DrugDoses): ChronicProtocol {
  return {
    doses,
    days: CHRONIC_DAYS,
    slowStepH: size.slowStepH,
    slowTolerance: size.slowTolerance,
    readoutDays: [...CHRONIC_READOUT_DAYS],
    settleS: size.settleS,
    windowS: size.windowS,
  };
}

export function chronicScenarios(o: Pick<ChronicExperimentOptions, 'size' | 'neurons' | 'seed' | 'params'>): Scenario[] {
  const base = o.params ?? defaultParams();
  const params = o.size.voxel_um === undefined ? base : { ...base, voxel_um: o.size.voxel_um };
  return CHRONIC_CONDITIONS.map((c) => {
    const chronic = chronicProtocol(o.size, c.doses);
    return {
      name: c.id,
      genotype: c.genotype,
      neurons: o.neurons ?? o.size.neurons,
      seed: o.seed,
      phases: [chronicDay0Phase(chronic)],
      params,
      recording: { spikes: false, sampleSteps: 10 },
      chronic,
    };
  });
}

/** The 8-OH-DPAT curves of `runs` on `days`: drug-free reference and DPAT_nM doses, each run with that day's d1A. */
async function dpatCurves(
  runs: ChronicRun[],
  engine: ResolvedEngine,
  dpatS: number,
  onProgress?: (f: number) => void,
): Promise<DpatCurve[]> {
  const doses = [0, ...DOSES.dpat_nM];
  const jobs: { cond: ChronicCondition; run: ChronicRun; day: number; dose: number }[] = [];
  for (const run of runs) {
    const cond = CHRONIC_CONDITIONS.find((c) => c.id === run.name);
    if (!cond?.dpat) continue;
    for (const day of DPAT_DAYS) if (run.d1AByDay.has(day)) for (const dose of doses) jobs.push({ cond, run, day, dose });
  }
  const scs: Scenario[] = jobs.map((j) => ({
    name: `${j.cond.id} day ${j.day} dpat ${j.dose}`,
    genotype: j.cond.genotype,
    neurons: j.run.scenario.neurons,
    seed: j.run.scenario.seed,
    phases: [{ name: 'dpat', durationS: dpatS, doses: j.dose > 0 ? { '8-oh-dpat': j.dose } : {} }],
    params: j.run.scenario.params,
    recording: { spikes: false, sampleSteps: DPAT_SAMPLE_STEPS },
    d1A: j.day === 0 ? undefined : j.run.d1AByDay.get(j.day),
  }));
  // each run, the drug-free reference too, ends once settled after a quarter of dpatS (model/settling.ts)
  const res = await runScenarios(scs, engine, { onProgress, settle: { minFraction: () => DPAT_MIN_FRACTION } });
  const failed = res.find((r) => !r.summary.complete);
  if (failed) throw new Error(`8-OH-DPAT condition ${failed.name} failed: ${failed.summary.error}`);
  const out: DpatCurve[] = [];
  for (let i = 0; i < jobs.length; i += doses.length) {
    const rates = res.slice(i, i + doses.length).map((r) => r.summary.meanRateHz);
    const rel = rates.slice(1).map((r) => r / rates[0]);
    const j = jobs[i];
    out.push({
      condition: j.cond.id,
      label: j.cond.label,
      day: j.day,
      doses: DOSES.dpat_nM.slice(),
      rel,
      ic50Nm: ic50Fit(DOSES.dpat_nM, rel),
    });
  }
  return out;
}

export async function runChronicSsri(o: ChronicExperimentOptions): Promise<ChronicExperimentResult> {
  const t0 = performance.now();
  const scs = chronicScenarios(o);
  const withDpat = o.dpat !== false;
  // progress: the trajectory about 3/4 of the work, the 8-OH-DPAT curves the rest
  const share = withDpat ? 0.75 : 1;
  const runs = await runChronic(scs, o.engine, { onProgress: (f) => o.onProgress?.(f * share), checkpoint: o.checkpoint });
  const dpat = withDpat ? await dpatCurves(runs, o.engine, o.size.dpatS, (f) => o.onProgress?.(share + f * (1 - share))) : [];
  const days = runs.flatMap((r) =>
    r.readouts.map((row) => {
      const curve = dpat.find((d) => d.condition === r.name && d.day === row.day);
      return curve ? { ...row, dpatIc50Nm: curve.ic50Nm } : row;
    }),
  );
  return {
    runs,
    days,
    dpat,
    findings: evaluateChronicFindings(days),
    wallSeconds: (performance.now() - t0) / 1000,
    neurons: scs[0].neurons,
    engine: runs[0].engine,
    adapter: runs[0].adapter,
  };
}
