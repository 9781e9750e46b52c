/**
 * The fast side of the chronic driver (docs/model.md §7): the engines' start at a dose, one fast phase
 * (settle, then an averaging window over which each cell's mean 5-HT1A and 5-HT2B activations are read),
 * the grid's jump to the mass balance, and what the driver sets between fast phases (d1A, d2B, and the
 * constants with the SERT down-regulation's sertScale).
 */
import { Clock, recordsSettled } from '../clock/clock.js';
import type { ResolvedEngine } from '../engines/create.js';
import {
  SETTABLE_FIELDS,
  type BatchEngine,
  type EngineOptions,
  type RecordBatch,
  type SettableField,
  type StateSnapshot,
} from '../engines/engine.js';
import { deriveConstants, type Constants, type Model } from '../model/derive.js';
import type { DrugDoses } from '../model/drugs.js';
import type { Scenario } from '../model/scenario.js';

/**
 * Each slow step's settle runs at least this long, s, then until the probe is settled (at most the
 * protocol's settleS): a slow step moves the slow state a little, and the fast network answers within its
 * slowest filters (5-HT1A 0.3 s, 5-HT2B 1 s, the pool's refill 1.25 s), while the grid's slow mode under an
 * SSRI is moved by the balance jump (balanceScale). A choice; the scheme's checks (a run at half the
 * tolerance, the brute-force run) hold it to account.
 */
export const MIN_SETTLE_S = 0.5;

/** The first settle of each stage (from an estimated steady state) runs at least this long, s ... */
export const FIRST_SETTLE_S = 4;
/** ... and at most this long, until the probe is settled (model/settling.ts) across its last quarter. */
export const FIRST_SETTLE_MAX_S = 60;

// the 5-HT2B slow fields of the cell state, named through string so that this compiles with or without them
const D2B = 'd2B' as string as SettableField;
const A2SUM = 'a2Sum' as string as SettableField;

/** Whether the engines' cells hold the 5-HT2B slow fields d2B and a2Sum (absent: d2B stays 0, abar2B reads 0). */
export const HAS_2B_STATE = SETTABLE_FIELDS.includes(D2B) && SETTABLE_FIELDS.includes(A2SUM);

/** Set every cell's a2Sum of sim `sim` to 0 (nothing where the engines lack the field). */
export function resetA2Sum(batch: BatchEngine, sim: number, nCells: number): void {
  if (HAS_2B_STATE) batch.setCellState(sim, A2SUM, new Float32Array(nCells));
}

/** Set sim `sim`'s per-cell d2B from the next grid step on (nothing where the engines lack the field). */
export function setD2B(batch: BatchEngine, sim: number, d2B: ArrayLike<number>): void {
  if (HAS_2B_STATE) batch.setCellState(sim, D2B, Float32Array.from(d2B));
}

/** The constants of `m` at `doses` with every voxel's SERT Vmax scaled by `sertScale` (deriveConstants' option). */
export function constantsWithSert(m: Model, doses: DrugDoses, sertScale: number): Constants {
  const derive = deriveConstants as (m: Model, doses: DrugDoses, o?: { sertScale?: number }) => Constants;
  return derive(m, doses, { sertScale });
}

/** The factor on SERT Vmax that constants `k` apply (1 where the constants block has none). */
export function appliedSertScale(k: Constants): number {
  return (k as Constants & { sertScale?: number }).sertScale ?? 1;
}

/** Each cell's mean of a running-sum field over `steps` grid steps (zeros where the engine lacks it). */
export function meanOf(snap: StateSnapshot, field: 'a1Sum' | 'a2Sum', n: number, steps: number): Float64Array {
  const sum = (snap as Partial<Record<typeof field, Float32Array>>)[field];
  const out = new Float64Array(n);
  if (sum) for (let i = 0; i < n; i++) out[i] = sum[i] / steps;
  return out;
}

/** What a fast phase read besides its state: the rate, the probe, the settling verdict, the release. */
export interface FastScalars {
  rateHz: number;
  probe5htNm: number;
  settled: boolean;
  releaseNmps: number;
}

