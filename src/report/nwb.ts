/**
 * A run as an NWB 2.5.0 file (Neurodata Without Borders; core schema vendored in vendor/nwb-schema-2.5.0/,
 * on hdmf-common 1.5.1), written with h5wasm (HDF5 compiled to WebAssembly: real HDF5 from Node, no
 * native build). Layout:
 *
 *   /units                      Units: spike_times (s, ragged per cell) and per-cell columns x_um, y_um,
 *                               z_um (position), tonic_drive_pA, sert_density (SERT factor), voxel_index
 *   /processing/misc            ProcessingModule of TimeSeries, sampled as traces.csv (starting_time + rate,
 *                               the sample times evenly spaced; timestamps if ever not): probe_5ht (nM),
 *                               region_mean_5ht (nM), population_rate (Hz), mean_5ht1a_activation,
 *                               mean_5ht2b_activation (fraction 0..1). "misc": a simulation's readouts are
 *                               none of the schema's modalities (ecephys, ophys, behavior, ...)
 *   /intervals/epochs           TimeIntervals: one row per protocol phase (start/stop s, phase_name, one
 *                               column per drug, free concentration in nM)
 *   /analysis/parameters        DynamicTable: every model parameter (name, value, unit, default_value)
 *   /general                    notes (the scenario as JSON, every parameter value, and the raphe version),
 *                               source_script, pharmacology (the doses per phase), keywords,
 *                               related_publications, subject (simulated; nwb-metadata.ts)
 *   identifier                  a key of the scenario and its seed (same scenario and seed, same key);
 *   session_start_time          the run's start (also timestamps_reference_time: times count from it)
 *
 * Load with `await loadNwbWriter()` (before the run, so a missing library is found first), then write
 * synchronously with NwbWriter.write into the output's staging folder; a failed write (a full disk)
 * throws NwbWriteError naming the errno, and prints nothing.
 */
import { createHash } from 'node:crypto';
import type * as H5 from 'h5wasm';
import { buildModel } from '../model/derive.js';
import { DRUG_NAMES, type DrugName } from '../model/drugs.js';
import { PARAM_KEYS, PARAM_SPECS } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';
import type { RunResult } from '../record/run-result.js';
import pkg from '../../package.json';
import { colnames, type Group, HDMF, ids, timeSeries, typed, text, vectorData } from './nwb-hdf5.js';
import { writeGeneral } from './nwb-metadata.js';

/** raphe's version, recorded in every file it writes. */
export const RAPHE_VERSION: string = pkg.version;

export const NWB_VERSION = '2.5.0';

/** The processing module of the traces: one of the names nwbinspector accepts (see the header). */
export const PROCESSING_MODULE = 'misc';

type H5Module = typeof H5;
/** The compiled library under h5wasm's classes: its HDF5 error handler is switched here. */
type H5Lib = Awaited<H5Module['ready']>;
let loaded: { h5: H5Module; lib: H5Lib } | undefined;

/** Load h5wasm (its WebAssembly module) once. */
export async function loadNwbWriter(): Promise<NwbWriter> {
  if (!loaded) {
    const mod = (await import('h5wasm/node')) as unknown as H5Module & { default?: H5Module };
    const h5 = (mod.default ?? mod) as H5Module;
    loaded = { h5, lib: await h5.ready };
  }
  return new NwbWriter(loaded.h5, loaded.lib);
}

export interface NwbInput {
  result: RunResult;
  scenario: Scenario;
  /** When the run started (session_start_time). */
  startedAt: Date;
  /** raphe's version. */
  version: string;
  /** session_description (default: from the scenario). */
  description?: string;
}

/** A stable key of a scenario and its seed: sha256 of its canonical JSON, 16 hex digits. */
export function scenarioKey(sc: Scenario): string {
  return createHash('sha256').update(canonicalJson(sc)).digest('hex').slice(0, 16);
}

/** The identifier of a run's file: raphe, the scenario's name, its key and seed. */
export function nwbIdentifier(sc: Scenario): string {
  return `raphe:${sc.name}:${scenarioKey(sc)}:seed${sc.seed}`;
}

