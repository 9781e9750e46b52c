/**
 * Findings F1-F7 of docs/model.md §5: the evaluation logic on hand-made measures, and the whole experiment
 * at small size on the CPU engine (one condition per worker thread).
 */
import { describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { nodeCpuProvider } from '../src/engines/node.js';
import { runBelmer2018 } from '../src/experiment/belmer2018.js';
import { DOSES, belmerConditions, evaluateFindings, ic50, type ConditionMeasure } from '../src/model/findings.js';

function measures(over: Record<string, Partial<ConditionMeasure>> = {}): Record<string, ConditionMeasure> {
  const base = (rateHz: number, probeNm: number): ConditionMeasure => ({ rateHz, probeNm, medianCvIsi: 0.3, settled: true, drift: 0 });
  const m: Record<string, ConditionMeasure> = {
    wt: base(1.2, 30),
    ko: base(0.85, 20),
    'wt+ssri': base(0.7, 105),
    'ko+ssri': base(0.2, 25),
    'wt+bw': base(2.4, 65),
    'ko+bw': base(0.85, 20),
    [`wt+dpat${DOSES.dpatWayDose_nM}+way`]: base(2.0, 60),
  };
  const wtRel = [0.9, 0.7, 0.2, 0.02, 0.0, 0.0];
  const bwRel = [1.0, 0.97, 0.85, 0.65, 0.45, 0.35];
  DOSES.dpat_nM.forEach((d, i) => {
    m[`wt+dpat${d}`] = base(1.2 * wtRel[i], 20);
    m[`wt+bw+dpat${d}`] = base(2.4 * bwRel[i], 50);
  });
  for (const [k, v] of Object.entries(over)) m[k] = { ...m[k], ...v };
  return m;
}

describe('evaluateFindings', () => {
  test('a consistent set passes every row', () => {
    const rows = evaluateFindings(measures());
    expect(rows.map((r) => r.id)).toEqual(['F1', 'F2', 'F3', 'F4', 'F5', 'F6', 'F7']);
    expect(rows.filter((r) => !r.pass)).toEqual([]);
  });
  test('each band is enforced', () => {
    const fails = (over: Record<string, Partial<ConditionMeasure>>) =>
      evaluateFindings(measures(over))
        .filter((r) => !r.pass)
        .map((r) => r.id);
    expect(fails({ wt: { settled: false } })).toContain('F1');
    expect(fails({ wt: { medianCvIsi: 0.6 } })).toEqual(['F1']);
    expect(fails({ ko: { rateHz: 1.1 } })).toContain('F2'); // KO/WT 0.92
    expect(fails({ 'wt+ssri': { probeNm: 50 } })).toContain('F3'); // fold 1.67
    expect(fails({ 'ko+ssri': { probeNm: 40 } })).toContain('F4'); // KO fold 2 vs WT 3.5
    expect(fails({ 'ko+ssri': { rateHz: 0.9 } })).toContain('F5');
    expect(fails({ 'wt+bw': { rateHz: 1.2 } })).toContain('F6');
    expect(fails({ [`wt+dpat${DOSES.dpatWayDose_nM}+way`]: { rateHz: 0.5 } })).toEqual(['F7']);
    expect(fails({ 'wt+dpat30': { rateHz: 0.3 } })).toEqual(['F7']); // not silenced
  });
  test('IC50 by log-linear interpolation', () => {
    expect(ic50([1, 10], [1, 0])).toBeCloseTo(Math.sqrt(10), 10);
    expect(ic50([1, 10, 100], [0.9, 0.8, 0.7])).toBe(Infinity);
  });
  test('the experiment covers every condition the findings read', () => {
    const ids = belmerConditions().map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(() => evaluateFindings(Object.fromEntries(ids.map((id) => [id, measures()[id]])))).not.toThrow();
  });
});

test('F1-F7 pass at small size (1,000 neurons, half-length phases, CPU engine)', async () => {
  // one condition per worker thread (the pool worker of the bundle npm test builds)
  const res = await runBelmer2018({
    engine: await resolveEngine('cpu', undefined, { cpu: nodeCpuProvider() }),
    neurons: 1000,
    seed: 1,
    durationScale: 0.5,
  });
  const failed = res.findings.filter((f) => !f.pass);
  expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
  for (const c of res.conditions) expect(c.result.summary.massBalanceRelError).toBeLessThan(1e-4);
}, 400_000);
