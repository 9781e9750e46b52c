/**
 * From the parameter schema to what the engines compute with: per-cell parameters, per-voxel SERT
 * capacity, and one flat block of float32/u32 constants (decay factors, thresholds, drug terms) that the
 * CPU engine reads directly and the WebGPU engine packs into its uniform buffer in UNIFORM_FIELDS order.
 * No engine computes a model constant of its own: this file is the single place.
 */
import { HostStream, STREAM, seedKey } from '../rng/philox.js';
import { backgroundLambda, gapTable, poissonThreshold } from './background.js';
import { GENOTYPES, receptorTerms, sertInhibitionFactor, type DrugDoses, type Genotype } from './drugs.js';
import { buildGeometry, placeCellsSteps, type Geometry } from './geometry.js';
import type { Constants } from './layout.js';
import type { Params } from './params.js';
import { boxFilterSteps, checkReleaseOverflow, cubeVoxels, fieldInsideFractionSteps, fieldRadiusVoxels } from './release-field.js';
import { RELEASE_QUANTA } from './release-quanta.js';
import { ssriPotency2B } from './sert-2b.js';
import { chunked, finishSteps, finishStepsAsync, type Steps } from './steps.js';

export { UNIFORM_FIELDS, type ConstName, type Constants } from './layout.js';

/** Avogadro's number, 1/mol. */
export const AVOGADRO = 6.02214076e23;

/** Effective diffusion coefficient in the extracellular space, D* = D / lambda² (tortuosity), µm²/s. */
export function effectiveDiffusion_um2ps(p: Params): number {
  return (p.D_cm2ps * 1e8) / (p.lambda * p.lambda);
}

/**
 * Decaying currents and conductances (g_bg, the three AHP currents) below this are set to 0 at the end
 * of each grid step in every engine: left alone, a silent cell's fast AHP current decays into float32
 * subnormals, which CPUs compute tens of times slower (most of a cell's interspike interval at 1 Hz)
 * and GPUs may flush to 0 (so engines would part). 1e-30 pA or nS is 28 orders of magnitude below one
 * spike's or one event's increment, and a grid step's decay (at most e^-0.33 here) cannot take a value
 * from above it to a subnormal.
 */
export const FLUSH_BELOW = 1e-30;

/** Grid step, s (dt_ms x subSteps). */
export function gridStep_s(p: Params): number {
  return (p.dt_ms * p.subSteps) / 1000;
}

/** Diffusion number D* dt_grid / dx² of the explicit 7-point stencil. Stable only up to 1/6. */
export function diffusionNumber(p: Params): number {
  return (effectiveDiffusion_um2ps(p) * gridStep_s(p)) / (p.voxel_um * p.voxel_um);
}

/**
 * One cell's share of the tissue's SERT capacity, in its voxel's extracellular concentration units
 * (nM/s): Vmax_i = rho_i x capacity x alpha V_region / N, per voxel rho_i x capacity x nVox / N.
 */
export function cellSertVmax_nMps(p: Params, rho: number, regionVoxels: number, nCells: number): number {
  return (rho * p.sertCapacity_nMps * regionVoxels) / nCells;
}

/** The factor on every cell's SERT Vmax: the genotype's (0 or 1) times sertExpression. */
export function sertFactor(p: Params, genotype: Genotype): number {
  return GENOTYPES[genotype].sert * p.sertExpression;
}

/** Molecules per (nM x voxel) of extracellular 5-HT: alpha V_voxel N_A / 1e9. */
export function moleculesPerNmVoxel(m: Pick<Model, 'voxelVolume_L'>): number {
  return (m.voxelVolume_L * AVOGADRO) / 1e9;
}

export interface Model {
  params: Params;
  genotype: Genotype;
  nCells: number;
  seed: number;
  geometry: Geometry;
  /** Tonic drive per cell, pA (float32). */
  Idrive: Float32Array;
  /** SERT density factor per cell (lognormal, mean 1). */
  rho: Float64Array;
  /** Box voxel of each cell. */
  vox: Uint32Array;
  /** Cell positions, µm, xyz interleaved. */
  pos: Float32Array;
  /**
   * Per box voxel: SERT Vmax x dt_grid, nM per grid step (float32): each cell's Vmax spread evenly over its
   * release cube (release-field.ts), 0 outside the region.
   */
  vmaxDt: Float32Array;
  /**
   * Per box voxel: non-exocytotic release, nM per grid step (float32): tonicRelease_molps per real cell x
   * refCells/N, spread evenly over each cell's release cube, 0 outside the region.
   */
  tonicDt: Float32Array;
  /**
   * Concentration step of one full-pool spike's release were it all in one voxel, nM (float64); the
   * engines spread it over the cube: Constants.dCrel per release quantum per cube voxel.
   */
  dCspike_nM: number;
  /** Half-width of the release cube, voxels (release-field.ts). */
  fieldR: number;
  /** Mean over cells of the share of their release cube inside the region. */
  fieldInsideFraction: number;
  dtGrid_s: number;
  /** Extracellular volume of one voxel, litres. */
  voxelVolume_L: number;
  /** Background drive: thresholds of the geometric gap between event steps (background.ts). */
  bgGap: Uint32Array;
}

