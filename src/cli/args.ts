/**
 * Command-line parsing. Flags become the same raw JSON a scenario file holds, laid over the file's JSON,
 * and `parseScenario` validates the result once (the one validation path); its errors are renamed to the
 * flag a value came from. Every bad value is a ConfigError naming the option.
 */
import { readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { ENGINE_CHOICES, type EngineChoice } from '../engines/create.js';
import { MAX_SEEDS } from '../experiment/belmer2018.js';
import { memoryBudget } from '../lib/memory.js';
import { ConfigError, ConfigErrors, checkNumber, flagNumber } from '../model/errors.js';
import { defaultParams } from '../model/params.js';
import { parseJsonFile } from '../model/json-text.js';
import { checkMemory, estimateMemory, gb } from '../model/resources.js';
import { LIMITS, parseDrugName, parseScenario, type Scenario } from '../model/scenario.js';
import { closestName } from '../model/suggest.js';

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/** Largest scenario file read, bytes. */
export const MAX_SCENARIO_FILE_BYTES = 1 << 20;

/** A token that is a negative decimal number (a value, never an option: no option name starts with a digit). */
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/**
 * `--name -1` as `--name=-1` where --name takes a value: node's parser calls a value that starts with a
 * dash ambiguous, while the user meant the number (and is owed the flag's allowed range).
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    const name = a.startsWith('--') ? a.slice(2) : '';
    const next = argv[i + 1];
    if (name && Object.hasOwn(options, name) && options[name].type === 'string' && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Strict parsing: unknown options refused, and an option given twice (unless it may repeat) refused. */
export function parseCli<T extends OptionSpec>(argv: string[], options: T) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true; tokens: true }>>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    const m = /'(-{1,2}[^' ]+)/.exec(msg);
    let problem = msg.replace(/\. To specify.*$/s, '').replace(/^Unknown option/, 'unknown option');
    const near = m && problem.startsWith('unknown option') ? closestFlag(m[1], options) : undefined;
    if (near) problem += `; did you mean ${near}?`;
    throw new ConfigError(m ? m[1] : 'arguments', problem);
  }
  const seen = new Set<string>();
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== 'option' || Object.hasOwn(options, t.name) === false || options[t.name].multiple) continue;
    if (seen.has(t.name)) throw new ConfigError(`--${t.name}`, 'given twice; give it once');
    seen.add(t.name);
  }
  return { values: parsed.values, positionals: parsed.positionals, tokens: parsed.tokens ?? [] };
}

/** The option closest to a misspelt one (`--neuron`: `--neurons`), or undefined. */
function closestFlag(given: string, options: OptionSpec): string | undefined {
  const near = closestName(given.replace(/^-+/, ''), Object.keys(options));
  return near === undefined ? undefined : `--${near}`;
}

/** The options among parseCli's tokens as arguments again (`--name=value`, `--flag`): the command line less its positionals. */
export function optionArgs(tokens: ReturnType<typeof parseCli>['tokens']): string[] {
  return tokens.flatMap((t) => (t.kind !== 'option' ? [] : t.value === undefined ? [t.rawName] : [`${t.rawName}=${t.value}`]));
}

export function parseEngine(v: string | undefined): EngineChoice {
  const e = v ?? 'auto';
  if (!(ENGINE_CHOICES as readonly string[]).includes(e)) {
    const near = closestName(e, ENGINE_CHOICES);
    const hint = near === undefined ? '' : `; did you mean ${near}?`;
    throw new ConfigError('--engine', `must be one of ${ENGINE_CHOICES.join(', ')}, got ${JSON.stringify(v)}${hint}`);
  }
  return e as EngineChoice;
}

/** A number flag validated on its own (options that are not scenario fields). */
export function parseNumberOpt(name: string, v: string | undefined, def: number, min: number, max: number, integer = false): number {
  if (v === undefined) return def;
  const unit = '';
  return checkNumber(name, flagNumber(name, v), min, max, { integer, unit });
}

export function parseIntOpt(name: string, v: string | undefined, def: number, min: number, max: number): number {
  return parseNumberOpt(name, v, def, min, max, true);
}

/**
 * --drug NAME=nM (or NAME=PCT% for a SERT inhibitor's SERT occupancy, converted to nM by parseScenario)
 * flags as the raw `drugs` object of a phase; a drug given twice is refused.
 */
