/**
 * Scenarios as data: genotype, neuron count, seed, a protocol of timed phases (each with its drug
 * doses), parameter overrides and recording options. `parseScenario` validates a JSON value with errors
 * that name the field and the allowed range.
 */
import { CHRONIC_DEFAULTS, parseChronic, type ChronicProtocol } from './chronic.js';
import { diffusionNumber } from './derive.js';
import {
  DRUG_NAMES,
  GENOTYPES,
  GENOTYPE_NAMES,
  doseForOccupancy,
  isSertInhibitor,
  type DrugDoses,
  type DrugName,
  type Genotype,
} from './drugs.js';
import { ConfigError, Problems, checkNumber, quote } from './errors.js';
import { PARAM_KEYS, PARAM_SPECS, defaultParams, type ParamKey, type ParamSpec, type Params } from './params.js';
import { checkMemory } from './resources.js';
import { MIN_DRIFT_SAMPLES, SETTLE_WINDOW_FRACTION } from './settling.js';
import { unknownName } from './suggest.js';

export { diffusionNumber } from './derive.js';

/**
 * One phase of a protocol: `doses` (free nM by drug) held for durationS. Scenario files name them `drugs`
 * (the file's key, read and written only at that edge: parseProtocol, scenarioJson). The clock runs a
 * protocol as dose events at the phases' starts (clock/schedule.ts phaseEvents).
 */
export interface Phase {
  name: string;
  durationS: number;
  doses: DrugDoses;
}

export interface RecordingOptions {
  /** Record every spike as (cell, step). */
  spikes: boolean;
  /** Trace sampling interval, grid steps (1 ms each by default). */
  sampleSteps: number;
}

export interface Scenario {
  name: string;
  genotype: Genotype;
  neurons: number;
  seed: number;
  phases: Phase[];
  params: Params;
  recording: RecordingOptions;
  /** Initial uniform 5-HT, nM; undefined = the estimated steady state of the first phase. */
  c0_nM?: number;
  /**
   * A chronic treatment (docs/model.md §7): drugs held for days, run by the two-timescale driver
   * (src/experiment/chronic.ts). Its `phases` are then the drug-free day-0 readout.
   */
  chronic?: ChronicProtocol;
  /** Per-cell 5-HT1A desensitisation to start from (set by the chronic experiment, not read from files). */
  d1A?: Float32Array;
}

export const LIMITS = {
  neurons: { min: 1, max: 1e8 },
  durationS: { min: 0.001, max: 1e6 },
  seed: { min: 0, max: 2 ** 53 - 1 },
  concentration_nM: { min: 0, max: 1e7 },
  sampleSteps: { min: 1, max: 1e6 },
  gridDim: { max: 1024 },
} as const;

/** `$schema` names the file's JSON Schema for editors (schema/scenario.schema.json); it is checked to be a string and ignored. */
const SCENARIO_KEYS = ['$schema', 'name', 'genotype', 'neurons', 'seed', 'protocol', 'params', 'recording', 'c0_nM', 'chronic'] as const;
/** Values of absent scenario fields (also the defaults the JSON Schema shows). */
export const SCENARIO_DEFAULTS = { name: 'scenario', genotype: 'wt', neurons: 9000, seed: 1 } as const;
export const RECORDING_DEFAULTS = { spikes: true, sampleSteps: 10 } as const;
const PHASE_KEYS = ['name', 'durationS', 'drugs'] as const;
const RECORDING_KEYS = ['spikes', 'sampleSteps'] as const;
/** Longest scenario or phase name, characters. */
export const MAX_NAME_CHARS = 200;
/** A phase must hold this many trace samples: its last quarter then holds enough for its drift (12). */
export const MIN_SAMPLES_PER_PHASE = MIN_DRIFT_SAMPLES / SETTLE_WINDOW_FRACTION;

// Names are looked up in own-property tables only (never `in` or a plain object index).
const DRUG_BY_NAME = new Map<string, DrugName>(DRUG_NAMES.map((n) => [n, n]));
const GENOTYPE_BY_NAME = new Map<string, Genotype>(GENOTYPE_NAMES.map((n) => [n, n]));
const PARAM_BY_NAME = new Map<string, ParamKey>(PARAM_KEYS.map((n) => [n, n]));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every object of a scenario rejects unknown keys, each named with the closest allowed one or the allowed ones. */
export function checkKeys(field: string, v: Record<string, unknown>, allowed: readonly string[]): void {
  const problems = new Problems();
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) problems.note(`${field}.${k}`, unknownName('unknown field', k, allowed));
  }
  problems.throwIfAny();
}

