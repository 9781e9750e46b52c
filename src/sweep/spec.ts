/**
 * Sweep files: a researcher's question as a grid of scenarios. A sweep is a `base` (the fields of a
 * scenario file: genotype, neurons, seed, params, c0_nM, recording, and a protocol or a duration with
 * its drugs), `axes` (each varies one thing: a parameter of the schema, a drug's free concentration in
 * nM, `genotype` or `seed`), optional `zip` groups of axes that vary together, and a `readout`.
 * `parseSweep` validates it with the same rules and errors as parseScenario (ConfigError naming the
 * field and the index); every point's scenario is then validated by parseScenario itself.
 */
import { DRUG_NAMES, type DrugName, type Genotype } from '../model/drugs.js';
import { ConfigError, checkNumber, quote } from '../model/errors.js';
import { PARAM_KEYS, PARAM_SPECS, type ParamKey } from '../model/params.js';
import { LIMITS, checkKeys, parseConcentration, parseGenotype, parseScenario, type Scenario } from '../model/scenario.js';

/** Most points a sweep may hold unless the caller raises the cap (--max-points). */
export const MAX_POINTS = 10000;
/**
 * The cap no caller can raise: the points are built in memory (about 5 kB each, their scenarios
 * validated one by one), so a grid past this is refused by the product of its axes, before any is built.
 */
export const HARD_MAX_POINTS = 100000;
/** Most values one axis may hold. */
export const MAX_AXIS_VALUES = 10000;

export type AxisKind = 'param' | 'drug' | 'genotype' | 'seed';
export type AxisValue = number | string;

export interface Axis {
  /** The axis name as written (a parameter key, a drug name, `genotype` or `seed`). */
  name: string;
  kind: AxisKind;
  /** The parameter (kind param) or drug (kind drug). */
  param?: ParamKey;
  drug?: DrugName;
  values: AxisValue[];
  /** Drug axes: the value each point's probeFold and rateRatio are computed against. */
  reference?: number;
  /** Drawn and fitted on a log scale (a log range, or a drug axis). */
  log: boolean;
}

export type Readout = 'steady' | 'protocol';

export interface SweepSpec {
  name: string;
  /** The base scenario (validated). */
  base: Scenario;
  /** The raw base object (points are built from it, then validated by parseScenario). */
  baseRaw: Record<string, unknown>;
  axes: Axis[];
  /** Groups of axis indices that vary together (zipped); every other axis is its own group. */
  groups: number[][];
  readout: Readout;
  /** The drug axis probeFold and rateRatio are computed against (steady readout), or undefined. */
  foldAxis?: number;
}

// the keys of each object of a sweep file (src/sweep/json-schema.ts builds the schema from the same lists)
export const SWEEP_KEYS = ['$schema', 'name', 'description', 'base', 'axes', 'zip', 'readout'] as const;
export const BASE_KEYS = ['genotype', 'neurons', 'seed', 'params', 'recording', 'c0_nM', 'protocol', 'duration', 'drugs'] as const;
export const AXIS_KEYS = ['axis', 'values', 'reference'] as const;
export const RANGE_KEYS = ['from', 'to', 'count', 'scale'] as const;
/** A sweep's name: it names output files. */
export const SWEEP_NAME = { pattern: '^[A-Za-z0-9._-]+$', maxLength: 200 } as const;
/** The bounds of a range's from and to (before each value is checked against what the axis sets). */
export const RANGE_BOUND = 1e15;
/** Axis names that are not a parameter or a drug. */
export const SPECIAL_AXES = ['genotype', 'seed'] as const;

const DRUG_BY_NAME = new Map<string, DrugName>(DRUG_NAMES.map((n) => [n, n]));
const PARAM_BY_NAME = new Map<string, ParamKey>(PARAM_KEYS.map((n) => [n, n]));
export const READOUT_NAMES: readonly Readout[] = ['steady', 'protocol'];
const READOUTS = new Map<string, Readout>(READOUT_NAMES.map((r) => [r, r]));

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface SweepParseOptions {
  /** Most points (default MAX_POINTS; never more than HARD_MAX_POINTS). */
  maxPoints?: number;
  /** Override base.neurons / base.seed (CLI --neurons, --seed). */
  neurons?: number;
  seed?: number;
  /** Memory budget for each point's scenario (parseScenario's check). */
  memoryBytes?: number;
  memoryName?: string;
}

