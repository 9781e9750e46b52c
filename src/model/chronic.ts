/**
 * Chronic treatment (docs/model.md §7): the slow 5-HT1A desensitisation d1A of each cell, its exact
 * advance over one slow step with a frozen drive, the per-cell spread of A50, the chronic protocol of
 * a scenario file (drug and dose held for D days, the slow step, the readout days) and the findings
 * C1-C4. The other slow variables (d2B, SERT down-regulation) are chronic-slow.ts. Pure: no engine. The two-timescale driver that uses it is src/experiment/chronic.ts.
 *
 *   tau_d du/dt = d_max h(abar1A) - u,   tau_d dd1A/dt = u - d1A   (two stages; one stage: u = d1A)
 *   h(a) = a^n / (a^n + A50_i^n),        A50_i = A50 exp(sigma z_i)  (z_i standard normal per cell)
 */
import { HostStream, STREAM, seedKey } from '../rng/philox.js';
import { advanceD2B, advanceEntry, advanceSertDown, copySlow, drive, zeroSlowState, type SlowState } from './chronic-slow.js';
import { THERAPEUTIC_OCCUPANCY, doseForOccupancy, type DrugDoses } from './drugs.js';
import { ConfigError, Problems, checkNumber } from './errors.js';
import { DESENSITISED } from './findings-chronic.js';
import type { Params } from './params.js';
import { unknownName } from './suggest.js';

/**
 * The chronic protocol of a scenario: `doses` (as in a Phase; the file's key is `drugs`) held constant
 * (steady infusion) for `days`; the driver starts its engines at these doses, so they need no dose event.
 */
export interface ChronicProtocol {
  doses: DrugDoses;
  days: number;
  /**
   * The longest slow step, hours (the fast network is re-settled with the slow state frozen once per slow
   * step); with slowTolerance 0, every slow step is this long.
   */
  slowStepH: number;
  /**
   * The slow step's error tolerance: the largest change of mean d1A or mean d2B between a step's predictor
   * (drives held) and its corrector (drives linear in time) that the step-size control aims at
   * (experiment/chronic-steps.ts); 0: fixed steps of slowStepH.
   */
  slowTolerance: number;
  /** Days on which a readout is taken (0: before the drug), ascending, within [0, days]. */
  readoutDays: number[];
  /**
   * Fast model time each slow step runs before its averaging window (from the previous step's state), s: at
   * most this, ended once the probe is settled (model/settling.ts) after MIN_SETTLE_S.
   */
  settleS: number;
  /** Fast model time over which each cell's 5-HT1A activation is averaged (the slow step's drive), s. */
  windowS: number;
}

export const CHRONIC_DEFAULTS = {
  days: 21,
  slowStepH: 12,
  slowTolerance: 0.005,
  readoutDays: [0, 1, 2, 3, 7, 14, 21],
  settleS: 2,
  windowS: 2,
} as const;
export const CHRONIC_KEYS = ['drugs', 'days', 'slowStepH', 'slowTolerance', 'readoutDays', 'settleS', 'windowS'] as const;
/** Shortest slow step: one minute (a slow step must be long against the fast network's settling). */
export const MIN_SLOW_STEP_H = 1 / 60;
export const CHRONIC_LIMITS = {
  days: { min: 0, max: 3650 },
  slowStepH: { min: MIN_SLOW_STEP_H, max: 24 * 3650 },
  slowTolerance: { min: 0, max: 0.5 },
  settleS: { min: 0, max: 600 },
  windowS: { min: 0.1, max: 600 },
} as const;

/** Most readouts a chronic protocol may take (each re-settles the fast network and is reported). */
export const MAX_READOUTS = 1000;

/** The slow step's averaging window must hold this many grid steps (a mean of s1A, not one sample). */
export const MIN_WINDOW_STEPS = 100;

/**
 * Validates a scenario's `chronic` object (bad input: ConfigError naming the field; several: ConfigErrors
 * naming each). `parseDrugs` is passed in (scenario.ts owns drug parsing) to keep this module free of a
 * cycle. `gridStep_s` is undefined when the scenario's params were refused: the window's grid steps are
 * then not counted.
 */
