/**
 * The two-timescale driver of chronic treatment (docs/model.md §7). Weeks at 1 ms grid steps are out of
 * reach (21 days = 1.8e9 steps), so:
 *   1. day 0, before the drug: each condition started drug-free from its estimated steady state, settled,
 *      each cell's 5-HT1A and 5-HT2B activations averaged over a window (the day-0 readout; d1A = d2B = 0,
 *      SERT intact);
 *   2. the treatment: started from the drug's estimated steady state, settled; then for each slow step,
 *      with d1A, d2B and sertScale frozen in the engine, the fast network runs `settleS` from the previous
 *      step's state and `windowS` more over which each cell's mean s1A and s2B (the a1Sum and a2Sum state
 *      fields) are read, and the slow variables are advanced exactly over the slow step
 *      (model/chronic.ts advanceChronic, linear ODEs): predicted with the drives held, then, once the
 *      next fast phase has read the drives at the predicted state, corrected with the drives linear in
 *      time between the two (trapezoidal in the drive, the fast phases reused: second order in the slow
 *      step, at no extra fast phase); SERT down-regulation follows the drug's occupancy alone, exactly;
 *      repeat.
 * The conditions of one tissue advance together as one BatchEngine: on WebGPU in the same dispatches,
 * on the CPU engine one condition per worker thread. The fast phase is chronic-fast.ts; `runBruteForce`
 * (chronic-brute.ts) is the check of the scheme.
 */
import type { ResolvedEngine } from '../engines/create.js';
import type { StateSnapshot } from '../engines/engine.js';
import {
  advanceChronic,
  cellA50,
  copyChronicState,
  d1AStats,
  sertScaleOf,
  zeroChronicState,
  type ChronicProtocol,
  type ChronicReadout,
  type ChronicSlowState,
} from '../model/chronic.js';
import { buildModelAsync, type Model } from '../model/derive.js';
import { ssriPotency2B } from '../model/sert-2b.js';
import type { Scenario } from '../model/scenario.js';
import { FIRST_SLOW_STEP_H, nextSlowTime, nextStepH, sameSlowTime, slowStops, slowTimes, slowWeights, stepError } from './chronic-steps.js';
import {
  FIRST_SETTLE_MAX_S,
  FIRST_SETTLE_S,
  MIN_SETTLE_S,
  appliedSertScale,
  balanceScale,
  constantsWithSert,
  regionMean,
  releaseElasticity,
  fastOutOf,
  fastPhase,
  setD2B,
  type FastScalars,
  startOpts,
  type FastOut,
} from './chronic-fast.js';

// the fast phase and the scheme's brute-force check have their own files; callers import them from here too
export { FIRST_SETTLE_MAX_S, FIRST_SETTLE_S, balanceScale, fastPhase, startOpts, type FastOut } from './chronic-fast.js';
export { runBruteForce, type BrutePoint } from './chronic-brute.js';

/** The share of the progress bar the drug-free day 0 takes. */
const DAY0_SHARE = 0.1;

/** The trajectory at one slow step (t hours after the drug's start). */
export interface ChronicStep {
  hours: number;
  meanD1A: number;
  fractionDesensitised: number;
  rateHz: number;
  probe5htNm: number;
  meanA1A: number;
  /** The firing rate over the condition's drug-free day-0 rate. */
  rateRel: number;
  /** Mean over cells of the 5-HT2B desensitisation d2B. */
  meanD2B: number;
  /** The factor on SERT Vmax, 1 - sertDown. */
  sertScale: number;
  /** Probe drift across the last quarter of the averaging window under the settling rule. */
  settled: boolean;
}

export interface ChronicRun {
  name: string;
  scenario: Scenario;
  /** Readouts on the readout days (day 0: before the drug). */
  readouts: ChronicReadout[];
  /** Every slow step of the treatment, in order (hours from 0 to days x 24). */
  steps: ChronicStep[];
  /** Per-cell d1A on each readout day. */
  d1AByDay: Map<number, Float32Array>;
  /** Mean over cells of d_max h(abar) at the drug-free day 0: where d1A would head without treatment. */
  vehicleTarget: number;
  /** The same for d2B: mean over cells of d2BMax h(abar2B) at the drug-free day 0. */
  vehicleTargetD2B: number;
  engine: string;
  adapter: string;
}

/**
 * Where a chronic course stands at a slow time of its treatment: everything the driver needs to go on
 * exactly as if it had not stopped (src/checkpoint/chronic.ts writes and reads it).
 */
