/**
 * Chronic treatment (docs/model.md §7): the exact slow advance of d1A (d1A in the engines:
 * chronic-engines.test.ts; d2B and SERT: chronic-slow.test.ts), the two-timescale scheme's checks at
 * small size (halving the slow step changes the trajectory under 2%; at accelerated time constants of one
 * minute it agrees with a brute-force run of the full model), and bad chronic input (one line naming the
 * field, exit 2). WebGPU parts skip without an adapter, fail under RAPHE_GPU_REQUIRED.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { checkShared, runBruteForce, runChronic, slowTimes } from '../src/experiment/chronic.js';
import { CHRONIC_FULL, CHRONIC_QUICK, chronicScenarios } from '../src/experiment/chronic-ssri.js';
import {
  advanceSlow,
  cellA50,
  sertScaleOf,
  d1AStats,
  drive,
  evaluateChronicFindings,
  zeroSlowState,
  type ChronicProtocol,
} from '../src/model/chronic.js';
import { advanceSertDown } from '../src/model/chronic-slow.js';
import { ConfigError } from '../src/model/errors.js';
import { defaultParams, type Params } from '../src/model/params.js';
import { parseScenario, type Scenario } from '../src/model/scenario.js';
import { ROOT, runRaphe } from './helpers/cli.js';

const P = defaultParams();

describe('the slow variable d1A (model/chronic.ts)', () => {
  test('one slow step of 2 dt equals two of dt with the drive held (exact advance), one and two stages', () => {
    for (const stages of [1, 2]) {
      const p: Params = { ...P, d1AStages: stages };
      const n = 50;
      const abar = Float64Array.from({ length: n }, (_, i) => 0.5 + (0.5 * i) / n);
      const A50 = cellA50(p, n, 3);
      const a = zeroSlowState(n);
      const b = zeroSlowState(n);
      advanceSlow(p, a, abar, A50, 20);
      advanceSlow(p, b, abar, A50, 10);
      advanceSlow(p, b, abar, A50, 10);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(a.d[i] - b.d[i])).toBeLessThan(1e-12);
        expect(Math.abs(a.u[i] - b.u[i])).toBeLessThan(1e-12);
      }
    }
  });

  test('one stage: d(t) = X (1 - e^(-t/tau)); two stages: X (1 - e^(-t/tau) (1 + t/tau)); the limit is d_max h(abar)', () => {
    const n = 1;
    const abar = [0.9];
    const A50 = [0.8];
    for (const stages of [1, 2]) {
      const p: Params = { ...P, d1AStages: stages, tauD1A_h: 48, d1AMax: 0.7, nD1A: 4 };
      const X = 0.7 * drive(0.9, 0.8, 4);
      const s = zeroSlowState(n);
      advanceSlow(p, s, abar, A50, 30);
      const x = 30 / 48;
      const want = stages === 1 ? X * (1 - Math.exp(-x)) : X * (1 - Math.exp(-x) * (1 + x));
      expect(s.d[0]).toBeCloseTo(want, 12);
      advanceSlow(p, s, abar, A50, 1e6);
      expect(s.d[0]).toBeCloseTo(X, 12);
    }
    expect(drive(0.8, 0.8, 8)).toBeCloseTo(0.5, 12);
    expect(drive(0, 0.8, 8)).toBe(0);
  });

  test('a drive linear in time: exact, as the limit of many short steps with the drive held at their midpoints', () => {
    for (const stages of [1, 2]) {
      const p: Params = { ...P, d1AStages: stages, tauD1A_h: 40, d1AMax: 0.9, nD1A: 1 };
      // h(a) = a / (a + A50) with n = 1: pick abar so that X = d_max h is linear in time exactly
      const X = (t: number) => 0.1 + (0.5 * t) / 30;
      const abarFor = (x: number) => (x / 0.9 / (1 - x / 0.9)) * 0.8; // h^-1(x / d_max) at A50 0.8
      const one = advanceSlow(p, zeroSlowState(1), [abarFor(X(0))], [0.8], 30, [abarFor(X(30))]);
      const fine = zeroSlowState(1);
      const N = 3000;
      for (let k = 0; k < N; k++) advanceSlow(p, fine, [abarFor(X((k + 0.5) * (30 / N)))], [0.8], 30 / N);
      expect(one.d[0]).toBeCloseTo(fine.d[0], 7);
      expect(one.u[0]).toBeCloseTo(fine.u[0], 7);
    }
  });

  test('each cell draws its own A50 (lognormal, median A50_1A) from the seed; sd 0 gives A50_1A for all', () => {
    const a = cellA50({ ...P, A50Sd_1A: 0.1 }, 4000, 1);
    const logs = Array.from(a, Math.log).sort((x, y) => x - y);
    expect(Math.exp(logs[2000])).toBeCloseTo(P.A50_1A, 1);
    const sd = Math.sqrt(logs.reduce((s, x) => s + (x - Math.log(P.A50_1A)) ** 2, 0) / logs.length);
    expect(sd).toBeGreaterThan(0.09);
    expect(sd).toBeLessThan(0.11);
    expect(Array.from(cellA50({ ...P, A50Sd_1A: 0.1 }, 10, 1))).toEqual(Array.from(a.slice(0, 10)));
    expect(new Set(cellA50({ ...P, A50Sd_1A: 0 }, 10, 1))).toEqual(new Set([P.A50_1A]));
  });

  test('slow-step times: every slow step and every readout day, 0 to the end', () => {
    const c = { days: 3, slowStepH: 20, readoutDays: [0, 1, 3] } as ChronicProtocol;
    expect(slowTimes(c)).toEqual([0, 20, 24, 40, 60, 72]);
  });

  test('C1-C4 read the readout days; a missing day fails its finding', () => {
    const row = (condition: string, day: number, meanD1A: number, fractionDesensitised: number, rateRel: number) => ({
      condition,
      day,
      rateHz: rateRel,
      probe5htNm: 30,
      meanD1A,
      fractionDesensitised,
      meanA1A: 0.8,
      rateRel,
    });
    const rows = [
      row('wt+fluoxetine', 2, 0.1, 0.2, 0.5),
      row('wt+fluoxetine', 3, 0.2, 0.4, 0.7),
      row('wt+fluoxetine', 14, 0.4, 0.7, 0.95),
      row('wt+fluoxetine', 21, 0.45, 0.7, 1.05),
      row('wt+fluoxetine+way', 21, 0.01, 0, 0.6),
    ];
    expect(evaluateChronicFindings(rows).map((f) => f.pass)).toEqual([true, true, true, true]);
    expect(evaluateChronicFindings(rows.slice(1)).map((f) => f.pass)).toEqual([true, false, true, false]);
    expect(evaluateChronicFindings([...rows.slice(0, 4), row('wt+fluoxetine+way', 21, 0.2, 0.3, 0.6)])[2].pass).toBe(false);
  });
});

// ---- the scheme's checks, on a small tissue of the model's density ----

/** A tissue 0.4 x 0.32 x 0.24 mm: 6.4% of the DRN's volume, refCells_n scaled with it, 400 cells. */
const SMALL: Partial<Params> = { regionX_um: 400, regionY_um: 320, regionZ_um: 240, refCells_n: 576, probeRadius_um: 80 };

