/**
 * The two-timescale driver of chronic treatment (docs/model.md §7). Weeks at 1 ms grid steps are out of
 * reach (21 days = 1.8e9 steps), so:
 *   1. day 0, before the drug: each condition started drug-free from its estimated steady state, settled,
 *      each cell's 5-HT1A activation averaged over a window (the day-0 readout; d1A = 0 everywhere);
 *   2. the treatment: started from the drug's estimated steady state (d1A = 0), settled; then for each slow
 *      step, with d1A frozen in the engine, the fast network runs `settleS` from the previous step's state
 *      and `windowS` more over which each cell's mean s1A (the a1Sum state field) is read, and d1A is
 *      advanced exactly over the slow step (model/chronic.ts advanceSlow, a linear ODE): predicted with
 *      that drive held, then, once the next fast phase has read the drive at the predicted d1A,
 *      corrected with the drive linear in time between the two (trapezoidal in the drive, the fast
 *      phases reused: second order in the slow step, at no extra fast phase); repeat.
 * The conditions of one tissue advance together as one BatchEngine: on WebGPU in the same dispatches,
 * on the CPU engine one condition per worker thread.
 *
 * `runBruteForce` is the check of the scheme (tests): the full model with d1A updated every `updateS`
 * of fast time from the activation of that interval, no separation of timescales assumed.
 */
import { Clock, recordsSettled } from '../clock/clock.js';
import type { ResolvedEngine } from '../engines/create.js';
import type { BatchEngine, EngineOptions, RecordBatch } from '../engines/engine.js';
import {
  advanceSlow,
  copySlow,
  cellA50,
  d1AStats,
  zeroSlowState,
  type ChronicProtocol,
  type ChronicReadout,
  type SlowState,
} from '../model/chronic.js';
import { buildModelAsync, type Model } from '../model/derive.js';
import type { DrugDoses } from '../model/drugs.js';
import type { Scenario } from '../model/scenario.js';

/** The first settle of each stage (from an estimated steady state) runs at least this long, s ... */
export const FIRST_SETTLE_S = 4;
/** ... and at most this long, until the probe is settled (model/settling.ts) across its last quarter. */
export const FIRST_SETTLE_MAX_S = 60;

/** The trajectory at one slow step (t hours after the drug's start). */
export interface ChronicStep {
  hours: number;
  meanD1A: number;
  fractionDesensitised: number;
  rateHz: number;
  probe5htNm: number;
  meanA1A: number;
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
  engine: string;
  adapter: string;
}

export interface ChronicOptions {
  onProgress?: (fraction: number) => void;
  /** Grid steps per engine call. */
  chunkSteps?: number;
  /** Start each slow step's fast phase with the grid scaled to balance release and removal (balanceScale; default true). */
  balanceJump?: boolean;
}

export interface FastOut {
  abar: Float64Array;
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
 * means): U(lambda) = sum over region voxels of [Vmax dt lambda c / (Km_eff + lambda c) + k_clear dt
 * lambda c] / (n dt) = R, by bisection on [0.5, 2]. Under an SSRI the slow mode of the fast network is
 * the region's 5-HT level (uptake's time constant, about 12 s at 100 nM and 30 s at 500 nM, §6), far
 * longer than a fast phase: this Newton-like jump on the mass balance moves it to where release and
 * removal balance, release held (its response to 5-HT is left to the next fast phase), so each slow
 * step starts near its settled state instead of lagging behind it.
 */