export function buildModel(params: Params, genotype: Genotype, nCells: number, seed: number): Model {
  return finishSteps(buildModelSteps(params, genotype, nCells, seed));
}

/**
 * buildModel with a turn of the event loop between chunks of each per-cell loop (steps.ts): the model of
 * 10^8 cells takes a minute or more, during which a signal is still handled within a fraction of a second.
 * The same model, bit for bit.
 */
export function buildModelAsync(params: Params, genotype: Genotype, nCells: number, seed: number): Promise<Model> {
  return finishStepsAsync(buildModelSteps(params, genotype, nCells, seed));
}

function* buildModelSteps(params: Params, genotype: Genotype, nCells: number, seed: number): Steps<Model> {
  const geometry = buildGeometry(params);
  const fieldR = fieldRadiusVoxels(params);
  checkReleaseOverflow(nCells, fieldR, geometry.inside.length);
  const { vox, pos } = yield* placeCellsSteps(geometry, nCells, seed);
  const rng = new HostStream(seedKey(seed), STREAM.cellParams, 0);
  const Idrive = new Float32Array(nCells);
  const rho = new Float64Array(nCells);
  // lognormal with mean 1: exp(sigma z - sigma²/2)
  const s = params.rhoSd;
  yield* chunked(nCells, (from, to) => {
    for (let c = from; c < to; c++) {
      Idrive[c] = params.IdriveMean_pA + params.IdriveSd_pA * rng.normal();
      rho[c] = Math.exp(s * rng.normal() - (s * s) / 2);
    }
  });
  const dtGrid_s = gridStep_s(params);
  const nVox = geometry.inside.length;
  const cube = cubeVoxels(fieldR);
  const scale = params.refCells_n / nCells; // each cell stands for refCells/N real cells
  // Vmax_i = rho_i * capacity * alpha * V_region / N (amount/s); per voxel in extracellular
  // concentration units: rho_i * capacity * nVox / N; then spread evenly over the cell's cube.
  const sertOn = sertFactor(params, genotype);
  const vmax = new Float64Array(geometry.nx * geometry.ny * geometry.nz);
  const cellsAt = new Float64Array(vmax.length);
  yield* chunked(nCells, (from, to) => {
    for (let c = from; c < to; c++) {
      vmax[vox[c]] += cellSertVmax_nMps(params, rho[c], nVox, nCells);
      cellsAt[vox[c]]++;
    }
  });
  const vmaxSum = yield* boxFilterSteps(vmax, geometry, fieldR);
  const vmaxDt = new Float32Array(vmax.length);
  for (const v of geometry.inside) vmaxDt[v] = (vmaxSum[v] / cube) * dtGrid_s * sertOn;
  const voxelVolume_L = params.alpha * (params.voxel_um * 1e-5) ** 3; // µm -> dm
  const nMperMolecule = 1e9 / AVOGADRO / voxelVolume_L;
  const dCspike_nM = params.Q_molecules * scale * nMperMolecule;
  // tonic release of one model cell per grid step in one voxel of its cube, nM
  const tonicCell_nM = (params.tonicRelease_molps * scale * dtGrid_s * nMperMolecule) / cube;
  const tonicDt = new Float32Array(vmax.length);
  if (tonicCell_nM > 0) {
    const cellsSum = yield* boxFilterSteps(cellsAt, geometry, fieldR);
    for (const v of geometry.inside) tonicDt[v] = cellsSum[v] * tonicCell_nM;
  }
  const fieldInsideFraction = yield* fieldInsideFractionSteps({ params, geometry, vox, nCells });
  const bgGap = gapTable(backgroundLambda(params.bgRate_Hz, dtGrid_s * 1000));
  return {
    params,
    genotype,
    nCells,
    seed,
    geometry,
    Idrive,
    rho,
    vox,
    pos,
    vmaxDt,
    tonicDt,
    dCspike_nM,
    fieldR,
    fieldInsideFraction,
    dtGrid_s,
    voxelVolume_L,
    bgGap,
  };
}