/** JSON with object keys sorted (so equal scenarios give equal text). */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x as object)
            .sort()
            .map((k) => [k, (x as Record<string, unknown>)[k]]),
        )
      : x,
  );
}

/** ISO 8601 with milliseconds and an explicit UTC offset, as NWB's isodatetime wants. */
export function isoDateTime(d: Date): string {
  return d.toISOString().replace('Z', '+00:00');
}

/** A drug's column name in the epochs table (HDF5 names: '-' replaced by '_'). */
export function drugColumn(d: DrugName): string {
  return `${d.replace(/-/g, '_')}_nM`;
}

/** Cells' spike times, grouped by cell (ascending time within a cell), and the end index of each cell. */
export function spikesByCell(r: RunResult, nCells: number): { times: Float64Array; index: Float64Array } {
  const sp = r.spikes;
  const index = new Float64Array(nCells);
  if (!sp) return { times: new Float64Array(0), index };
  const n = Math.min(sp.cells.length, sp.steps.length);
  const count = new Uint32Array(nCells + 1);
  for (let i = 0; i < n; i++) count[sp.cells[i]! + 1]++;
  for (let c = 0; c < nCells; c++) count[c + 1] += count[c];
  const order = new Uint32Array(n);
  const fill = count.slice(0, nCells);
  for (let i = 0; i < n; i++) order[fill[sp.cells[i]!]++] = i;
  const times = new Float64Array(n);
  for (let c = 0; c < nCells; c++) {
    const a = count[c];
    const b = count[c + 1];
    const steps = Array.from(order.subarray(a, b), (i) => sp.steps[i]!).sort((x, y) => x - y);
    for (let j = 0; j < steps.length; j++) times[a + j] = steps[j]! * sp.dtFineS;
    index[c] = b;
  }
  return { times, index };
}

export class NwbWriter {
  constructor(
    private readonly h5: H5Module,
    private readonly lib: H5Lib,
  ) {}

  /**
   * Write `input` as an NWB 2.5.0 file at `path` (created; an existing file is an error), then open it
   * again and check its identifier. HDF5's failures (a full disk, mostly) throw NwbWriteError, named
   * by their errno: HDF5's own error handler, which prints its error stack to stderr and lets the write
   * go on, is replaced for the write by h5wasm's throwing one.
   */
  write(path: string, input: NwbInput): void {
    this.lib.activate_throwing_error_handler();
    try {
      let failure: unknown;
      let f: H5.File | undefined;
      try {
        f = new this.h5.File(path, 'x');
        writeFile(f, input);
      } catch (e) {
        failure = e;
      }
      try {
        f?.close(); // flushes what HDF5 still holds: a full disk may show only here
      } catch (e) {
        failure ??= e;
      }
      if (failure === undefined) failure = this.readBack(path, nwbIdentifier(input.scenario));
      if (failure !== undefined) throw hdf5Failure(path, failure);
    } finally {
      this.lib.deactivate_throwing_error_handler();
    }
  }

  /** Undefined when the file at `path` opens and holds `identifier`; else what went wrong. */
  private readBack(path: string, identifier: string): unknown {
    try {
      const f = new this.h5.File(path, 'r');
      try {
        const got = (f.get('identifier') as H5.Dataset | null)?.value;
        if (got !== identifier) return new NwbWriteError(path, `HDF5: identifier reads back as ${JSON.stringify(got)}`);
      } finally {
        f.close();
      }
    } catch (e) {
      return e;
    }
    return undefined;
  }
}

/** An NWB file that could not be written; `code` names the cause (an errno name such as ENOSPC). */
export class NwbWriteError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
  ) {
    super(`cannot write ${file}: ${code}`);
    this.name = 'NwbWriteError';
  }
}

