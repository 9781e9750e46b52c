/**
 * The reduced model of docs/model.md §6, used to start a run near its steady state instead of waiting for
 * the grid to fill: the open-loop firing rate r(c) of a sample of the model's own cells held at a
 * uniform 5-HT level c (receptor filters at equilibrium), and the well-mixed balance
 *     N r(c) dC_spike / nVox = <Vmax> c / (Km_eff + c) + k_clear c
 * solved for c by bisection on log c. Common random numbers (same cells, same Philox stream for every c)
 * keep r(c) smooth so the bisection is well behaved. That well-mixed estimate then starts a closed-loop
 * run of a small patch of the same tissue (patchModel), whose settled mean 5-HT and rate are returned.
 */
import { SyncClock } from '../../clock/clock.js';
import type { DrugDoses } from '../../model/drugs.js';
import { cellSertVmax_nMps, deriveConstants, sertFactor, effectiveDiffusion_um2ps, type Model } from '../../model/derive.js';
import { cubeGeometry } from '../../model/geometry.js';
import { HostStream, STREAM, seedKey } from '../../rng/philox.js';
import { initialCells } from '../initial-state.js';
import { CpuEngine } from './cpu-engine.js';
import { STATE_FIELDS } from '../../model/layout.js';
import { RELEASE_QUANTA } from '../../model/release-quanta.js';
import { kernelLayout, kernelMemory, kernelViews, WasmKernels } from './wasm-kernels.js';

export interface SteadyStateEstimate {
  c0_nM: number;
  rate_Hz: number;
}

export interface EstimateOptions {
  sampleCells?: number;
  warmupSteps?: number;
  measureSteps?: number;
  iterations?: number;
  /** Refine the well-mixed estimate on a patch of tissue (default true). */
  localGrid?: boolean;
  /** Edge of the tissue patch, voxels. */
  patchVoxels?: number;
  /** Biological time the patch runs, s (the last 40% are averaged); default from the slowest relaxation. */
  patchSeconds?: number;
  /**
   * Biological time of the run this estimate starts, s. The patch then runs at most max(2 s, 4 x the
   * run): a run shorter than the tissue's slowest relaxation cannot be measured settled anyway, and its
   * start need not be refined beyond what it can show (a 50 ms run no longer waits 10 s for its start).
   */
  runSeconds?: number;
}

/** What the open loop measures at one uniform 5-HT level: the rate and the release it drives. */
export interface OpenLoop {
  /** Spikes per cell per second. */
  rate_Hz: number;
  /** Release quanta per cell per second (RELEASE_QUANTA for each spike from a full pool). */
  quanta_Hz: number;
}

/** Open-loop rate and release (per cell per second) of the first `cells` cells at uniform 5-HT c (nM). */
export function openLoop(m: Model, doses: DrugDoses, c_nM: number, o: EstimateOptions = {}): OpenLoop {
  const n = Math.min(m.nCells, o.sampleCells ?? 64);
  const warm = o.warmupSteps ?? 300;
  const meas = o.measureSteps ?? 1000;
  const k = { ...deriveConstants(m, doses), nCells: n };
  const s = initialCells(m, k, c_nM, 1, n);
  // the cells in one voxel at c (voxel 0 of a one-voxel grid); their release accumulates in its count
  const L = kernelLayout({ nCells: n, gridLen: 1, nInside: 0, gapLen: m.bgGap.length });
  const mem = kernelMemory(L);
  const v = kernelViews(mem, L);
  for (const f of STATE_FIELDS) v.state[f.name].set(s[f.name]);
  v.Idrive.set(m.Idrive.subarray(0, n));
  v.bgGap.set(m.bgGap);
  v.grids[0][0] = c_nM;
  const kernel = new WasmKernels(mem, L);
  let spikes = 0;
  for (let t = 0; t < warm + meas; t++) {
    if (t === warm) v.counts[0] = 0;
    const sp = kernel.step(k, 0, t, 0, n);
    if (t >= warm) spikes += sp;
  }
  const perCellS = n * (meas * m.dtGrid_s || 1);
  return { rate_Hz: spikes / perCellS, quanta_Hz: v.counts[0] / perCellS };
}

/** Open-loop rate (Hz) of the first `cells` cells at uniform 5-HT c (nM). */
export function openLoopRate(m: Model, doses: DrugDoses, c_nM: number, o: EstimateOptions = {}): number {
  return openLoop(m, doses, c_nM, o).rate_Hz;
}