function chronicScenario(c: Partial<ChronicProtocol>, over: Partial<Params> = {}, seed = 1): Scenario {
  const chronic: ChronicProtocol = {
    doses: { fluoxetine: 10 },
    days: 7,
    slowStepH: 12,
    slowTolerance: 0,
    readoutDays: [0, 1, 2, 3, 7],
    settleS: 1,
    windowS: 4,
    ...c,
  };
  return {
    name: 'wt+fluoxetine',
    genotype: 'wt',
    neurons: 400,
    seed,
    phases: [{ name: 'day0', durationS: 2, doses: {} }],
    params: { ...P, ...SMALL, ...over },
    recording: { spikes: false, sampleSteps: 10 },
    chronic,
  };
}

describe('the two-timescale scheme (small tissue, CPU engine)', () => {
  test('halving the slow step (12 h -> 6 h) changes the d1A and d2B trajectories by under 2%; SERT follows its exact course', async () => {
    const engine = await resolveEngine('cpu');
    const [a] = await runChronic([chronicScenario({ slowStepH: 12 })], engine);
    const [b] = await runChronic([chronicScenario({ slowStepH: 6 })], engine);
    const scale = Math.max(...b.readouts.map((r) => r.meanD1A));
    expect(scale).toBeGreaterThan(0.1); // it desensitises: the check is not of a flat line
    // d2B moves only where the engines hold its drive (a2Sum); its scale at least 0.05 so a flat d2B is no division by 0
    const scale2B = Math.max(0.05, ...b.readouts.map((r) => r.meanD2B));
    const day0 = b.readouts.find((r) => r.day === 0)!;
    expect([day0.rateRel, day0.meanD2B, day0.sertScale]).toEqual([1, 0, 1]);
    for (const day of [1, 2, 3, 7]) {
      const x = a.readouts.find((r) => r.day === day)!;
      const y = b.readouts.find((r) => r.day === day)!;
      const rel = Math.abs(x.meanD1A - y.meanD1A) / scale;
      console.log(
        `halving: day ${day} mean d1A ${x.meanD1A.toFixed(4)} (12 h) vs ${y.meanD1A.toFixed(4)} (6 h): ${(100 * rel).toFixed(2)}%`,
      );
      expect(rel).toBeLessThan(0.02);
      expect(Math.abs(x.meanD2B - y.meanD2B) / scale2B).toBeLessThan(0.02);
      // SERT down-regulation depends on the drug alone: the same exact course at either slow step
      const sert = advanceSertDown(P, zeroSlowState(1), { fluoxetine: 10 }, day * 24);
      expect(x.sertScale).toBeCloseTo(sertScaleOf(sert), 12);
      expect(y.sertScale).toBeCloseTo(sertScaleOf(sert), 12);
      expect(y.rateRel).toBeCloseTo(y.rateHz / day0.rateHz, 14);
    }
  }, 600_000);

  test('with the step chosen by the error estimate, the trajectory lies within 2% of a run at half the tolerance, in fewer steps than fixed 12 h', async () => {
    const engine = await resolveEngine('cpu');
    // a tolerance small enough on this tissue that the control, not the growth bound or slowStepH, sets some steps
    const tol = 0.001;
    const [a] = await runChronic([chronicScenario({ slowStepH: 48, slowTolerance: tol })], engine);
    const [b] = await runChronic([chronicScenario({ slowStepH: 48, slowTolerance: tol / 2 })], engine);
    const scale = Math.max(...b.readouts.map((r) => r.meanD1A));
    expect(scale).toBeGreaterThan(0.1);
    const scale2B = Math.max(0.05, ...b.readouts.map((r) => r.meanD2B));
    for (const day of [1, 2, 3, 7]) {
      const x = a.readouts.find((r) => r.day === day)!;
      const y = b.readouts.find((r) => r.day === day)!;
      const rel = Math.abs(x.meanD1A - y.meanD1A) / scale;
      console.log(
        `tolerance: day ${day} mean d1A ${x.meanD1A.toFixed(4)} (${tol}) vs ${y.meanD1A.toFixed(4)} (${tol / 2}): ${(100 * rel).toFixed(2)}%`,
      );
      expect(rel).toBeLessThan(0.02);
      expect(Math.abs(x.meanD2B - y.meanD2B) / scale2B).toBeLessThan(0.02);
    }
    // 7 days at fixed 12 h steps take 15 slow times; the control takes fewer, and more at half the tolerance
    console.log(`slow times: ${a.steps.length} at ${tol}, ${b.steps.length} at ${tol / 2} (fixed 12 h: 15)`);
    expect(a.steps.length).toBeLessThan(15);
    expect(b.steps.length).toBeGreaterThanOrEqual(a.steps.length);
    // short at the onset, long later: the first step is the shortest
    const dts = a.steps.slice(1).map((st, i) => st.hours - a.steps[i].hours);
    expect(dts[0]).toBe(Math.min(...dts));
  }, 600_000);

  test('at tau_d = 1 min the two-timescale result agrees with a brute-force run of the full model', async () => {
    const engine = await resolveEngine('cpu');
    // tau_d one minute (two stages), so 4 minutes of fast time hold the whole onset; slow step 15 s
    const tauH = 1 / 60;
    // d2B and SERT down-regulation accelerated alike, so that the check covers every slow variable
    const sc = chronicScenario(
      { days: 4 / 1440, slowStepH: 0.25 / 60, readoutDays: [0, 1 / 1440, 2 / 1440, 3 / 1440, 4 / 1440] },
      { tauD1A_h: tauH, tauD2B_h: tauH, tauSertDown_h: tauH },
    );
    const [two] = await runChronic([sc], engine);
    const brute = await runBruteForce(sc, engine, { durationS: 240, updateS: 1 });
    for (const minute of [1, 2, 3, 4]) {
      const x = two.readouts.find((r) => Math.abs(r.day - minute / 1440) < 1e-12)!;
      const y = brute.find((p) => Math.abs(p.timeS - 60 * minute) < 1e-6)!;
      // statistical tolerance: 3 standard errors of a mean over the 400 cells (their spread of d1A), at least 0.02
      const d = two.d1AByDay.get(x.day)!;
      const m = d1AStats(d).mean;
      const sdCells = Math.sqrt(d.reduce((s, v) => s + (v - m) ** 2, 0) / d.length);
      const tol = Math.max(0.02, (3 * sdCells) / Math.sqrt(d.length));
      console.log(
        `brute force: minute ${minute}: two-timescale ${x.meanD1A.toFixed(4)}, brute force ${y.meanD1A.toFixed(4)}, tolerance ${tol.toFixed(4)}`,
      );
      expect(Math.abs(x.meanD1A - y.meanD1A)).toBeLessThan(tol);
      expect(Math.abs(x.meanD2B - y.meanD2B)).toBeLessThan(0.02);
      expect(x.sertScale).toBeCloseTo(y.sertScale, 9);
    }
    expect(brute[brute.length - 1].sertScale).toBeLessThan(0.8); // SERT did go down: the check is not of a flat line
  }, 600_000);
});

