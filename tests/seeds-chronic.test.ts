/**
 * `raphe experiment chronic-ssri --seeds K`, from made-up results of three seeds: C1-C4 on the mean
 * readouts with each seed's kept, every day as mean and 95% interval over the seeds, and the files and
 * tables that show them.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { chronicOverSeeds } from '../src/experiment/chronic-seeds.js';
import type { ChronicExperimentResult } from '../src/experiment/chronic-ssri.js';
import { type ChronicReadout, evaluateChronicFindings } from '../src/model/chronic.js';
import { meanInterval } from '../src/model/intervals.js';
import { parseScenario } from '../src/model/scenario.js';
import { writeChronicOutputs } from '../src/report/chronic-files.js';
import { formatChronicSeedsTable } from '../src/report/chronic-table.js';
import { formatFindingsTable } from '../src/report/findings-table.js';

const SEEDS = [11, 12, 13];
const CONDITIONS = ['wt+fluoxetine', 'ko+fluoxetine', 'wt+fluoxetine+way'];
const DAYS = [0, 1, 2, 3, 7, 14, 21];

/** A readout at seed index k: desensitisation that grows with the day, a little different at each seed. */
function readout(condition: string, day: number, k: number): ChronicReadout {
  const way = condition.endsWith('+way');
  const jitter = [0, 0.02, -0.01][k]!;
  return {
    condition,
    day,
    rateHz: 1.2 + jitter,
    probe5htNm: 90 + 10 * k,
    meanD1A: way ? 0.02 : Math.min(0.45, day / 30) + jitter,
    fractionDesensitised: way ? 0 : Math.min(0.7, day / 8) + jitter,
    meanA1A: 0.8,
    rateRel: day === 0 ? 1 : day < 7 ? 0.5 + jitter : 1 + jitter,
    meanD2B: day / 100,
    sertScale: 1 - day / 50,
  };
}

function result(k: number): ChronicExperimentResult {
  const scenario = parseScenario({ name: 'chronic', neurons: 30, protocol: [{ name: 'run', durationS: 1 }] }, 'test');
  const days = CONDITIONS.flatMap((c) => DAYS.map((d) => readout(c, d, k)));
  const runs = CONDITIONS.map((name) => ({
    name,
    scenario,
    readouts: days.filter((r) => r.condition === name),
    steps: [0, 24].map((hours) => ({ ...readout(name, hours / 24, k), hours, settled: true })),
    d1AByDay: new Map<number, Float32Array>(),
    vehicleTarget: 0.01,
    vehicleTargetD2B: 0.02,
    engine: 'cpu',
    adapter: 'test',
  }));
  return { runs, days, dpat: [], findings: evaluateChronicFindings(days), wallSeconds: 1, neurons: 30, engine: 'cpu', adapter: 'test' };
}

const perSeed = SEEDS.map((_, k) => result(k));
const over = chronicOverSeeds(SEEDS, perSeed);

describe('the chronic experiment over seeds', () => {
  test("C1 reads each seed's share of desensitised cells, and is decided on their mean", () => {
    const c1 = over.findings[0]!;
    const day3 = c1.readouts.find((r) => r.readout === 'day3')!;
    expect(day3.perSeed).toEqual(
      perSeed.map((r) => r.days.find((x) => x.condition === 'wt+fluoxetine' && x.day === 3)!.fractionDesensitised),
    );
    const m = meanInterval(day3.perSeed);
    expect([day3.mean, day3.lo, day3.hi]).toEqual([m.mean, m.lo, m.hi]);
    expect(c1.perSeedPass).toEqual(perSeed.map((r) => r.findings[0]!.pass));
    expect(c1.measured).toMatch(/\(mean of 3 seeds\)$/);
    expect(over.findings.map((f) => f.id)).toEqual(perSeed[0]!.findings.map((f) => f.id));
  });

  test('every day of every condition holds the mean and 95% interval of its readouts over the seeds', () => {
    expect(over.days).toHaveLength(CONDITIONS.length * DAYS.length);
    const wt7 = over.days.find((d) => d.condition === 'wt+fluoxetine' && d.day === 7)!;
    const values = perSeed.map((r) => r.days.find((x) => x.condition === 'wt+fluoxetine' && x.day === 7)!.meanD1A);
    expect(wt7.values.meanD1A!.perSeed).toEqual(values);
    expect(wt7.values.meanD1A!.halfWidth).toBeCloseTo(meanInterval(values).halfWidth, 14);
    // the probe differs by 10 nM from seed to seed: mean 100, sd 10, half-width t(0.975, 2) · 10 / √3
    expect(wt7.values.probe5htNm!.halfWidth).toBeCloseTo((4.302653 * 10) / Math.sqrt(3), 4);
    expect(wt7.values.dpatIc50Nm).toBeUndefined(); // measured on no day here
  });

  test('the tables print each cell as mean ± half-width and say what the interval is', () => {
    const table = formatChronicSeedsTable(over.days, 3);
    const wt7 = table.split('\n').find((l) => /^wt\+fluoxetine\s+\| 7 /.test(l))!;
    expect(wt7).toContain('100.0 ± 24.8');
    expect(table).toMatch(/\(mean ± 95% interval over 3 seeds: t\(0\.975, 2\) · sd \/ √3\)$/);
    expect(formatFindingsTable(over.findings)).toContain('95% interval (3 seeds)');
  });
});

describe('the chronic files over seeds', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-seeds-chronic-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'out');
  const res = { ...perSeed[0]!, findings: over.findings };
  writeChronicOutputs(dir, res, { engineReason: 'test', seed: SEEDS[0]!, seeds: over }, { force: false });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

  test("trajectory.csv holds every seed's slow steps behind a seed column", () => {
    const lines = read('trajectory.csv').trimEnd().split('\n');
    expect(lines[0]).toMatch(/^seed,condition,hours,/);
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(SEEDS.flatMap((s) => Array(CONDITIONS.length * 2).fill(s)));
  });

  test('chronic.json and findings.json carry the findings over the seeds, the days over the seeds and each seed', () => {
    const j = JSON.parse(read('chronic.json'));
    expect(j.seeds).toEqual(SEEDS);
    expect(j.perSeed.map((p: { seed: number }) => p.seed)).toEqual(SEEDS);
    expect(j.daysOverSeeds).toHaveLength(over.days.length);
    expect(j.findings[0].perSeedPass).toEqual(over.findings[0]!.perSeedPass);
    expect(JSON.parse(read('findings.json'))[0].readouts[0].perSeed).toEqual(over.findings[0]!.readouts[0]!.perSeed);
  });

  test('the report shows the days over the seeds and the findings with their intervals', () => {
    const html = read('report.html');
    expect(html).toContain('<h2>Readouts over 3 seeds</h2>');
    expect(html).toContain(`95% interval ${over.findings[0]!.interval}`);
  });
});
