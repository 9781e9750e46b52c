/**
 * NWB 2.5.0 output: every kind of file raphe writes (a run, a run without spikes, an experiment's
 * condition) validates against the vendored core schema with hdmf (tests/helpers/nwb_validate.py; skipped
 * when hdmf/h5py are missing unless RAPHE_HDMF_REQUIRED=1), reads back with h5wasm equal to spikes.csv and
 * traces.csv, and a file with a required field deleted fails validation. A write that fails (a file size
 * limit standing in for a full disk) is one line naming the file and errno. Tiny sizes: 150 cells, 0.3 s.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveEngine } from '../src/engines/create.js';
import { conditionScenarios } from '../src/experiment/belmer2018.js';
import { runScenario } from '../src/experiment/run-scenario.js';
import { DRUG_NAMES } from '../src/model/drugs.js';
import { buildModel } from '../src/model/derive.js';
import { PARAM_KEYS } from '../src/model/params.js';
import { parseScenario, type Scenario } from '../src/model/scenario.js';
import { csvNum } from '../src/report/format.js';
import { NWB_VERSION, NwbWriteError, RAPHE_VERSION, drugColumn, loadNwbWriter, nwbIdentifier } from '../src/report/nwb.js';
import { writeExperimentOutputs } from '../src/report/experiment-files.js';
import { writeRunOutputs } from '../src/report/run-files.js';
import { OutputWriteError } from '../src/report/write.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'raphe.mjs');
const VALIDATE = path.join(ROOT, 'tests', 'helpers', 'nwb_validate.py');
const PYTHON = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const hdmfRequired = !!process.env.RAPHE_HDMF_REQUIRED;
const hasHdmf = spawnSync(PYTHON, ['-c', 'import hdmf, h5py'], { encoding: 'utf8' }).status === 0;
if (hdmfRequired && !hasHdmf)
  throw new Error(`RAPHE_HDMF_REQUIRED is set but ${PYTHON} cannot import hdmf and h5py (apt-get install python3-hdmf python3-h5py)`);
const withHdmf = hasHdmf ? test : test.skip;

const SMALL = { regionX_um: 300, regionY_um: 240, regionZ_um: 200, bgRate_Hz: 200 };
const SCENARIO = {
  name: 'nwb test',
  neurons: 150,
  seed: 4,
  c0_nM: 10,
  protocol: [
    { name: 'baseline', durationS: 0.15 },
    { name: 'ssri', durationS: 0.15, drugs: { fluoxetine: 10 } },
  ],
  params: SMALL,
};

let tmp = '';
const files: Record<'run' | 'noSpikes' | 'condition', string> = { run: '', noSpikes: '', condition: '' };
let conditionScenario: Scenario;

function raphe(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`raphe ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r;
}

function validate(...nwb: string[]) {
  return spawnSync(PYTHON, [VALIDATE, ...nwb], { encoding: 'utf8' });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'raphe-nwb-'));
  const b = spawnSync(process.execPath, ['esbuild.config.mjs', '--node-only'], { cwd: ROOT, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  const sc = path.join(tmp, 'tiny.json');
  fs.writeFileSync(sc, JSON.stringify(SCENARIO));
  raphe(['run', '--scenario', sc, '--engine', 'cpu', '--out', 'run']);
  raphe(['run', '--scenario', sc, '--engine', 'cpu', '--no-spikes', '--out', 'nospikes']);
  files.run = path.join(tmp, 'run', 'run.nwb');
  files.noSpikes = path.join(tmp, 'nospikes', 'run.nwb');
  // an experiment's condition, through the experiment writer (the whole experiment is too long for a test)
  const base = conditionScenarios({ neurons: 150, seed: 2 }).find((c) => c.name === 'wt+ssri')!;
  conditionScenario = { ...base, c0_nM: 10, phases: [{ ...base.phases[0], durationS: 0.3 }], params: { ...base.params, ...SMALL } };
  const engine = await resolveEngine('cpu');
  const r = await runScenario(conditionScenario, engine);
  const nwb = await loadNwbWriter();
  const startedAt = new Date();
  writeExperimentOutputs(
    path.join(tmp, 'exp'),
    [{ name: conditionScenario.name, result: r }],
    [],
    { title: 't', engine: 'cpu', adapter: 'WebAssembly', neurons: 150, wallSeconds: 0 },
    {
      force: false,
      nwb: (id) =>
        id === conditionScenario.name
          ? (f) => nwb.write(f, { result: r, scenario: conditionScenario, startedAt, version: RAPHE_VERSION })
          : undefined,
    },
  );
  files.condition = path.join(tmp, 'exp', 'conditions', 'wt+ssri.nwb');
  await h5wasm.ready;
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('hdmf validates every kind of file raphe writes against NWB 2.5.0', () => {
  withHdmf('run.nwb, run.nwb without spikes, conditions/ID.nwb', () => {
    const v = validate(files.run, files.noSpikes, files.condition);
    console.log(v.stdout.trim());
    expect(v.status, v.stdout + v.stderr).toBe(0);
    expect(v.stdout.trim().split('\n')).toEqual([`${files.run}: ok`, `${files.noSpikes}: ok`, `${files.condition}: ok`]);
  });

  const DELETIONS: [string, string][] = [
    ['identifier', "del f['identifier']"],
    ['session_start_time', "del f['session_start_time']"],
    ['units/id', "del f['units/id']"],
    ['the probe series data', "del f['processing/misc/probe_5ht/data']"],
    ['the unit of a series', "del f['processing/misc/population_rate/data'].attrs['unit']"],
    ['the target of spike_times_index', "del f['units/spike_times_index'].attrs['target']"],
    ['epochs start_time', "del f['intervals/epochs/start_time']"],
  ];
  /** Every damaged copy made and validated in one hdmf process (each start loads the schema: seconds). */
  let report: Map<string, string> | undefined;
  const damaged = (): Map<string, string> => {
    if (report) return report;
    const bad = DELETIONS.map(([label]) => path.join(tmp, `bad-${label.replace(/\W+/g, '-')}.nwb`));
    const script = ['import h5py, sys', ...DELETIONS.map(([, del], i) => `f = h5py.File(sys.argv[${i + 1}], 'a')\n${del}\nf.close()`)];
    for (const b of bad) fs.copyFileSync(files.run, b);
    const d = spawnSync(PYTHON, ['-c', script.join('\n'), ...bad], { encoding: 'utf8' });
    expect(d.status, d.stderr).toBe(0);
    const v = validate(...bad);
    console.log(v.stdout.trim());
    expect(v.status).toBe(1);
    report = new Map();
    for (const [i, [label]] of DELETIONS.entries()) {
      const line = v.stdout.split('\n').find((l) => l.startsWith(`${bad[i]}: `)) ?? '';
      report.set(label, line.slice(bad[i].length + 2));
    }
    return report;
  };
  withHdmf.each(DELETIONS)('a file without %s fails validation', (label) => {
    expect(damaged().get(label)).toMatch(/^\d+ errors$/);
  });
});

