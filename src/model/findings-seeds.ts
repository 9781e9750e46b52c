/**
 * A finding over several seeds (`--seeds K`): each seed's readouts are read from its own measures, and
 * the finding is decided on the readouts' means over the seeds (the settled conditions must have settled
 * at every seed). Each checked readout also gets its 95% t interval over the seeds (intervals.ts); a
 * finding whose interval holds a bound of its band gets a note, since another set of seeds could
 * decide it the other way.
 */
import { meanInterval, type MeanInterval } from './intervals.js';
import {
  checksPass,
  evaluateSpec,
  expectedText,
  readoutsOf,
  type Band,
  type FindingRow,
  type FindingSpec,
  type Readouts,
} from './findings-spec.js';

/** A checked readout over the seeds: each seed's value, their mean and 95% interval. */
export interface ReadoutInterval extends MeanInterval {
  readout: string;
  perSeed: number[];
}

/** A finding's row over seeds: the row as one seed's (measured from the means), and what the seeds gave. */
export interface SeedFindingRow extends FindingRow {
  seeds: number[];
  /** Each seed's own verdict, in the order of `seeds`. */
  perSeedPass: boolean[];
  readouts: ReadoutInterval[];
  /** The intervals as the tables print them: "rate 1.23 ± 0.05, cv 0.331 ± 0.012". */
  interval: string;
  /** Set when an interval holds a bound of its band. */
  note?: string;
}

/** Three significant digits (a value as the interval column prints it). */
export const sig3 = (x: number): string => (Number.isFinite(x) ? String(Number(x.toPrecision(3))) : 'n/a');

/** The numeric edges of a band, readout edges taken at the mean readouts, with their text. */
function bandEdges(b: Band, r: Readouts): number[] {
  const edge = (e: Band['lo']) => (e === undefined ? [] : [typeof e === 'number' ? e : r[e.readout]]);
  if (b.centre !== undefined) return [b.centre - (b.tol ?? 0), b.centre + (b.tol ?? 0)];
  return [...edge(b.lo), ...edge(b.hi)];
}

/** The mean over seeds of every readout. */
function meanReadouts(perSeed: readonly Readouts[]): Readouts {
  const out: Readouts = {};
  for (const key of Object.keys(perSeed[0] ?? {})) out[key] = perSeed.reduce((a, r) => a + r[key], 0) / perSeed.length;
  return out;
}

/**
 * The finding `f` over seeds. `perSeed[k]` holds the measures of seed `seeds[k]`; `mean` the measures
 * averaged over the seeds (for the measured text, its "settled" true only where every seed settled);
 * `settled(m, id)` whether condition `id` settled in measures `m`.
 */
export function evaluateOverSeeds<M>(
  f: FindingSpec<M>,
  seeds: readonly number[],
  perSeed: readonly M[],
  mean: M,
  settled: (m: M, id: string) => boolean,
): SeedFindingRow {
  if (perSeed.length !== seeds.length || !seeds.length) throw new Error('findings: one set of measures per seed');
  const reads = perSeed.map((m) => f.read(m));
  const r = meanReadouts(reads);
  const names = [...new Set(f.checks.flatMap(readoutsOf))];
  const readouts = names.map((readout) => {
    const values = reads.map((x) => x[readout]);
    return { readout, perSeed: values, ...meanInterval(values) };
  });
  const straddling = readouts.flatMap((ci) => {
    const held = f.checks
      .filter((c) => readoutsOf(c).includes(ci.readout))
      .flatMap((c) => bandEdges(c.band, r))
      .filter((e) => ci.lo < e && e < ci.hi);
    if (!held.length) return [];
    const bounds = [...new Set(held.map(sig3))];
    return [
      `the 95% interval of ${ci.readout} (${sig3(ci.lo)} to ${sig3(ci.hi)}) holds the bound${bounds.length > 1 ? 's' : ''} ${bounds.join(' and ')}`,
    ];
  });
  const allSettled = (f.settled ?? []).every((id) => perSeed.every((m) => settled(m, id)));
  return {
    id: f.id,
    condition: f.condition,
    measured: `${f.measured(r, mean)} (mean of ${seeds.length} seeds)`,
    expected: expectedText(f),
    pass: checksPass(f, r) && allSettled,
    seeds: [...seeds],
    perSeedPass: perSeed.map((m) => evaluateSpec(f, m, (id) => settled(m, id)).pass),
    readouts,
    interval: readouts.map((x) => `${x.readout} ${sig3(x.mean)} ± ${sig3(x.halfWidth)}`).join(', '),
    ...(straddling.length ? { note: `${f.id}: ${straddling.join('; ')}` } : {}),
  };
}

/** Whether a findings row carries seeds (a `--seeds K` row with K > 1). */
export const isSeedRow = (r: FindingRow): r is SeedFindingRow => Array.isArray((r as Partial<SeedFindingRow>).seeds);