// ---- bad input ----

const good = { genotype: 'wt', neurons: 100, chronic: { drugs: { fluoxetine: 10 }, days: 21, slowStepH: 12 } };
const BAD: [string, unknown, RegExp][] = [
  [
    'a protocol shorter than one slow step',
    { ...good, chronic: { drugs: { fluoxetine: 10 }, days: 0.25 } },
    /scenario\.chronic\.days: .*longer than the protocol/,
  ],
  [
    'a slow step longer than the protocol',
    { ...good, chronic: { days: 1, slowStepH: 30 } },
    /scenario\.chronic\.slowStepH: .*longer than the protocol/,
  ],
  [
    'a slow step under one minute',
    { ...good, chronic: { days: 1, slowStepH: 0.01 } },
    /scenario\.chronic\.slowStepH: must be at least one minute/,
  ],
  [
    'a readout day outside the treatment',
    { ...good, chronic: { days: 7, readoutDays: [0, 3, 8] } },
    /scenario\.chronic\.readoutDays\[2\]: day 8 is outside/,
  ],
  ['a negative readout day', { ...good, chronic: { days: 7, readoutDays: [-1] } }, /scenario\.chronic\.readoutDays\[0\]: must be/],
  ['d_max above 1', { ...good, params: { d1AMax: 1.5 } }, /scenario\.params\.d1AMax: must be >= 0 and <= 1/],
  ['d_max below 0', { ...good, params: { d1AMax: -0.1 } }, /scenario\.params\.d1AMax: must be >= 0 and <= 1/],
  ['protocol and chronic together', { ...good, protocol: [{ durationS: 1 }] }, /scenario\.protocol: not allowed with chronic/],
  ['an unknown chronic field', { ...good, chronic: { days: 7, dose: 3 } }, /scenario\.chronic\.dose: unknown field/],
  ['an unknown chronic drug', { ...good, chronic: { drugs: { prozac: 1 } } }, /scenario\.chronic\.drugs\.prozac: unknown drug/],
];

