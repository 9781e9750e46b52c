/**
 * The settling rule, defined once: a run (or a phase, or a fast phase of the chronic driver) is settled
 * when its virtual probe's relative drift across the last quarter of a window is under 2%, or its
 * absolute change there is under the probe's detection floor. The clock (src/clock/) stops on it, the
 * run summary and each phase report it, and the Brian2 export writes these values into its data.
 */
import { DRUGS, type DrugDoses, type DrugName } from './drugs.js';

/** Largest relative probe drift across the window's last quarter that counts as settled. */
export const SETTLE_TOLERANCE = 0.02;

/**
 * Probe changes below this are read as no change (nM): the detection limit of microdialysis is about
 * 0.1-0.5 nM, and a probe near zero (firing silenced by a 5-HT1A agonist) has a relative drift that says
 * nothing, so a run counts as settled when its relative drift is under the tolerance or its absolute
 * change across the window is under this.
 */
export const PROBE_FLOOR_NM = 0.1;

/**
 * A probe above this (nM) has left the physiological range: raphe dialysate 5-HT stays in the tens of nM
 * even under an SSRI with a 5-HT1A antagonist, so 2 µM is no steady state of the tissue but a model (or a
 * parameter set) running away. Such a window is never called settled, however flat, and the run says why.
 */
export const PROBE_CEILING_NM = 2000;

/** Whether a probe reading (nM) lies above the physiological range. */
export function aboveCeiling(probe_nM: number): boolean {
  return probe_nM > PROBE_CEILING_NM;
}

/** The part of a window the drift is read over: its last quarter. */
export const SETTLE_WINDOW_FRACTION = 0.25;

/** Fewest samples a drift is read from (a line through fewer says nothing about the noise). */
export const MIN_DRIFT_SAMPLES = 3;

/** Mean of y over the samples with t in (fromS, toS]; NaN when there are none. */
export function meanOver(t: Float64Array, y: Float64Array, fromS: number, toS: number): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] > fromS && t[i] <= toS + 1e-12) {
      s += y[i];
      n++;
    }
  }
  return n ? s / n : NaN;
}

/** Relative drift of y over (fromS, toS]: least-squares slope x window length / mean; NaN under MIN_DRIFT_SAMPLES. */
export function relativeDrift(t: Float64Array, y: Float64Array, fromS: number, toS: number): number {
  let n = 0,
    sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] > fromS && t[i] <= toS + 1e-12) {
      n++;
      sx += t[i];
      sy += y[i];
      sxx += t[i] * t[i];
      sxy += t[i] * y[i];
    }
  }
  if (n < MIN_DRIFT_SAMPLES) return NaN;
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  const mean = sy / n;
  return mean === 0 ? 0 : (slope * (toS - fromS)) / Math.abs(mean);
}

/**
 * The settling rule on a drift and the mean it was read at: |drift| < tol, or |drift x mean| < PROBE_FLOOR_NM;
 * never above the physiological ceiling (PROBE_CEILING_NM).
 */
export function isSettled(drift: number, mean: number, tol = SETTLE_TOLERANCE): boolean {
  if (aboveCeiling(mean)) return false;
  return Number.isFinite(drift) && (Math.abs(drift) < tol || Math.abs(drift * mean) < PROBE_FLOOR_NM);
}

/** Start of the last quarter of the window (fromS, toS], s. */
export function settleWindowStart(fromS: number, toS: number): number {
  return fromS + (1 - SETTLE_WINDOW_FRACTION) * (toS - fromS);
}

/** The probe's relative drift across the last quarter of (fromS, toS]. */
export function lastQuarterDrift(t: Float64Array, probe: Float64Array, fromS: number, toS: number): number {
  return relativeDrift(t, probe, settleWindowStart(fromS, toS), toS);
}

/** Whether the probe is settled across the last quarter of the window (fromS, toS]. */
export function settledOver(t: Float64Array, probe: Float64Array, fromS: number, toS: number, tol = SETTLE_TOLERANCE): boolean {
  const from = settleWindowStart(fromS, toS);
  return isSettled(relativeDrift(t, probe, from, toS), meanOver(t, probe, from, toS), tol);
}

/**
 * Whether the probe is settled across the last quarter of its own samples' span (first to last
 * sample); fewer than 4 samples are never settled.
 */
export function samplesSettled(t: Float64Array, probe: Float64Array, tol = SETTLE_TOLERANCE): boolean {
  if (t.length < 4) return false;
  return settledOver(t, probe, t[0], t[t.length - 1], tol);
}

/**
 * How much of its longest length a drug condition runs before the settling rule may end it (asked after
 * each chunk from then on). Each starts at its dose's estimated steady state, so most settle long before
 * their longest length: at least half of it in general (under an SSRI the grid's slow mode is uptake's,
 * 5-20 s; 5-HT2B answers through its 1 s filter), a quarter for 8-OH-DPAT without a SERT inhibitor (its
 * rate follows 5-HT1A within its 0.3 s filter and the pool's 1.25 s refill, and intact uptake settles
 * 5-HT within about a second; the rate is read over the last half of what ran: at 9,000 cells 1 s is some
 * 9,000 spikes at 1 Hz). Choices, with those reasons; F7 and the chronic 8-OH-DPAT curves read them.
 */
export const SETTLE_MIN_FRACTION = 0.5;
export const DPAT_MIN_FRACTION = 0.25;

/** The least share of its length a condition with `doses` runs (SETTLE_MIN_FRACTION or DPAT_MIN_FRACTION). */
export function settleMinFraction(doses: DrugDoses): number {
  const names = Object.keys(doses).filter((d) => (doses[d as DrugName] ?? 0) > 0) as DrugName[];
  const sertBlocked = names.some((d) => DRUGS[d].target === 'sert');
  return names.includes('8-oh-dpat') && !sertBlocked ? DPAT_MIN_FRACTION : SETTLE_MIN_FRACTION;
}
