/**
 * The findings F1-F7 of docs/model.md §5: the conditions the experiment runs (findings-conditions.ts),
 * the findings as data (findings-data.ts), and their evaluation from the settled values (each condition
 * starts at its estimated steady state and is measured over its last half; a fold change is only a
 * finding when both of its conditions settled).
 */
import type { ConditionMeasure } from './findings-conditions.js';
import { FINDINGS } from './findings-data.js';
import { evaluateOverSeeds, type SeedFindingRow } from './findings-seeds.js';
import { evaluateSpec, type FindingRow } from './findings-spec.js';

export {
  DOSES,
  DURATIONS_S,
  QUICK_DURATIONS_S,
  belmerConditions,
  type Condition,
  type ConditionMeasure,
  type PhaseDurations,
} from './findings-conditions.js';
export { F1_RATE_BAND, FINDINGS, ic50, ic50Fit } from './findings-data.js';

export type Finding = FindingRow;
export type { SeedFindingRow };

function checkConditions(m: Record<string, ConditionMeasure>): void {
  for (const f of FINDINGS) {
    for (const id of f.conditions) if (!m[id]) throw new Error(`findings: condition ${id} missing`);
  }
}

/** Every finding's row, in order; throws when a condition a finding reads is missing. */
export function evaluateFindings(m: Record<string, ConditionMeasure>): Finding[] {
  checkConditions(m);
  return FINDINGS.map((f) => evaluateSpec(f, m, (id) => m[id].settled));
}

/**
 * Every finding's row over seeds (`--seeds K`): `perSeed[k]` holds every condition's measures at seed
 * `seeds[k]`; decided on the mean readouts (findings-seeds.ts).
 */
export function evaluateFindingsOverSeeds(
  seeds: readonly number[],
  perSeed: readonly Record<string, ConditionMeasure>[],
): SeedFindingRow[] {
  for (const m of perSeed) checkConditions(m);
  const mean: Record<string, ConditionMeasure> = {};
  const avg = (id: string, key: 'rateHz' | 'medianCvIsi' | 'probeNm' | 'drift') =>
    perSeed.reduce((a, m) => a + m[id][key], 0) / perSeed.length;
  for (const id of Object.keys(perSeed[0] ?? {})) {
    mean[id] = {
      rateHz: avg(id, 'rateHz'),
      medianCvIsi: avg(id, 'medianCvIsi'),
      probeNm: avg(id, 'probeNm'),
      drift: avg(id, 'drift'),
      settled: perSeed.every((m) => m[id].settled),
    };
  }
  return FINDINGS.map((f) => evaluateOverSeeds(f, seeds, perSeed, mean, (m, id) => m[id].settled));
}
