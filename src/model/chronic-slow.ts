/**
 * The slow variables of chronic treatment (docs/model.md §7) and the exact advance they share. Each is a
 * filter of one or two equal stages (time constant tau each) toward a target X:
 *
 *   tau du/dt = X - u,  tau dx/dt = u - x   (two stages; one stage: tau dx/dt = X - x, u = x)
 *
 *   d1A  per cell  X = d1AMax h(abar1A_i; A50_i, nD1A)   two stages (d1AStages)   model/chronic.ts
 *   d2B  per cell  X = d2BMax h(abar2B_i; A50_2B, nD2B)  one stage                this file
 *   sertDown  per simulation  X = sertDownMax x (SERT occupancy of the drugs)  two stages  this file
 *
 * with h(a) = a^n / (a^n + A50^n). d2B takes one stage: no DRN 5-HT2B time course exists to ask for a lag
 * (5-HT2C desensitises within minutes in cell lines; only 21-day endpoints are known in vivo), so the
 * simplest filter with one time constant. sertDown takes two, for the lag of protein loss behind the
 * drug (Benmansour 2002: a small loss at days 4-10, most of it by day 15). The engine sees
 * sertScale = 1 - sertDown on every voxel's SERT Vmax. Pure: no engine.
 */
import { sertInhibitionFactor, type DrugDoses } from './drugs.js';
import type { Params } from './params.js';

/** h(a) = a^n / (a^n + A50^n) (0 for a <= 0). */
export function drive(a: number, A50: number, n: number): number {
  if (!(a > 0)) return 0;
  const r = (A50 / a) ** n;
  return 1 / (1 + r);
}

/** The stages of a slow variable, per cell or (length 1) per simulation: `u` equals `d` with one stage. */
export interface SlowState {
  u: Float64Array;
  d: Float64Array;
}

export function zeroSlowState(n: number): SlowState {
  return { u: new Float64Array(n), d: new Float64Array(n) };
}

export function copySlow(s: SlowState): SlowState {
  return { u: s.u.slice(), d: s.d.slice() };
}

/**
 * Advances entry i of `s` exactly over `dtH` hours, its target varying linearly in time from X0 to X1
 * (a linear ODE; X1 = X0: the target held). With k = (X1 - X0)/dt, e = exp(-dt/tau): one stage
 * d' = X1 - k tau + (d - X0 + k tau) e; two equal stages u' = X1 - k tau + (u - X0 + k tau) e,
 * d' = X1 - 2 k tau + (d - X0 + 2 k tau) e + (u - X0 + k tau)(dt/tau) e.
 */
export function advanceEntry(s: SlowState, i: number, X0: number, X1: number, dtH: number, tau: number, stages: number): void {
  const e = Math.exp(-dtH / tau);
  const kt = dtH > 0 ? ((X1 - X0) / dtH) * tau : 0;
  if (stages >= 2) {
    const u0 = s.u[i];
    s.u[i] = X1 - kt + (u0 - X0 + kt) * e;
    s.d[i] = X1 - 2 * kt + (s.d[i] - X0 + 2 * kt) * e + (u0 - X0 + kt) * (dtH / tau) * e;
  } else {
    s.d[i] = X1 - kt + (s.d[i] - X0 + kt) * e;
    s.u[i] = s.d[i];
  }
}

/** Where cell i's d2B heads at mean 5-HT2B activation `a`: d2BMax h(a). */
export function d2BTarget(p: Params, a: number): number {
  return p.d2BMax * drive(a, p.A50_2B, p.nD2B);
}

/**
 * Advance every cell's d2B exactly over `dtH` hours (one stage, tau tauD2B_h), its drive varying linearly
 * in time from the activations abar0 to abar1 (abar1 = abar0: held), as advanceSlow does for d1A. In place.
 */
export function advanceD2B(p: Params, s: SlowState, abar0: ArrayLike<number>, dtH: number, abar1: ArrayLike<number> = abar0): SlowState {
  for (let i = 0; i < s.d.length; i++) {
    const X0 = d2BTarget(p, abar0[i]);
    const X1 = abar1 === abar0 ? X0 : d2BTarget(p, abar1[i]);
    advanceEntry(s, i, X0, X1, dtH, p.tauD2B_h, 1);
  }
  return s;
}

/**
 * SERT occupancy of the doses' SERT inhibitors, competitive: sum(S/K) / (1 + sum(S/K)); `potency` scales each
 * S/K (the tissue's ssriPotency2B, src/model/sert-2b.ts: 1 in the wild type).
 */
export function sertOccupancyOf(doses: DrugDoses, potency = 1): number {
  return 1 - 1 / sertInhibitionFactor(doses, potency);
}

/** Where sertDown heads under `doses` (held): sertDownMax x their SERT occupancy. */
export function sertDownTarget(p: Params, doses: DrugDoses, potency = 1): number {
  return p.sertDownMax * sertOccupancyOf(doses, potency);
}

/** Advance the simulation's sertDown (a one-entry SlowState) exactly over `dtH` hours, the doses held. In place. */
export function advanceSertDown(p: Params, s: SlowState, doses: DrugDoses, dtH: number, potency = 1): SlowState {
  const X = sertDownTarget(p, doses, potency);
  advanceEntry(s, 0, X, X, dtH, p.tauSertDown_h, 2);
  return s;
}

/** The factor on every voxel's SERT Vmax: 1 - sertDown. */
export function sertScaleOf(s: SlowState): number {
  return 1 - s.d[0];
}
