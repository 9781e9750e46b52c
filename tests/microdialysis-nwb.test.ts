/**
 * The microdialysis time courses in NWB, through the experiment writer: one microdialysis/GENOTYPE.nwb per
 * time course run, written by the writer it is given, told what the file is and the baseline the figure's
 * percentages divide by (the value microdialysis.csv prints). What pynwb and nwbinspector read from such a
 * file: tests/nwb-inspector.test.ts. Tiny runs: 150 cells, 0.3 s.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { runScenario } from '../src/experiment/run-scenario.js';
import { parseScenario } from '../src/model/scenario.js';
import type { RunResult } from '../src/record/run-result.js';
import { MICRODIALYSIS_DIR, writeExperimentOutputs } from '../src/report/experiment-files.js';

const scenario = (genotype: string) => ({
  name: `time course ${genotype}`,
  genotype,
  neurons: 150,
  seed: 6,
  c0_nM: 10,
  protocol: [
    { name: 'baseline', durationS: 0.15 },
    { name: 'fluoxetine', durationS: 0.15, drugs: { fluoxetine: 10 } },
  ],
  params: { regionX_um: 300, regionY_um: 240, regionZ_um: 200, bgRate_Hz: 200 },
  recording: { spikes: false },
});

let tmp = '';
let runs: { name: string; result: RunResult }[] = [];
const meta = () => ({ title: 't', engine: 'cpu', adapter: 'WebAssembly', neurons: 150, wallSeconds: 0, timecourse: runs });

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-timecourse-nwb-'));
  const engine = await resolveEngine('cpu');
  for (const g of ['wt', 'htr2b-ko']) {
    const result = await runScenario(parseScenario(scenario(g)), engine);
    runs.push({ name: result.name, result });
  }
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  runs = [];
});

describe('the time courses as NWB files', () => {
  test('one file per run, named by its genotype, each told its run and its baseline', () => {
    const told: [string, string][] = [];
    writeExperimentOutputs(path.join(tmp, 'both'), [], [], meta(), {
      force: false,
      timecourseNwb: (run, description) => {
        told.push([run, description]);
        return (file) => fs.writeFileSync(file, description);
      },
    });
    expect(fs.readdirSync(path.join(tmp, 'both', MICRODIALYSIS_DIR)).sort()).toEqual(['htr2b-ko.nwb', 'wt.nwb']);
    expect(told.map(([run]) => run)).toEqual(runs.map((r) => r.name));
    const csv = fs
      .readFileSync(path.join(tmp, 'both', 'microdialysis.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    for (const [i, g] of ['wt', 'htr2b-ko'].entries()) {
      const text = fs.readFileSync(path.join(tmp, 'both', MICRODIALYSIS_DIR, `${g}.nwb`), 'utf8');
      expect(text).toBe(told[i]![1]);
      expect(text).toMatch(new RegExp(`^The microdialysis time course ${runs[i]!.name} \\(${g}\\)`));
      const baseline = csv.find((l) => l.startsWith(`${runs[i]!.name},`))!.split(',')[5];
      expect(text).toContain(`is ${baseline} nM, and percent_of_baseline = 100 * probe_5ht / ${baseline}.`);
    }
  });

  test('no writer, or none for a run: no file for it', () => {
    writeExperimentOutputs(path.join(tmp, 'none'), [], [], meta(), { force: false });
    expect(fs.existsSync(path.join(tmp, 'none', MICRODIALYSIS_DIR))).toBe(false);
    writeExperimentOutputs(path.join(tmp, 'one'), [], [], meta(), {
      force: false,
      timecourseNwb: (run, d) => (run === runs[0]!.name ? (file) => fs.writeFileSync(file, d) : undefined),
    });
    expect(fs.readdirSync(path.join(tmp, 'one', MICRODIALYSIS_DIR))).toEqual(['wt.nwb']);
  });
});