/** P(N >= 2 | N >= 1) and P(N >= 3 | N >= 1) of the per-step Poisson count, as u32 thresholds. */
function conditionalThresholds(lam: number): [number, number] {
  const t1 = poissonThreshold(lam, 1);
  if (t1 === 0) return [0, 0];
  const c = (k: number) => Math.min(4294967295, Math.round((poissonThreshold(lam, k) / t1) * 4294967296));
  return [c(2), c(3)];
}

/** What the chronic driver sets besides the doses. */
export interface ConstantOptions {
  /** Factor on every voxel's SERT Vmax (chronic SERT down-regulation); 1 when absent. */
  sertScale?: number;
}

/** The constant block for one condition (genotype from the model, drug doses per phase). */
export function deriveConstants(m: Model, doses: DrugDoses, opts: ConstantOptions = {}): Constants {
  const p = m.params;
  const f = Math.fround;
  const g = GENOTYPES[m.genotype];
  const dt = p.dt_ms;
  const dtGrid_ms = dt * p.subSteps;
  const t1a = receptorTerms('5ht1a', doses);
  const t2b = receptorTerms('5ht2b', doses);
  const tauR = p.tau1ARise_ms;
  const tauD = p.tau1ADecay_ms;
  const e1R = Math.exp(-dtGrid_ms / tauR);
  const e1D = Math.exp(-dtGrid_ms / tauD);
  // exact two-stage filter over one grid step with constant input a:
  // s' = a + (s - a) e_D + (r - a) * tauR/(tauR - tauD) * (e_R - e_D)
  const cross = Math.abs(tauR - tauD) < 1e-9 ? (dtGrid_ms / tauD) * e1D : (tauR / (tauR - tauD)) * (e1R - e1D);
  const lamBg = backgroundLambda(p.bgRate_Hz, dtGrid_ms);
  const [bgC2, bgC3] = conditionalThresholds(lamBg);
  const Dstar_um2_per_ms = effectiveDiffusion_um2ps(p) / 1000;
  const [seedLo, seedHi] = seedKey(m.seed);
  const c: Constants = {
    nCells: m.nCells,
    nx: m.geometry.nx,
    ny: m.geometry.ny,
    nz: m.geometry.nz,
    seedLo,
    seedHi,
    subSteps: p.subSteps,
    refSteps: Math.round(p.tRef_ms / dt),
    bgC2,
    bgC3,
    bgGapLen: m.bgGap.length,
    dtC: f(dt / p.C_pF),
    c6: f(1 / 6),
    gL: f(p.gL_nS),
    gLEL: f(p.gL_nS * p.EL_mV),
    EK: f(p.EK_mV),
    E2B: f(p.E2B_mV),
    Eexc: f(p.Eexc_mV),
    Vth: f(p.Vth_mV),
    Vreset: f(p.Vreset_mV),
    Vfloor: f(p.Vfloor_mV),
    eAhp1: f(Math.exp(-dt / p.tauAhp1_ms)),
    eAhp2: f(Math.exp(-dt / p.tauAhp2_ms)),
    eAhp3: f(Math.exp(-dt / p.tauAhp3_ms)),
    dAhp1: f(p.dAhp1_pA),
    dAhp2: f(p.dAhp2_pA),
    dAhp3: f(p.dAhp3_pA),
    eBg: f(Math.exp(-dt / p.tauBg_ms)),
    bgStep: f(p.bgStep_nS),
    tiny: f(FLUSH_BELOW),
    invK1A: f(1 / p.K1A_nM),
    num1A: f(t1a.num),
    den1A: f(t1a.den),
    invK2B: f(1 / p.K2B_nM),
    num2B: f(t2b.num),
    den2B: f(t2b.den),
    g1A: f(p.g1A_nS * g.g1A * p.htr1aExpression),
    g2B: f(p.g2B_nS * g.g2B * p.htr2bExpression),
    e1Rise: f(e1R),
    e1Decay: f(e1D),
    c1Cross: f(cross),
    e2B: f(Math.exp(-dtGrid_ms / p.tau2B_ms)),
    ePool: f(Math.exp(-dtGrid_ms / 1000 / p.tauRefill_s)),
    keepU: f(1 - p.releaseFraction),
    quanta: f(RELEASE_QUANTA),
    rel1A: f(p.rel1AMax),
    fieldR: m.fieldR,
    dCrel: f(m.dCspike_nM / (RELEASE_QUANTA * cubeVoxels(m.fieldR))),
    sertScale: f(opts.sertScale ?? 1),
    KmEff: f(p.Km_nM * sertInhibitionFactor(doses, ssriPotency2B(p, m.genotype))),
    kClearDt: f((p.kClear_perH / 3600) * (dtGrid_ms / 1000)),
    lambdaDiff: f((Dstar_um2_per_ms * dtGrid_ms) / (p.voxel_um * p.voxel_um)),
  };
  return c;
}
