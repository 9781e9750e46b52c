/**
 * The slow steps of the chronic driver (docs/model.md §7): where they fall and how long they are.
 *
 * With a tolerance (ChronicProtocol.slowTolerance > 0) the step is chosen by an error estimate: each
 * step's fast phase runs at the predicted slow state (drives held at the step's start), and the
 * corrector then moves it to the state with the drives linear in time; the difference of the two, in
 * mean d1A and mean d2B (the readouts; means over cells, so the windows' per-cell noise averages out;
 * each weighted by its receptor's conductance, stepError), is the error of the state the fast phase measured, of order h^2. The next step is scaled toward the
 * tolerance: h x min(2, max(1/2, 0.9 sqrt(tol / err))), at most slowStepH, and clipped to land on every
 * readout day and the protocol's end. Long where the slow state barely moves (the weeks), short at the
 * drug's onset. With tolerance 0 the steps are fixed at slowStepH, with the readout days inserted.
 */
import type { ChronicProtocol, ChronicSlowState } from '../model/chronic.js';
import type { Params } from '../model/params.js';

/** The first slow step after the drug's start with a tolerance, hours (the controller grows it from here). */
export const FIRST_SLOW_STEP_H = 2;

/** A step's growth and shrink bounds and safety factor (the usual choices of step-size control). */
const GROW_MAX = 2;
const SHRINK_MAX = 0.5;
const SAFETY = 0.9;

/** Two slow times (hours) are one when within a microsecond (readout days are given as decimals). */
export const sameSlowTime = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, b) + 3e-10;

/** The slow times every run must reach, hours: 0, each readout day and the protocol's end, ascending. */
export function slowStops(c: Pick<ChronicProtocol, 'days' | 'readoutDays'>): number[] {
  const out = [0, c.days * 24];
  for (const d of c.readoutDays) {
    const t = Number((d * 24).toPrecision(12));
    if (!out.some((x) => sameSlowTime(x, t))) out.push(t);
  }
  return out.sort((a, b) => a - b);
}

/** The fixed slow-step times of a protocol, hours: every slow step and every readout day, from 0 to days x 24. */
export function slowTimes(c: Pick<ChronicProtocol, 'days' | 'readoutDays' | 'slowStepH'>): number[] {
  const end = c.days * 24;
  const set = new Set<number>([0, end]);
  for (let k = 1; k * c.slowStepH < end - 1e-9; k++) set.add(Number((k * c.slowStepH).toPrecision(12)));
  const taken: number[] = [];
  for (const d of c.readoutDays) {
    const t = Number((d * 24).toPrecision(12));
    // a readout on a slow time already there (the last day written as a decimal) is that time, not a second one
    const k = Math.round(t / c.slowStepH);
    const step = Number((k * c.slowStepH).toPrecision(12));
    if ([0, end, step, ...taken].some((x) => sameSlowTime(x, t))) continue;
    set.add(t);
    taken.push(t);
  }
  return [...set].sort((a, b) => a - b);
}

/**
 * The slow time after `t` for a step of `h` hours: t + h, clipped to the next stop; a remainder to that
 * stop shorter than a quarter step is taken in this step rather than left as a sliver.
 */
export function nextSlowTime(t: number, h: number, stops: readonly number[]): number {
  const stop = stops.find((x) => x > t && !sameSlowTime(x, t));
  if (stop === undefined) return t;
  return t + h >= stop - h / 4 ? stop : t + h;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

/** How much an error in d1A and in d2B weighs in one sim: its receptors' conductance over the model's default. */
export interface SlowWeights {
  w1A: number;
  w2B: number;
}

/** A sim's weights from its constants' g1A and g2B and the parameters' defaults (0 where the default is 0). */
export function slowWeights(k: { g1A: number; g2B: number }, p: Pick<Params, 'g1A_nS' | 'g2B_nS'>): SlowWeights {
  return { w1A: p.g1A_nS > 0 ? k.g1A / p.g1A_nS : 0, w2B: p.g2B_nS > 0 ? k.g2B / p.g2B_nS : 0 };
}

/**
 * A step's error: the largest difference, over sims, of mean d1A or mean d2B between predictor and
 * corrector, each weighted by what it acts on (slowWeights): d2B in a tissue without 5-HT2B (the Htr2b
 * knock-out) changes nothing in the network, and its drive, read from a sparse, noisy firing, would
 * otherwise set the step of every condition.
 */
export function stepError(pred: readonly ChronicSlowState[], corr: readonly ChronicSlowState[], w: readonly SlowWeights[]): number {
  let err = 0;
  pred.forEach((p, s) => {
    const e1A = w[s].w1A * Math.abs(mean(p.d1A.d) - mean(corr[s].d1A.d));
    const e2B = w[s].w2B * Math.abs(mean(p.d2B.d) - mean(corr[s].d2B.d));
    err = Math.max(err, e1A, e2B);
  });
  return err;
}

/**
 * The next slow step, hours, after a step of `dtH` with error `err` against tolerance `tol`, at most
 * `hMax`; `hTried` is the step asked for before it was clipped to a stop (a clipped step says nothing
 * against the longer one when its error is within the tolerance).
 */
export function nextStepH(dtH: number, hTried: number, err: number, tol: number, hMax: number): number {
  const fac = err > 0 ? Math.min(GROW_MAX, Math.max(SHRINK_MAX, SAFETY * Math.sqrt(tol / err))) : GROW_MAX;
  const h = err <= tol ? Math.max(dtH * fac, hTried) : dtH * fac;
  return Math.min(hMax, h);
}
