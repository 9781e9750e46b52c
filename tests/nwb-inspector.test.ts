/**
 * The field's own tools on every kind of NWB file raphe writes (`raphe run --out`, the same with
 * --no-spikes, an experiment's condition and its microdialysis time course through the experiment
 * writer, each point of `raphe sweep --traces`, a run in which no cell fires): nwbinspector 0.4.28 reports
 * no CRITICAL and no BEST_PRACTICE_VIOLATION (its suggestions are printed), and pynwb 2.3.0 reads spikes
 * and traces equal to the CSV files (a sweep point keeps no spikes.csv: its spikes are checked against its
 * cell count). Then every NWB file of a small `raphe experiment belmer2018 --out` (50 cells, 2% of the
 * quick durations), its time courses equal to microdialysis.csv. Both tools are unpacked from vendor/nwb-tools/ and run by
 * tests/helpers/nwb_inspect.py; skipped when their Debian dependencies are missing unless
 * RAPHE_NWB_TOOLS_REQUIRED=1. Tiny sizes: 150 cells, 0.3 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { conditionScenarios, timecourseScenarios } from '../src/experiment/belmer2018.js';
import { runScenario } from '../src/experiment/run-scenario.js';
import { parseScenario, type Scenario } from '../src/model/scenario.js';
import { spikesCsv, tracesCsv } from '../src/report/csv.js';
import { MICRODIALYSIS_DIR, writeExperimentOutputs } from '../src/report/experiment-files.js';
import { DOSES } from '../src/model/findings.js';
import { csvNum } from '../src/report/format.js';
import { PROCESSING_MODULE, RAPHE_VERSION, loadNwbWriter } from '../src/report/nwb.js';
import { KEYWORDS, RELATED_PUBLICATIONS, SUBJECT_AGE, subjectId } from '../src/report/nwb-metadata.js';
import { POINT_NWB, POINT_TRACES, POINTS_DIR } from '../src/report/point-files.js';
import { sweepPointsAsync } from '../src/sweep/points.js';
import { parseSweep } from '../src/sweep/spec.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'raphe.mjs');
const TOOLS = path.join(ROOT, 'vendor', 'nwb-tools');
const INSPECT = path.join(ROOT, 'tests', 'helpers', 'nwb_inspect.py');
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** pynwb and nwbinspector unpacked into a temporary folder, and whether Python can import them there. */
const toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-nwb-tools-'));
for (const t of ['pynwb-2.3.0.tgz', 'nwbinspector-0.4.28.tgz']) {
  const x = spawnSync('tar', ['xzf', path.join(TOOLS, t), '-C', toolsDir], { encoding: 'utf8' });
  if (x.status !== 0) throw new Error(`cannot unpack vendor/nwb-tools/${t}: ${x.stderr}`);
}
const pyEnv = { ...process.env, PYTHONPATH: toolsDir };
const probe = spawnSync(PYTHON, ['-c', 'import pynwb, nwbinspector'], { encoding: 'utf8', env: pyEnv });
const hasTools = probe.status === 0;
if (process.env.RAPHE_NWB_TOOLS_REQUIRED && !hasTools)
  throw new Error(
    `RAPHE_NWB_TOOLS_REQUIRED is set but ${PYTHON} cannot import pynwb and nwbinspector (scripts/setup-system.sh installs ` +
      `their Debian dependencies): ${probe.stderr.trim().split('\n').pop()}`,
  );
const withTools = hasTools ? test : test.skip;

const SMALL = { regionX_um: 300, regionY_um: 240, regionZ_um: 200, bgRate_Hz: 200 };
const SCENARIO = {
  name: 'nwb inspector test',
  neurons: 150,
  seed: 4,
  c0_nM: 10,
  protocol: [
    { name: 'baseline', durationS: 0.15 },
    { name: 'ssri', durationS: 0.15, drugs: { fluoxetine: 10 } },
  ],
  params: SMALL,
};
/** A sweep of two points (fluoxetine 0 and 10 nM) on the same tissue, kept with --traces. */
const SWEEP = {
  name: 'nwb-inspector-sweep',
  base: { neurons: 150, seed: 4, c0_nM: 10, duration: 0.3, params: SMALL },
  axes: [{ axis: 'fluoxetine', values: [0, 10], reference: 0 }],
};