/** C library messages (as HDF5 quotes them) of the errors a write meets, by errno name. */
const ERRNO_BY_MESSAGE: Record<string, string> = {
  'No space left on device': 'ENOSPC',
  'Quota exceeded': 'EDQUOT',
  'Disk quota exceeded': 'EDQUOT',
  'I/O error': 'EIO',
  'Input/output error': 'EIO',
  'Read-only file system': 'EROFS',
  'Permission denied': 'EACCES',
  'Operation not permitted': 'EPERM',
  'File too large': 'EFBIG',
  'File exists': 'EEXIST',
  'No such file or directory': 'ENOENT',
  'Is a directory': 'EISDIR',
  'Too many open files': 'EMFILE',
};

/**
 * An HDF5 failure during a write as an NwbWriteError named by its errno (the error stack quotes the
 * C library's message: "errno = 51, error message = 'No space left on device'"), or by HDF5's first
 * line when no system call failed. Anything else (not HDF5's) is passed on as it is.
 */
function hdf5Failure(path: string, e: unknown): unknown {
  if (e instanceof NwbWriteError) return e;
  const text = e instanceof Error ? e.message : String(e);
  if (!/HDF5/.test(text)) return e;
  const sys = /errno = (\d+), error message = '([^']*)'/.exec(text);
  if (sys) return new NwbWriteError(path, ERRNO_BY_MESSAGE[sys[2]!] ?? `errno ${sys[1]} (${sys[2]})`);
  const first = /#000: .* in ([\w]+\(\)): (.*)/.exec(text);
  return new NwbWriteError(path, first ? `HDF5: ${first[1]}: ${first[2]!.trim()}` : 'HDF5 error');
}