/** A fast phase's outcome from the state at its end (`snap`, taken with nothing run since) and its scalars. */
export function fastOutOf(snap: StateSnapshot, nCells: number, windowSteps: number, x: FastScalars): FastOut {
  return {
    abar: meanOf(snap, 'a1Sum', nCells, windowSteps),
    abar2B: meanOf(snap, 'a2Sum', nCells, windowSteps),
    rateHz: x.rateHz,
    probe5htNm: x.probe5htNm,
    settled: x.settled,
    grid: snap.grid,
    releaseNmps: x.releaseNmps,
  };
}

export interface FastOut {
  /** Each cell's mean 5-HT1A activation over the window (d1A's drive). */
  abar: Float64Array;
  /** Each cell's mean 5-HT2B activation over the window (d2B's drive). */
  abar2B: Float64Array;
  rateHz: number;
  probe5htNm: number;
  settled: boolean;
  /** The grid at the end of the window, nM. */
  grid: Float32Array;
  /** Release over the window, region mean, nM/s. */
  releaseNmps: number;
}

/**
 * The factor on the grid that balances uptake and clearance against the window's release (region
 * means): U(lambda) = sum over region voxels of [Vmax dt sertScale lambda c / (Km_eff + lambda c) +
 * k_clear dt lambda c] / (n dt) = R lambda^beta, by bisection on [0.5, 2]. Under an SSRI the slow mode of
 * the fast network is the region's 5-HT level (uptake's time constant, about 12 s at 100 nM and 30 s at
 * 500 nM, §6), far longer than a fast phase: this Newton-like jump on the mass balance moves it to where
 * release and removal balance, so each slow step starts near its settled state instead of lagging behind
 * it. `beta` is release's elasticity to the 5-HT level (d ln R / d ln c; 0: release held): where firing
 * answers 5-HT steeply (5-HT1A near threshold, the Htr2b knock-out), a jump with release held overshoots
 * and the level alternates from step to step; with the elasticity it lands on the balance (releaseElasticity).
 */