export interface ChronicProgress {
  /** The slow time reached, hours, and the next step asked for. */
  t: number;
  h: number;
  /** Each sim's release elasticity (chronic-fast.ts). */
  beta: number[];
  /** Each sim's drug-free day-0 rate and vehicle targets of d1A and d2B. */
  day0Rate: number[];
  vehicle: number[];
  vehicle2B: number[];
  /** Each sim's slow state at t (corrected). */
  slow: ChronicSlowState[];
  /** What each sim's last fast phase read besides its state. */
  drives: FastScalars[];
  steps: ChronicStep[][];
  readouts: ChronicReadout[][];
  /** Each sim's per-cell d1A on the readout days reached. */
  d1AByDay: Map<number, Float32Array>[];
  /** Each sim's engine state at t (the end of its last fast phase's window). */
  states: StateSnapshot[];
}

/** The driver's checkpoint hooks: after each slow step, `save` when `due`; `resume` continues such a save. */
export interface ChronicCheckpointHooks {
  due(): boolean;
  save(p: ChronicProgress): Promise<void>;
  resume?: ChronicProgress;
  /** Called once the treatment's last slow step is done (no checkpoint comes after it). */
  finished?(): void;
}

export interface ChronicOptions {
  /** Checkpoints of the treatment, and a resume from one (ChronicProgress). */
  checkpoint?: ChronicCheckpointHooks;
  onProgress?: (fraction: number) => void;
  /** Grid steps per engine call. */
  chunkSteps?: number;
  /** Start each slow step's fast phase with the grid scaled to balance release and removal (balanceScale; default true). */
  balanceJump?: boolean;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

// where the slow steps fall and how long they are: chronic-steps.ts; callers import slowTimes from here too
export { slowTimes } from './chronic-steps.js';

export function checkShared(scs: Scenario[]): ChronicProtocol {
  const c = scs[0].chronic;
  if (!c) throw new Error(`chronic: scenario ${scs[0].name} has no chronic protocol`);
  const key = (sc: Scenario) =>
    JSON.stringify([sc.neurons, sc.seed, sc.recording.sampleSteps, sc.chronic && { ...sc.chronic, doses: null }, sc.params.voxel_um]);
  for (const sc of scs) {
    if (!sc.chronic) throw new Error(`chronic: scenario ${sc.name} has no chronic protocol`);
    if (key(sc) !== key(scs[0])) throw new Error(`chronic: scenario ${sc.name} does not share the tissue and timing of ${scs[0].name}`);
  }
  return c;
}

/** A readout row of condition `name` (day 0: before the drug). */
function readoutRow(name: string, day: number, st: ChronicStep): ChronicReadout {
  return {
    condition: name,
    day,
    rateHz: st.rateHz,
    probe5htNm: st.probe5htNm,
    meanD1A: st.meanD1A,
    fractionDesensitised: st.fractionDesensitised,
    meanA1A: st.meanA1A,
    rateRel: st.rateRel,
    meanD2B: st.meanD2B,
    sertScale: st.sertScale,
  };
}

/** The trajectory row of one sim at a slow time, from its slow state and the fast phase just run. */
function stepRow(hours: number, x: ChronicSlowState, f: FastOut, day0RateHz: number): ChronicStep {
  const st = d1AStats(x.d1A.d);
  return {
    hours,
    meanD1A: st.mean,
    fractionDesensitised: st.fraction,
    rateHz: f.rateHz,
    probe5htNm: f.probe5htNm,
    meanA1A: mean(f.abar),
    rateRel: f.rateHz / day0RateHz,
    meanD2B: mean(x.d2B.d),
    sertScale: sertScaleOf(x.sert),
    settled: f.settled,
  };
}

/**
 * Runs the chronic scenarios (one tissue, one protocol timing; each its genotype, parameters and
 * drugs) together; results in input order.
 */
export async function runChronic(scs: Scenario[], engine: ResolvedEngine, o: ChronicOptions = {}): Promise<ChronicRun[]> {
  const c = checkShared(scs);
  const K = scs.length;
  // built with turns of the event loop, so a signal during a large build is answered at once
  const models: Model[] = [];
  for (const sc of scs) models.push(await buildModelAsync(sc.params, sc.genotype, sc.neurons, sc.seed));
  const dt = models[0].dtGrid_s;
  const chunk = Math.max(1, o.chunkSteps ?? 1000);
  const settleSteps = Math.round(c.settleS / dt);
  const windowSteps = Math.round(c.windowS / dt);
  const settleMin = Math.min(settleSteps, Math.round(MIN_SETTLE_S / dt));
  const firstSettle = Math.max(settleSteps, Math.round(FIRST_SETTLE_S / dt));
  const firstMax = Math.round(FIRST_SETTLE_MAX_S / dt);
  // progress: day 0 a tenth, the treatment the rest in proportion to its slow time
  const tick = (treated: number) => o.onProgress?.(Math.min(1, DAY0_SHARE + (1 - DAY0_SHARE) * treated));
  const A50 = scs.map((sc, i) => cellA50(sc.params, models[i].nCells, sc.seed));
  // each condition's SSRI potency at SERT (model/sert-2b.ts): its slow SERT down-regulation reads it
  const potency = scs.map((sc) => ssriPotency2B(sc.params, sc.genotype));
  const doses = scs.map((sc) => sc.chronic!.doses);
  const readouts: ChronicReadout[][] = scs.map(() => []);
  const steps: ChronicStep[][] = scs.map(() => []);
  const d1AByDay = scs.map(() => new Map<number, Float32Array>());
  const vehicle = new Array<number>(K).fill(0);
  const vehicle2B = new Array<number>(K).fill(0);
  const day0Rate = new Array<number>(K).fill(0);

  // 1. day 0, drug-free: conditions that differ only in their drugs (the same genotype and parameters) are
  // the same drug-free tissue, so each distinct one runs once
  const key = (sc: Scenario) => JSON.stringify([sc.genotype, sc.params]);
  const distinct = scs.map((sc, i) => scs.findIndex((x) => key(x) === key(sc)) === i);
  const day0Of = scs.map((sc) => scs.findIndex((x) => key(x) === key(sc)));
  const runIdx = scs.map((_, i) => i).filter((i) => distinct[i]);
  const day0 = async (): Promise<void> => {
    const batch = await engine.createBatch(
      await startOpts(
        runIdx.map((i) => scs[i]),
        runIdx.map((i) => models[i]),
        engine,
        () => ({}),
      ),
    );
    try {
      const ran = await fastPhase(
        batch,
        runIdx.map((i) => models[i]),
        firstSettle,
        firstMax,
        windowSteps,
        chunk,
      );
      scs.forEach((sc, s) => {
        const f = ran[runIdx.indexOf(day0Of[s])];
        day0Rate[s] = f.rateHz;
        // the limit t -> infinity of the drug-free drives: d = d_max h(abar)
        const probe = advanceChronic(sc.params, zeroChronicState(models[s].nCells), A50[s], {}, f, 1e9);
        vehicle[s] = mean(probe.d1A.d);
        vehicle2B[s] = mean(probe.d2B.d);
        if (c.readoutDays.includes(0)) {
          readouts[s].push(readoutRow(sc.name, 0, stepRow(0, zeroChronicState(models[s].nCells), f, f.rateHz)));
          d1AByDay[s].set(0, new Float32Array(models[s].nCells));
        }
      });
    } finally {
      batch.dispose();
    }
  };
  const resume = o.checkpoint?.resume;
  if (resume) {
    // day 0 was run before the checkpoint: its outcome is in it
    for (let s = 0; s < K; s++) {
      day0Rate[s] = resume.day0Rate[s];
      vehicle[s] = resume.vehicle[s];
      vehicle2B[s] = resume.vehicle2B[s];
    }
  } else await day0();
  tick(0);

  // 2. the treatment, one slow step at a time (chronic-steps.ts: fixed, or chosen by the error estimate)
  const batch = await engine.createBatch(
    resume
      ? models.map((m, s) => ({
          model: m,
          doses: doses[s],
          c0_nM: 0,
          rate0_Hz: 0,
          recordSpikes: false,
          sampleSteps: scs[s].recording.sampleSteps,
          initial: resume.states[s],
        }))
      : await startOpts(scs, models, engine, (i) => doses[i]),
  );
  const info = batch.info;
  const end = c.days * 24;
  const adaptive = c.slowTolerance > 0;
  const fixed = adaptive ? [] : slowTimes(c);
  const stops = slowStops(c);
  const weights = scs.map((sc, s) => slowWeights(batch.constants(s), sc.params));
  let h = adaptive ? Math.min(c.slowStepH, FIRST_SLOW_STEP_H) : c.slowStepH;
  const record = (t: number, x: ChronicSlowState[], f: FastOut[]) => {
    for (let s = 0; s < K; s++) {
      const row = stepRow(t, x[s], f[s], day0Rate[s]);
      steps[s].push(row);
      // a readout day matched to its slow time within a microsecond (days are given as decimals)
      const day = c.readoutDays.find((d) => sameSlowTime(d * 24, t));
      if (t > 0 && day !== undefined) {
        readouts[s].push(readoutRow(scs[s].name, day, row));
        d1AByDay[s].set(day, Float32Array.from(x[s].d1A.d));
      }
    }
  };
  // each sim's release elasticity (chronic-fast.ts releaseElasticity), read between successive fast phases
  const beta = resume ? [...resume.beta] : new Array<number>(K).fill(0);
  // the slow state `x` frozen into sim s's engine (d1A, d2B, SERT scale), and its grid moved to the mass
  // balance of the release read in `f` (balanceScale), for the next fast phase
  const freeze = (s: number, x: ChronicSlowState, f: FastOut) => {
    batch.setCellState(s, 'd1A', Float32Array.from(x.d1A.d));
    setD2B(batch, s, x.d2B.d);
    batch.setConstants(s, constantsWithSert(models[s], doses[s], sertScaleOf(x.sert)));
    if (o.balanceJump === false) return;
    // the uptake the engine will apply: its constants' SERT scale
    const k = batch.constants(s);
    const lam = balanceScale(models[s], k.KmEff, k.kClearDt, f.grid, f.releaseNmps, appliedSertScale(k), beta[s]);
    if (Math.abs(lam - 1) > 1e-3)
      batch.setGrid(
        s,
        Float32Array.from(f.grid, (v) => v * lam),
      );
  };
  // a checkpoint of where the course stands at t, when one is due (the engines' states read now, at the
  // end of the last window: as the fast phase left them)
  const checkpoint = async (t: number, slow: ChronicSlowState[], f: FastOut[]) => {
    if (!o.checkpoint?.due()) return;
    const states: StateSnapshot[] = [];
    for (let s = 0; s < K; s++) states.push(await batch.snapshot(s));
    await o.checkpoint.save({
      t,
      h,
      beta: [...beta],
      day0Rate: [...day0Rate],
      vehicle: [...vehicle],
      vehicle2B: [...vehicle2B],
      slow: slow.map(copyChronicState),
      drives: f.map(({ rateHz, probe5htNm, settled, releaseNmps }) => ({ rateHz, probe5htNm, settled, releaseNmps })),
      steps: steps.map((x) => x.slice()),
      readouts: readouts.map((x) => x.slice()),
      d1AByDay: d1AByDay.map((m) => new Map(m)),
      states,
    });
  };
  try {
    // the slow state at t and the drives read there
    let slow: ChronicSlowState[];
    let f: FastOut[];
    let t: number;
    if (resume) {
      slow = resume.slow.map(copyChronicState);
      f = resume.states.map((st, s) => fastOutOf(st, models[s].nCells, windowSteps, resume.drives[s]));
      t = resume.t;
      h = resume.h;
      for (let s = 0; s < K; s++) {
        steps[s].push(...resume.steps[s]);
        readouts[s].push(...resume.readouts[s]);
        for (const [day, d] of resume.d1AByDay[s]) d1AByDay[s].set(day, d);
      }
    } else {
      slow = models.map((m) => zeroChronicState(m.nCells));
      f = await fastPhase(batch, models, firstSettle, firstMax, windowSteps, chunk);
      t = 0;
      record(t, slow, f);
      await checkpoint(t, slow, f);
    }
    tick(t / end);
    while (t < end && !sameSlowTime(t, end)) {
      const tNext = adaptive ? nextSlowTime(t, h, stops) : fixed[fixed.findIndex((x) => x > t && !sameSlowTime(x, t))];
      const dtH = tNext - t;
      // sim s's slow state x advanced over the step, its drives linear in time from f[s] to `end`
      const advance = (x: ChronicSlowState, s: number, end: FastOut) =>
        advanceChronic(scs[s].params, copyChronicState(x), A50[s], doses[s], f[s], dtH, end, potency[s]);
      // predictor: the drives held at what was read at t; the fast phase runs at it
      const pred = slow.map((x, s) => advance(x, s, f[s]));
      for (let s = 0; s < K; s++) freeze(s, pred[s], f[s]);
      const fNext = await fastPhase(batch, models, settleMin, settleSteps, windowSteps, chunk);
      // corrector: the step again, its drives now linear in time between the activations read at both ends
      for (let s = 0; s < K; s++) {
        const c0 = regionMean(models[s], f[s].grid);
        const moved = stepError([slow[s]], [pred[s]], [{ w1A: 1, w2B: 1 }]);
        beta[s] = releaseElasticity(c0, f[s].releaseNmps, regionMean(models[s], fNext[s].grid), fNext[s].releaseNmps, beta[s], moved);
      }
      const corr = slow.map((x, s) => advance(x, s, fNext[s]));
      if (adaptive) h = nextStepH(dtH, h, stepError(pred, corr, weights), c.slowTolerance, c.slowStepH);
      slow = corr;
      f = fNext;
      t = tNext;
      record(t, slow, f);
      await checkpoint(t, slow, f);
      tick(t / end);
    }
    o.checkpoint?.finished?.();
  } finally {
    batch.dispose();
  }
  return scs.map((sc, s) => ({
    name: sc.name,
    scenario: sc,
    readouts: readouts[s],
    steps: steps[s],
    d1AByDay: d1AByDay[s],
    vehicleTarget: vehicle[s],
    vehicleTargetD2B: vehicle2B[s],
    engine: info.engine,
    adapter: info.adapter,
  }));
}