export function estimateSteadyState(m: Model, doses: DrugDoses, o: EstimateOptions = {}): SteadyStateEstimate {
  const wm = wellMixedEstimate(m, doses, o);
  // Spread release and uptake (the release field, docs/model.md §3) leave the well-mixed balance little to
  // miss; a patch of tissue refines it only when asked (localGrid: true).
  return o.localGrid === true ? refineOnPatch(m, doses, wm, o) : wm;
}

/** Mean SERT capacity over the region's voxels, nM/s (before sertScale). */
function meanVmax(m: Model): number {
  let sum = 0;
  for (const v of m.geometry.inside) sum += m.vmaxDt[v];
  return sum / m.dtGrid_s / m.geometry.inside.length;
}

/** Mean non-exocytotic release over the region's voxels, nM/s. */
function meanTonic(m: Model): number {
  let sum = 0;
  for (const v of m.geometry.inside) sum += m.tonicDt[v];
  return sum / m.dtGrid_s / m.geometry.inside.length;
}

/**
 * The reduced model's balance at uniform 5-HT c, nM/s over the region: release (spikes' quanta from the
 * open loop, the share of each cell's field inside the region, and the non-exocytotic release) minus SERT
 * uptake and clearance:
 *   B(c) = N q(c) dC_q f_in / n_vox + <tonic> - <Vmax> s c / (Km_eff + c) - k_clear c
 * with q(c) the quanta per cell per second, dC_q one quantum's amount in one voxel, f_in the model's
 * field inside fraction, s the sertScale of the constants.
 */
export function releaseBalance(
  m: Model,
  doses: DrugDoses,
  o: EstimateOptions = {},
): { balance: (c: number) => number; loop: (c: number) => OpenLoop } {
  const k = deriveConstants(m, doses);
  const vmaxMean = meanVmax(m) * k.sertScale;
  const tonic = meanTonic(m);
  const kclear = k.kClearDt / m.dtGrid_s; // 1/s
  const perQuantum = (((m.nCells * m.dCspike_nM) / RELEASE_QUANTA) * m.fieldInsideFraction) / m.geometry.inside.length;
  const cache = new Map<number, OpenLoop>();
  const loop = (c: number) => {
    let r = cache.get(c);
    if (r === undefined) {
      r = openLoop(m, doses, c, o);
      cache.set(c, r);
    }
    return r;
  };
  const balance = (c: number) => perQuantum * loop(c).quanta_Hz + tonic - (vmaxMean * c) / (k.KmEff + c) - kclear * c;
  return { balance, loop };
}

/** The balance's root by bisection on log c (one steady state assumed: the scan checks it). */
function wellMixedEstimate(m: Model, doses: DrugDoses, o: EstimateOptions): SteadyStateEstimate {
  const { balance, loop } = releaseBalance(m, doses, o);
  let lo = Math.log(1e-3);
  let hi = Math.log(1e6);
  if (balance(Math.exp(lo)) <= 0) return { c0_nM: 0, rate_Hz: loop(Math.exp(lo)).rate_Hz };
  for (let it = 0; it < (o.iterations ?? 10); it++) {
    const mid = (lo + hi) / 2;
    if (balance(Math.exp(mid)) > 0) lo = mid;
    else hi = mid;
  }
  return { c0_nM: Math.exp((lo + hi) / 2), rate_Hz: loop(Math.exp(lo)).rate_Hz };
}

/** One steady state of the reduced model: its level, rate, and whether it attracts (B falls through 0). */
export interface ReducedState {
  c_nM: number;
  rate_Hz: number;
  stable: boolean;
}

/**
 * Every steady state of the reduced model on the ascending levels `cs` (nM): each sign change of B between
 * neighbouring levels, refined by bisection, plus c = 0 when B(cs[0]) <= 0 (release cannot outrun uptake
 * even there). More than one is a second branch a run could jump to (docs/model.md §6, the scan).
 */
export function steadyStates(m: Model, doses: DrugDoses, cs: readonly number[], o: EstimateOptions = {}): { states: ReducedState[] } {
  const { balance, loop } = releaseBalance(m, doses, o);
  const b = cs.map(balance);
  const states: ReducedState[] = [];
  if (b[0] <= 0) states.push({ c_nM: 0, rate_Hz: loop(cs[0]).rate_Hz, stable: true });
  for (let i = 0; i + 1 < cs.length; i++) {
    if (b[i] > 0 === b[i + 1] > 0) continue;
    let lo = Math.log(cs[i]);
    let hi = Math.log(cs[i + 1]);
    const falling = b[i] > 0;
    for (let it = 0; it < 8; it++) {
      const mid = (lo + hi) / 2;
      if (balance(Math.exp(mid)) > 0 === falling) lo = mid;
      else hi = mid;
    }
    const c = Math.exp((lo + hi) / 2);
    states.push({ c_nM: c, rate_Hz: loop(cs[i]).rate_Hz, stable: falling });
  }
  return { states };
}

