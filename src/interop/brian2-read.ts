/**
 * The raw output of an exported Brian2 script (python/raphe_brian2.py: format "raphe-brian2-raw/1") as
 * a raphe run's result: the scenario it echoes is parsed as a scenario file, its tissue rebuilt
 * (buildModel, as the export built it), and the recording handed to assembleResult, so the Brian2 run is
 * read by the same readouts as raphe's engines (src/record/analysis.ts: meanOver, relativeDrift,
 * isSettled, isiStats). Trace samples become float32 as raphe's engines record them.
 */
import type { RecordBatch } from '../engines/engine.js';
import { assembleResult } from '../record/assemble.js';
import { buildModel } from '../model/derive.js';
import { sertOccupancy } from '../model/drugs.js';
import { ConfigError } from '../model/errors.js';
import { SAMPLE_FIELDS } from '../model/layout.js';
import { parseScenario } from '../model/scenario.js';
import { SETTLE_TOLERANCE } from '../model/settling.js';
import type { PhaseRecord, RunResult } from '../record/run-result.js';

/** The raw output's format tag (python/raphe_brian2.py RAW_FORMAT). */
export const BRIAN2_RAW_FORMAT = 'raphe-brian2-raw/1';

/** Brian2's timings of the run, s. */
export interface Brian2Timings {
  /** Code generation and compilation. */
  buildSeconds: number;
  /** Script start to the first simulated step. */
  timeToFirstStepSeconds: number;
  /** The simulation alone. */
  runSeconds: number;
}

