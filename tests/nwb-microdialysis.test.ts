/**
 * The microdialysis time course, the paper's main figure, as data: the experiment's folder holds
 * microdialysis.csv, one row per trace sample of each time-course run, with the probe 5-HT, its baseline and
 * the % of baseline the report's figure draws. Tiny runs: 150 cells, 0.3 s, standing in for the WT and KO
 * time courses (the real ones are seconds of simulated time each).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { runScenario } from '../src/experiment/run-scenario.js';
import { parseScenario } from '../src/model/scenario.js';
import type { RunResult } from '../src/record/run-result.js';
import { writeExperimentOutputs } from '../src/report/experiment-files.js';
import { csvNum } from '../src/report/format.js';
import { MICRODIALYSIS_HEADER, microdialysisCsv } from '../src/report/paper-figures.js';
import { OutputExistsError } from '../src/report/write.js';

const scenario = (genotype: string) => ({
  name: `microdialysis ${genotype}`,
  genotype,
  neurons: 150,
  seed: 5,
  c0_nM: 10,
  protocol: [
    { name: 'baseline', durationS: 0.15 },
    { name: 'fluoxetine', durationS: 0.15, drugs: { fluoxetine: 10 } },
  ],
  params: { regionX_um: 300, regionY_um: 240, regionZ_um: 200, bgRate_Hz: 200 },
  recording: { spikes: false },
});

let tmp = '';
let wt: RunResult;
let ko: RunResult;
const meta = { title: 't', engine: 'cpu', adapter: 'WebAssembly', neurons: 150, wallSeconds: 0 };

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-microdialysis-'));
  const engine = await resolveEngine('cpu');
  wt = await runScenario(parseScenario(scenario('wt')), engine);
  ko = await runScenario(parseScenario(scenario('htr2b-ko')), engine);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const parse = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .map((l) => l.split(','));

describe('microdialysis.csv', () => {
  test("is written beside the report when the experiment ran its time courses, and holds each run's samples", () => {
    const dir = path.join(tmp, 'with');
    const timecourse = [
      { name: 'WT', result: wt },
      { name: 'Htr2b 5-HTKO', result: ko },
    ];
    writeExperimentOutputs(dir, [{ name: 'wt', result: wt }], [], { ...meta, timecourse }, { force: false });
    const text = fs.readFileSync(path.join(dir, 'microdialysis.csv'), 'utf8');
    expect(text).toBe(microdialysisCsv(timecourse));
    const [header, ...rows] = parse(text);
    expect(header!.join(',')).toBe(MICRODIALYSIS_HEADER);
    expect(rows.filter((r) => r[0] === 'WT').map((r) => r[3])).toEqual(Array.from(wt.traces.tS, csvNum));
    expect(rows.filter((r) => r[0] === 'Htr2b 5-HTKO').map((r) => r[4])).toEqual(Array.from(ko.traces.probeNm, csvNum));
    expect(new Set(rows.map((r) => r[1]))).toEqual(new Set(['wt', 'htr2b-ko']));
  });

  test('marks its folder as earlier results: a second write is refused, and --force replaces it', () => {
    const dir = path.join(tmp, 'again');
    const timecourse = [{ name: 'WT', result: wt }];
    writeExperimentOutputs(dir, [{ name: 'wt', result: wt }], [], { ...meta, timecourse }, { force: false });
    for (const n of ['report.html', 'conditions.json', 'findings.csv', 'findings.json']) fs.rmSync(path.join(dir, n));
    expect(fs.readdirSync(dir)).toEqual(['microdialysis.csv']);
    expect(() => writeExperimentOutputs(dir, [{ name: 'wt', result: wt }], [], meta, { force: false })).toThrow(OutputExistsError);
    writeExperimentOutputs(dir, [{ name: 'wt', result: wt }], [], meta, { force: true });
    expect(fs.readdirSync(dir)).not.toContain('microdialysis.csv');
  });

  test('is not written when the time courses were not run', () => {
    const dir = path.join(tmp, 'without');
    writeExperimentOutputs(dir, [{ name: 'wt', result: wt }], [], meta, { force: false });
    expect(fs.existsSync(path.join(dir, 'microdialysis.csv'))).toBe(false);
  });

  test('each row: probe 5-HT as % of the mean over the baseline phase’s last half, in the phase its window ends in', () => {
    const [, ...rows] = parse(microdialysisCsv([{ name: 'WT', result: wt }]));
    const base = wt.phases[0]!.probe5htNm!;
    const switchS = wt.phases[1]!.startS;
    for (const [, , phase, t, probe, baseline, pct] of rows) {
      expect(baseline).toBe(csvNum(base));
      expect(Number(pct)).toBeCloseTo((100 * Number(probe)) / base, 6);
      expect(phase, `t = ${t}`).toBe(Number(t) <= switchS ? 'baseline' : 'fluoxetine');
    }
    expect(rows.some((r) => r[2] === 'fluoxetine')).toBe(true);
  });
});
