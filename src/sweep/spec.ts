/**
 * Sweep files: a researcher's question as a grid of scenarios. A sweep is a `base` (the fields of a
 * scenario file: genotype, neurons, seed, params, c0_nM, recording, and a protocol or a duration with
 * its drugs), `axes` (each varies one thing: a parameter of the schema, a drug's free concentration in
 * nM, `genotype` or `seed`), optional `zip` groups of axes that vary together, and a `readout`.
 * `parseSweep` validates it with the same rules and errors as parseScenario (ConfigError naming the
 * field and the index); every point's scenario is then validated by parseScenario itself.
 */
import { DRUG_NAMES, type DrugName, type Genotype } from '../model/drugs.js';
import { ConfigError, Problems, checkNumber, quote } from '../model/errors.js';
import { PARAM_KEYS, PARAM_SPECS, type ParamKey } from '../model/params.js';
import { LIMITS, checkKeys, parseConcentration, parseGenotype, parseScenario, type Scenario } from '../model/scenario.js';
import { closestName, unknownName } from '../model/suggest.js';

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
    const problems = new Problems();
    const seen = new Set<AxisValue>();
    const values = v.map((x, i) =>
      problems.check(() => {
        const value = kind === 'genotype' ? parseGenotype(`${field}[${i}]`, x) : x;
        if (kind !== 'genotype' && (typeof x !== 'number' || !Number.isFinite(x)))
          throw new ConfigError(`${field}[${i}]`, `must be a number, got ${quote(x)}`);
        if (seen.has(value)) throw new ConfigError(`${field}[${i}]`, `value ${quote(value)} given twice`);
        seen.add(value);
        return value as AxisValue;
      }),
    );
    problems.throwIfAny();
    return { values: values as AxisValue[], log: false };
  }
  if (!isObject(v)) throw new ConfigError(field, 'must be a list of values or a range {from, to, count, scale: log|linear}');
  if (kind === 'genotype') throw new ConfigError(field, 'genotype values must be a list of genotype names');
  const problems = new Problems();
  problems.check(() => checkKeys(field, v, RANGE_KEYS));
  const scale = v.scale === undefined ? 'linear' : v.scale;
  if (scale !== 'log' && scale !== 'linear') problems.note(`${field}.scale`, `must be "log" or "linear", got ${quote(scale)}`);
  const from = problems.check(() => checkNumber(`${field}.from`, v.from, -RANGE_BOUND, RANGE_BOUND));
  const to = problems.check(() => checkNumber(`${field}.to`, v.to, -RANGE_BOUND, RANGE_BOUND));
  const count = problems.check(() => checkNumber(`${field}.count`, v.count, 2, MAX_AXIS_VALUES, { integer: true }));
  problems.throwIfAny();
  // each is a number here (a refusal of any was thrown just above)
  return rangeValues(field, from!, to!, count!, scale === 'log');
}

/** The `count` values of a range from `from` to `to`, evenly spaced on a linear or log scale, at 12 significant digits. */
function rangeValues(field: string, from: number, to: number, count: number, log: boolean): { values: AxisValue[]; log: boolean } {
  if (from >= to) throw new ConfigError(`${field}.from`, `must be below to (${to}), got ${from}`);
  if (log && from <= 0) throw new ConfigError(`${field}.from`, `a log range must stay above 0, got ${from}`);
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const f = i / (count - 1);
    values.push(clean(log ? from * (to / from) ** f : from + (to - from) * f));
  }
  const distinct = new Set(values).size;
  if (distinct < count) {
    throw new ConfigError(
      `${field}.count`,
      `the range ${from} to ${to} holds only ${distinct} distinct values at 12 significant digits; give a count of at most ${distinct} or a wider range`,
    );
  }
  return { values, log };
}

/** What an axis may vary, in the order a "did you mean" looks (a name in two lists is the first's). */
const AXIS_TARGETS: readonly string[] = [...SPECIAL_AXES, ...DRUG_NAMES, ...PARAM_KEYS];