/** A RunResult whose engine is Brian2, with Brian2's timings. */
export type Brian2RunResult = Omit<RunResult, 'engine'> & {
  engine: { engine: 'brian2'; adapter: string };
  rapheVersion: string;
  timings: Brian2Timings;
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a raw output's fields, each refusal naming the field (`where`.field). */
class Fields {
  constructor(
    readonly where: string,
    readonly v: Obj,
  ) {}
  obj(k: string): Fields {
    const x = this.v[k];
    if (!isObj(x)) throw new ConfigError(`${this.where}.${k}`, 'must be an object');
    return new Fields(`${this.where}.${k}`, x);
  }
  /** A finite number; with `nanIfNull`, null (a non-finite value in JSON) reads as NaN. */
  num(k: string, nanIfNull = false): number {
    const x = this.v[k];
    if (x === null && nanIfNull) return NaN;
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new ConfigError(`${this.where}.${k}`, `must be a number, got ${JSON.stringify(x)}`);
    return x;
  }
  str(k: string): string {
    const x = this.v[k];
    if (typeof x !== 'string') throw new ConfigError(`${this.where}.${k}`, `must be a string, got ${JSON.stringify(x)}`);
    return x;
  }
  /** An array of numbers (null: a non-finite sample, NaN) of length n, or any length when n is undefined. */
  nums(k: string, n?: number, integer = false): number[] {
    const x = this.v[k];
    const f = `${this.where}.${k}`;
    if (!Array.isArray(x)) throw new ConfigError(f, 'must be an array of numbers');
    if (n !== undefined && x.length !== n) throw new ConfigError(f, `must hold ${n} values, got ${x.length}`);
    return x.map((e, i) => {
      if (e === null && !integer) return NaN;
      if (typeof e !== 'number' || (integer && !(Number.isInteger(e) && e >= 0)))
        throw new ConfigError(`${f}[${i}]`, `must be ${integer ? 'an integer >= 0' : 'a number'}, got ${JSON.stringify(e)}`);
      return e;
    });
  }
}

/** The result of a Brian2 run from its raw output (the parsed JSON); `where` names it in refusals. */
export function brian2Result(raw: unknown, where = 'brian2'): Brian2RunResult {
  if (!isObj(raw)) throw new ConfigError(where, 'must be a JSON object (the last line of the script output)');
  const r = new Fields(where, raw);
  if (raw.format !== BRIAN2_RAW_FORMAT)
    throw new ConfigError(`${where}.format`, `must be ${JSON.stringify(BRIAN2_RAW_FORMAT)}, got ${JSON.stringify(raw.format)}`);
  const sc = parseScenario(raw.scenario, `${where}.scenario`);
  const model = buildModel(sc.params, sc.genotype, sc.neurons, sc.seed);
  const regionVoxels = r.num('regionVoxels');
  if (regionVoxels !== model.geometry.inside.length)
    throw new ConfigError(
      `${where}.regionVoxels`,
      `the script ran ${regionVoxels} region voxels, this raphe builds ${model.geometry.inside.length} for its scenario (raphe ${r.str('rapheVersion')} exported it)`,
    );
  const dt = model.dtGrid_s;
  const phaseSteps = sc.phases.map((ph) => Math.round(ph.durationS / dt));
  const gridSteps = r.num('gridSteps');
  const total = phaseSteps.reduce((a, b) => a + b, 0);
  if (gridSteps !== total) throw new ConfigError(`${where}.gridSteps`, `must be the phases' ${total} grid steps, got ${gridSteps}`);
  const s = r.obj('samples');
  const nSamples = s.nums('step').length;
  const samples = Object.fromEntries(
    SAMPLE_FIELDS.map((f) => [f.name, (f.type === 'u32' ? Uint32Array : Float32Array).from(s.nums(f.name, nSamples, f.type === 'u32'))]),
  ) as RecordBatch['samples'];
  let spikes: RecordBatch['spikes'];
  if (sc.recording.spikes) {
    const sp = r.obj('spikes');
    const cells = sp.nums('cells', undefined, true);
    spikes = { cells: Uint32Array.from(cells), steps: Uint32Array.from(sp.nums('steps', cells.length, true)) };
  }
  const m = r.obj('mass');
  const mass = {
    released: m.num('released', true),
    uptaken: m.num('uptaken', true),
    cleared: m.num('cleared', true),
    gridStart: m.num('gridStart', true),
    gridEnd: m.num('gridEnd', true),
  };
  const batch: RecordBatch = {
    firstStep: 0,
    steps: gridSteps,
    spikeCount: samples.spikes.reduce((a, b) => a + b, 0),
    samples,
    mass,
    ...(spikes ? { spikes } : {}),
  };
  // the phases as raphe's phase loop lays them out (each starts where the last ended)
  const phases: PhaseRecord[] = [];
  let tS = 0;
  sc.phases.forEach((ph, i) => {
    phases.push({ name: ph.name, startS: tS, endS: tS + phaseSteps[i] * dt, doses: ph.doses });
    tS += phaseSteps[i] * dt;
  });
  const adapter = r.str('adapter');
  const est = { c0_nM: r.num('c0_nM'), rate_Hz: r.num('rate0_Hz') };
  // assembleResult takes one of raphe's engines; the result then names Brian2 as its engine
  const res = assembleResult(
    sc,
    model,
    { info: { engine: 'cpu', adapter } },
    est,
    [batch],
    phases,
    r.num('wallSeconds'),
    undefined,
    SETTLE_TOLERANCE,
  );
  return {
    ...res,
    engine: { engine: 'brian2', adapter },
    summary: { ...res.summary, engine: 'brian2' },
    rapheVersion: r.str('rapheVersion'),
    timings: {
      buildSeconds: r.num('buildSeconds'),
      timeToFirstStepSeconds: r.num('timeToFirstStepSeconds'),
      runSeconds: r.num('runSeconds'),
    },
  };
}

/** The `raphe run --json` line of a Brian2 result (plus Brian2's timings). */
export function brian2SummaryJson(b: Brian2RunResult): Record<string, unknown> {
  return {
    ...b.summary,
    engineReason: `Brian2 script exported by raphe ${b.rapheVersion} (raphe export brian2)`,
    ...b.timings,
    phases: b.phases.map((p) => ({ ...p, sertOccupancy: sertOccupancy(p.doses) })),
    outDir: null,
  };
}