function parseName(field: string, v: unknown): string {
  if (typeof v !== 'string') throw new ConfigError(field, 'must be a string');
  if (v.length > MAX_NAME_CHARS) throw new ConfigError(field, `must be at most ${MAX_NAME_CHARS} characters, got ${v.length}`);
  return v;
}

export function parseGenotype(field: string, v: unknown): Genotype {
  const g = typeof v === 'string' ? GENOTYPE_BY_NAME.get(v.toLowerCase()) : undefined;
  if (g === undefined) throw new ConfigError(field, unknownName(`unknown genotype ${quote(v)}`, String(v), GENOTYPE_NAMES));
  return g;
}

export function parseDrugName(field: string, v: unknown): DrugName {
  const d = typeof v === 'string' ? DRUG_BY_NAME.get(v.toLowerCase()) : undefined;
  if (d === undefined) throw new ConfigError(field, unknownName(`unknown drug ${quote(v)}`, String(v), DRUG_NAMES));
  return d;
}

/** A concentration: a JSON number (a string such as "10" is refused, as for every other number). */
export function parseConcentration(field: string, v: unknown): number {
  return checkNumber(field, v, LIMITS.concentration_nM.min, LIMITS.concentration_nM.max, { unit: 'nM' });
}

/** A SERT occupancy as written in a `drugs` object or on --drug: a percentage from "0%" to below "100%" ("80%", "92.5%"). */
export const OCCUPANCY_PATTERN = '^(?:[0-9]|[1-9][0-9])(?:\\.[0-9]+)?%$';
const OCCUPANCY_RE = new RegExp(OCCUPANCY_PATTERN);

/**
 * One drug's dose: a free concentration in nM, or for a SERT inhibitor its SERT occupancy as a
 * percentage ("80%"), converted here to the nM at which that drug alone occupies that share.
 */
export function parseDose(field: string, drug: DrugName, v: unknown): number {
  if (typeof v !== 'string' || (!isSertInhibitor(drug) && !v.endsWith('%'))) return parseConcentration(field, v);
  if (!isSertInhibitor(drug)) {
    throw new ConfigError(field, `an occupancy ("80%") is only for SERT inhibitors; give ${drug} as a number in nM`);
  }
  const f = OCCUPANCY_RE.test(v) ? Number(v.slice(0, -1)) / 100 : NaN;
  // a percentage written with more digits than a double holds may round up to 100%
  if (!(f < 1)) {
    throw new ConfigError(field, `must be a number in nM or a SERT occupancy from "0%" to below "100%" (e.g. "80%"), got ${quote(v)}`);
  }
  return parseConcentration(field, doseForOccupancy(drug, f));
}

export function parseDrugs(field: string, v: unknown): DrugDoses {
  if (v === undefined) return {};
  if (!isObject(v)) throw new ConfigError(field, 'must be an object of drug name -> free concentration in nM (or SERT occupancy "80%")');
  const out = new Map<DrugName, number>();
  const problems = new Problems();
  for (const [k, conc] of Object.entries(v)) {
    problems.check(() => {
      const name = parseDrugName(`${field}.${k}`, k);
      if (out.has(name)) throw new ConfigError(`${field}.${k}`, `drug ${name} given twice (names are case-insensitive)`);
      out.set(name, parseDose(`${field}.${k}`, name, conc));
    });
  }
  problems.throwIfAny();
  return Object.fromEntries(out) as DrugDoses;
}

export function parseParams(field: string, v: unknown): Params {
  const params = defaultParams();
  if (v === undefined) return params;
  if (!isObject(v)) throw new ConfigError(field, 'must be an object of parameter overrides');
  const problems = new Problems();
  for (const [k, val] of Object.entries(v)) {
    problems.check(() => {
      const key = PARAM_BY_NAME.get(k);
      if (key === undefined) throw new ConfigError(`${field}.${k}`, unknownName('unknown parameter', k, PARAM_KEYS));
      const spec: ParamSpec = PARAM_SPECS[key];
      params[key] = checkNumber(`${field}.${k}`, val, spec.min, spec.max, { integer: spec.integer, unit: spec.unit });
    });
  }
  problems.throwIfAny();
  // the relations between parameters mean something only once each is in its range
  checkModelConsistency(field, params);
  return params;
}