/** Round to 12 significant digits so generated ranges give clean values (0.1, not 0.10000000000000002). */
const clean = (x: number) => Number(x.toPrecision(12));

/** The values of an axis: a list, or {from, to, count, scale}. */
function parseValues(field: string, v: unknown, kind: AxisKind): { values: AxisValue[]; log: boolean } {
  if (Array.isArray(v)) {
    if (v.length === 0) throw new ConfigError(field, 'is empty: give at least one value');
    if (v.length > MAX_AXIS_VALUES) throw new ConfigError(field, `has ${v.length} values; at most ${MAX_AXIS_VALUES}`);
    const values = v.map((x, i) => {
      if (kind === 'genotype') return parseGenotype(`${field}[${i}]`, x);
      if (typeof x !== 'number' || !Number.isFinite(x)) throw new ConfigError(`${field}[${i}]`, `must be a number, got ${quote(x)}`);
      return x;
    });
    const seen = new Set<AxisValue>();
    values.forEach((x, i) => {
      if (seen.has(x)) throw new ConfigError(`${field}[${i}]`, `value ${quote(x)} given twice`);
      seen.add(x);
    });
    return { values, log: false };
  }
  if (!isObject(v)) throw new ConfigError(field, 'must be a list of values or a range {from, to, count, scale: log|linear}');
  if (kind === 'genotype') throw new ConfigError(field, 'genotype values must be a list of genotype names');
  checkKeys(field, v, RANGE_KEYS);
  const scale = v.scale === undefined ? 'linear' : v.scale;
  if (scale !== 'log' && scale !== 'linear') throw new ConfigError(`${field}.scale`, `must be "log" or "linear", got ${quote(scale)}`);
  const from = checkNumber(`${field}.from`, v.from, -RANGE_BOUND, RANGE_BOUND);
  const to = checkNumber(`${field}.to`, v.to, -RANGE_BOUND, RANGE_BOUND);
  const count = checkNumber(`${field}.count`, v.count, 2, MAX_AXIS_VALUES, { integer: true });
  if (from >= to) throw new ConfigError(`${field}.from`, `must be below to (${to}), got ${from}`);
  if (scale === 'log' && from <= 0) throw new ConfigError(`${field}.from`, `a log range must stay above 0, got ${from}`);
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const f = i / (count - 1);
    values.push(clean(scale === 'log' ? from * (to / from) ** f : from + (to - from) * f));
  }
  const distinct = new Set(values).size;
  if (distinct < count) {
    throw new ConfigError(
      `${field}.count`,
      `the range ${from} to ${to} holds only ${distinct} distinct values at 12 significant digits; give a count of at most ${distinct} or a wider range`,
    );
  }
  return { values, log: scale === 'log' };
}

