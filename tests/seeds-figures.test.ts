/**
 * Seeds in the experiment's outputs: error bars (the 95% interval over seeds) in the paper figures,
 * none with one seed, and the per-seed values with their mean and interval in the files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { type ConditionMeasure, DOSES, belmerConditions, evaluateFindingsOverSeeds } from '../src/model/findings.js';
import { meanInterval } from '../src/model/intervals.js';
import type { RunResult } from '../src/record/run-result.js';
import { writeExperimentOutputs } from '../src/report/experiment-files.js';
import { type NamedResult, dpatDoseResponse, ratesBarsSvg } from '../src/report/paper-figures.js';
import { OutputExistsError } from '../src/report/write.js';

const SEEDS = [3, 4, 5];

/** A run whose summary holds the rate and probe the figures and findings read (the rest is unused). */
function run(name: string, seed: number, meanRateHz: number, probe5htNm: number): RunResult {
  const summary = { name, seed, meanRateHz, probe5htNm, medianCvIsi: 0.3, settled: true, probeDriftLastQuarter: 0, genotype: 'wt' };
  const empty = new Float64Array(0);
  return {
    name,
    engine: { engine: 'cpu', adapter: 'test' },
    summary,
    phases: [],
    spikes: null,
    traces: { tS: empty, rateHz: empty, probeNm: empty, meanCNm: empty, s1A: empty, s2B: empty },
    mass: {},
  } as unknown as RunResult;
}

/** A rate for every condition at every seed: each condition's own level, varied by seed. */
const rateOf = (i: number, k: number) => 0.2 + 0.05 * i + [0, 0.03, -0.02][k]!;

function conditions(seeds: number[] | undefined): NamedResult[] {
  return belmerConditions().map((c, i) => {
    const at = (k: number) => run(c.id, SEEDS[k]!, rateOf(i, k), 20 + i + k);
    return { name: c.id, result: at(0), ...(seeds ? { seeds: seeds.map((seed, k) => ({ seed, result: at(k) })) } : {}) };
  });
}

/** Every `<g class="errorbar" ...>` of an SVG as its data attributes. */
function errorBars(svg: string): { x?: number; y: number; err: number }[] {
  return [...svg.matchAll(/<g class="errorbar"([^>]*)>/g)].map(([, attrs]) => {
    const a = Object.fromEntries([...attrs!.matchAll(/data-(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, Number(v)]));
    return { ...(a.x !== undefined ? { x: a.x } : {}), y: a.y!, err: a.err! };
  });
}

const rates = (id: string) => {
  const i = belmerConditions().findIndex((c) => c.id === id);
  return SEEDS.map((_, k) => rateOf(i, k));
};

describe('error bars over seeds', () => {
  test('the rate bars carry one error bar per condition: the mean and 95% half-width of its seeds', () => {
    const bars = errorBars(ratesBarsSvg(conditions(SEEDS)));
    expect(bars).toHaveLength(belmerConditions().length);
    const wt = meanInterval(rates('wt'));
    expect(bars[0]!.y).toBeCloseTo(wt.mean, 12);
    expect(bars[0]!.err).toBeCloseTo(wt.halfWidth, 12);
  });

  test("the 8-OH-DPAT points carry the 95% interval of the seeds' rate ratios (the drug-free point has none)", () => {
    const bars = errorBars(dpatDoseResponse(conditions(SEEDS)).svg);
    // WT and WT + BW723C86 at every dose, and the WAY-100635 point
    expect(bars).toHaveLength(2 * DOSES.dpat_nM.length + 1);
    const d = DOSES.dpat_nM[3]!;
    const ratio = meanInterval(rates(`wt+dpat${d}`).map((r, k) => r / rates('wt')[k]!));
    const at = bars.find((b) => b.x === d)!;
    expect(at.y).toBeCloseTo(ratio.mean, 12);
    expect(at.err).toBeCloseTo(ratio.halfWidth, 12);
  });

  test('one seed draws no error bar', () => {
    expect(errorBars(ratesBarsSvg(conditions(undefined)))).toEqual([]);
    expect(errorBars(dpatDoseResponse(conditions(undefined)).svg)).toEqual([]);
  });
});

describe('the files of an experiment over seeds', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-seeds-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const conds = conditions(SEEDS);
  const measures = SEEDS.map((_, k) =>
    Object.fromEntries(
      conds.map((c): [string, ConditionMeasure] => {
        const s = c.seeds![k]!.result.summary;
        return [c.name, { rateHz: s.meanRateHz, probeNm: s.probe5htNm, medianCvIsi: s.medianCvIsi, settled: s.settled, drift: 0 }];
      }),
    ),
  );
  const rows = evaluateFindingsOverSeeds(SEEDS, measures);
  const dir = path.join(root, 'exp');
  const meta = { title: 'belmer2018', engine: 'cpu', adapter: 'test', neurons: 4, wallSeconds: 1 };
  writeExperimentOutputs(dir, conds, rows, meta, { force: false });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

  test('findings-seeds.csv holds each checked readout at each seed, with its mean and interval', () => {
    const [head, ...lines] = read('findings-seeds.csv').trimEnd().split('\n');
    expect(head).toBe('id,readout,n,mean,sd,ci95_low,ci95_high,seed_3,seed_4,seed_5');
    const f2 = lines
      .find((l) => l.startsWith('F2,koWt,'))!
      .split(',')
      .map(Number);
    const koWt = rates('ko').map((r, k) => r / rates('wt')[k]!);
    const m = meanInterval(koWt);
    expect(f2.slice(2)).toEqual([3, m.mean, m.sd, m.lo, m.hi, ...koWt].map((x) => Number(x.toPrecision(12))));
  });

  test('findings.json and findings.csv carry the per-seed verdicts, the intervals and the notes', () => {
    const j = JSON.parse(read('findings.json'));
    expect(j.seeds).toEqual(SEEDS);
    expect(j.findings.map((f: { perSeedPass: boolean[] }) => f.perSeedPass.length)).toEqual(rows.map(() => 3));
    expect(j.findings[1].readouts[0].perSeed).toEqual(rows[1]!.readouts[0]!.perSeed);
    expect(read('findings.csv').split('\n')[0]).toBe('id,condition,measured,expected,pass,interval95,note');
  });

  test('a folder of seed files counts as earlier results: refused without --force, replaced with it', () => {
    expect(() => writeExperimentOutputs(dir, conds, rows, meta, { force: false })).toThrow(OutputExistsError);
    const again = path.join(root, 'again');
    writeExperimentOutputs(again, conds, rows, meta, { force: false });
    writeExperimentOutputs(again, conds, rows, meta, { force: true });
    expect(fs.readdirSync(again)).toContain('findings-seeds.csv');
  });

  test('conditions.json holds every condition at every seed; report.html shows the intervals and error bars', () => {
    const c = JSON.parse(read('conditions.json'));
    expect(c).toHaveLength(conds.length * SEEDS.length);
    expect(c.slice(0, 3).map((x: { summary: { seed: number } }) => x.summary.seed)).toEqual(SEEDS);
    const html = read('report.html');
    expect(html).toContain(`95% interval ${rows[0]!.interval.replace(/</g, '&lt;')}`);
    expect(errorBars(html).length).toBeGreaterThan(belmerConditions().length);
  });
});
