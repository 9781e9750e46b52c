/**
 * The one parameter schema of the model (docs/model.md §2-4). Every number the engines use comes from here:
 * config validation reads `min`/`max`, the CPU engine and the WGSL uniform block read the constants
 * that `derive.ts` computes from these values. Units are in the key names.
 *
 * `source` cites the model card's source; values the card marks as a **choice** carry `choice: true`
 * and a one-line reason in `reason` (calibrated values say how they were found).
 */
export interface ParamSpec {
  readonly value: number;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly doc: string;
  readonly source: string;
  readonly choice?: boolean;
  readonly reason?: string;
  /** Must be an integer. */
  readonly integer?: boolean;
  /**
   * Shapes the tissue that every simulation of a batch shares (cells, geometry, tonic drive, background
   * stream, time steps): scenarios that differ in it cannot share a batch (experiment/run-scenario.ts).
   * Every other parameter only changes a simulation's own constants or SERT capacity.
   */
  readonly tissue?: boolean;
}

const p = (
  value: number,
  unit: string,
  min: number,
  max: number,
  doc: string,
  source: string,
  extra: Partial<Pick<ParamSpec, 'choice' | 'reason' | 'integer' | 'tissue'>> = {},
): ParamSpec => ({ value, unit, min, max, doc, source, ...extra });

const LYNN = 'Lynn et al. 2025 (micllynn/Recurrent5HT_2025)';
const BEST = 'Best, Nijhout & Reed lineage (sermeor/Escitalopram-Terminal-Modeling, VSERT.m)';
const BEST_2010 = 'reduction of Best, Nijhout & Reed 2010 (Theor Biol Med Model 7:34, PMC2942809)';
const WAINSCOTT_1996 =
  'Wainscott et al. 1996 (J Pharmacol Exp Ther 276:720; cloned human 5-HT2B, [3H]5-HT Kd 10.6 nM: a bound), docs/literature.md §13';
const LAUNAY_2006 =
  'Launay et al. 2006 (FASEB J 20:1843, by its title: SERT-mediated antidepressant recognition is controlled by 5-HT2B signalling); Diaz et al. 2012 (title); docs/literature.md §14';
const DAVIDSON_STAMFORD =
  'Davidson & Stamford (DRN slices, fast-scan voltammetry): 8-OH-DPAT Emax on evoked 5-HT efflux about 55%; the 5-HT1A control of release did not desensitise after 21 days of paroxetine';
const CHRONIC_V3 = 'v3 chronic search (raphe experiment chronic-ssri --quick, 8 candidates, docs/model.md §7)';
const CHRONIC_CAL = 'calibrated against C1-C2 (scripts/calibrate-chronic.mjs, docs/model.md §7)';
const D2B_SRC =
  'no DRN 5-HT2B figure exists; 5-HT2C desensitises ~60% within minutes in cell lines (JPET 2002 302:957); 21-day SSRIs blunt mCPP responses (Kennett 1994, PMID 7760981): a choice to sweep';
const V3CAL = 'docs/model.md §6 v3 calibration (scripts/calibrate-v3.mjs, reduced model; full runs confirm)';
const REFCAL = 'docs/model.md §6 reference calibration (Brian2, float64), kept after the float32 check';

