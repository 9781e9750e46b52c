/**
 * The calibration of d1A against C1-C2 (docs/model.md §7), as card §6 describes: a reduced model first,
 * searched systematically, then the best candidates confirmed with full runs
 * (scripts/calibrate-chronic.mjs prints the whole search).
 *
 * Reduced model: the fast network's answer to desensitisation, tabulated once with full runs. Each
 * condition (WT drug-free; WT and KO on fluoxetine 10 nM; WT on fluoxetine + WAY-100635) is settled with
 * every cell at the same d1A = delta for a few values of delta, and each cell's mean 5-HT1A activation
 * abar_i(delta) read. A candidate's slow dynamics is then integrated on the host alone: cell i's drive at
 * any time is abar_i interpolated at the population's current mean d1A (the feedback runs through 5-HT,
 * which all cells share), advanced exactly over each slow step (model/chronic.ts advanceSlow). Thousands
 * of candidates cost seconds.
 */
import type { ResolvedEngine } from '../engines/create.js';
import { advanceSlow, cellA50, copySlow, d1AStats, zeroSlowState } from '../model/chronic.js';
import { CHRONIC_FINDINGS, D1A_FINDINGS, type ChronicMeasures } from '../model/findings-chronic.js';
import { checkMargins } from '../model/findings-spec.js';
import { buildModel } from '../model/derive.js';
import type { DrugDoses, Genotype } from '../model/drugs.js';
import { defaultParams, type Params } from '../model/params.js';
import { FIRST_SETTLE_MAX_S, FIRST_SETTLE_S, fastPhase, startOpts, type FastOut } from './chronic.js';

export interface TableCondition {
  id: string;
  genotype: Genotype;
  doses: DrugDoses;
  deltas: number[];
}

export const TABLE_CONDITIONS: TableCondition[] = [
  { id: 'wt', genotype: 'wt', doses: {}, deltas: [0] },
  { id: 'wt+fluoxetine', genotype: 'wt', doses: { fluoxetine: 10 }, deltas: [0, 0.2, 0.4, 0.6, 0.8] },
  { id: 'ko+fluoxetine', genotype: 'htr2b-ko', doses: { fluoxetine: 10 }, deltas: [0, 0.4] },
  { id: 'wt+fluoxetine+way', genotype: 'wt', doses: { fluoxetine: 10, 'way-100635': 10 }, deltas: [0] },
];

/** abar_i(delta) of one condition: rows[k] holds every cell's mean activation at deltas[k]. */
export interface ActivationTable {
  id: string;
  deltas: number[];
  rows: Float64Array[];
  rateHz: number[];
  probe5htNm: number[];
}

/** Runs every (condition, delta) as one batch of the same tissue, each settled then read over `windowS`. */
export async function activationTables(
  engine: ResolvedEngine,
  o: { neurons: number; seed: number; windowS: number; conditions?: TableCondition[]; params?: Params },
): Promise<ActivationTable[]> {
  const conds = o.conditions ?? TABLE_CONDITIONS;
  const params = o.params ?? defaultParams();
  const jobs = conds.flatMap((c) => c.deltas.map((delta) => ({ c, delta })));
  const models = jobs.map((j) => buildModel(params, j.c.genotype, o.neurons, o.seed));
  const opts = await startOpts(
    jobs.map(() => ({ recording: { spikes: false, sampleSteps: 10 } })),
    models,
    engine,
    (i) => jobs[i].c.doses,
  );
  opts.forEach((op, i) => {
    op.d1A = new Float32Array(o.neurons).fill(jobs[i].delta);
  });
  const batch = await engine.createBatch(opts);
  const dt = models[0].dtGrid_s;
  let res: FastOut[];
  try {
    res = await fastPhase(
      batch,
      models,
      Math.round(FIRST_SETTLE_S / dt),
      Math.round(FIRST_SETTLE_MAX_S / dt),
      Math.round(o.windowS / dt),
      1000,
    );
  } finally {
    batch.dispose();
  }
  return conds.map((c) => {
    const idx = jobs.flatMap((j, i) => (j.c === c ? [i] : []));
    return {
      id: c.id,
      deltas: c.deltas,
      rows: idx.map((i) => res[i].abar),
      rateHz: idx.map((i) => res[i].rateHz),
      probe5htNm: idx.map((i) => res[i].probe5htNm),
    };
  });
}

/** Cell i's activation at population mean d1A `m` (linear in delta between rows, held beyond). */
function interp(t: ActivationTable, i: number, m: number): number {
  const d = t.deltas;
  if (d.length === 1 || m <= d[0]) return t.rows[0][i];
  for (let k = 1; k < d.length; k++) {
    if (m <= d[k]) {
      const w = (m - d[k - 1]) / (d[k] - d[k - 1]);
      return t.rows[k - 1][i] * (1 - w) + t.rows[k][i] * w;
    }
  }
  return t.rows[d.length - 1][i];
}

export interface ReducedReadout {
  day: number;
  meanD1A: number;
  fractionDesensitised: number;
}