export function balanceScale(m: Model, KmEff: number, kClearDt: number, grid: Float32Array, releaseNmps: number): number {
  const inside = m.geometry.inside;
  const U = (lam: number) => {
    let s = 0;
    for (let q = 0; q < inside.length; q++) {
      const v = inside[q];
      const c = lam * grid[v];
      s += (m.vmaxDt[v] * c) / (KmEff + c) + kClearDt * c;
    }
    return s / inside.length / m.dtGrid_s;
  };
  if (!(releaseNmps > 0) || !(U(1) > 0)) return 1;
  let lo = 0.5;
  let hi = 2;
  if (U(lo) >= releaseNmps) return lo;
  if (U(hi) <= releaseNmps) return hi;
  for (let it = 0; it < 30; it++) {
    const mid = (lo + hi) / 2;
    if (U(mid) < releaseNmps) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

const concatProbe = (rs: RecordBatch[]) => Float64Array.from(rs.flatMap((r) => Array.from(r.samples.probe)));

/**
 * One fast phase of every sim of `batch`: `settleSteps`, extended up to `maxSettleSteps` until every
 * sim is settled across the last quarter of what it ran (model/settling.ts), then `windowSteps` with
 * a1Sum reset, read per cell.
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
  const clock = new Clock(batch, { dtS: dt, chunkSteps: chunk });
  await clock.advanceUntilSettled({ minSteps: settleSteps, maxSteps: maxSettleSteps });
  for (let s = 0; s < K; s++) batch.setCellState(s, 'a1Sum', new Float32Array(models[s].nCells));
  const recs = (await clock.advance(windowSteps)).records;
  const res: FastOut[] = [];
  for (let s = 0; s < K; s++) {
    const snap = await batch.snapshot(s);
    const n = models[s].nCells;
    const abar = new Float64Array(n);
    for (let i = 0; i < n; i++) abar[i] = snap.a1Sum[i] / windowSteps;
    const spikes = recs[s].reduce((a, r) => a + r.spikeCount, 0);
    const probe = concatProbe(recs[s]);
    res.push({
      abar,
      rateHz: spikes / n / (windowSteps * dt),
      probe5htNm: probe.reduce((a, x) => a + x, 0) / Math.max(1, probe.length),
      settled: recordsSettled(recs[s], dt, {}, windowSteps),
      grid: snap.grid,
      releaseNmps: (spikes * models[s].dCspike_nM) / models[s].geometry.inside.length / (windowSteps * dt),
    });
  }
  return res;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

/** Two slow times (hours) are one when within a microsecond (readout days are given as decimals). */
const sameSlowTime = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, b) + 3e-10;

/** The slow-step times of a protocol, hours: every slow step and every readout day, from 0 to days x 24. */
export function slowTimes(c: ChronicProtocol): number[] {
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
  const firstSettle = Math.max(settleSteps, Math.round(FIRST_SETTLE_S / dt));
  const firstMax = Math.round(FIRST_SETTLE_MAX_S / dt);
  const times = slowTimes(c);
  const totalPhases = times.length + 1;
  let phasesDone = 0;
  const tick = () => o.onProgress?.(Math.min(1, ++phasesDone / totalPhases));
  const A50 = scs.map((sc, i) => cellA50(sc.params, models[i].nCells, sc.seed));
  const readouts: ChronicReadout[][] = scs.map(() => []);
  const steps: ChronicStep[][] = scs.map(() => []);
  const d1AByDay = scs.map(() => new Map<number, Float32Array>());
  const vehicle = new Array<number>(K).fill(0);

  // 1. day 0, drug-free
  let batch = await engine.createBatch(await startOpts(scs, models, engine, () => ({})));
  let info = batch.info;
  try {
    const f0 = await fastPhase(batch, models, firstSettle, firstMax, windowSteps, chunk);
    f0.forEach((f, s) => {
      const p = scs[s].params;
      const probe = zeroSlowState(models[s].nCells);
      advanceSlow(p, probe, f.abar, A50[s], 1e9); // the limit t -> infinity: d = d_max h(abar)
      vehicle[s] = mean(probe.d);
      if (c.readoutDays.includes(0)) {
        readouts[s].push({
          condition: scs[s].name,
          day: 0,
          rateHz: f.rateHz,
          probe5htNm: f.probe5htNm,
          meanD1A: 0,
          fractionDesensitised: 0,
          meanA1A: mean(f.abar),
        });
        d1AByDay[s].set(0, new Float32Array(models[s].nCells));
      }
    });
  } finally {
    batch.dispose();
  }
  tick();

  // 2. the treatment
  batch = await engine.createBatch(await startOpts(scs, models, engine, (i) => scs[i].chronic!.doses));
  info = batch.info;
  try {
    // slow[s]: d1A at t_j (corrected); prev[s]: at t_(j-1), and the drive read there
    const slow: SlowState[] = models.map((m) => zeroSlowState(m.nCells));
    const prev: (SlowState | null)[] = scs.map(() => null);
    const prevAbar: (Float64Array | null)[] = scs.map(() => null);
    for (let j = 0; j < times.length; j++) {
      const first = j === 0;
      const f = await fastPhase(batch, models, first ? firstSettle : settleSteps, first ? firstMax : settleSteps, windowSteps, chunk);
      const t = times[j];
      for (let s = 0; s < K; s++) {
        // corrector: the step t_(j-1) -> t_j again, its drive now linear in time between the activations
        // read at both ends (the fast phase just run used the predicted d1A, which is within O(dt^2))
        if (j > 0) slow[s] = advanceSlow(scs[s].params, copySlow(prev[s]!), prevAbar[s]!, A50[s], t - times[j - 1], f[s].abar);
        const st = d1AStats(slow[s].d);
        const row: ChronicStep = {
          hours: t,
          meanD1A: st.mean,
          fractionDesensitised: st.fraction,
          rateHz: f[s].rateHz,
          probe5htNm: f[s].probe5htNm,
          meanA1A: mean(f[s].abar),
          settled: f[s].settled,
        };
        steps[s].push(row);
        // a readout day matched to its slow time within a microsecond (days are given as decimals)
        const day = c.readoutDays.find((d) => sameSlowTime(d * 24, t));
        if (t > 0 && day !== undefined) {
          readouts[s].push({
            condition: scs[s].name,
            day,
            rateHz: row.rateHz,
            probe5htNm: row.probe5htNm,
            meanD1A: row.meanD1A,
            fractionDesensitised: row.fractionDesensitised,
            meanA1A: row.meanA1A,
          });
          d1AByDay[s].set(day, Float32Array.from(slow[s].d));
        }
        if (j + 1 < times.length) {
          // predictor: the drive held at what was read at t_j
          prev[s] = slow[s];
          prevAbar[s] = f[s].abar;
          const pred = advanceSlow(scs[s].params, copySlow(slow[s]), f[s].abar, A50[s], times[j + 1] - t);
          batch.setCellState(s, 'd1A', Float32Array.from(pred.d));
          if (o.balanceJump !== false) {
            const k = batch.constants(s);
            const lam = balanceScale(models[s], k.KmEff, k.kClearDt, f[s].grid, f[s].releaseNmps);
            if (Math.abs(lam - 1) > 1e-3)
              batch.setGrid(
                s,
                Float32Array.from(f[s].grid, (c) => c * lam),
              );
          }
        }
      }
      tick();
    }
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
    engine: info.engine,
    adapter: info.adapter,
  }));
}