export const PARAM_SPECS = {
  // ---- membrane (LIF) ----
  C_pF: p(87.6, 'pF', 1, 1000, 'membrane capacitance', LYNN),
  gL_nS: p(1.4, 'nS', 0.01, 100, 'leak conductance', LYNN),
  EL_mV: p(-68.07, 'mV', -120, 0, 'leak reversal', LYNN),
  Vth_mV: p(-52.33, 'mV', -100, 0, 'spike threshold', LYNN),
  Vreset_mV: p(-70, 'mV', -120, 0, 'reset potential', LYNN),
  tRef_ms: p(6.5, 'ms', 1, 50, 'absolute refractory period (>= 1 ms: at most one spike per grid step)', LYNN, { tissue: true }),
  EK_mV: p(-90, 'mV', -120, 0, 'K+ reversal (GIRK)', LYNN),
  Vfloor_mV: p(-89.99, 'mV', -120, 0, 'floor on V, just above EK', LYNN),
  // ---- afterhyperpolarisation: three exponentials ----
  tauAhp1_ms: p(3, 'ms', 0.1, 10000, 'AHP 1 time constant', LYNN + ' from Harkin et al. 2023 GIF fits'),
  tauAhp2_ms: p(30, 'ms', 0.1, 10000, 'AHP 2 time constant', LYNN + ' from Harkin et al. 2023 GIF fits'),
  tauAhp3_ms: p(300, 'ms', 0.1, 10000, 'AHP 3 time constant', LYNN + ' from Harkin et al. 2023 GIF fits'),
  dAhp1_pA: p(28.1, 'pA', 0, 1000, 'AHP 1 increment per spike', LYNN),
  dAhp2_pA: p(33.3, 'pA', 0, 1000, 'AHP 2 increment per spike', LYNN),
  dAhp3_pA: p(21.0, 'pA', 0, 1000, 'AHP 3 increment per spike', LYNN),
  // ---- background drive ----
  bgRate_Hz: p(25, 'Hz', 0, 1000, 'Poisson background input rate', LYNN, { tissue: true }),
  bgStep_nS: p(0.5, 'nS', 0, 100, 'background conductance step per event', LYNN),
  tauBg_ms: p(20, 'ms', 0.1, 1000, 'background conductance decay', LYNN),
  Eexc_mV: p(0, 'mV', -100, 100, 'background (excitatory) reversal', LYNN),
  IdriveMean_pA: p(10, 'pA', -1000, 1000, 'tonic drive, mean over cells', LYNN, { tissue: true }),
  IdriveSd_pA: p(5, 'pA', 0, 1000, 'tonic drive, SD over cells', LYNN, { tissue: true }),
  // ---- 5-HT1A -> GIRK ----
  g1A_nS: p(3, 'nS', 0, 100, 'max 5-HT1A GIRK conductance', V3CAL, {
    choice: true,
    reason:
      'v3 search (about 140 candidates, docs/model.md §6): F4 needs a steep 5-HT1A brake in KO at the therapeutic occupancy (1.5 nS: KO fold 1.9, 3 nS: 1.64); Lynn gives 0.01-0.1 nS per input x hundreds of inputs = a few nS',
  }),
  K1A_nM: p(20, 'nM', 0.001, 1e6, '5-HT affinity at 5-HT1A', REFCAL, {
    choice: true,
    reason:
      'reference calibration; kept in the 2026-12-03 search, where K2B came down to it (20 nM): 5-HT2B then saturates with 5-HT1A instead of outgrowing it (S1; one steady state in the box, docs/model.md §6)',
  }),
  tau1ARise_ms: p(85.97, 'ms', 0.1, 1e6, '5-HT1A filter 1 (rise)', LYNN + ' fit of the 5-HT1A IPSC'),
  tau1ADecay_ms: p(308.04, 'ms', 0.1, 1e6, '5-HT1A filter 2 (decay)', LYNN + ' fit of the 5-HT1A IPSC'),
  // ---- 5-HT2B -> depolarising cation current ----
  g2B_nS: p(1.3, 'nS', 0, 100, 'max 5-HT2B conductance', V3CAL, {
    choice: true,
    reason:
      '2026-12-03 search with ssriRecognition2B (docs/measurements/2026-12-03-calibration-2b-release.md): 1.3 nS with K2B 20 nM holds F2 (KO/WT 0.43 on the reduced model; 1.45 gives 0.38) and F4 (0.29; 1.15 gives 0.34), WT firing falls with the SSRI dose (S1) and the box has one steady state; 2.5 nS (v3) failed S1 and the scan',
  }),
  K2B_nM: p(20, 'nM', 0.001, 1e6, '5-HT affinity at 5-HT2B', WAINSCOTT_1996, {
    choice: true,
    reason:
      '2026-12-03 search (docs/measurements/2026-12-03-calibration-2b-release.md): 20 nM, near the cloned receptor Kd (10.6 nM), saturates 5-HT2B early enough that its drive no longer outgrows the saturated 5-HT1A brake (S1; one steady state in the box); v3 had 50 nM',
  }),
  tau2B_ms: p(1000, 'ms', 0.1, 1e7, '5-HT2B filter (Gq, slow)', 'docs/model.md §2', {
    choice: true,
    reason: 'card: about 1 s for a slow Gq cascade',
  }),
  E2B_mV: p(0, 'mV', -100, 100, '5-HT2B current reversal (non-selective cation)', 'docs/model.md §2', {
    choice: true,
    reason: 'non-selective cation current reverses near 0 mV',
  }),
  // ---- expression levels (1 = wild type; the knock-outs are expression 0) ----
  htr1aExpression: p(1, '1', 0, 4, '5-HT1A expression: fraction of the wild type, scales g1A_nS', 'docs/model.md §2', {
    choice: true,
    reason: 'wild type; a partial deficiency or an over-expression is asked for with a value other than 1',
  }),
  htr2bExpression: p(1, '1', 0, 4, '5-HT2B expression: fraction of the wild type, scales g2B_nS', 'docs/model.md §2', {
    choice: true,
    reason: 'wild type; 0 is the Htr2b 5-HTKO (the same run bit for bit as genotype htr2b-ko)',
  }),
  sertExpression: p(1, '1', 0, 4, "SERT expression: fraction of the wild type, scales each cell's SERT Vmax", 'docs/model.md §2', {
    choice: true,
    reason: 'wild type; 0 is the SERT KO',
  }),
  // ---- releasable pool and the 5-HT1A control of release (docs/model.md §3) ----
  tauRefill_s: p(1.25, 's', 0.001, 1e4, 'refill time constant of the releasable pool (set by synthesis)', BEST_2010, {
    choice: true,
    reason:
      'reduction of Best, Nijhout & Reed 2010 (PMC2942809): the vesicular pool refills from synthesis (TPH2); the ceiling on sustained release is Q/(U tauRefill), twice the WT baseline release; v3 search: with U 0.75 and 1.25 s the partial SERT + 5-HT1A loss stays within 3x WT (reduced model x2.8, full run x2.9) and F4 holds',
  }),
  releaseFraction: p(0.75, '1', 0, 1, 'U: fraction of the releasable pool one spike releases', BEST_2010, {
    choice: true,
    reason:
      'v3 search with tauRefill_s (0.5-0.9 x 0.75-2 s): U 0.5 lets the partial SERT + 5-HT1A loss reach 3.4x WT; 0.75 with 1.25 s keeps it at 2.8x (2.9x in a full run); a longer refill costs F4 margin',
  }),
  rel1AMax: p(0.55, '1', 0, 1, 'largest fractional cut of release per spike by full 5-HT1A activation', DAVIDSON_STAMFORD, {
    reason:
      'the Emax as the cut at full activation, applied to the undesensitised s1A (d1A does not enter): the control of release did not desensitise where that of firing did',
  }),
  ssriRecognition2B: p(0.5, '1', 0, 1, 'share of SSRI potency at SERT that needs 5-HT2B (the Htr2b KO keeps 1 minus it)', LAUNAY_2006, {
    choice: true,
    reason:
      '2026-12-03 search (docs/measurements/2026-12-03-calibration-2b-release.md): 0.5 lowers the KO SSRI fold (1.67 to 1.43) so F4 holds without the strong 5-HT2B firing drive that broke S1 and the scan; 0.6 and above lift the KO firing ratio under the SSRI to the WT one (F5)',
  }),
  // ---- chronic treatment: slow 5-HT1A desensitisation d1A (docs/model.md §7) ----
  tauD1A_h: p(36, 'h', 0.001, 1e5, 'time constant of 5-HT1A-GIRK desensitisation d1A (each stage of its filter)', 'docs/model.md §7', {
    choice: true,
    reason: CHRONIC_CAL + ': 36 h a stage, two stages: little at day 2, clear at day 3 (C1, C2); best margin of 6,912 candidates',
  }),
  d1AMax: p(0.55, '1', 0, 1, 'largest coupling loss d1A (g1A_eff = g1A (1 - d1A))', 'docs/model.md §7', {
    choice: true,
    reason:
      CHRONIC_V3 +
      ': 0.55, equal to d2BMax, so that once both saturate 5-HT1A and 5-HT2B keep their day-0 balance and firing returns (C4; 0.6 with d2BMax 0.5 overshoots to 200%, 0.45 with 0.7 collapses to 30%); the mean at day 14 lands near the 41% GTPgS fall of Pejchal 2002 (C2)',
  }),
  A50_1A: p(0.5, '1', 0.001, 1, '5-HT1A activation (mean over a slow step) at half the largest drive of d1A', 'docs/model.md §7', {
    choice: true,
    reason:
      CHRONIC_V3 +
      ': between drug-free (mean activation 0.24) and WT on fluoxetine at 80% occupancy (0.5, rising); WAY-100635 holds it at 0.2 (C3). Fragile: 0.52 fails C4 (firing 60% at day 14), 0.45 overshoots (387%)',
  }),
  A50Sd_1A: p(0.3, '1', 0, 3, 'SD over cells of log A50_1A (lognormal, median A50_1A)', 'docs/model.md §7', {
    choice: true,
    reason:
      CHRONIC_V3 +
      ': 40% of cells desensitised at day 3, 60-80% at day 21 (Le Poul 1995): 0.2 desensitises 89% by day 21 (C1), 0.3 72%, and firing then recovers to 83-95% (C4)',
  }),
  nD1A: p(32, '1', 0.1, 50, 'Hill coefficient of the drive h(a) = a^n / (a^n + A50^n)', 'docs/model.md §7', {
    choice: true,
    reason: CHRONIC_CAL + ': a per-cell threshold; WAY and WT activations lie close (0.68, 0.83), none with n = 4 passes',
  }),
  d1AStages: p(2, 'stages', 1, 2, 'stages of the d1A filter (2: a lag before onset; each stage tauD1A_h)', 'docs/model.md §7', {
    integer: true,
    choice: true,
    reason: CHRONIC_CAL + ': an onset with a lag (C1, C2), as the fast 5-HT1A current has two stages',
  }),
  // ---- chronic treatment: slow 5-HT2B desensitisation d2B and SERT down-regulation (docs/model.md §7) ----
  tauD2B_h: p(96, 'h', 0.001, 1e5, 'time constant of 5-HT2B desensitisation d2B (one stage)', D2B_SRC, {
    choice: true,
    reason:
      CHRONIC_V3 +
      ': no DRN 5-HT2B time course exists; slower than d1A (96 h, one stage), else 5-HT2B desensitises first and firing collapses (48 h: 36% at day 2 and after)',
  }),
  d2BMax: p(0.55, '1', 0, 1, 'largest 5-HT2B coupling loss d2B (g2B_eff = g2B (1 - d2B))', D2B_SRC, {
    choice: true,
    reason:
      CHRONIC_V3 +
      ": 5-HT2C loses about 60% in minutes in cell lines; 0.55 = d1AMax keeps the two receptors' day-0 balance once both saturate (C4)",
  }),
  A50_2B: p(0.5, '1', 0.001, 1, '5-HT2B activation (mean over a slow step) at half the largest drive of d2B', D2B_SRC, {
    choice: true,
    reason:
      CHRONIC_V3 +
      ': s2B ~ c/(c + K2B): between drug-free and fluoxetine, so desensitisation needs the drug; 0.2 at K2B 50 nM (0.11 drug-free, 0.3 on fluoxetine), 0.5 since K2B is 20 nM (0.26 drug-free, 0.46-0.6 on fluoxetine): 0.2, 0.385 (the same 5-HT level, 12.5 nM, at half drive) and 0.45 fail C4 at K2B 20 (firing 49%, 62%, 78% at day 14), 0.5 passes C1-C4 (docs/measurements/2026-12-03-calibration-2b-release.md)',
  }),
  nD2B: p(8, '1', 0.1, 50, 'Hill coefficient of the d2B drive h(a) = a^n / (a^n + A50_2B^n)', D2B_SRC, {
    choice: true,
    reason:
      CHRONIC_V3 +
      ': the untreated tissue does not desensitise (with 4 it drifts to d2B 0.07 drug-free); h about 0.005 drug-free and 0.35-0.8 on fluoxetine with A50_2B 0.5 and K2B 20 nM (it was 0.01 and 0.96 at K2B 50)',
  }),
  sertDownMax: p(
    0.6,
    '1',
    0,
    1,
    'largest SERT loss under full occupancy: sertDown heads to sertDownMax x occupancy, SERT Vmax x (1 - sertDown)',
    'Hirano et al. 2005 (PMID 16051196): mouse midbrain SERT protein -61% after 21 days of paroxetine; rat CA3 binding -80 to 90% after 21 days (Benmansour 1999, PMC6782424)',
    { choice: true, reason: "the mouse midbrain's -61%; linear in occupancy (a choice: no dose-response of the loss)" },
  ),
  tauSertDown_h: p(
    120,
    'h',
    0.001,
    1e5,
    'time constant of SERT down-regulation (each of two stages)',
    'Benmansour et al. 2002 (PMC6758131)',
    {
      choice: true,
      reason:
        'two stages of 120 h reach 80% of their target at day 15 (rat CA3 -80% by day 15); 19% at day 4, 59% at day 10 (binding -15 to 30% at days 4-10: two stages rise less steeply)',
    },
  ),
  // ---- release and SERT uptake ----
  Q_molecules: p(4.44e4, 'molecules/spike', 0, 1e9, '5-HT released per spike at N = refCells_n', REFCAL, {
    choice: true,
    reason:
      'reference calibration, kept in v3 (twice as much puts the partial loss at 4-8x WT): WT baseline probe inside the 5-100 nM band (F1)',
  }),
  refCells_n: p(9000, 'cells', 1, 1e8, 'real 5-HT cells in the mouse DRN; Q and Vmax scale by refCells/N', 'Ishimura 1988', {
    integer: true,
  }),
  Km_nM: p(60, 'nM', 0.001, 1e6, 'SERT Michaelis constant', BEST),
  sertCapacity_nMps: p(250000 / 3600, 'nM/s', 0, 1e6, 'SERT tissue capacity (250 µM/h)', BEST),
  rhoSd: p(0.3, '1', 0, 3, 'SD of log SERT density per cell (lognormal, mean 1)', 'docs/model.md §2', {
    choice: true,
    reason: 'card choice: moderate cell-to-cell SERT heterogeneity',
  }),
  kClear_perH: p(40, '1/h', 0, 1e6, 'non-specific clearance', BEST),
  releaseField_um: p(
    80,
    'µm',
    0,
    1000,
    "half-width of the cube over which a cell's release and SERT spread about its soma voxel",
    'docs/model.md §3',
    {
      choice: true,
      reason:
        "DRN 5-HT neurons' 2-4 primary dendrites extend hundreds of µm (Gagnon & Parent 2014, PLoS One 9:e87709); a cube of half-width 80 µm holds the bulk of a cell's somatodendritic release and uptake near its soma; large enough that a cube holds ~100 somata at 4,500 cells, so answers converge with N",
      tissue: true,
    },
  ),
  tonicRelease_molps: p(
    0,
    'molecules/s',
    0,
    1e9,
    'non-exocytotic (spike-independent) 5-HT release per real cell',
    'Adell et al. 1993 (PMID 7682600): raphe dialysate 5-HT unchanged by TTX or Ca2+ omission; Mlinar et al. 2015',
    {
      choice: true,
      reason:
        'bounded by F4: in the v3 search any share that reaches the SSRI fold (8,000 molecules/s, a fifth of baseline release) lifts the KO fold to 2 and fails F4; 0 leaves all release to spikes (the conflict with Adell 1993 is reported in docs/model.md §6)',
    },
  ),
  // ---- extracellular grid ----
  D_cm2ps: p(6e-6, 'cm²/s', 0, 1e-3, '5-HT free diffusion coefficient', 'docs/model.md §3', {
    choice: true,
    reason: 'card range 5-8e-6 cm²/s, no primary source found yet: middle value',
  }),
  lambda: p(1.6, '1', 1, 5, 'tortuosity', 'Rusakov & Kullmann 1998 (1.40-1.57, upper bound 2.2)'),
  alpha: p(0.2, '1', 0.01, 1, 'extracellular volume fraction', 'docs/model.md §3'),
  voxel_um: p(20, 'µm', 1, 1000, 'voxel edge', 'docs/model.md §3', { tissue: true }),
  regionX_um: p(1000, 'µm', 10, 1e5, 'DRN ellipsoid extent, rostro-caudal', 'docs/model.md §3', {
    choice: true,
    reason: 'card: ellipsoid about 1.0 x 0.8 x 0.6 mm',
    tissue: true,
  }),
  regionY_um: p(800, 'µm', 10, 1e5, 'DRN ellipsoid extent, medio-lateral', 'docs/model.md §3', {
    choice: true,
    reason: 'card',
    tissue: true,
  }),
  regionZ_um: p(600, 'µm', 10, 1e5, 'DRN ellipsoid extent, dorso-ventral', 'docs/model.md §3', {
    choice: true,
    reason: 'card',
    tissue: true,
  }),
  probeRadius_um: p(120, 'µm', 1, 1e5, 'microdialysis probe radius (cylinder along dorso-ventral axis)', 'docs/model.md §5', {
    tissue: true,
  }),
  // ---- numerics ----
  dt_ms: p(0.1, 'ms', 0.001, 1, 'neuron time step', 'docs/model.md §4', { tissue: true }),
  subSteps: p(10, 'steps', 1, 100, 'neuron sub-steps per grid step (dt_grid = subSteps x dt)', 'docs/model.md §4', {
    integer: true,
    choice: true,
    reason: 'card: grid at 1 ms',
    tissue: true,
  }),
} as const satisfies Record<string, ParamSpec>;

export type ParamKey = keyof typeof PARAM_SPECS;
export type Params = { [K in ParamKey]: number };
export const PARAM_KEYS = Object.keys(PARAM_SPECS) as ParamKey[];

export function defaultParams(): Params {
  const out = {} as Params;
  for (const k of PARAM_KEYS) out[k] = PARAM_SPECS[k].value;
  return out;
}