/** The reduced model's trajectory of one condition: readouts on `days`, slow step `stepH`. */
export function reducedTrajectory(t: ActivationTable, p: Params, seed: number, days: number[], stepH: number): ReducedReadout[] {
  const n = t.rows[0].length;
  const A50 = cellA50(p, n, seed);
  let s = zeroSlowState(n);
  const abar = new Float64Array(n);
  const abar1 = new Float64Array(n);
  const out: ReducedReadout[] = [];
  const end = Math.max(...days) * 24;
  let hours = 0;
  const want = [...days].sort((a, b) => a - b);
  let w = 0;
  while (w < want.length) {
    if (Math.abs(hours - want[w] * 24) < 1e-9) {
      const st = d1AStats(s.d);
      out.push({ day: want[w], meanD1A: st.mean, fractionDesensitised: st.fraction });
      w++;
      continue;
    }
    const next = Math.min(hours + stepH, want[w] * 24, end);
    // the driver's scheme: predicted with the drive held, corrected with the drive linear in time
    const m = d1AStats(s.d).mean;
    for (let i = 0; i < n; i++) abar[i] = interp(t, i, m);
    const pred = advanceSlow(p, copySlow(s), abar, A50, next - hours);
    const mp = d1AStats(pred.d).mean;
    for (let i = 0; i < n; i++) abar1[i] = interp(t, i, mp);
    s = advanceSlow(p, s, abar, A50, next - hours, abar1);
    hours = next;
  }
  return out;
}

/** The d1A where cells would head with the drive of `t` at delta 0 (the drug-free vehicle check). */
export function steadyMean(t: ActivationTable, p: Params, seed: number): number {
  const n = t.rows[0].length;
  const s = zeroSlowState(n);
  advanceSlow(p, s, t.rows[0], cellA50(p, n, seed), 1e9);
  return d1AStats(s.d).mean;
}

export type Candidate = Pick<Params, 'tauD1A_h' | 'd1AMax' | 'A50_1A' | 'A50Sd_1A' | 'nD1A' | 'd1AStages'>;

export interface Scored {
  c: Candidate;
  /** Smallest margin to a band edge over C1-C3 and the vehicle, as a fraction of the band (> 0: all pass). */
  margin: number;
  wt: ReducedReadout[];
  way21: number;
  vehicle: number;
  ko: ReducedReadout[];
}

const C_DAYS = [0, 1, 2, 3, 7, 14, 21];

/** Without treatment d1A must stay near 0: where the drug-free drive leads, the mean stays under this. */
export const VEHICLE_MAX_D1A = 0.05;

/** Margins: positive inside every band of C1-C3 and the vehicle check, the smallest normalised by its band. */
export function scoreCandidate(tables: ActivationTable[], c: Candidate, seed: number, stepH: number): Scored {
  const p = { ...defaultParams(), ...c };
  const tab = (id: string) => tables.find((t) => t.id === id)!;
  const ids = { wt: 'wt+fluoxetine', way: 'wt+fluoxetine+way' };
  const wt = reducedTrajectory(tab(ids.wt), p, seed, C_DAYS, stepH);
  const ko = reducedTrajectory(tab('ko+fluoxetine'), p, seed, C_DAYS, stepH);
  const way = reducedTrajectory(tab(ids.way), p, seed, [21], stepH);
  const vehicle = steadyMean(tab('wt'), p, seed);
  const m: ChronicMeasures = {
    ...ids,
    rows: [...wt.map((r) => ({ ...r, condition: ids.wt })), ...way.map((r) => ({ ...r, condition: ids.way }))],
  };
  const scored = CHRONIC_FINDINGS.filter((f) => D1A_FINDINGS.includes(f.id));
  const margins = [...scored.flatMap((f) => checkMargins(f, f.read(m))), (VEHICLE_MAX_D1A - vehicle) / VEHICLE_MAX_D1A];
  return { c, margin: Math.min(...margins), wt, way21: way[0].meanD1A, vehicle, ko };
}

/** The systematic grid of the search. */
export const SEARCH_GRID = {
  tauD1A_h: [24, 36, 48, 72, 96, 144],
  d1AMax: [0.5, 0.6, 0.7, 0.8, 0.9, 1],
  A50_1A: [0.7, 0.75, 0.8, 0.85, 0.9, 0.95],
  A50Sd_1A: [0, 0.05, 0.1, 0.2],
  nD1A: [4, 8, 16, 32],
  d1AStages: [1, 2],
} as const;

/** The table's first `n` cells (a subsample for the search; each cell keeps its own A50 draw). */
export function subsample(tables: ActivationTable[], n: number): ActivationTable[] {
  return tables.map((t) => ({ ...t, rows: t.rows.map((r) => r.slice(0, Math.min(n, r.length))) }));
}

export function* gridCandidates(g: typeof SEARCH_GRID = SEARCH_GRID): Generator<Candidate> {
  for (const tauD1A_h of g.tauD1A_h)
    for (const d1AMax of g.d1AMax)
      for (const A50_1A of g.A50_1A)
        for (const A50Sd_1A of g.A50Sd_1A)
          for (const nD1A of g.nD1A) for (const d1AStages of g.d1AStages) yield { tauD1A_h, d1AMax, A50_1A, A50Sd_1A, nD1A, d1AStages };
}