function parseAxis(field: string, v: unknown): Axis {
  if (!isObject(v)) throw new ConfigError(field, 'must be an object {axis, values, reference}');
  checkKeys(field, v, AXIS_KEYS);
  if (typeof v.axis !== 'string') {
    throw new ConfigError(`${field}.axis`, 'must name what the axis varies: a parameter, a drug, "genotype" or "seed"');
  }
  const name = v.axis;
  const param = PARAM_BY_NAME.get(name);
  const drug = param === undefined ? DRUG_BY_NAME.get(name.toLowerCase()) : undefined;
  const kind: AxisKind | undefined =
    name === 'genotype' ? 'genotype' : name === 'seed' ? 'seed' : param !== undefined ? 'param' : drug !== undefined ? 'drug' : undefined;
  if (kind === undefined) {
    throw new ConfigError(
      `${field}.axis`,
      `unknown axis target ${quote(name)}; allowed: genotype, seed, a drug (${DRUG_NAMES.join(', ')}) or a parameter (${PARAM_KEYS.join(', ')})`,
    );
  }
  if (v.values === undefined) throw new ConfigError(`${field}.values`, 'is required: a list of values or a range {from, to, count, scale}');
  const { values, log } = parseValues(`${field}.values`, v.values, kind);
  // each value must be valid for what it sets (named with its index)
  values.forEach((x, i) => {
    const f = `${field}.values[${i}]`;
    if (kind === 'param') {
      const spec = PARAM_SPECS[param!];
      checkNumber(f, x, spec.min, spec.max, { integer: spec.integer, unit: spec.unit });
    } else if (kind === 'drug') parseConcentration(f, x);
    else if (kind === 'seed') checkNumber(f, x, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
  });
  let reference: number | undefined;
  if (v.reference !== undefined) {
    if (kind !== 'drug') throw new ConfigError(`${field}.reference`, 'only a drug axis has a reference concentration');
    reference = parseConcentration(`${field}.reference`, v.reference);
  }
  if (kind === 'drug') {
    reference ??= 0;
    if (!values.includes(reference)) values.unshift(reference); // the reference is added when missing
  }
  return { name: kind === 'drug' ? drug! : name, kind, param, drug, values, reference, log: log || kind === 'drug' };
}

/** The base scenario as a scenario-file object: `duration` (+ `drugs`) becomes a one-phase protocol. */
function baseScenarioRaw(field: string, b: Record<string, unknown>, o: SweepParseOptions): Record<string, unknown> {
  checkKeys(field, b, BASE_KEYS);
  const out: Record<string, unknown> = {};
  for (const k of ['genotype', 'neurons', 'seed', 'params', 'recording', 'c0_nM'] as const) if (b[k] !== undefined) out[k] = b[k];
  if (o.neurons !== undefined) out.neurons = o.neurons;
  if (o.seed !== undefined) out.seed = o.seed;
  if (b.protocol !== undefined && b.duration !== undefined)
    throw new ConfigError(`${field}.duration`, 'give a protocol or a duration, not both');
  if (b.protocol !== undefined) {
    if (b.drugs !== undefined) throw new ConfigError(`${field}.drugs`, "goes with a duration; with a protocol, give each phase's drugs");
    out.protocol = b.protocol;
  } else {
    if (b.duration === undefined) throw new ConfigError(`${field}.duration`, 'is required (or a protocol): the seconds each point runs');
    out.protocol = [{ name: 'point', durationS: b.duration, ...(b.drugs !== undefined ? { drugs: b.drugs } : {}) }];
  }
  // `recording.spikes` defaults to true as in a scenario file (the ISI CV needs spikes)
  return out;
}

/** Validate a sweep file's parsed JSON. `where` names the file in errors. */
export function parseSweep(v: unknown, where = 'sweep', o: SweepParseOptions = {}): SweepSpec {
  if (!isObject(v)) throw new ConfigError(where, 'must be a JSON object {name, base, axes, zip, readout}');
  if (v.base === undefined && v.axes === undefined && (v.protocol !== undefined || v.chronic !== undefined)) {
    throw new ConfigError(where, 'is a scenario file (it has a protocol and no base or axes): run it with raphe run --scenario FILE');
  }
  checkKeys(where, v, SWEEP_KEYS);
  const name = v.name === undefined ? 'sweep' : v.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > SWEEP_NAME.maxLength || !new RegExp(SWEEP_NAME.pattern).test(name)) {
    throw new ConfigError(`${where}.name`, `must be 1-${SWEEP_NAME.maxLength} characters of letters, digits, ".", "_" or "-"`);
  }
  if (v.description !== undefined && typeof v.description !== 'string') throw new ConfigError(`${where}.description`, 'must be a string');
  if (v.base === undefined) throw new ConfigError(`${where}.base`, 'is required: the fields of a scenario file');
  if (!isObject(v.base)) throw new ConfigError(`${where}.base`, 'must be an object (the fields of a scenario file)');
  const baseRaw = baseScenarioRaw(`${where}.base`, v.base, o);
  const base = parseScenario({ name, ...baseRaw }, `${where}.base`, { memoryBytes: o.memoryBytes, memoryName: o.memoryName });
  const readoutIn = v.readout === undefined ? (v.base.protocol !== undefined ? 'protocol' : 'steady') : v.readout;
  const readout = typeof readoutIn === 'string' ? READOUTS.get(readoutIn) : undefined;
  if (readout === undefined) throw new ConfigError(`${where}.readout`, `must be "steady" or "protocol", got ${quote(readoutIn)}`);
  if (readout === 'protocol' && base.phases.length < 2) {
    throw new ConfigError(`${where}.base.protocol`, 'the protocol readout needs at least two phases: a baseline, then the drug');
  }
  if (readout === 'steady' && base.phases.length !== 1) {
    throw new ConfigError(`${where}.readout`, '"steady" reads one settled phase: give base.duration (or a one-phase protocol)');
  }
  if (!Array.isArray(v.axes) || v.axes.length === 0)
    throw new ConfigError(`${where}.axes`, 'must be a non-empty list of axes {axis, values}');
  const axes = v.axes.map((a, i) => parseAxis(`${where}.axes[${i}]`, a));
  const seen = new Map<string, number>();
  axes.forEach((a, i) => {
    const j = seen.get(a.name);
    if (j !== undefined) throw new ConfigError(`${where}.axes[${i}].axis`, `duplicate axis ${a.name} (also axes[${j}])`);
    seen.set(a.name, i);
  });
  // zipped groups
  const inGroup = new Map<number, number>();
  const groups: number[][] = [];
  if (v.zip !== undefined) {
    if (!Array.isArray(v.zip)) throw new ConfigError(`${where}.zip`, 'must be a list of lists of axis names that vary together');
    v.zip.forEach((g, gi) => {
      const f = `${where}.zip[${gi}]`;
      if (!Array.isArray(g) || g.length < 2) throw new ConfigError(f, 'must list at least two axis names');
      const members = g.map((nm, k) => {
        const idx = typeof nm === 'string' ? (seen.get(nm) ?? seen.get(nm.toLowerCase())) : undefined;
        if (idx === undefined) throw new ConfigError(`${f}[${k}]`, `names no axis: ${quote(nm)}`);
        if (inGroup.has(idx)) throw new ConfigError(`${f}[${k}]`, `axis ${axes[idx].name} is already zipped (zip[${inGroup.get(idx)}])`);
        inGroup.set(idx, gi);
        return idx;
      });
      const n = axes[members[0]].values.length;
      members.forEach((idx, k) => {
        if (axes[idx].values.length !== n) {
          throw new ConfigError(
            `${f}[${k}]`,
            `zipped axes must have equal lengths: ${axes[idx].name} has ${axes[idx].values.length} values, ${axes[members[0]].name} ${n}`,
          );
        }
      });
      groups.push(members);
    });
  }
  const all: number[][] = [];
  axes.forEach((_, i) => {
    if (!inGroup.has(i)) all.push([i]);
    else if (groups[inGroup.get(i)!][0] === i) all.push(groups[inGroup.get(i)!]);
  });
  const count = all.reduce((a, g) => a * axes[g[0]].values.length, 1);
  const maxPoints = Math.min(o.maxPoints ?? MAX_POINTS, HARD_MAX_POINTS);
  if (count > maxPoints) {
    throw new ConfigError(
      `${where}.axes`,
      `the grid holds ${count} points; at most ${maxPoints}${maxPoints < HARD_MAX_POINTS ? ' (raise it with --max-points)' : ''}`,
    );
  }
  const foldAxis = axes.findIndex((a) => a.kind === 'drug' && !inGroup.has(axes.indexOf(a)));
  return { name, base, baseRaw, axes, groups: all, readout, foldAxis: foldAxis >= 0 ? foldAxis : undefined };
}

export type { Genotype };