type H5File = InstanceType<typeof h5wasm.File>;
function open<T>(file: string, fn: (f: H5File) => T): T {
  const f = new h5wasm.File(file, 'r');
  try {
    return fn(f);
  } finally {
    f.close();
  }
}
const ds = (f: H5File, p: string) => f.get(p) as InstanceType<typeof h5wasm.Dataset>;
const arr = (f: H5File, p: string) => Array.from(ds(f, p).value as ArrayLike<number | bigint>, Number);

describe('read back with h5wasm', () => {
  test('spike times per cell equal spikes.csv', () => {
    const rows = fs
      .readFileSync(path.join(tmp, 'run', 'spikes.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const csv = new Map<number, string[]>();
    for (const row of rows) {
      const [c, t] = row.split(',');
      csv.set(Number(c), [...(csv.get(Number(c)) ?? []), t]);
    }
    expect(rows.length).toBeGreaterThan(10);
    open(files.run, (f) => {
      const times = arr(f, 'units/spike_times');
      const index = arr(f, 'units/spike_times_index');
      expect(arr(f, 'units/id')).toEqual(Array.from({ length: 150 }, (_, i) => i));
      expect(times.length).toBe(rows.length);
      let a = 0;
      for (let c = 0; c < 150; c++) {
        const mine = times.slice(a, index[c]).map(csvNum);
        expect(mine, `cell ${c}`).toEqual((csv.get(c) ?? []).sort((x, y) => Number(x) - Number(y)));
        a = index[c];
      }
    });
  });

  test('traces equal traces.csv', () => {
    const lines = fs
      .readFileSync(path.join(tmp, 'run', 'traces.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('time_s,rate_hz,probe_nm,mean_c_nm,s1a,s2b');
    const cols = lines.slice(1).map((l) => l.split(','));
    const col = (i: number) => cols.map((r) => r[i]);
    open(files.run, (f) => {
      const series: [string, number][] = [
        ['population_rate', 1],
        ['probe_5ht', 2],
        ['region_mean_5ht', 3],
        ['mean_5ht1a_activation', 4],
        ['mean_5ht2b_activation', 5],
      ];
      for (const [name, i] of series) {
        expect(arr(f, `processing/misc/${name}/data`).map(csvNum), name).toEqual(col(i));
        // evenly sampled: starting_time and its rate, from which NWB readers compute each sample's time
        const start = ds(f, `processing/misc/${name}/starting_time`);
        const rate = Number(start.attrs.rate.value);
        expect(f.get(`processing/misc/${name}/timestamps`), name).toBeFalsy();
        expect(
          col(0).map((_, i) => csvNum(Number(start.value) + i / rate)),
          name,
        ).toEqual(col(0));
      }
      expect(ds(f, 'processing/misc/probe_5ht/data').attrs.unit.value).toBe('nM');
      expect(ds(f, 'processing/misc/population_rate/data').attrs.unit.value).toBe('Hz');
    });
  });

  test('per-cell columns, phases with doses, scenario, parameters, version, identifier', () => {
    const sc = parseScenario(SCENARIO);
    open(files.run, (f) => {
      expect(f.attrs.nwb_version.value).toBe(NWB_VERSION);
      expect(ds(f, 'identifier').value).toBe(nwbIdentifier(sc));
      const start = Date.parse(String(ds(f, 'session_start_time').value));
      expect(Date.now() - start).toBeLessThan(600_000);
      expect(ds(f, 'timestamps_reference_time').value).toBe(ds(f, 'session_start_time').value);
      for (const c of ['x_um', 'y_um', 'z_um', 'tonic_drive_pA', 'sert_density', 'voxel_index'])
        expect(arr(f, `units/${c}`), c).toHaveLength(150);
      expect(arr(f, 'units/x_um').every((x) => x >= 0 && x <= 300)).toBe(true);
      const rho = arr(f, 'units/sert_density');
      expect(rho.reduce((a, b) => a + b, 0) / rho.length).toBeGreaterThan(0.8);
      // the run's own cells (passed with the result, not rebuilt): the model the scenario builds
      const m = buildModel(sc.params, sc.genotype, 150, sc.seed);
      expect(arr(f, 'units/tonic_drive_pA')).toEqual(Array.from(m.Idrive));
      expect(arr(f, 'units/voxel_index')).toEqual(Array.from(m.vox));
      expect(arr(f, 'intervals/epochs/start_time')).toEqual([0, 0.15000000596046448]);
      expect(ds(f, 'intervals/epochs/phase_name').value).toEqual(['baseline', 'ssri']);
      expect(arr(f, `intervals/epochs/${drugColumn('fluoxetine')}`)).toEqual([0, 10]);
      for (const d of DRUG_NAMES) expect(f.get(`intervals/epochs/${drugColumn(d)}`), d).toBeTruthy();
      const notes = JSON.parse(String(ds(f, 'general/notes').value));
      expect(notes.raphe).toBe(RAPHE_VERSION);
      expect(notes.scenario.params).toEqual(sc.params);
      expect(notes.scenario.seed).toBe(4);
      expect(ds(f, 'general/source_script').value).toBe(`raphe ${RAPHE_VERSION}`);
      expect(ds(f, 'analysis/parameters/name').value).toEqual(PARAM_KEYS);
      expect(arr(f, 'analysis/parameters/value')).toEqual(PARAM_KEYS.map((k) => sc.params[k]));
    });
  });

  test('without spikes: no spike_times, the per-cell columns still there', () => {
    open(files.noSpikes, (f) => {
      expect(f.get('units/spike_times')).toBeFalsy();
      expect((f.get('units') as InstanceType<typeof h5wasm.Group>).attrs.colnames.value).not.toContain('spike_times');
      expect(arr(f, 'units/voxel_index')).toHaveLength(150);
    });
  });

  test("an experiment's condition file holds its condition: one phase with its doses", () => {
    open(files.condition, (f) => {
      expect(ds(f, 'identifier').value).toBe(nwbIdentifier(conditionScenario));
      expect(ds(f, 'intervals/epochs/phase_name').value).toEqual(['wt+ssri']);
      expect(arr(f, `intervals/epochs/${drugColumn('fluoxetine')}`)[0]).toBeGreaterThan(0);
    });
  });
});

describe('NWB and the output rules', () => {
  test('--no-nwb writes no NWB file; --no-nwb without --out is refused before the run', () => {
    const sc = path.join(tmp, 'tiny.json');
    raphe(['run', '--scenario', sc, '--engine', 'cpu', '--no-nwb', '--out', 'nonwb']);
    expect(fs.readdirSync(path.join(tmp, 'nonwb')).sort()).toEqual([
      'provenance.json',
      'report.html',
      'scenario.json',
      'spikes.csv',
      'summary.json',
      'traces.csv',
    ]);
    const r = spawnSync(process.execPath, [BIN, 'run', '--scenario', sc, '--no-nwb'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('raphe: --no-nwb: only goes with --out DIR');
  });

  test('a folder holding only run.nwb or conditions/ holds earlier results (refused without --force)', () => {
    for (const name of ['run.nwb', 'conditions']) {
      const dir = fs.mkdtempSync(path.join(tmp, 'old-'));
      if (name === 'conditions') fs.mkdirSync(path.join(dir, name));
      else fs.writeFileSync(path.join(dir, name), 'x');
      const r = spawnSync(process.execPath, [BIN, 'run', '--scenario', path.join(tmp, 'tiny.json'), '--out', dir], {
        cwd: tmp,
        encoding: 'utf8',
      });
      expect(r.status, name).toBe(2);
      expect(r.stderr).toMatch(/holds earlier results; use --force/);
    }
  });

  test('an NWB write that fails leaves nothing: no target, no staging folder', async () => {
    const r = await runScenario(parseScenario({ ...SCENARIO, neurons: 20, recording: { spikes: false } }), await resolveEngine('cpu'));
    const parent = fs.mkdtempSync(path.join(tmp, 'fail-'));
    const target = path.join(parent, 'out');
    expect(() =>
      writeRunOutputs(target, r, {
        force: false,
        nwb: () => {
          throw new Error('disk full');
        },
      }),
    ).toThrow(OutputWriteError);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  // A file size limit (ulimit -f, in KiB) fails the write as a full disk does, and needs no root:
  // the CSV and HTML files of this run take under 40 KiB each, its run.nwb about 77 KiB.
  test('a run.nwb the disk will not take: exit 1, one line naming run.nwb and the errno, no HDF5 diagnostics, nothing installed', () => {
    const parent = fs.mkdtempSync(path.join(tmp, 'fsize-'));
    const args = ['run', '--neurons', '300', '--duration', '1', '--seed', '3', '--engine', 'cpu', '--out', path.join(parent, 'r')];
    const r = spawnSync('bash', ['-c', 'ulimit -f 64 && exec "$0" "$@"', process.execPath, BIN, ...args], { cwd: tmp, encoding: 'utf8' });
    expect(r.status, r.stderr.slice(0, 2000)).toBe(1);
    expect(r.stderr).toBe(`raphe: --out ${path.join(parent, 'r')}: cannot write run.nwb: EFBIG\n`);
    expect(fs.readdirSync(parent)).toEqual([]);
  });

  test('an NWB file that cannot be created is named with its errno, not an HDF5 error stack', async () => {
    const writer = await loadNwbWriter();
    const r = await runScenario(parseScenario({ ...SCENARIO, neurons: 20 }), await resolveEngine('cpu'));
    const file = path.join(tmp, 'no-such-folder', 'x.nwb');
    expect(() =>
      writer.write(file, {
        result: r,
        scenario: parseScenario({ ...SCENARIO, neurons: 20 }),
        startedAt: new Date(),
        version: RAPHE_VERSION,
      }),
    ).toThrow(new NwbWriteError(file, 'ENOENT'));
  });
});
