/** Command-line parsing into validated scenarios; every bad value is a ConfigError naming the option. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ENGINE_CHOICES, type EngineChoice } from '../engines/create.js';
import type { DrugDoses } from '../model/drugs.js';
import { ConfigError, checkNumber } from '../model/errors.js';
import {
  LIMITS,
  checkModelConsistency,
  parseConcentration,
  parseDrugName,
  parseGenotype,
  parseScenario,
  type Scenario,
} from '../model/scenario.js';
import { defaultParams } from '../model/params.js';

export function parseCli<T extends Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>>(
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    const m = /'(-{1,2}[^' ]+)/.exec(msg);
    throw new ConfigError(m ? m[1] : 'arguments', msg.replace(/\. To specify.*$/s, '').replace(/^Unknown option/, 'unknown option'));
  }
}

export function parseEngine(v: string | undefined): EngineChoice {
  const e = (v ?? 'auto') as EngineChoice;
  if (!ENGINE_CHOICES.includes(e))
    throw new ConfigError('--engine', `must be one of ${ENGINE_CHOICES.join(', ')}, got ${JSON.stringify(v)}`);
  return e;
}

export function parseIntOpt(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  return checkNumber(name, v.trim() === '' ? NaN : n, min, max, { integer: true });
}

export function parsePositive(name: string, v: string | undefined, def: number, min: number, max: number, unit: string): number {
  if (v === undefined) return def;
  const n = Number(v);
  return checkNumber(name, v.trim() === '' ? NaN : n, min, max, { unit });
}

export function parseDrugFlags(flags: string[] | undefined): DrugDoses {
  const out: DrugDoses = {};
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new ConfigError('--drug', `expects NAME=nM (e.g. fluoxetine=10), got ${JSON.stringify(f)}`);
    const name = parseDrugName('--drug', f.slice(0, eq).trim());
    out[name] = parseConcentration(`--drug ${name}`, f.slice(eq + 1).trim());
  }
  return out;
}

export function readScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('--scenario', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError('--scenario', `${path} is not valid JSON: ${(e as Error).message}`);
  }
  return parseScenario(json, path);
}

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

/** A scenario from a file and/or flags (flags override the file). */
export function scenarioFromFlags(v: RunFlags): Scenario {
  const base: Scenario = v.scenario
    ? readScenarioFile(v.scenario)
    : {
        name: 'run',
        genotype: 'wt',
        neurons: 9000,
        seed: 1,
        phases: [{ name: 'baseline', durationS: 10, drugs: {} }],
        params: defaultParams(),
        recording: { spikes: true, sampleSteps: 10 },
      };
  const sc: Scenario = { ...base, phases: base.phases.map((p) => ({ ...p })) };
  if (v.genotype !== undefined) sc.genotype = parseGenotype('--genotype', v.genotype);
  sc.neurons = parseIntOpt('--neurons', v.neurons, sc.neurons, LIMITS.neurons.min, LIMITS.neurons.max);
  sc.seed = parseIntOpt('--seed', v.seed, sc.seed, LIMITS.seed.min, LIMITS.seed.max);
  const drugs = parseDrugFlags(v.drug);
  const baselineS = parsePositive('--baseline', v.baseline, 0, 0, LIMITS.durationS.max, 's');
  if (v.duration !== undefined || v.drug?.length || v.baseline !== undefined) {
    const total = sc.phases.reduce((a, p) => a + p.durationS, 0);
    const durationS = parsePositive('--duration', v.duration, total, LIMITS.durationS.min, LIMITS.durationS.max, 's');
    if (v.drug?.length || v.baseline !== undefined) {
      sc.phases = [];
      if (baselineS > 0) sc.phases.push({ name: 'baseline', durationS: baselineS, drugs: {} });
      sc.phases.push({ name: Object.keys(drugs).length ? 'drug' : 'run', durationS, drugs });
    } else {
      sc.phases = [{ ...sc.phases[0], durationS }];
      if (base.phases.length > 1) throw new ConfigError('--duration', 'cannot override a multi-phase scenario file; edit its protocol');
    }
  }
  if (v['no-spikes']) sc.recording = { ...sc.recording, spikes: false };
  checkModelConsistency('params', sc.params);
  return sc;
}