describe('bad chronic input', () => {
  for (const [label, v, re] of BAD) {
    test(`parseScenario: ${label}`, () => {
      expect(() => parseScenario(v)).toThrow(ConfigError);
      expect(() => parseScenario(v)).toThrow(re);
    });
  }

  test('a good chronic scenario parses with its defaults (readout days, settle, window), day 0 drug-free', () => {
    const sc = parseScenario(good);
    expect(sc.chronic).toEqual({
      doses: { fluoxetine: 10 },
      days: 21,
      slowStepH: 12,
      slowTolerance: 0.005,
      readoutDays: [0, 1, 2, 3, 7, 14, 21],
      settleS: 2,
      windowS: 2,
    });
    expect(sc.phases).toEqual([{ name: 'day0', durationS: 4, doses: {} }]);
    expect(parseScenario({ ...good, chronic: { days: 5 } }).chronic!.readoutDays).toEqual([0, 1, 2, 3, 5]);
  });

  let tmp = '';
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-chronic-'));
    const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  });
  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  for (const [label, v, re] of BAD.slice(0, 4)) {
    it(`raphe run --scenario: ${label}: exit 2, one line naming the field, nothing written`, async () => {
      const file = path.join(tmp, 'bad.json');
      fs.writeFileSync(file, JSON.stringify(v));
      const r = await runRaphe(tmp, ['run', '--scenario', file, '--json']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^raphe: .*${re.source.replace('scenario\\.', 'bad\\.json\\.')}`));
    });
  }

  it('raphe experiment chronic-ssri with a bad flag: exit 2, one line, --out not created', async () => {
    const out = path.join(tmp, 'never');
    const r = await runRaphe(tmp, ['experiment', 'chronic-ssri', '--neurons', '0', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--neurons/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

// ---- the report ----

describe('the chronic report', () => {
  test('plots every trajectory, both genotypes, the day-0 and day-21 8-OH-DPAT curves and the C table; no NaN', async () => {
    const { chronicReportHtml } = await import('../src/report/chronic-report.js');
    const { trajectoryCsv, chronicJson } = await import('../src/report/chronic-files.js');
    const { formatChronicTable } = await import('../src/report/chronic-table.js');
    const ids = ['wt+fluoxetine', 'ko+fluoxetine', 'wt+fluoxetine+way'];
    const days = [0, 1, 2, 3, 7, 14, 21];
    const runs = ids.map((name, k) => ({
      name,
      scenario: chronicScenario({}),
      readouts: days.map((day) => ({
        condition: name,
        day,
        rateHz: 1 - 0.1 * k,
        probe5htNm: 100,
        meanD1A: day / 50 / (k + 1),
        fractionDesensitised: day / 30,
        meanA1A: 0.8,
        rateRel: 1 - day / 100,
        meanD2B: day / 60,
        sertScale: 1 - day / 40,
      })),
      steps: [0, 12, 24, 36, 48].map((hours) => ({
        hours,
        meanD1A: hours / 500,
        fractionDesensitised: 0.1,
        rateHz: 1,
        probe5htNm: 100,
        meanA1A: 0.8,
        rateRel: 0.9,
        meanD2B: hours / 2000,
        sertScale: 1 - hours / 1000,
        settled: true,
      })),
      d1AByDay: new Map<number, Float32Array>(),
      vehicleTarget: 0.01,
      vehicleTargetD2B: 0.02,
      engine: 'cpu',
      adapter: 'test',
    }));
    const doses = [0.1, 0.3, 1, 3, 10, 30];
    const curve = (condition: string, day: number, shift: number) => ({
      condition,
      label: condition,
      day,
      doses,
      rel: doses.map((d) => 1 / (1 + (d / shift) ** 1.5)),
      ic50Nm: shift,
    });
    const dpat = [
      curve('wt+fluoxetine', 0, 0.5),
      curve('wt+fluoxetine', 21, 2),
      curve('ko+fluoxetine', 0, 0.4),
      curve('ko+fluoxetine', 21, 0.5),
    ];
    const rows = runs.flatMap((r) => r.readouts.map((x) => ({ ...x, ...(x.day === 0 || x.day === 21 ? { dpatIc50Nm: 1 } : {}) })));
    const res = {
      runs,
      days: rows,
      dpat,
      findings: evaluateChronicFindings(rows),
      wallSeconds: 1,
      neurons: 400,
      engine: 'cpu',
      adapter: 'test',
    };
    const html = chronicReportHtml(res, { title: 'chronic test' });
    for (const t of [
      'Mean 5-HT1A desensitisation d1A',
      'Cells with d1A &gt;= 0.25',
      'Firing rate',
      'Probe 5-HT',
      'Mean 5-HT2B desensitisation d2B',
      'SERT down-regulation',
      '8-OH-DPAT, WT',
      '8-OH-DPAT, Htr2b 5-HTKO',
      'C1',
      'C2',
      'C3',
      'C4',
    ]) {
      expect(html).toContain(t);
    }
    expect((html.match(/<svg/g) ?? []).length).toBe(8);
    expect(html).not.toMatch(/NaN/);
    expect(formatChronicTable(rows).split('\n')).toHaveLength(2 + rows.length);
    expect(trajectoryCsv(res).trim().split('\n')).toHaveLength(1 + 3 * 5);
    const j = chronicJson(res);
    expect(j.days.filter((d) => 'dpatIc50Nm' in (d as object))).toHaveLength(6);
    expect(Object.keys(j.days[1] as object)).toEqual([
      'condition',
      'day',
      'rateHz',
      'probe5htNm',
      'meanD1A',
      'fractionDesensitised',
      'rateRel',
      'meanD2B',
      'sertScale',
    ]);
    expect(trajectoryCsv(res).split('\n')[0].split(',')).toEqual(expect.arrayContaining(['rate_rel_day0', 'mean_d2b', 'sert_scale']));
  });
});

describe("the chronic experiment's conditions run as one batch", () => {
  test('they share the tissue and timing while their doses differ (fluoxetine, fluoxetine + WAY-100635)', () => {
    const scs = chronicScenarios({ size: CHRONIC_QUICK, neurons: 100, seed: 1 });
    expect(new Set(scs.map((sc) => JSON.stringify(sc.chronic!.doses))).size).toBeGreaterThan(1);
    expect(checkShared(scs)).toBe(scs[0].chronic);
  });

  test("--quick's run on a 40 µm grid, the full size's on the parameters' own, and a size without a grid keeps theirs", () => {
    const mine = { ...defaultParams(), voxel_um: 25, g1A_nS: 2 };
    for (const sc of chronicScenarios({ size: CHRONIC_QUICK, neurons: 100, seed: 1, params: mine })) {
      expect(sc.params.voxel_um).toBe(40);
      expect(sc.params.g1A_nS).toBe(2);
    }
    for (const sc of chronicScenarios({ size: CHRONIC_FULL, neurons: 100, seed: 1 }))
      expect(sc.params.voxel_um).toBe(defaultParams().voxel_um);
    const own = chronicScenarios({ size: { ...CHRONIC_QUICK, voxel_um: undefined }, neurons: 100, seed: 1, params: mine });
    expect(own.map((sc) => sc.params.voxel_um)).toEqual([25, 25, 25]);
  });

  test('a condition of another tissue or timing is refused', () => {
    const scs = chronicScenarios({ size: CHRONIC_QUICK, neurons: 100, seed: 1 });
    const other = { ...scs[1], chronic: { ...scs[1].chronic!, days: scs[1].chronic!.days - 1 } };
    expect(() => checkShared([scs[0], other])).toThrow(/does not share the tissue and timing/);
    expect(() => checkShared([scs[0], { ...scs[1], seed: 2 }])).toThrow(/does not share the tissue and timing/);
  });
});
