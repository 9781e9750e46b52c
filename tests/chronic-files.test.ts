/**
 * What `raphe experiment chronic-ssri --out DIR` writes (src/report/chronic-files.ts), from a made-up
 * result: the file list, chronic.json's record of how the run was made, and the folder rules every job shares.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChronicExperimentResult } from '../src/experiment/chronic-ssri.js';
import { evaluateChronicFindings, type ChronicReadout } from '../src/model/chronic.js';
import { parseScenario } from '../src/model/scenario.js';
import { trajectoryCsv, writeChronicOutputs } from '../src/report/chronic-files.js';
import { OutputExistsError } from '../src/report/write.js';

describe('writeChronicOutputs', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-report-'));
  });
  afterEach(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });
  const readout = (condition: string, day: number, meanD1A: number): ChronicReadout => ({
    condition,
    day,
    rateHz: 1.2,
    probe5htNm: 95,
    meanD1A,
    fractionDesensitised: day / 30,
    meanA1A: 0.8,
    rateRel: day === 0 ? 1 : 0.9,
    meanD2B: day / 100,
    sertScale: 1 - day / 50,
  });
  const fakeChronic = (ic50: number): ChronicExperimentResult => {
    const days = [readout('wt+fluoxetine', 0, 0), { ...readout('wt+fluoxetine', 21, 0.4), dpatIc50Nm: ic50 }];
    const run = {
      name: 'wt+fluoxetine',
      scenario: parseScenario({ name: 'chronic', neurons: 30, protocol: [{ name: 'run', durationS: 1 }] }, 'test'),
      readouts: days,
      steps: [0, 24].map((hours) => ({
        hours,
        meanD1A: hours / 500,
        fractionDesensitised: 0.1,
        rateHz: 1,
        probe5htNm: 90,
        meanA1A: 0.8,
        rateRel: 0.9,
        meanD2B: hours / 2400,
        sertScale: 1 - hours / 1200,
        settled: true,
      })),
      d1AByDay: new Map<number, Float32Array>(),
      vehicleTarget: 0.01,
      vehicleTargetD2B: 0.02,
      engine: 'cpu',
      adapter: 'cpu (test)',
    };
    return {
      runs: [run],
      days,
      dpat: [],
      findings: evaluateChronicFindings(days),
      wallSeconds: 2,
      neurons: 30,
      engine: 'cpu',
      adapter: 'cpu (test)',
    };
  };
  const info = { engineReason: 'chosen for the test', seed: 5 };

  it('writes the report, chronic.json with how it was made (NaN as null), the trajectory and the findings; refuses a second time', () => {
    const dir = path.join(root, 'chronic');
    const res = fakeChronic(NaN);
    writeChronicOutputs(dir, res, info, { force: false });
    expect(fs.readdirSync(dir).sort()).toEqual(['chronic.json', 'findings.json', 'report.html', 'trajectory.csv']);
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'chronic.json'), 'utf8'));
    expect(j).toMatchObject({ experiment: 'chronic-ssri', engine: 'cpu', engineReason: 'chosen for the test', neurons: 30, seed: 5 });
    expect(j.days.map((d: { day: number }) => d.day)).toEqual([0, 21]);
    expect(j.days[1].dpatIc50Nm).toBeNull();
    expect(j.days[1]).toMatchObject({ rateRel: 0.9, meanD2B: 0.21, sertScale: 1 - 21 / 50 });
    expect(j.allPass).toBe(res.findings.every((f) => f.pass));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'findings.json'), 'utf8'))).toEqual(j.findings);
    expect(fs.readFileSync(path.join(dir, 'trajectory.csv'), 'utf8')).toBe(trajectoryCsv(res));
    // a silent day 0 leaves no ratio: an empty CSV field and a dash, never NaN
    const silent = fakeChronic(3);
    for (const st of silent.runs[0].steps) st.rateRel = Number.NaN;
    silent.runs[0].readouts[1].rateRel = Number.NaN;
    expect(trajectoryCsv(silent)).not.toMatch(/NaN/);
    writeChronicOutputs(path.join(root, 'silent'), silent, info, { force: false });
    expect(fs.readFileSync(path.join(root, 'silent', 'report.html'), 'utf8')).not.toMatch(/NaN/);
    expect(fs.readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain('Chronic fluoxetine on raphe (30 neurons)');
    expect(() => writeChronicOutputs(dir, fakeChronic(3), info, { force: false })).toThrow(OutputExistsError);
    writeChronicOutputs(dir, fakeChronic(3), info, { force: true });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'chronic.json'), 'utf8')).days[1].dpatIc50Nm).toBe(3);
  });
});