/** Closed-loop run of a patch of the tissue from the well-mixed estimate; its settled means. */
function refineOnPatch(m: Model, doses: DrugDoses, wm: SteadyStateEstimate, o: EstimateOptions): SteadyStateEstimate {
  const p = m.params;
  const nVox = m.geometry.inside.length;
  // Patch size: about 100 cells. Patch time: several times the slowest relaxation: diffusion-limited
  // uptake by cells of radius ~voxel/2 at density n, 1 / (4 pi D* a n) (seconds at small N) ...
  const edge = o.patchVoxels ?? Math.max(8, Math.min(16, Math.round(Math.cbrt((100 * nVox) / m.nCells))));
  const patch = patchModel(m, edge);
  const Dstar = effectiveDiffusion_um2ps(p); // µm²/s
  const density = m.nCells / (nVox * p.voxel_um ** 3); // cells / µm³
  const tauDiff = 1 / (4 * Math.PI * Dstar * (p.voxel_um / 2) * density);
  // ... and SERT uptake's own time constant near c0, (Km_eff + c)² / (Vmax Km_eff): ~1 s at baseline,
  // ~12 s under a strong SSRI block (docs/model.md §6).
  const KmEff = deriveConstants(m, doses).KmEff;
  const vmaxMean = meanVmax(m);
  const tauUptake = vmaxMean > 0 ? (KmEff + wm.c0_nM) ** 2 / (vmaxMean * KmEff) : 0;
  const cap = o.runSeconds === undefined ? Infinity : Math.max(2, 4 * o.runSeconds);
  const seconds = o.patchSeconds ?? Math.min(90, cap, Math.max(6, 5 * Math.max(tauDiff, tauUptake)));
  const steps = Math.round(seconds / m.dtGrid_s);
  const eng = new CpuEngine({ model: patch, doses, c0_nM: wm.c0_nM, rate0_Hz: wm.rate_Hz, recordSpikes: false, sampleSteps: 100 });
  // two engine calls: the first 60% settle, the last 40% are averaged
  const clock = new SyncClock(eng, { dtS: m.dtGrid_s, chunkSteps: Math.max(1, steps) });
  const warm = Math.round(steps * 0.6);
  clock.advance(warm);
  const [b] = clock.advance(steps - warm);
  const meanC = b.samples.meanC.reduce((a, x) => a + x, 0) / Math.max(1, b.samples.meanC.length);
  return { c0_nM: meanC, rate_Hz: b.spikeCount / patch.nCells / (b.steps * m.dtGrid_s) };
}

/**
 * A cube of the same tissue (zero-flux faces): the model's cell density, the first cells' own drive
 * and SERT, the same Q and Vmax per cell, so local saturation of SERT by each spike's bump of 5-HT and
 * the receptor nonlinearity are as in the full run, at a small fraction of its cost.
 */
export function patchModel(m: Model, edge: number): Model {
  const nv = edge * edge * edge;
  const geometry = cubeGeometry(edge, m.geometry.voxel_um);
  const nCells = Math.max(1, Math.min(m.nCells, Math.round((m.nCells * nv) / m.geometry.inside.length)));
  const rng = new HostStream(seedKey(m.seed), STREAM.patchPlacement, 0);
  const vox = new Uint32Array(nCells);
  const vmaxDt = new Float32Array(nv);
  const sertOn = sertFactor(m.params, m.genotype);
  for (let i = 0; i < nCells; i++) {
    vox[i] = Math.min(nv - 1, Math.floor(rng.uniform() * nv));
    vmaxDt[vox[i]] += cellSertVmax_nMps(m.params, m.rho[i], m.geometry.inside.length, m.nCells) * m.dtGrid_s * sertOn;
  }
  return {
    ...m,
    nCells,
    geometry,
    Idrive: m.Idrive.slice(0, nCells),
    rho: m.rho.slice(0, nCells),
    vox,
    pos: new Float32Array(nCells * 3),
    vmaxDt,
    tonicDt: new Float32Array(nv),
  };
}