export function balanceScale(
  m: Model,
  KmEff: number,
  kClearDt: number,
  grid: Float32Array,
  releaseNmps: number,
  sertScale = 1,
  beta = 0,
): number {
  const inside = m.geometry.inside;
  const U = (lam: number) => {
    let s = 0;
    for (let q = 0; q < inside.length; q++) {
      const v = inside[q];
      const c = lam * grid[v];
      s += (m.vmaxDt[v] * sertScale * c) / (KmEff + c) + kClearDt * c;
    }
    return s / inside.length / m.dtGrid_s;
  };
  if (!(releaseNmps > 0) || !(U(1) > 0)) return 1;
  // removal minus release, rising in lambda while beta < 1 (removal rises at least linearly toward Km, release as lambda^beta)
  const gap = (lam: number) => U(lam) - releaseNmps * lam ** beta;
  let lo = 0.5;
  let hi = 2;
  if (gap(lo) >= 0) return lo;
  if (gap(hi) <= 0) return hi;
  for (let it = 0; it < 30; it++) {
    const mid = (lo + hi) / 2;
    if (gap(mid) < 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Bounds on release's elasticity to the 5-HT level (choices: beyond them a secant reads noise, and beta must stay < 1). */
export const ELASTICITY_MIN = -4;
export const ELASTICITY_MAX = 0.5;

/** Largest change of mean d1A or d2B between two fast phases across which a release elasticity is read. */
export const ELASTICITY_MAX_SLOW_CHANGE = 0.01;

/**
 * Release's elasticity to the region's 5-HT level, d ln R / d ln c, read as a secant between two fast
 * phases (region-mean 5-HT c and release R of each), clamped to [ELASTICITY_MIN, ELASTICITY_MAX]; `held`
 * (the last estimate) when the two levels differ by under 2% (too little to read a slope from), or when
 * the slow state moved by more than ELASTICITY_MAX_SLOW_CHANGE between them (`slowChange`, in mean d1A or
 * d2B): release then answers the slow state too, and the secant would read that as an answer to 5-HT.
 */
export function releaseElasticity(c0: number, r0: number, c1: number, r1: number, held: number, slowChange = 0): number {
  if (!(c0 > 0 && c1 > 0 && r0 > 0 && r1 > 0) || !(slowChange <= ELASTICITY_MAX_SLOW_CHANGE)) return held;
  const dc = Math.log(c1 / c0);
  if (Math.abs(dc) < 0.02) return held;
  return Math.min(ELASTICITY_MAX, Math.max(ELASTICITY_MIN, Math.log(r1 / r0) / dc));
}

/** The region-mean 5-HT of a box-sized grid, nM. */
export function regionMean(m: Model, grid: Float32Array): number {
  const inside = m.geometry.inside;
  let s = 0;
  for (let q = 0; q < inside.length; q++) s += grid[inside[q]];
  return inside.length ? s / inside.length : 0;
}

const concatProbe = (rs: RecordBatch[]) => Float64Array.from(rs.flatMap((r) => Array.from(r.samples.probe)));

/**
 * One fast phase of every sim of `batch`: `settleSteps`, extended up to `maxSettleSteps` until every
 * sim is settled across the last quarter of what it ran (model/settling.ts), then `windowSteps` with
 * a1Sum (and a2Sum) reset, read per cell. The release is the engine's own mass count (whatever a spike
 * releases, and any release without spikes).
 */
export async function fastPhase(
  batch: BatchEngine,
  models: Model[],
  settleSteps: number,
  maxSettleSteps: number,
  windowSteps: number,
  chunk: number,
): Promise<FastOut[]> {
  const K = batch.nSims;
  const dt = models[0].dtGrid_s;
  // the settle is checked every half of its shortest length (or every chunk, if shorter)
  const clock = new Clock(batch, { dtS: dt, chunkSteps: Math.max(1, Math.min(chunk, Math.ceil(settleSteps / 2))) });
  await clock.advanceUntilSettled({ minSteps: settleSteps, maxSteps: maxSettleSteps });
  for (let s = 0; s < K; s++) {
    batch.setCellState(s, 'a1Sum', new Float32Array(models[s].nCells));
    resetA2Sum(batch, s, models[s].nCells);
  }
  const recs = (await clock.advance(windowSteps, chunk)).records;
  const res: FastOut[] = [];
  for (let s = 0; s < K; s++) {
    const snap = await batch.snapshot(s);
    const n = models[s].nCells;
    const spikes = recs[s].reduce((a, r) => a + r.spikeCount, 0);
    const released = recs[s].reduce((a, r) => a + r.mass.released, 0);
    const probe = concatProbe(recs[s]);
    res.push(
      fastOutOf(snap, n, windowSteps, {
        rateHz: spikes / n / (windowSteps * dt),
        probe5htNm: probe.reduce((a, x) => a + x, 0) / Math.max(1, probe.length),
        settled: recordsSettled(recs[s], dt, {}, windowSteps),
        releaseNmps: released / models[s].geometry.inside.length / (windowSteps * dt),
      }),
    );
  }
  return res;
}

/** Engine options of each scenario at `doses`, started from that dose's estimated steady state. */
export async function startOpts(
  scs: Pick<Scenario, 'recording'>[],
  models: Model[],
  engine: ResolvedEngine,
  doses: (i: number) => DrugDoses,
): Promise<EngineOptions[]> {
  const runSeconds = FIRST_SETTLE_MAX_S;
  const ests = await engine.estimate(scs.map((_, i) => ({ model: models[i], doses: doses(i), options: { runSeconds } })));
  return scs.map((sc, i) => ({
    model: models[i],
    doses: doses(i),
    c0_nM: ests[i].c0_nM,
    rate0_Hz: ests[i].rate_Hz,
    recordSpikes: false,
    sampleSteps: sc.recording.sampleSteps,
  }));
}
