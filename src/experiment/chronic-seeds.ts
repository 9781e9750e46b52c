/**
 * The chronic SSRI experiment over seeds (`raphe experiment chronic-ssri --seeds K`): runChronicSsri once
 * per seed, at seed, seed + 1, ..., seed + K - 1 (the tissue drawn anew at each), one seed after another,
 * each exactly the run `--seed` at that seed gives; then C1-C4 decided on the mean readouts over the seeds
 * with their 95% intervals (model/findings-seeds.ts), and every readout day of every condition as the
 * mean and 95% interval of its readouts over the seeds (model/intervals.ts).
 */
import type { ChronicReadout } from '../model/chronic.js';
import { evaluateChronicFindingsOverSeeds } from '../model/findings-chronic.js';
import type { SeedFindingRow } from '../model/findings-seeds.js';
import { meanInterval, type MeanInterval } from '../model/intervals.js';
import { seedList } from './belmer2018.js';
import { type ChronicExperimentOptions, type ChronicExperimentResult, runChronicSsri } from './chronic-ssri.js';

/** The readouts of a day that the table shows over seeds. */
export const CHRONIC_SEED_KEYS = [
  'rateHz',
  'rateRel',
  'probe5htNm',
  'meanD1A',
  'fractionDesensitised',
  'meanD2B',
  'sertScale',
  'dpatIc50Nm',
] as const satisfies readonly (keyof ChronicReadout)[];
export type ChronicSeedKey = (typeof CHRONIC_SEED_KEYS)[number];

/** One readout over the seeds: each seed's value, their mean and 95% interval. */
export interface ValueOverSeeds extends MeanInterval {
  perSeed: number[];
}

/** A readout day of a condition over the seeds (dpatIc50Nm only on the days it is measured). */
export interface ChronicDayOverSeeds {
  condition: string;
  day: number;
  values: Partial<Record<ChronicSeedKey, ValueOverSeeds>>;
}

export interface ChronicSeedsResult {
  seeds: number[];
  /** Each seed's own result, in the order of `seeds`. */
  perSeed: ChronicExperimentResult[];
  /** C1-C4 on the means over the seeds. */
  findings: SeedFindingRow[];
  days: ChronicDayOverSeeds[];
  wallSeconds: number;
}

/** Each readout day of each condition over the seeds (the first seed's days, in its order). */
export function daysOverSeeds(perSeed: readonly ChronicExperimentResult[]): ChronicDayOverSeeds[] {
  return (perSeed[0]?.days ?? []).map((row) => {
    const same = perSeed.map((res) => res.days.find((r) => r.condition === row.condition && r.day === row.day));
    const values: ChronicDayOverSeeds['values'] = {};
    for (const key of CHRONIC_SEED_KEYS) {
      const xs = same.map((r) => r?.[key]);
      if (xs.every((x) => x === undefined)) continue;
      const perSeedValues = xs.map((x) => x ?? NaN);
      values[key] = { perSeed: perSeedValues, ...meanInterval(perSeedValues) };
    }
    return { condition: row.condition, day: row.day, values };
  });
}

/** The findings and days over seeds of results already run (`perSeed[k]` at `seeds[k]`). */
export function chronicOverSeeds(
  seeds: readonly number[],
  perSeed: readonly ChronicExperimentResult[],
): Omit<ChronicSeedsResult, 'wallSeconds'> {
  return {
    seeds: [...seeds],
    perSeed: [...perSeed],
    findings: evaluateChronicFindingsOverSeeds(
      seeds,
      perSeed.map((r) => r.days),
    ),
    days: daysOverSeeds(perSeed),
  };
}

/** runChronicSsri at each of `seeds` seeds from `o.seed` (progress over all of them), then chronicOverSeeds. */
export async function runChronicSsriSeeds(o: ChronicExperimentOptions, seeds: number): Promise<ChronicSeedsResult> {
  const t0 = performance.now();
  const list = seedList(o.seed, seeds);
  const perSeed: ChronicExperimentResult[] = [];
  for (const [k, seed] of list.entries()) {
    perSeed.push(await runChronicSsri({ ...o, seed, onProgress: (f) => o.onProgress?.((k + f) / list.length) }));
  }
  return { ...chronicOverSeeds(list, perSeed), wallSeconds: (performance.now() - t0) / 1000 };
}