interface Message {
  importance: string;
  check: string;
  location: string;
  message: string;
}
interface Read {
  messages: Message[];
  spikes: number[][] | null;
  series: Record<string, { t: number[]; data: number[]; unit: string; description: string; rate: number | null }>;
  subject: Record<string, string> | null;
  keywords: string[] | null;
  related_publications: string[] | null;
  experimenter: string[] | null;
  institution: string | null;
  session_description: string;
}

/** Each kind of file: its NWB file, the CSV text it must equal, and the scenario it was written for. */
interface Case {
  nwb: string;
  /** spikes.csv's text (undefined: the file has none beside it, a sweep point). */
  spikes?: string;
  traces: string;
  scenario: Scenario;
  spikesRecorded: boolean;
}
const KINDS = ['run', 'noSpikes', 'silent', 'condition', 'timecourse', 'point0', 'point1'] as const;
type Kind = (typeof KINDS)[number];
const cases: Record<Kind, Case> = {} as never;
let tmp = '';
let read: Record<string, Read> = {};
/** Every NWB file of the experiment's --out folder. */
let experimentFiles: string[] = [];

function nwbFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.nwb'))
    .map((f) => path.join(dir, f))
    .sort();
}

/** `raphe ARGS` in the test folder; exit codes other than `ok` throw. */
function raphe(args: string[], ok: number[] = [0]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8' });
  if (!ok.includes(r.status ?? -1)) throw new Error(`raphe ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
}

function cliCase(dir: string, spikesRecorded: boolean): Case {
  const f = (n: string) => path.join(tmp, dir, n);
  return {
    nwb: f('run.nwb'),
    spikes: fs.readFileSync(f('spikes.csv'), 'utf8'),
    traces: fs.readFileSync(f('traces.csv'), 'utf8'),
    scenario: parseScenario(SCENARIO),
    spikesRecorded,
  };
}

beforeAll(async () => {
  if (!hasTools) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-nwb-inspect-'));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  const sc = path.join(tmp, 'tiny.json');
  fs.writeFileSync(sc, JSON.stringify(SCENARIO));
  raphe(['run', '--scenario', sc, '--engine', 'cpu', '--out', 'run']);
  raphe(['run', '--scenario', sc, '--engine', 'cpu', '--no-spikes', '--out', 'nospikes']);
  cases.run = cliCase('run', true);
  cases.noSpikes = cliCase('nospikes', false);
  // 8-OH-DPAT at 7000 nM silences the tissue: spikes recorded, none fired, so no spike_times column
  const silent = {
    ...SCENARIO,
    name: 'silent',
    neurons: 100,
    protocol: [{ name: 'dpat', durationS: 0.3, drugs: { '8-oh-dpat': 7000 } }],
    params: { regionX_um: 300, regionY_um: 240, regionZ_um: 200 },
  };
  fs.writeFileSync(path.join(tmp, 'silent.json'), JSON.stringify(silent));
  raphe(['run', '--scenario', 'silent.json', '--engine', 'cpu', '--out', 'silent']);
  cases.silent = { ...cliCase('silent', false), scenario: parseScenario(silent) };
  // a knock-out condition of the experiment, through the experiment's writer (the whole experiment is
  // minutes of CPU even at its smallest: the files differ only in their scenario)
  const base = conditionScenarios({ neurons: 150, seed: 2 }).find((c) => c.name === 'ko+ssri')!;
  const scenario: Scenario = { ...base, c0_nM: 10, phases: [{ ...base.phases[0], durationS: 0.3 }], params: { ...base.params, ...SMALL } };
  const r = await runScenario(scenario, await resolveEngine('cpu'));
  const nwb = await loadNwbWriter();
  const startedAt = new Date();
  // the knock-out's microdialysis time course (baseline, then fluoxetine), its phases as short
  const tcBase = timecourseScenarios({ neurons: 150, seed: 2 }).find((c) => c.genotype === 'htr2b-ko')!;
  const tc: Scenario = {
    ...tcBase,
    c0_nM: 10,
    phases: tcBase.phases.map((p) => ({ ...p, durationS: 0.15 })),
    params: { ...tcBase.params, ...SMALL },
  };
  const rt = await runScenario(tc, await resolveEngine('cpu'));
  const timecourse = [{ name: tc.name, result: rt }];
  const meta = { title: 't', engine: 'cpu', adapter: 'WebAssembly', neurons: 150, wallSeconds: 0, timecourse };
  writeExperimentOutputs(path.join(tmp, 'exp'), [{ name: scenario.name, result: r }], [], meta, {
    force: false,
    nwb: () => (f) => nwb.write(f, { result: r, scenario, startedAt, version: RAPHE_VERSION }),
    timecourseNwb: (run, description) =>
      run === tc.name ? (f) => nwb.write(f, { result: rt, scenario: tc, startedAt, version: RAPHE_VERSION, description }) : undefined,
  });
  const nwbFile = path.join(tmp, 'exp', 'conditions', `${scenario.name}.nwb`);
  cases.condition = { nwb: nwbFile, spikes: spikesCsv(r), traces: tracesCsv(r), scenario, spikesRecorded: true };
  const tcFile = path.join(tmp, 'exp', MICRODIALYSIS_DIR, `${tc.genotype}.nwb`);
  cases.timecourse = { nwb: tcFile, spikes: spikesCsv(rt), traces: tracesCsv(rt), scenario: tc, spikesRecorded: false };
  // a sweep with --traces: each point's point.nwb against its traces.csv
  fs.writeFileSync(path.join(tmp, 'sweep.json'), JSON.stringify(SWEEP));
  raphe(['sweep', 'sweep.json', '--engine', 'cpu', '--threads', '2', '--out', 'sweep', '--traces']);
  const points = await sweepPointsAsync(parseSweep(SWEEP));
  for (const p of points) {
    const dir = path.join(tmp, 'sweep', POINTS_DIR, String(p.id));
    const traces = fs.readFileSync(path.join(dir, POINT_TRACES), 'utf8');
    cases[`point${p.id}` as Kind] = { nwb: path.join(dir, POINT_NWB), traces, scenario: p.scenario, spikesRecorded: true };
  }
  raphe(
    ['experiment', 'belmer2018', '--quick', '--neurons', '50', '--duration-scale', '0.02', '--engine', 'cpu', '--out', 'exp-cli'],
    [0, 1],
  );
  // exit 1 when findings fail, as they may at 50 cells: its files are written all the same
  experimentFiles = nwbFilesUnder(path.join(tmp, 'exp-cli'));
  const files = [...Object.values(cases).map((c) => c.nwb), ...experimentFiles];
  const p = spawnSync(PYTHON, [INSPECT, ...files], { encoding: 'utf8', env: pyEnv, maxBuffer: 256 << 20 });
  if (p.status !== 0) throw new Error(`nwb_inspect.py: exit ${p.status}: ${p.stdout.slice(0, 2000)}${p.stderr.slice(-4000)}`);
  read = JSON.parse(p.stdout);
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(toolsDir, { recursive: true, force: true });
});

describe('nwbinspector 0.4.28', () => {
  withTools.each(KINDS)('finds nothing CRITICAL and no best-practice violation in the %s file', (kind) => {
    const msgs = read[cases[kind].nwb]!.messages;
    for (const m of msgs) console.log(`${kind}: ${m.importance} ${m.check} ${m.location ?? ''}: ${m.message}`);
    const serious = msgs.filter((m) => m.importance === 'CRITICAL' || m.importance === 'BEST_PRACTICE_VIOLATION');
    expect(serious).toEqual([]);
  });

  // experimenter and institution are not raphe's to know (src/report/nwb-metadata.ts); a condition or a
  // sweep point has one phase, so its epochs table has one row
  withTools.each(KINDS)('suggests only what raphe leaves out on purpose, for the %s file', (kind) => {
    const single = cases[kind].scenario.phases.length === 1;
    const expected = ['check_experimenter_exists', 'check_institution', ...(single ? ['check_single_row'] : [])];
    expect(read[cases[kind].nwb]!.messages.map((m) => m.check).sort()).toEqual(expected.sort());
  });
});

/** The rows of a CSV text, each split into its cells. */
const rows = (csv: string) =>
  csv
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));

describe('pynwb 2.3.0 reads each file back', () => {
  withTools.each(KINDS)('%s: spike times per cell equal its spikes.csv', (kind) => {
    const c = cases[kind];
    const got = read[c.nwb]!.spikes;
    if (!c.spikesRecorded) {
      expect(got).toBeNull();
      expect(rows(c.spikes ?? '')).toEqual([]);
      return;
    }
    if (c.spikes === undefined) {
      // a sweep point: every cell in the units table, and the population's spikes there
      expect(got).toHaveLength(c.scenario.neurons);
      expect(got!.flat().length).toBeGreaterThan(10);
      return;
    }
    const byCell = new Map<number, string[]>();
    for (const [cell, t] of rows(c.spikes)) byCell.set(Number(cell), [...(byCell.get(Number(cell)) ?? []), t!]);
    expect(rows(c.spikes).length).toBeGreaterThan(10);
    expect(got).toHaveLength(c.scenario.neurons);
    for (const [cell, times] of got!.entries())
      expect(times.map(csvNum), `cell ${cell}`).toEqual((byCell.get(cell) ?? []).sort((a, b) => Number(a) - Number(b)));
  });

  const SERIES: [string, number][] = [
    ['population_rate', 1],
    ['probe_5ht', 2],
    ['region_mean_5ht', 3],
    ['mean_5ht1a_activation', 4],
    ['mean_5ht2b_activation', 5],
  ];
  withTools.each(KINDS)('%s: every trace, its sample times and values, equals traces.csv', (kind) => {
    const c = cases[kind];
    const csv = rows(c.traces);
    expect(csv.length).toBeGreaterThan(10);
    const series = read[c.nwb]!.series;
    expect(Object.keys(series).sort()).toEqual(SERIES.map(([n]) => `${PROCESSING_MODULE}/${n}`).sort());
    for (const [name, col] of SERIES) {
      const s = series[`${PROCESSING_MODULE}/${name}`]!;
      expect(s.rate, `${name}: evenly sampled, so starting_time + rate`).toBeGreaterThan(0);
      expect(s.t.map(csvNum), name).toEqual(csv.map((r) => r[0]));
      expect(s.data.map(csvNum), name).toEqual(csv.map((r) => r[col]));
    }
    expect(series[`${PROCESSING_MODULE}/population_rate`]!.description).toMatch(/window \(t - 1\/rate, t\]/);
  });

  withTools.each(KINDS)('%s: a simulated mouse subject, the keywords and the Belmer DOI', (kind) => {
    const c = cases[kind];
    const f = read[c.nwb]!;
    expect(f.subject).toMatchObject({ species: 'Mus musculus', sex: 'U', age: SUBJECT_AGE, subject_id: subjectId(c.scenario) });
    expect(f.subject!.description).toMatch(/^A simulated subject, not an animal/);
    expect(f.subject!.genotype).toMatch(new RegExp(`^${c.scenario.genotype} `));
    expect(f.keywords).toEqual([...KEYWORDS]);
    expect(f.related_publications).toEqual([...RELATED_PUBLICATIONS]);
    expect(f.experimenter).toBeNull();
    expect(f.institution).toBeNull();
  });

  withTools('the time course file says what its probe series is and the baseline of the percentages', () => {
    const baseline = rows(fs.readFileSync(path.join(tmp, 'exp', 'microdialysis.csv'), 'utf8'))[0]![5]!;
    const d = read[cases.timecourse.nwb]!.session_description;
    expect(d).toMatch(/^The microdialysis time course Htr2b 5-HTKO \(htr2b-ko\)/);
    expect(d).toContain(`is ${baseline} nM`);
  });

  withTools('each sweep point is its own scenario, with its own dose', () => {
    expect(read[cases.point0.nwb]!.subject!.subject_id).toBe(read[cases.point1.nwb]!.subject!.subject_id);
    expect(cases.point0.traces).not.toEqual(cases.point1.traces);
  });

  withTools('the knock-out condition names its 5-HT2B expression as 0', () => {
    expect(read[cases.condition.nwb]!.subject!.genotype).toMatch(/5-HT2B \(Htr2b\) 0,/);
    expect(read[cases.run.nwb]!.subject!.genotype).toMatch(/5-HT2B \(Htr2b\) 1,/);
  });
});

describe('the subject of a simulated tissue', () => {
  const conds = conditionScenarios({ neurons: 150, seed: 2 });
  const id = (name: string) => subjectId(conds.find((c) => c.name === name)!);

  test('conditions that differ only in their drugs share one subject_id', () => {
    expect(id('wt+ssri')).toBe(id('wt'));
    expect(id(`wt+dpat${DOSES.dpat_nM[3]}`)).toBe(id('wt'));
  });

  test('another genotype, seed or cell count is another subject', () => {
    expect(id('ko')).not.toBe(id('wt'));
    const wt = conds.find((c) => c.name === 'wt')!;
    expect(subjectId({ ...wt, seed: 3 })).not.toBe(id('wt'));
    expect(subjectId({ ...wt, neurons: 151 })).not.toBe(id('wt'));
    expect(subjectId({ ...wt, params: { ...wt.params, sertExpression: 0.5 } })).not.toBe(id('wt'));
  });
});

describe('every NWB file of raphe experiment belmer2018 --out', () => {
  withTools('each condition and each time course, with only the suggestions raphe leaves out on purpose', () => {
    const dir = path.join(tmp, 'exp-cli');
    expect(experimentFiles.map((f) => path.relative(dir, f).split(path.sep)[0])).toEqual([
      ...Array(conditionScenarios({ neurons: 50, seed: 1 }).length).fill('conditions'),
      'microdialysis',
      'microdialysis',
    ]);
    for (const f of experimentFiles) {
      const msgs = read[f]!.messages;
      expect(
        msgs.filter((m) => m.importance === 'CRITICAL' || m.importance === 'BEST_PRACTICE_VIOLATION'),
        f,
      ).toEqual([]);
      // a condition has one phase, a time course two
      const single = path.relative(dir, f).startsWith('conditions') ? ['check_single_row'] : [];
      expect(msgs.map((m) => m.check).sort(), f).toEqual(['check_experimenter_exists', 'check_institution', ...single].sort());
    }
  });

  withTools('each time course file holds its rows of microdialysis.csv: time and probe 5-HT', () => {
    const dir = path.join(tmp, 'exp-cli');
    const csv = rows(fs.readFileSync(path.join(dir, 'microdialysis.csv'), 'utf8'));
    for (const g of ['wt', 'htr2b-ko']) {
      const mine = csv.filter((r) => r[1] === g);
      expect(mine.length, g).toBeGreaterThan(10);
      const s = read[path.join(dir, MICRODIALYSIS_DIR, `${g}.nwb`)]!.series[`${PROCESSING_MODULE}/probe_5ht`]!;
      expect(s.rate, g).toBeGreaterThan(0);
      expect(s.t.map(csvNum), g).toEqual(mine.map((r) => r[3]));
      expect(s.data.map(csvNum), g).toEqual(mine.map((r) => r[4]));
    }
  });
});