export function parseChronic(
  field: string,
  v: unknown,
  parseDrugs: (field: string, v: unknown) => DrugDoses,
  gridStep_s: number | undefined,
): ChronicProtocol {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ConfigError(field, `must be an object {${CHRONIC_KEYS.join(', ')}}`);
  }
  const o = v as Record<string, unknown>;
  const problems = new Problems();
  const check = <T>(fn: () => T) => problems.check(fn);
  for (const k of Object.keys(o)) {
    if (!(CHRONIC_KEYS as readonly string[]).includes(k)) problems.note(`${field}.${k}`, unknownName('unknown field', k, CHRONIC_KEYS));
  }
  const dflt = (x: unknown, d: unknown) => (x === undefined ? d : x);
  const drugs = check(() => parseDrugs(`${field}.drugs`, o.drugs));
  const L = CHRONIC_LIMITS;
  const days = check(() =>
    checkNumber(`${field}.days`, dflt(o.days, CHRONIC_DEFAULTS.days), L.days.min, L.days.max, { unit: 'days', exclusiveMin: true }),
  );
  const slowStepH = check(() => {
    const h = checkNumber(`${field}.slowStepH`, dflt(o.slowStepH, CHRONIC_DEFAULTS.slowStepH), 0, L.slowStepH.max, {
      unit: 'h',
      exclusiveMin: true,
    });
    if (h < MIN_SLOW_STEP_H) {
      throw new ConfigError(`${field}.slowStepH`, `must be at least one minute (${MIN_SLOW_STEP_H.toPrecision(4)} h), got ${h}`);
    }
    return h;
  });
  if (days !== undefined && slowStepH !== undefined && slowStepH > days * 24) {
    // one rule seen from either side: the protocol is shorter than one slow step
    const named = o.slowStepH === undefined ? `${field}.days` : `${field}.slowStepH`;
    problems.note(
      named,
      `the slow step (${slowStepH} h) is longer than the protocol (${field}.days ${days} = ${days * 24} h); the protocol must hold at least one slow step`,
    );
  }
  const slowTolerance = check(() =>
    checkNumber(
      `${field}.slowTolerance`,
      dflt(o.slowTolerance, CHRONIC_DEFAULTS.slowTolerance),
      L.slowTolerance.min,
      L.slowTolerance.max,
      {},
    ),
  );
  // the readout days are checked against the protocol's length: only once it is known
  const readoutDays = days === undefined ? undefined : check(() => parseReadoutDays(field, o.readoutDays, days));
  const settleS = check(() =>
    checkNumber(`${field}.settleS`, dflt(o.settleS, CHRONIC_DEFAULTS.settleS), L.settleS.min, L.settleS.max, { unit: 's' }),
  );
  const windowS = check(() =>
    checkNumber(`${field}.windowS`, dflt(o.windowS, CHRONIC_DEFAULTS.windowS), L.windowS.min, L.windowS.max, { unit: 's' }),
  );
  if (windowS !== undefined && gridStep_s !== undefined && Math.round(windowS / gridStep_s) < MIN_WINDOW_STEPS) {
    problems.note(`${field}.windowS`, `must hold >= ${MIN_WINDOW_STEPS} grid steps (${MIN_WINDOW_STEPS * gridStep_s} s), got ${windowS}`);
  }
  problems.throwIfAny();
  // none is undefined here: each that is noted a problem, thrown just above
  return {
    doses: drugs!,
    days: days!,
    slowStepH: slowStepH!,
    slowTolerance: slowTolerance!,
    readoutDays: readoutDays!,
    settleS: settleS!,
    windowS: windowS!,
  };
}

/** A chronic protocol's readout days: ascending, distinct, within [0, days] (absent: the defaults up to days, then days). */
function parseReadoutDays(chronicField: string, v: unknown, days: number): number[] {
  const field = `${chronicField}.readoutDays`;
  const daysField = `${chronicField}.days`;
  const rdRaw = v === undefined ? [...CHRONIC_DEFAULTS.readoutDays.filter((d) => d < days), days] : v;
  if (!Array.isArray(rdRaw) || rdRaw.length === 0 || rdRaw.length > MAX_READOUTS) {
    const got = Array.isArray(rdRaw) ? `, got ${rdRaw.length}` : '';
    throw new ConfigError(field, `must be an array of 1 to ${MAX_READOUTS} days within [0, ${daysField} ${days}]${got}`);
  }
  const readoutDays = rdRaw.map((d, i) => {
    const f = `${field}[${i}]`;
    if (typeof d === 'number' && d > days && Number.isFinite(d))
      throw new ConfigError(f, `day ${d} is outside the treatment (0 to ${daysField} ${days})`);
    return checkNumber(f, d, 0, days, { unit: 'days' });
  });
  readoutDays.forEach((d, i) => {
    if (i > 0 && d <= readoutDays[i - 1])
      throw new ConfigError(`${field}[${i}]`, `must be ascending and distinct, got ${d} after ${readoutDays[i - 1]}`);
  });
  return readoutDays;
}

/** The chronic part of a scenario as JSON (the inverse of parseChronic). */
export function chronicJson(c: ChronicProtocol): Record<string, unknown> {
  return {
    drugs: c.doses,
    days: c.days,
    slowStepH: c.slowStepH,
    slowTolerance: c.slowTolerance,
    readoutDays: c.readoutDays,
    settleS: c.settleS,
    windowS: c.windowS,
  };
}