/** Relations between parameters that single ranges cannot express. */
export function checkModelConsistency(field: string, p: Params): void {
  const r = diffusionNumber(p);
  if (r > 1 / 6) {
    throw new ConfigError(
      `${field}.voxel_um`,
      `grid step breaks the diffusion stability bound: D* dt_grid / dx² = ${r.toPrecision(4)} > 1/6; ` +
        `use voxel_um >= ${Math.sqrt(6 * r * p.voxel_um * p.voxel_um).toPrecision(4)} or a smaller dt_ms x subSteps`,
    );
  }
  if (p.tRef_ms < p.dt_ms * p.subSteps) {
    throw new ConfigError(`${field}.tRef_ms`, `must be >= one grid step (dt_ms x subSteps = ${p.dt_ms * p.subSteps} ms)`);
  }
  if (p.Vreset_mV >= p.Vth_mV) throw new ConfigError(`${field}.Vreset_mV`, `must be below Vth_mV (${p.Vth_mV})`);
  for (const axis of ['regionX_um', 'regionY_um', 'regionZ_um'] as const) {
    const n = Math.ceil(p[axis] / p.voxel_um);
    if (n > LIMITS.gridDim.max) {
      throw new ConfigError(`${field}.voxel_um`, `${axis} / voxel_um = ${n} voxels; at most ${LIMITS.gridDim.max} per axis`);
    }
  }
  if (p.tRef_ms / p.dt_ms > 60000) throw new ConfigError(`${field}.tRef_ms`, 'refractory period too long for dt_ms');
  const r0 = regionColumns(p);
  if (r0.columns === 0) {
    let h = Math.floor(p.voxel_um);
    while (h > 1 && regionColumns({ ...p, voxel_um: h }).columns === 0) h--;
    throw new ConfigError(
      `${field}.voxel_um`,
      `no voxel centre lies inside the ${p.regionX_um} x ${p.regionY_um} x ${p.regionZ_um} µm region; use voxel_um <= ${h} µm`,
    );
  }
  if (r0.minProbeRadius_um > p.probeRadius_um) {
    const need = Math.ceil(r0.minProbeRadius_um * 1000) / 1000;
    throw new ConfigError(
      `${field}.probeRadius_um`,
      `the probe holds no voxel centre of the ${p.voxel_um} µm grid; use probeRadius_um >= ${need} µm`,
    );
  }
}

/**
 * The region's voxel columns (x, y) that hold at least one voxel centre inside the ellipsoid (the same
 * test as buildGeometry, at the z nearest the centre), and the smallest probe radius that holds one:
 * O(nx ny), no grid allocated.
 */
export function regionColumns(p: Params): { columns: number; minProbeRadius_um: number } {
  const h = p.voxel_um;
  const nx = Math.ceil(p.regionX_um / h);
  const ny = Math.ceil(p.regionY_um / h);
  const nz = Math.ceil(p.regionZ_um / h);
  const [ax, ay, az] = [p.regionX_um / 2, p.regionY_um / 2, p.regionZ_um / 2];
  const [cx, cy, cz] = [(nx * h) / 2, (ny * h) / 2, (nz * h) / 2];
  const kMid = Math.min(nz - 1, Math.max(0, Math.round(cz / h - 0.5)));
  let columns = 0;
  let minR2 = Infinity;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      const x = (i + 0.5) * h;
      const y = (j + 0.5) * h;
      const u = (x - cx) / ax;
      const v = (y - cy) / ay;
      let inside = false;
      for (const k of [kMid, kMid - 1, kMid + 1]) {
        if (k < 0 || k >= nz) continue;
        const w = ((k + 0.5) * h - cz) / az;
        if (u * u + v * v + w * w <= 1) inside = true;
      }
      if (!inside) continue;
      columns++;
      minR2 = Math.min(minR2, (x - cx) ** 2 + (y - cy) ** 2);
    }
  }
  return { columns, minProbeRadius_um: Math.sqrt(minR2) };
}