function parseAxis(field: string, v: unknown): Axis {
  if (!isObject(v)) throw new ConfigError(field, 'must be an object {axis, values, reference}');
  const problems = new Problems();
  problems.check(() => checkKeys(field, v, AXIS_KEYS));
  if (typeof v.axis !== 'string') {
    problems.note(`${field}.axis`, 'must name what the axis varies: a parameter, a drug, "genotype" or "seed"');
    problems.throwIfAny();
  }
  const name = v.axis as string;
  const param = PARAM_BY_NAME.get(name);
  const drug = param === undefined ? DRUG_BY_NAME.get(name.toLowerCase()) : undefined;
  const kind: AxisKind | undefined =
    name === 'genotype' ? 'genotype' : name === 'seed' ? 'seed' : param !== undefined ? 'param' : drug !== undefined ? 'drug' : undefined;
  if (kind === undefined) {
    const allowed = `genotype, seed, a drug (${DRUG_NAMES.join(', ')}) or a parameter (${PARAM_KEYS.join(', ')})`;
    problems.note(`${field}.axis`, unknownName(`unknown axis target ${quote(name)}`, name, AXIS_TARGETS, allowed));
  }
  if (v.values === undefined) problems.note(`${field}.values`, 'is required: a list of values or a range {from, to, count, scale}');
  if (v.reference !== undefined && kind !== undefined && kind !== 'drug')
    problems.note(`${field}.reference`, 'only a drug axis has a reference concentration');
  // the values are read as what the axis varies: only once that is known
  const parsed =
    kind === undefined || v.values === undefined ? undefined : problems.check(() => parseValues(`${field}.values`, v.values, kind));
  // each value must be valid for what it sets (named with its index)
  parsed?.values.forEach((x, i) => {
    const f = `${field}.values[${i}]`;
    problems.check(() => {
      if (kind === 'param') {
        const spec = PARAM_SPECS[param!];
        checkNumber(f, x, spec.min, spec.max, { integer: spec.integer, unit: spec.unit });
      } else if (kind === 'drug') parseConcentration(f, x);
      else if (kind === 'seed') checkNumber(f, x, LIMITS.seed.min, LIMITS.seed.max, { integer: true });
    });
  });
  const reference =
    kind === 'drug' && v.reference !== undefined ? problems.check(() => parseConcentration(`${field}.reference`, v.reference)) : undefined;
  problems.throwIfAny();
  const { values, log } = parsed!;
  if (kind === 'drug' && !values.includes(reference ?? 0)) values.unshift(reference ?? 0); // the reference is added when missing
  return {
    name: kind === 'drug' ? drug! : name,
    kind: kind!,
    param,
    drug,
    values,
    reference: kind === 'drug' ? (reference ?? 0) : undefined,
    log: log || kind === 'drug',
  };
}

/**
 * The base scenario as a scenario-file object: `duration` (+ `drugs`) becomes a one-phase protocol. Its
 * problems are noted in `problems`; undefined when it has no protocol to run (an unknown key alone leaves
 * the rest to be checked as a scenario).
 */
function baseScenarioRaw(
  field: string,
  b: Record<string, unknown>,
  o: SweepParseOptions,
  problems: Problems,
): Record<string, unknown> | undefined {
  problems.check(() => checkKeys(field, b, BASE_KEYS));
  const before = problems.count;
  const out: Record<string, unknown> = {};
  for (const k of ['genotype', 'neurons', 'seed', 'params', 'recording', 'c0_nM'] as const) if (b[k] !== undefined) out[k] = b[k];
  if (o.neurons !== undefined) out.neurons = o.neurons;
  if (o.seed !== undefined) out.seed = o.seed;
  if (b.protocol !== undefined && b.duration !== undefined) problems.note(`${field}.duration`, 'give a protocol or a duration, not both');
  else if (b.protocol !== undefined) {
    if (b.drugs !== undefined) problems.note(`${field}.drugs`, "goes with a duration; with a protocol, give each phase's drugs");
    out.protocol = b.protocol;
  } else if (b.duration === undefined) {
    problems.note(`${field}.duration`, 'is required (or a protocol): the seconds each point runs');
  } else out.protocol = [{ name: 'point', durationS: b.duration, ...(b.drugs !== undefined ? { drugs: b.drugs } : {}) }];
  // `recording.spikes` defaults to true as in a scenario file (the ISI CV needs spikes)
  return problems.count === before ? out : undefined;
}

/**
 * Validate a sweep file's parsed JSON. `where` names the file in errors. Every problem is reported (a
 * ConfigErrors when more than one); the checks that rest on others (the readout on the base's phases,
 * the zip groups on the axes, the grid's size on both) run once those passed.
 */
