/**
 * Scenarios as data: genotype, neuron count, seed, a protocol of timed phases (each with its drug
 * doses), parameter overrides and recording options. `parseScenario` validates a JSON value with errors
 * that name the field and the allowed range.
 */
import { DRUGS, DRUG_NAMES, GENOTYPE_NAMES, type DrugDoses, type DrugName, type Genotype } from './drugs.js';
import { diffusionNumber } from './derive.js';
import { ConfigError, checkNumber } from './errors.js';

export { diffusionNumber } from './derive.js';
import { PARAM_KEYS, PARAM_SPECS, defaultParams, type ParamKey, type Params } from './params.js';

export interface Phase {
  name: string;
  durationS: number;
  drugs: DrugDoses;
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
}

export const LIMITS = {
  neurons: { min: 1, max: 1e8 },
  durationS: { min: 0.001, max: 1e6 },
  seed: { min: 0, max: 2 ** 53 - 1 },
  concentration_nM: { min: 0, max: 1e7 },
  gridDim: { max: 1024 },
} as const;

const SCENARIO_KEYS = ['name', 'genotype', 'neurons', 'seed', 'protocol', 'params', 'recording', 'c0_nM'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseGenotype(field: string, v: unknown): Genotype {
  if (typeof v !== 'string' || !(GENOTYPE_NAMES as string[]).includes(v)) {
    throw new ConfigError(field, `unknown genotype ${JSON.stringify(v)}; allowed: ${GENOTYPE_NAMES.join(', ')}`);
  }
  return v as Genotype;
}

export function parseDrugName(field: string, v: unknown): DrugName {
  if (typeof v !== 'string' || !(v.toLowerCase() in DRUGS)) {
    throw new ConfigError(field, `unknown drug ${JSON.stringify(v)}; allowed: ${DRUG_NAMES.join(', ')}`);
  }
  return v.toLowerCase() as DrugName;
}

export function parseConcentration(field: string, v: unknown): number {
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) v = Number(v);
  return checkNumber(field, v, LIMITS.concentration_nM.min, LIMITS.concentration_nM.max, { unit: 'nM' });
}

export function parseDrugs(field: string, v: unknown): DrugDoses {
  if (v === undefined) return {};
  if (!isObject(v)) throw new ConfigError(field, 'must be an object of drug name -> free concentration in nM');
  const out: DrugDoses = {};
  for (const [k, conc] of Object.entries(v)) {
    const name = parseDrugName(`${field}.${k}`, k);
    out[name] = parseConcentration(`${field}.${k}`, conc);
  }
  return out;
}

export function parseParams(field: string, v: unknown): Params {
  const params = defaultParams();
  if (v === undefined) return params;
  if (!isObject(v)) throw new ConfigError(field, 'must be an object of parameter overrides');
  for (const [k, val] of Object.entries(v)) {
    if (!(PARAM_KEYS as string[]).includes(k)) {
      throw new ConfigError(`${field}.${k}`, `unknown parameter; allowed: ${PARAM_KEYS.join(', ')}`);
    }
    const spec = PARAM_SPECS[k as ParamKey];
    params[k as ParamKey] = checkNumber(`${field}.${k}`, val, spec.min, spec.max, {
      integer: (spec as { integer?: boolean }).integer,
      unit: spec.unit,
    });
  }
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
}

export function parseProtocol(field: string, v: unknown): Phase[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new ConfigError(field, 'must be a non-empty array of phases {name, durationS, drugs}');
  }
  return v.map((ph, i) => {
    const f = `${field}[${i}]`;
    if (!isObject(ph)) throw new ConfigError(f, 'must be an object {name, durationS, drugs}');
    for (const k of Object.keys(ph)) {
      if (!['name', 'durationS', 'drugs'].includes(k)) throw new ConfigError(`${f}.${k}`, 'unknown field; allowed: name, durationS, drugs');
    }
    const name = ph.name === undefined ? `phase${i + 1}` : ph.name;
    if (typeof name !== 'string') throw new ConfigError(`${f}.name`, 'must be a string');
    const durationS = checkNumber(`${f}.durationS`, ph.durationS, LIMITS.durationS.min, LIMITS.durationS.max, { unit: 's' });
    return { name, durationS, drugs: parseDrugs(`${f}.drugs`, ph.drugs) };
  });
}

/** Validate a scenario (the parsed JSON of a scenario file). */
export function parseScenario(v: unknown, where = 'scenario'): Scenario {
  if (!isObject(v)) throw new ConfigError(where, 'must be a JSON object');
  for (const k of Object.keys(v)) {
    if (!SCENARIO_KEYS.includes(k)) throw new ConfigError(`${where}.${k}`, `unknown field; allowed: ${SCENARIO_KEYS.join(', ')}`);
  }
  if (v.protocol === undefined) throw new ConfigError(`${where}.protocol`, 'is required: an array of phases {name, durationS, drugs}');
  const neurons = checkNumber(`${where}.neurons`, v.neurons ?? 9000, LIMITS.neurons.min, LIMITS.neurons.max, { integer: true });
  const seed = checkNumber(`${where}.seed`, v.seed ?? 1, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
  const rec = v.recording === undefined ? {} : v.recording;
  if (!isObject(rec)) throw new ConfigError(`${where}.recording`, 'must be an object {spikes, sampleSteps}');
  const spikes = rec.spikes ?? true;
  if (typeof spikes !== 'boolean') throw new ConfigError(`${where}.recording.spikes`, 'must be true or false');
  const sampleSteps = checkNumber(`${where}.recording.sampleSteps`, rec.sampleSteps ?? 10, 1, 1e6, { integer: true });
  const c0 = v.c0_nM === undefined ? undefined : parseConcentration(`${where}.c0_nM`, v.c0_nM);
  const name = v.name ?? 'scenario';
  if (typeof name !== 'string') throw new ConfigError(`${where}.name`, 'must be a string');
  return {
    name,
    genotype: parseGenotype(`${where}.genotype`, v.genotype ?? 'wt'),
    neurons,
    seed,
    phases: parseProtocol(`${where}.protocol`, v.protocol),
    params: parseParams(`${where}.params`, v.params),
    recording: { spikes, sampleSteps },
    c0_nM: c0,
  };
}

export function totalDurationS(s: Scenario): number {
  return s.phases.reduce((a, ph) => a + ph.durationS, 0);
}