export function parseProtocol(field: string, v: unknown): Phase[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new ConfigError(field, 'must be a non-empty array of phases {name, durationS, drugs}');
  }
  const problems = new Problems();
  const phases = v.map((ph, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(ph)) return problems.note(f, 'must be an object {name, durationS, drugs}');
    problems.check(() => checkKeys(f, ph, PHASE_KEYS));
    const name = problems.check(() => parseName(`${f}.name`, ph.name === undefined ? `phase${i + 1}` : ph.name));
    // > 0 here; the smallest duration that works depends on the grid step (checked in parseScenario)
    const durationS = problems.check(() =>
      checkNumber(`${f}.durationS`, ph.durationS, 0, LIMITS.durationS.max, { unit: 's', exclusiveMin: true }),
    );
    const doses = problems.check(() => parseDrugs(`${f}.drugs`, ph.drugs));
    return { name, durationS, doses } as Phase;
  });
  problems.throwIfAny();
  return phases as Phase[];
}

export interface ParseOptions {
  /** Refuse a run whose memory estimate exceeds this many bytes (unset: no check). */
  memoryBytes?: number;
  /** How the budget is named in the message, e.g. "the memory of this machine". */
  memoryName?: string;
}

/** Validate a scenario (the parsed JSON of a scenario file, or flags laid over one): the one validation path. */
/** A default for an absent field; JSON null is a value (and refused where it is not allowed). */
const dflt = (x: unknown, d: unknown): unknown => (x === undefined ? d : x);

