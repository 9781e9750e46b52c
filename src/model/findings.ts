/**
 * The findings F1-F7 of docs/model.md §5: the conditions the experiment runs (findings-conditions.ts),
 * the findings as data (findings-data.ts), and their evaluation from the settled values (each condition
 * starts at its estimated steady state and is measured over its last half; a fold change is only a
 * finding when both of its conditions settled).
 */
import type { ConditionMeasure } from './findings-conditions.js';
import { FINDINGS } from './findings-data.js';
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

/** Every finding's row, in order; throws when a condition a finding reads is missing. */
export function evaluateFindings(m: Record<string, ConditionMeasure>): Finding[] {
  for (const f of FINDINGS) {
    for (const id of f.conditions) if (!m[id]) throw new Error(`findings: condition ${id} missing`);
  }
  return FINDINGS.map((f) => evaluateSpec(f, m, (id) => m[id].settled));
}