export function parseSweep(v: unknown, where = 'sweep', o: SweepParseOptions = {}): SweepSpec {
  if (!isObject(v)) throw new ConfigError(where, 'must be a JSON object {name, base, axes, zip, readout}');
  if (v.base === undefined && v.axes === undefined && (v.protocol !== undefined || v.chronic !== undefined)) {
    throw new ConfigError(where, 'is a scenario file (it has a protocol and no base or axes): run it with raphe run --scenario FILE');
  }
  const problems = new Problems();
  problems.check(() => checkKeys(where, v, SWEEP_KEYS));
  const name = v.name === undefined ? 'sweep' : v.name;
  if (typeof name !== 'string' || name.length === 0 || name.length > SWEEP_NAME.maxLength || !new RegExp(SWEEP_NAME.pattern).test(name)) {
    problems.note(`${where}.name`, `must be 1-${SWEEP_NAME.maxLength} characters of letters, digits, ".", "_" or "-"`);
  }
  if (v.description !== undefined && typeof v.description !== 'string') problems.note(`${where}.description`, 'must be a string');
  if (v.base === undefined) problems.note(`${where}.base`, 'is required: the fields of a scenario file');
  else if (!isObject(v.base)) problems.note(`${where}.base`, 'must be an object (the fields of a scenario file)');
  const baseIn = isObject(v.base) ? v.base : undefined;
  const baseRaw = baseIn && baseScenarioRaw(`${where}.base`, baseIn, o, problems);
  const scenarioName = typeof name === 'string' ? name : 'sweep';
  const memory = { memoryBytes: o.memoryBytes, memoryName: o.memoryName };
  const base = baseRaw && problems.check(() => parseScenario({ name: scenarioName, ...baseRaw }, `${where}.base`, memory));
  const readoutIn = v.readout === undefined ? (baseIn?.protocol !== undefined ? 'protocol' : 'steady') : v.readout;
  const readout = typeof readoutIn === 'string' ? READOUTS.get(readoutIn) : undefined;
  if (readout === undefined) problems.note(`${where}.readout`, `must be "steady" or "protocol", got ${quote(readoutIn)}`);
  if (readout === 'protocol' && base && base.phases.length < 2) {
    problems.note(`${where}.base.protocol`, 'the protocol readout needs at least two phases: a baseline, then the drug');
  }
  if (readout === 'steady' && base && base.phases.length !== 1) {
    problems.note(`${where}.readout`, '"steady" reads one settled phase: give base.duration (or a one-phase protocol)');
  }
  if (!Array.isArray(v.axes) || v.axes.length === 0) problems.note(`${where}.axes`, 'must be a non-empty list of axes {axis, values}');
  const parsedAxes = Array.isArray(v.axes) ? v.axes.map((a, i) => problems.check(() => parseAxis(`${where}.axes[${i}]`, a))) : [];
  const seen = new Map<string, number>();
  parsedAxes.forEach((a, i) => {
    if (a === undefined) return;
    const j = seen.get(a.name);
    if (j !== undefined) problems.note(`${where}.axes[${i}].axis`, `duplicate axis ${a.name} (also axes[${j}])`);
    else seen.set(a.name, i);
  });
  problems.throwIfAny();
  const axes = parsedAxes as Axis[];
  const inGroup = new Map<number, number>();
  const groups = v.zip === undefined ? [] : parseZip(`${where}.zip`, v.zip, axes, seen, inGroup);
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
  return {
    name: name as string,
    base: base!,
    baseRaw: baseRaw!,
    axes,
    groups: all,
    readout: readout!,
    foldAxis: foldAxis >= 0 ? foldAxis : undefined,
  };
}

/** The zip groups: lists of axis names (`seen`: name to index) that vary together; fills `inGroup` (axis to group). */
function parseZip(field: string, zip: unknown, axes: Axis[], seen: Map<string, number>, inGroup: Map<number, number>): number[][] {
  if (!Array.isArray(zip)) throw new ConfigError(field, 'must be a list of lists of axis names that vary together');
  const problems = new Problems();
  const groups: number[][] = [];
  zip.forEach((g, gi) => {
    const f = `${field}[${gi}]`;
    if (!Array.isArray(g) || g.length < 2) {
      problems.note(f, 'must list at least two axis names');
      return;
    }
    const members = g.map((nm, k) =>
      problems.check(() => {
        const idx = typeof nm === 'string' ? (seen.get(nm) ?? seen.get(nm.toLowerCase())) : undefined;
        if (idx === undefined) {
          const near = typeof nm === 'string' ? closestName(nm, [...seen.keys()]) : undefined;
          throw new ConfigError(`${f}[${k}]`, `names no axis: ${quote(nm)}${near === undefined ? '' : `; did you mean ${near}?`}`);
        }
        if (inGroup.has(idx)) throw new ConfigError(`${f}[${k}]`, `axis ${axes[idx].name} is already zipped (zip[${inGroup.get(idx)}])`);
        inGroup.set(idx, gi);
        return idx;
      }),
    );
    if (members.includes(undefined)) return;
    const n = axes[members[0]!].values.length;
    members.forEach((idx, k) => {
      if (axes[idx!].values.length !== n) {
        problems.note(
          `${f}[${k}]`,
          `zipped axes must have equal lengths: ${axes[idx!].name} has ${axes[idx!].values.length} values, ${axes[members[0]!].name} ${n}`,
        );
      }
    });
    groups.push(members as number[]);
  });
  problems.throwIfAny();
  return groups;
}

export type { Genotype };