export function parseScenario(v: unknown, where = 'scenario', o: ParseOptions = {}): Scenario {
  if (!isObject(v)) throw new ConfigError(where, 'must be a JSON object');
  if (v.axes !== undefined && v.base !== undefined && v.protocol === undefined) {
    throw new ConfigError(where, 'is a sweep file (it has base and axes): run it with raphe sweep FILE');
  }
  // every field is checked and every problem reported; a check that rests on others runs once they passed
  const problems = new Problems();
  const check = <T>(fn: () => T) => problems.check(fn);
  check(() => checkKeys(where, v, SCENARIO_KEYS));
  if (v.$schema !== undefined && typeof v.$schema !== 'string')
    problems.note(`${where}.$schema`, 'must be a string (the JSON Schema of the file)');
  if (v.protocol === undefined && v.chronic === undefined) {
    problems.note(`${where}.protocol`, 'is required (or a chronic protocol): an array of phases {name, durationS, drugs}');
  }
  if (v.protocol !== undefined && v.chronic !== undefined) {
    problems.note(
      `${where}.protocol`,
      'not allowed with chronic: a chronic protocol holds its drugs for days (chronic.drugs) and takes its readouts itself',
    );
  }
  const name = check(() => parseName(`${where}.name`, dflt(v.name, SCENARIO_DEFAULTS.name)));
  const genotype = check(() => parseGenotype(`${where}.genotype`, dflt(v.genotype, SCENARIO_DEFAULTS.genotype)));
  const neurons = check(() =>
    checkNumber(`${where}.neurons`, dflt(v.neurons, SCENARIO_DEFAULTS.neurons), LIMITS.neurons.min, LIMITS.neurons.max, { integer: true }),
  );
  const seed = check(() =>
    checkNumber(`${where}.seed`, dflt(v.seed, SCENARIO_DEFAULTS.seed), LIMITS.seed.min, LIMITS.seed.max, { integer: true }),
  );
  const rec = v.recording === undefined ? {} : v.recording;
  if (!isObject(rec)) problems.note(`${where}.recording`, 'must be an object {spikes, sampleSteps}');
  const recOk = isObject(rec) ? rec : {};
  check(() => checkKeys(`${where}.recording`, recOk, RECORDING_KEYS));
  const spikes = dflt(recOk.spikes, RECORDING_DEFAULTS.spikes);
  if (typeof spikes !== 'boolean') problems.note(`${where}.recording.spikes`, 'must be true or false');
  const sampleSteps = check(() =>
    checkNumber(
      `${where}.recording.sampleSteps`,
      dflt(recOk.sampleSteps, RECORDING_DEFAULTS.sampleSteps),
      LIMITS.sampleSteps.min,
      LIMITS.sampleSteps.max,
      { integer: true },
    ),
  );
  const c0 = v.c0_nM === undefined ? undefined : check(() => parseConcentration(`${where}.c0_nM`, v.c0_nM));
  const params = check(() => parseParams(`${where}.params`, v.params));
  // the chronic window and the phases' shortest length are counted in grid steps: only with good params
  const gridS = params ? (params.dt_ms * params.subSteps) / 1000 : undefined;
  const chronic = v.chronic === undefined ? undefined : check(() => parseChronic(`${where}.chronic`, v.chronic, parseDrugs, gridS));
  const phases =
    v.chronic !== undefined
      ? chronic && [chronicDay0Phase(chronic)]
      : v.protocol === undefined
        ? undefined
        : check(() => parseProtocol(`${where}.protocol`, v.protocol));
  problems.throwIfAny();
  const [p, gridStep, steps, phaseList] = [checked(params), checked(gridS), checked(sampleSteps), checked(phases)];
  // Every phase must hold enough grid steps for its summary (means over its last half, drift over its last quarter).
  const minSteps = MIN_SAMPLES_PER_PHASE * steps;
  phaseList.forEach((ph, i) => {
    if (Math.round(ph.durationS / gridStep) < minSteps) {
      const need = `>= ${Number((minSteps * gridStep).toPrecision(6))} s (${MIN_SAMPLES_PER_PHASE} trace samples of recording.sampleSteps ${steps} x the ${Number(
        (gridStep * 1000).toPrecision(6),
      )} ms grid step)`;
      // a chronic scenario's one phase is its day-0 readout, settleS + windowS long: named as the user wrote it
      if (chronic) {
        problems.note(`${where}.chronic.windowS`, `settleS + windowS must be ${need}, got ${chronic.settleS} + ${chronic.windowS} s`);
      } else problems.note(`${where}.protocol[${i}].durationS`, `must be ${need}, got ${ph.durationS}`);
    }
  });
  problems.throwIfAny();
  const [recording, nNeurons] = [{ spikes: spikes as boolean, sampleSteps: steps }, checked(neurons)];
  const [sName, sGenotype, sSeed] = [checked(name), checked(genotype), checked(seed)];
  const sc: Scenario = {
    name: sName,
    genotype: sGenotype,
    neurons: nNeurons,
    seed: sSeed,
    phases: phaseList,
    params: p,
    recording,
    c0_nM: c0,
  };
  if (chronic) sc.chronic = chronic;
  // the memory a run needs follows from every field above, so it is checked last, alone
  if (o.memoryBytes !== undefined) {
    checkMemory(
      { neurons: nNeurons, params: p, durationS: totalDurationS(sc), recordSpikes: recording.spikes, sampleSteps: steps },
      o.memoryBytes,
      o.memoryName ?? 'the memory budget',
      { neurons: `${where}.neurons`, grid: `${where}.params.voxel_um`, recording: `${where}.protocol` },
    );
  }
  return sc;
}

/** A value parseScenario checked: each left undefined noted a problem, and those were thrown before. */
function checked<T>(x: T | undefined): T {
  if (x === undefined) throw new Error('parseScenario: a value passed unchecked');
  return x;
}

/** Why the scenario has no steady state (nothing removes 5-HT), or undefined when it has one. */
export function noSteadyStateReason(sc: Scenario): string | undefined {
  const sert = GENOTYPES[sc.genotype].sert * sc.params.sertExpression * sc.params.sertCapacity_nMps;
  if (sert === 0 && sc.params.kClear_perH === 0) {
    const why =
      GENOTYPES[sc.genotype].sert === 0 ? 'SERT knocked out' : sc.params.sertExpression === 0 ? 'sertExpression 0' : 'sertCapacity_nMps 0';
    return `nothing removes 5-HT (${why} and kClear_perH 0): no steady state exists, 5-HT rises for the whole run`;
  }
  return undefined;
}

/** The fast phase of a chronic scenario's day-0 readout: drug-free, settle then the averaging window. */
export function chronicDay0Phase(c: Pick<ChronicProtocol, 'settleS' | 'windowS'> = CHRONIC_DEFAULTS): Phase {
  return { name: 'day0', durationS: c.settleS + c.windowS, doses: {} };
}

export function totalDurationS(s: Scenario): number {
  return s.phases.reduce((a, ph) => a + ph.durationS, 0);
}
