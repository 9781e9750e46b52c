/**
 * Findings F1-F7 of docs/model.md §5: the evaluation logic on hand-made measures, and the whole experiment
 * at small size on the CPU engine (one condition per worker thread).
 */
import { describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { nodeCpuProvider } from '../src/engines/node.js';
import { QUICK, runBelmer2018 } from '../src/experiment/belmer2018.js';
import { CHRONIC_FINDINGS, evaluateChronicFindings } from '../src/model/findings-chronic.js';
import { type Band, bandMargin, bandText, type Check, expectedText, inBand, type Readouts } from '../src/model/findings-spec.js';
import { DOSES, F1_RATE_BAND, FINDINGS, belmerConditions, evaluateFindings, ic50, type ConditionMeasure } from '../src/model/findings.js';

/** Relative rate at dose d of a Hill curve (slope 2) with this IC50. */
const hill = (d: number, ic50: number) => 1 / (1 + (d / ic50) ** 2);

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
  // one relative rate per dose of the series, lowest first: Hill curves, WT with the IC50 of slices
  // (10 nM), +BW shifted right tenfold
  DOSES.dpat_nM.forEach((d) => {
    m[`wt+dpat${d}`] = base(1.2 * hill(d, 10), 20);
    m[`wt+bw+dpat${d}`] = base(2.4 * hill(d, 100), 50);
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
    expect(fails({ [`wt+dpat${DOSES.dpat_nM[DOSES.dpat_nM.length - 1]}`]: { rateHz: 0.3 } })).toEqual(['F7']); // not silenced
    // the WT curve with an IC50 of 2 nM, or of 60 nM: outside the 5-20 nM of slices
    for (const ic of [2, 60]) {
      const shifted = Object.fromEntries(DOSES.dpat_nM.map((d) => [`wt+dpat${d}`, { rateHz: 1.2 * hill(d, ic) }]));
      expect(fails(shifted), `IC50 ${ic} nM`).toEqual(['F7']);
    }
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

describe('findings as data', () => {
  const ALL = [...FINDINGS, ...CHRONIC_FINDINGS];
  const checks = ALL.flatMap((f) => f.checks.map((c) => ({ id: f.id, c })));
  const label = (x: { id: string; c: Check }) => `${x.id} ${String(x.c.of)}`;

  test('every row prints the expected text written from the bands of its finding', () => {
    const rows = [...evaluateFindings(measures()), ...evaluateChronicFindings([])];
    expect(rows.map((r) => r.expected)).toEqual(ALL.map((f) => expectedText(f)));
  });

  test.each(checks.filter((x) => x.c.say !== null).map((x) => [label(x), x.c] as const))(
    '%s: its stated text holds the band, and moving a numeric edge or opening a closed one changes the text',
    (_name, c) => {
      expect(c.say).toContain('{band}');
      const moved: Band = { ...c.band };
      for (const k of ['lo', 'hi', 'centre', 'tol'] as const) if (typeof moved[k] === 'number') moved[k] = (moved[k] as number) * 2 + 1;
      if (moved.centre === undefined && typeof moved.lo !== 'number' && typeof moved.hi !== 'number') {
        moved.loOpen = !moved.loOpen;
        moved.hiOpen = !moved.hiOpen;
      }
      expect(bandText(moved)).not.toBe(bandText(c.band));
    },
  );

  test.each(checks.map((x) => [label(x), x.c.band] as const))('%s: a readout just inside each edge passes, just outside fails', (_n, b) => {
    // an edge that is another readout is set to 1 in the readouts
    const r: Readouts = {};
    const edge = (e: Band['lo']) => {
      if (e === undefined || typeof e === 'number') return e;
      r[e.readout] = 1;
      return 1;
    };
    const eps = 1e-9;
    if (b.centre !== undefined) {
      // centre ± tol itself need not be a float the band holds: just inside and just outside
      for (const s of [-1, 1]) {
        expect(inBand(b.centre + s * b.tol! * (1 - eps), b)).toBe(true);
        expect(inBand(b.centre + s * b.tol! * (1 + eps), b)).toBe(false);
      }
    }
    const lo = edge(b.lo);
    const hi = edge(b.hi);
    if (lo !== undefined) {
      expect(inBand(lo, b, r)).toBe(!b.loOpen);
      expect(inBand(lo + eps, b, r)).toBe(true);
      expect(inBand(lo - eps, b, r)).toBe(false);
    }
    if (hi !== undefined) {
      expect(inBand(hi, b, r)).toBe(!b.hiOpen);
      expect(inBand(hi - eps, b, r)).toBe(true);
      expect(inBand(hi + eps, b, r)).toBe(false);
    }
    expect(inBand(NaN, b, r)).toBe(false);
  });

  test('F2 at its edges, through evaluateFindings: KO/WT 0.40 and 0.85 pass, just beyond fails', () => {
    const f2 = (ko: number) => evaluateFindings(measures({ wt: { rateHz: 1 }, ko: { rateHz: ko } }))[1].pass;
    expect([f2(0.4), f2(0.85), f2(0.4 - 1e-9), f2(0.85 + 1e-9)]).toEqual([true, true, false, false]);
  });

  test('the margin of a band is positive inside, zero at an edge, negative outside, in units of the band', () => {
    expect(bandMargin(0.4, { lo: 0.25, hi: 0.55 })).toBeCloseTo(0.5, 12);
    expect(bandMargin(0.25, { lo: 0.25, hi: 0.55 })).toBe(0);
    expect(bandMargin(0.05, { hi: 0.1, hiOpen: true })).toBeCloseTo(0.5, 12);
    expect(bandMargin(3, { lo: 2 })).toBeCloseTo(0.5, 12);
    expect(bandMargin(1.1, { centre: 1, tol: 0.05 })).toBeCloseTo(-1, 12);
  });

  test('F1 checks the WT rate against the band the demo shades', () => {
    const f1 = FINDINGS.find((f) => f.id === 'F1')!;
    expect(f1.checks.find((c) => c.of === 'rate')?.band).toBe(F1_RATE_BAND);
  });

  test('every finding names its source and reads only conditions the experiment runs', () => {
    const ids = new Set(belmerConditions().map((c) => c.id));
    for (const f of ALL) expect(f.source, f.id).toMatch(/§[57]/);
    for (const f of FINDINGS) for (const c of [...f.conditions, ...(f.settled ?? [])]) expect(ids.has(c), `${f.id} ${c}`).toBe(true);
  });
});

test("F1-F7 pass at the mouse's cell count (9,000 neurons, full-length phases, CPU engine: what npm start runs)", async () => {
  // one condition per worker thread (the pool worker of the bundle npm test builds). At 4,500 cells the
  // values pass but the Htr2b KO's probe (0.5 Hz of firing) is too noisy for the 2% settling rule within
  // the phases (2026-12-02), so F4 reads "not settled": the test runs the experiment as npm start does.
  const res = await runBelmer2018({
    engine: await resolveEngine('cpu', undefined, { cpu: nodeCpuProvider() }),
    neurons: 9000,
    seed: 1,
    durationScale: 1,
  });
  const failed = res.findings.filter((f) => !f.pass);
  expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
  for (const c of res.conditions) expect(c.result.summary.massBalanceRelError).toBeLessThan(1e-4);
}, 600_000);

test('F1-F7 pass with --quick too (2,000 neurons, its shorter phases, CPU engine)', async () => {
  // until 2026-12-03 --quick's 12 s baselines and 18 s SSRI phase were too short for the KO's probe noise at
  // 2,000 cells: F2 and F4 read "not settled" (5/7 at seed 1)
  const res = await runBelmer2018({
    engine: await resolveEngine('cpu', undefined, { cpu: nodeCpuProvider() }),
    neurons: QUICK.neurons,
    durations: QUICK.durations,
    seed: 1,
    durationScale: 1,
  });
  const failed = res.findings.filter((f) => !f.pass);
  expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
}, 300_000);