/** Each cell's A50 (lognormal over cells, median A50_1A), from its own Philox stream of the seed. */
export function cellA50(p: Params, nCells: number, seed: number): Float64Array {
  const rng = new HostStream(seedKey(seed), STREAM.chronicA50, 0);
  const out = new Float64Array(nCells);
  for (let i = 0; i < nCells; i++) out[i] = p.A50_1A * Math.exp(p.A50Sd_1A * rng.normal());
  return out;
}

// the stages, their exact advance and the drive h are shared with d2B and sertDown (chronic-slow.ts)
export { copySlow, drive, sertScaleOf, zeroSlowState, type SlowState } from './chronic-slow.js';

/**
 * Advance every cell's d1A exactly over `dtH` hours with its drive varying linearly in time from
 * X0 = d_max h(abar0_i) to X1 = d_max h(abar1_i) (a linear ODE; abar1 = abar0: the drive held). With
 * k = (X1 - X0)/dt, e = exp(-dt/tau): one stage d' = X1 - k tau + (d - X0 + k tau) e; two equal stages
 * u' = X1 - k tau + (u - X0 + k tau) e, d' = X1 - 2 k tau + (d - X0 + 2 k tau) e + (u - X0 + k tau)(dt/tau) e.
 * In place; returns the state.
 */
export function advanceSlow(
  p: Params,
  s: SlowState,
  abar0: ArrayLike<number>,
  A50: ArrayLike<number>,
  dtH: number,
  abar1: ArrayLike<number> = abar0,
): SlowState {
  for (let i = 0; i < s.d.length; i++) {
    const X0 = p.d1AMax * drive(abar0[i], A50[i], p.nD1A);
    const X1 = abar1 === abar0 ? X0 : p.d1AMax * drive(abar1[i], A50[i], p.nD1A);
    advanceEntry(s, i, X0, X1, dtH, p.tauD1A_h, p.d1AStages);
  }
  return s;
}

/** Every slow variable of one simulation: d1A and d2B per cell, sertDown (one entry). */
export interface ChronicSlowState {
  d1A: SlowState;
  d2B: SlowState;
  sert: SlowState;
}

export function zeroChronicState(nCells: number): ChronicSlowState {
  return { d1A: zeroSlowState(nCells), d2B: zeroSlowState(nCells), sert: zeroSlowState(1) };
}

export function copyChronicState(x: ChronicSlowState): ChronicSlowState {
  return { d1A: copySlow(x.d1A), d2B: copySlow(x.d2B), sert: copySlow(x.sert) };
}

/** Each cell's mean 5-HT1A and 5-HT2B activations over a fast phase: the drives of d1A and d2B. */
export interface SlowDrives {
  abar: ArrayLike<number>;
  abar2B: ArrayLike<number>;
}

/**
 * Advance every slow variable of one simulation exactly over `dtH` hours: d1A and d2B with their drives
 * linear in time from `f0` to `f1` (f1 = f0: held), sertDown with `doses` held (their S/K scaled by `potency`,
 * the tissue's ssriPotency2B). In place.
 */
export function advanceChronic(
  p: Params,
  x: ChronicSlowState,
  A50: ArrayLike<number>,
  doses: DrugDoses,
  f0: SlowDrives,
  dtH: number,
  f1: SlowDrives = f0,
  potency = 1,
): ChronicSlowState {
  advanceSlow(p, x.d1A, f0.abar, A50, dtH, f1 === f0 ? f0.abar : f1.abar);
  advanceD2B(p, x.d2B, f0.abar2B, dtH, f1 === f0 ? f0.abar2B : f1.abar2B);
  advanceSertDown(p, x.sert, doses, dtH, potency);
  return x;
}

/** Mean and share of cells at or above `threshold` of a per-cell array. */
export function d1AStats(d: ArrayLike<number>, threshold = DESENSITISED): { mean: number; fraction: number } {
  let sum = 0;
  let above = 0;
  for (let i = 0; i < d.length; i++) {
    sum += d[i];
    if (d[i] >= threshold) above++;
  }
  return { mean: d.length ? sum / d.length : 0, fraction: d.length ? above / d.length : 0 };
}

// C1's threshold of a desensitised cell, and C1-C3 themselves, are data in findings-chronic.ts
export { DESENSITISED };
export { CHRONIC_FINDINGS, evaluateChronicFindings, type ChronicFinding, type ChronicReadout } from './findings-chronic.js';

/** The chronic experiment's conditions (docs/model.md §7): ids, genotypes and chronic drugs. */
export const CHRONIC_DOSES = { fluoxetine_nM: doseForOccupancy('fluoxetine', THERAPEUTIC_OCCUPANCY), way_nM: 10 } as const;