export function drugFlagsJson(flags: string[] | undefined): Record<string, unknown> {
  const out = new Map<string, unknown>();
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0)
      throw new ConfigError('--drug', `expects NAME=nM or NAME=PCT% (e.g. fluoxetine=10, fluoxetine=80%), got ${JSON.stringify(f)}`);
    const name = parseDrugName('--drug', f.slice(0, eq).trim());
    if (out.has(name)) throw new ConfigError(`--drug ${name}`, 'given twice (names are case-insensitive); give each drug once');
    const v = f.slice(eq + 1).trim();
    out.set(name, v.endsWith('%') ? v : flagNumber(`--drug ${name}`, v));
  }
  return Object.fromEntries(out);
}

/** The raw JSON of a scenario file (checked: a file, at most MAX_SCENARIO_FILE_BYTES, valid JSON). */
export function readScenarioJson(path: string): unknown {
  if (path === '') throw new ConfigError('--scenario', 'must name a file');
  let bytes: Uint8Array;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ConfigError('--scenario', `${path} is not a file`);
    if (st.size > MAX_SCENARIO_FILE_BYTES)
      throw new ConfigError('--scenario', `${path} is ${(st.size / 2 ** 20).toFixed(1)} MB; a scenario file may hold at most 1 MB`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('--scenario', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseJsonFile(bytes, '--scenario', path);
}

export function readScenarioFile(path: string): Scenario {
  return parseScenario(readScenarioJson(path), path, memoryBudget());
}

/**
 * An experiment's memory check before any work: the model of one condition (its recording is small next
 * to it) against the budget shared by the conditions that run at once (one per thread, at most 8).
 * `recordingFlag` is the flag a user turns to shrink the recording.
 */
export function checkConditionMemory(neurons: number, threads: number, recordingFlag: string): void {
  const budget = memoryBudget();
  const conc = Math.max(1, threads || Math.min(availableParallelism(), 8));
  checkMemory(
    { neurons, params: defaultParams(), durationS: 0, recordSpikes: false, sampleSteps: 1 },
    budget.memoryBytes / conc,
    `${budget.memoryName} shared by ${conc} conditions at once`,
    { neurons: '--neurons', grid: '--neurons', recording: recordingFlag },
  );
}

/** `--seeds K`: a whole number 1..MAX_SEEDS (default 1), and seed + K - 1 still a valid seed. */
export function parseSeeds(v: string | undefined, seed: number): number {
  const k = parseIntOpt('--seeds', v, 1, 1, MAX_SEEDS);
  // compared as a difference: seed + k - 1 may lie beyond the integers a double holds exactly
  if (k - 1 > LIMITS.seed.max - seed)
    throw new ConfigError(
      '--seeds',
      `${k} seeds from --seed ${seed} run past the largest seed ${LIMITS.seed.max}; at most ${LIMITS.seed.max - seed + 1} from there`,
    );
  return k;
}

/**
 * With K > 1 seeds, every run's model and recording is held until the findings over the seeds are
 * read: K times the runs' memory estimates (spikes at a generous rate bound) against the budget.
 */
export function checkSeedsMemory(runs: readonly Scenario[], seeds: number): void {
  if (seeds <= 1) return;
  const budget = memoryBudget();
  const one = runs.reduce(
    (a, sc) =>
      a +
      estimateMemory({
        neurons: sc.neurons,
        params: sc.params,
        durationS: sc.phases.reduce((t, p) => t + p.durationS, 0),
        recordSpikes: sc.recording.spikes,
        sampleSteps: sc.recording.sampleSteps,
      }).totalBytes,
    0,
  );
  if (seeds * one > budget.memoryBytes) {
    throw new ConfigError(
      '--seeds',
      `${seeds} seeds of ${runs.length} runs need about ${gb(seeds * one)} of memory at once, more than ${budget.memoryName} (${gb(budget.memoryBytes)}); use fewer seeds or --neurons`,
    );
  }
}

/** The flags every batch job shares (raphe experiment belmer2018 and chronic-ssri, raphe sweep). */
export const JOB_FLAG_OPTIONS = {
  neurons: { type: 'string' },
  seed: { type: 'string' },
  engine: { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The flags of a scenario given on the command line (raphe run, raphe export). */
export const RUN_FLAG_OPTIONS = {
  scenario: { type: 'string' },
  genotype: { type: 'string' },
  drug: { type: 'string', multiple: true },
  neurons: { type: 'string' },
  duration: { type: 'string' },
  baseline: { type: 'string' },
  seed: { type: 'string' },
  engine: { type: 'string' },
  'no-spikes': { type: 'boolean' },
} as const;

export interface RunFlags {
  scenario?: string;
  genotype?: string;
  drug?: string[];
  neurons?: string;
  duration?: string;
  baseline?: string;
  seed?: string;
  'no-spikes'?: boolean;
}

/** Where a validator's field came from: [path prefix in the raw JSON, the flag to name instead]. */
type Origin = [string, (rest: string) => string];

/** A scenario from a file and/or flags (flags laid over the file's JSON, validated once). */
export function scenarioFromFlags(v: RunFlags): Scenario {
  const where = v.scenario ?? 'run';
  const fromFile = v.scenario !== undefined;
  const base = fromFile ? readScenarioJson(v.scenario as string) : { name: 'run', protocol: [{ name: 'baseline', durationS: 10 }] };
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return parseScenario(base, where); // refused there
  const raw: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  const origins: Origin[] = [];
  const lay = (key: string, flag: string, value: unknown) => {
    raw[key] = value;
    origins.push([key, () => flag]);
  };
  if (v.genotype !== undefined) lay('genotype', '--genotype', v.genotype);
  if (v.neurons !== undefined) lay('neurons', '--neurons', flagNumber('--neurons', v.neurons));
  if (v.seed !== undefined) lay('seed', '--seed', flagNumber('--seed', v.seed));
  if (v['no-spikes']) {
    const rec = raw.recording;
    raw.recording = typeof rec === 'object' && rec !== null && !Array.isArray(rec) ? { ...rec, spikes: false } : { spikes: false };
  }
  const drugFlags = v.drug ?? [];
  if (v.duration !== undefined || drugFlags.length || v.baseline !== undefined) {
    const phases = Array.isArray(raw.protocol) ? raw.protocol : [];
    for (const [flag, given] of [
      ['--drug', drugFlags.length > 0],
      ['--baseline', v.baseline !== undefined],
      ['--duration', v.duration !== undefined],
    ] as const) {
      if (given && phases.length > 1) throw new ConfigError(flag, 'cannot override a multi-phase scenario file; edit its protocol');
    }
    const first = (phases[0] ?? {}) as Record<string, unknown>;
    const drugs = drugFlagsJson(drugFlags);
    const durationS = v.duration !== undefined ? flagNumber('--duration', v.duration) : first.durationS;
    const protocol: Record<string, unknown>[] = [];
    if (v.baseline !== undefined) {
      const b = flagNumber('--baseline', v.baseline);
      if (b !== 0) {
        protocol.push({ name: 'baseline', durationS: b });
        origins.push(['protocol[0].durationS', () => '--baseline']);
      }
    }
    const i = protocol.length;
    if (drugFlags.length) protocol.push({ name: 'drug', durationS, drugs });
    else if (v.baseline !== undefined) protocol.push({ name: 'run', durationS });
    else protocol.push({ ...first, durationS });
    // the phase's length is --duration's, else the file's first phase's (or the default's), as written there
    const lengthFrom = v.duration !== undefined ? '--duration' : `${where}.protocol[0].durationS`;
    origins.push([`protocol[${i}].durationS`, () => lengthFrom]);
    origins.push([`protocol[${i}].drugs.`, (rest) => `--drug ${rest}`]);
    raw.protocol = protocol;
  }
  try {
    return parseScenario(raw, where, memoryBudget());
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    // each problem with a value from a flag is named by that flag
    const named = (x: ConfigError): ConfigError => {
      if (!x.field.startsWith(`${where}.`)) return x;
      const rel = x.field.slice(where.length + 1);
      const o = origins.find(([prefix]) => rel === prefix || (prefix.endsWith('.') && rel.startsWith(prefix)));
      return o ? new ConfigError(o[1](rel.slice(o[0].length)), x.problem) : x;
    };
    throw e instanceof ConfigErrors ? new ConfigErrors(e.errors.map(named), e.total) : named(e);
  }
}

export { flagNumber, memoryBudget };