function writeFile(f: H5.File, input: NwbInput): void {
  const { result: r, scenario: sc } = input;
  const n = sc.neurons;
  typed(f, 'core', 'NWBFile', { nwb_version: NWB_VERSION });
  const start = isoDateTime(input.startedAt);
  f.create_dataset({ name: 'file_create_date', data: [isoDateTime(new Date())], shape: [1] });
  text(f, 'identifier', nwbIdentifier(sc));
  text(
    f,
    'session_description',
    input.description ??
      `raphe simulation "${sc.name}": ${n} dorsal raphe 5-HT neurons, ${sc.genotype}, seed ${sc.seed}, ${sc.phases.length} phase(s)`,
  );
  text(f, 'session_start_time', start);
  text(f, 'timestamps_reference_time', start);
  for (const g of ['acquisition', 'analysis', 'processing']) f.create_group(g);
  const stim = f.create_group('stimulus');
  stim.create_group('presentation');
  stim.create_group('templates');

  writeGeneral(f.create_group('general'), {
    result: r,
    scenario: sc,
    version: input.version,
    nwbVersion: NWB_VERSION,
    sessionId: scenarioKey(sc),
  });

  // ---- parameters ----
  const params = f.get('analysis') as Group;
  const pt = params.create_group('parameters');
  typed(pt, HDMF, 'DynamicTable', { description: 'every model parameter of the run (src/model/params.ts)' });
  colnames(pt, ['name', 'value', 'unit', 'default_value']);
  ids(pt, PARAM_KEYS.length);
  vectorData(pt, 'name', [...PARAM_KEYS], 'parameter name');
  vectorData(
    pt,
    'value',
    Float64Array.from(PARAM_KEYS, (k) => sc.params[k]),
    'value used in this run',
  );
  vectorData(
    pt,
    'unit',
    PARAM_KEYS.map((k) => PARAM_SPECS[k].unit),
    'unit of the value',
  );
  vectorData(
    pt,
    'default_value',
    Float64Array.from(PARAM_KEYS, (k) => PARAM_SPECS[k].value),
    'the model default',
  );

  // ---- units ----
  // the run's own per-cell draws; a result without them (read back from elsewhere) rebuilds the model
  const model =
    r.positions && r.cells && r.cells.Idrive.length === n
      ? { pos: r.positions, ...r.cells }
      : buildModel(sc.params, sc.genotype, n, sc.seed);
  const units = f.create_group('units');
  typed(units, 'core', 'Units', { description: 'simulated 5-HT neurons, one row per cell (id = cell index of spikes.csv)' });
  const cols: string[] = [];
  // a tissue that never fired gets no spike_times column: nwbinspector 0.4.28's table checks fail on an empty one
  const byCell = r.spikes ? spikesByCell(r, n) : undefined;
  if (r.spikes && byCell?.times.length) {
    const { times, index } = byCell;
    const st = vectorData(units, 'spike_times', times, 'spike times, s from the run start');
    st.create_attribute('resolution', r.spikes.dtFineS);
    const si = units.create_dataset({ name: 'spike_times_index', data: BigUint64Array.from(index, (x) => BigInt(x)) });
    typed(si, HDMF, 'VectorIndex', { description: 'index into spike_times: end of each cell' });
    si.create_attribute('target', st.create_reference());
    cols.push('spike_times');
  }
  const pos = model.pos;
  for (const [a, name] of ['x_um', 'y_um', 'z_um'].entries()) {
    vectorData(
      units,
      name,
      Float64Array.from({ length: n }, (_, c) => pos[3 * c + a]!),
      `cell position, µm (${'xyz'[a]} axis of the grid box)`,
    );
    cols.push(name);
  }
  vectorData(units, 'tonic_drive_pA', Float64Array.from(model.Idrive), 'tonic drive current, pA');
  vectorData(units, 'sert_density', Float64Array.from(model.rho), 'SERT density factor (lognormal, mean 1)');
  vectorData(units, 'voxel_index', Uint32Array.from(model.vox), 'box voxel of the cell: i + nx (j + ny k)');
  cols.push('tonic_drive_pA', 'sert_density', 'voxel_index');
  colnames(units, cols);
  ids(units, n);

  // ---- traces ----
  const proc = (f.get('processing') as Group).create_group(PROCESSING_MODULE);
  typed(proc, 'core', 'ProcessingModule', {
    description: 'population traces of the simulation, sampled as traces.csv: each sample closes a window of 1 / rate s',
  });
  const t = r.traces;
  const at = 'the value at the sample time (the end of its window)';
  timeSeries(
    proc,
    'probe_5ht',
    t.tS,
    t.probeNm,
    'nM',
    `extracellular 5-HT in the virtual microdialysis probe (mean over its voxels), ${at}`,
  );
  timeSeries(proc, 'region_mean_5ht', t.tS, t.meanCNm, 'nM', `extracellular 5-HT, mean over the region, ${at}`);
  timeSeries(
    proc,
    'population_rate',
    t.tS,
    t.rateHz,
    'Hz',
    'population firing rate per cell: the spikes of all cells in the window (t - 1/rate, t] ending at the sample time t, ' +
      'divided by the cell count and the window length',
  );
  timeSeries(proc, 'mean_5ht1a_activation', t.tS, t.s1A, 'fraction', `mean 5-HT1A activation over cells, 0..1, ${at}`);
  timeSeries(proc, 'mean_5ht2b_activation', t.tS, t.s2B, 'fraction', `mean 5-HT2B activation over cells, 0..1, ${at}`);

  // ---- protocol phases ----
  const ep = f.create_group('intervals').create_group('epochs');
  typed(ep, 'core', 'TimeIntervals', { description: 'the protocol: one row per phase with its drug doses' });
  const ph = r.phases;
  vectorData(
    ep,
    'start_time',
    Float32Array.from(ph, (p) => p.startS),
    'phase start, s',
    '<f',
  );
  vectorData(
    ep,
    'stop_time',
    Float32Array.from(ph, (p) => p.endS),
    'phase end, s',
    '<f',
  );
  vectorData(
    ep,
    'phase_name',
    ph.map((p) => p.name),
    'phase name',
  );
  const epCols = ['start_time', 'stop_time', 'phase_name'];
  for (const d of DRUG_NAMES) {
    vectorData(
      ep,
      drugColumn(d),
      Float64Array.from(ph, (p) => p.doses[d] ?? 0),
      `${d}, free concentration, nM`,
    );
    epCols.push(drugColumn(d));
  }
  colnames(ep, epCols);
  ids(ep, ph.length);
}