/** One point of a brute-force run: fast time s, mean d1A, share desensitised. */
export interface BrutePoint {
  timeS: number;
  meanD1A: number;
  fractionDesensitised: number;
}

/**
 * The full model with d1A evolving along with the fast network (the check of the scheme at an
 * accelerated tau_d): started from the drug's estimated steady state with d1A = 0, every `updateS` the
 * cells' mean s1A over that interval drives an exact advance of d1A over it (updateS << tau_d).
 * Returns the trajectory at every update, for `durationS` of fast time.
 */
export async function runBruteForce(
  sc: Scenario,
  engine: ResolvedEngine,
  o: { durationS: number; updateS: number },
): Promise<BrutePoint[]> {
  if (!sc.chronic) throw new Error(`chronic: scenario ${sc.name} has no chronic protocol`);
  const model = await buildModelAsync(sc.params, sc.genotype, sc.neurons, sc.seed);
  const dt = model.dtGrid_s;
  const upd = Math.max(1, Math.round(o.updateS / dt));
  const A50 = cellA50(sc.params, model.nCells, sc.seed);
  const batch = await engine.createBatch(await startOpts([sc], [model], engine, () => sc.chronic!.doses));
  const out: BrutePoint[] = [{ timeS: 0, meanD1A: 0, fractionDesensitised: 0 }];
  try {
    // the drug-free start is the estimate; settle it once as runChronic does before its first slow step
    await fastPhase(batch, [model], Math.round(FIRST_SETTLE_S / dt), Math.round(FIRST_SETTLE_MAX_S / dt), upd, 1000);
    const slow = zeroSlowState(model.nCells);
    const zero = new Float32Array(model.nCells);
    const total = Math.round(o.durationS / dt);
    const clock = new Clock(batch, { dtS: dt, chunkSteps: upd });
    for (let t = 0; t < total; t += upd) {
      batch.setCellState(0, 'a1Sum', zero);
      await clock.advance(upd);
      const snap = await batch.snapshot(0);
      const abar = Float64Array.from(snap.a1Sum, (x) => x / upd);
      advanceSlow(sc.params, slow, abar, A50, (upd * dt) / 3600);
      batch.setCellState(0, 'd1A', Float32Array.from(slow.d));
      const st = d1AStats(slow.d);
      out.push({ timeS: (t + upd) * dt, meanD1A: st.mean, fractionDesensitised: st.fraction });
    }
  } finally {
    batch.dispose();
  }
  return out;
}
