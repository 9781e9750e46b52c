/**
 * How a result was made, written next to it: every --out folder gets provenance.json (raphe's version
 * and commit, engine and adapter, seed, the command line as typed, Node, platform, date) and
 * scenario.json (the scenario as the user gave it, and fully resolved: every parameter with its value,
 * in the scenario file format, so `resolved` runs again as a scenario file). The reports list the same
 * (html.ts provenanceHtml) with the parameters that differ from the defaults.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json';
import { chronicJson } from '../model/chronic.js';
import { PARAM_KEYS, PARAM_SPECS, defaultParams, type ParamKey, type Params } from '../model/params.js';
import type { Scenario } from '../model/scenario.js';

/** raphe's version (package.json). */
export const RAPHE_PACKAGE_VERSION: string = pkg.version;

export interface Provenance {
  raphe: { version: string; commit?: string };
  engine: string;
  adapter: string;
  /** Why this engine (resolveEngine's reason). */
  engineReason?: string;
  seed: number;
  /** The command line as typed (`raphe` and its arguments; paths as the user gave them). */
  command: string[];
  node: string;
  platform: string;
  /** When the job started (ISO 8601). */
  date: string;
}

/** The scenario as given (the file's JSON and the flags) and fully resolved. */
export interface ScenarioRecord {
  given: unknown;
  resolved: unknown;
}

/** What a job's --out folder records about how it was made. */
export interface ProvenanceFiles {
  provenance: Provenance;
  scenario: ScenarioRecord;
}

/** The folder of raphe's package.json above this module (the sources or the bundle), or undefined. */
function packageRoot(): string | undefined {
  let dir: string;
  try {
    dir = dirname(fileURLToPath(import.meta.url));
  } catch {
    return undefined;
  }
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    try {
      if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === pkg.name) return dir;
    } catch {
      // an unreadable package.json: not ours
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
  return undefined;
}

let commitCache: { commit?: string } | undefined;

/**
 * The git commit of raphe's package when it is a checkout (absent otherwise): `git rev-parse HEAD` in
 * the package's folder, no shell, a 2 s limit, the caller's GIT_* variables left out (they could name
 * another repository). Any failure (no git, not a checkout, a refused repository) means absent: a run
 * never fails for it.
 */
export function gitCommit(): string | undefined {
  if (commitCache) return commitCache.commit;
  commitCache = {};
  const root = packageRoot();
  if (!root || !existsSync(join(root, '.git'))) return undefined;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  try {
    const out = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
    }).trim();
    if (/^[0-9a-f]{40}$/.test(out)) commitCache.commit = out;
  } catch {
    // absent
  }
  return commitCache.commit;
}

/** `raphe 0.1.0 (commit abc1234)`, or `raphe 0.1.0` outside a checkout: what `raphe --version` prints. */
export function versionLine(): string {
  const c = gitCommit();
  return `raphe ${RAPHE_PACKAGE_VERSION}${c ? ` (commit ${c.slice(0, 7)})` : ''}`;
}

export interface ProvenanceInput {
  engine: string;
  adapter: string;
  engineReason?: string;
  seed: number;
  /** The command line as typed; default `raphe` and this process's arguments. */
  command?: readonly string[];
  startedAt?: Date;
}

export function provenance(o: ProvenanceInput): Provenance {
  const commit = gitCommit();
  return {
    raphe: { version: RAPHE_PACKAGE_VERSION, ...(commit ? { commit } : {}) },
    engine: o.engine,
    adapter: o.adapter,
    ...(o.engineReason !== undefined ? { engineReason: o.engineReason } : {}),
    seed: o.seed,
    command: [...(o.command ?? ['raphe', ...process.argv.slice(2)])],
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: (o.startedAt ?? new Date()).toISOString(),
  };
}

/** A scenario in the scenario file format, every field and parameter written out (c0_nM only when set). */
export function resolvedScenario(sc: Scenario): Record<string, unknown> {
  const out: Record<string, unknown> = { name: sc.name, genotype: sc.genotype, neurons: sc.neurons, seed: sc.seed };
  if (sc.chronic) {
    const c = chronicJson(sc.chronic);
    out.chronic = { ...c, drugs: { ...sc.chronic.doses }, readoutDays: [...sc.chronic.readoutDays] };
  } else {
    out.protocol = sc.phases.map((p) => ({ name: p.name, durationS: p.durationS, drugs: { ...p.doses } }));
  }
  out.params = Object.fromEntries(PARAM_KEYS.map((k) => [k, sc.params[k]]));
  out.recording = { spikes: sc.recording.spikes, sampleSteps: sc.recording.sampleSteps };
  if (sc.c0_nM !== undefined) out.c0_nM = sc.c0_nM;
  return out;
}

/** scenario.json of an experiment: its flags as given; each group of its scenarios resolved (and `extra`). */
export function experimentScenarios(
  experiment: string,
  flags: object,
  groups: Record<string, readonly Scenario[]>,
  extra: Record<string, unknown> = {},
): ScenarioRecord {
  const resolved: Record<string, unknown> = { experiment, ...extra };
  for (const [k, scs] of Object.entries(groups)) resolved[k] = scs.map(resolvedScenario);
  return { given: { experiment, flags: { ...flags } }, resolved };
}

/** A parameter whose value is not the default. */
export interface ParamDiff {
  key: ParamKey;
  value: number;
  default: number;
  unit: string;
  doc: string;
}

/** The parameters of `params` that differ from defaultParams(), in the schema's order. */
export function paramsDiff(params: Params): ParamDiff[] {
  const d = defaultParams();
  return PARAM_KEYS.filter((k) => !Object.is(params[k], d[k])).map((k) => ({
    key: k,
    value: params[k],
    default: d[k],
    unit: PARAM_SPECS[k].unit,
    doc: PARAM_SPECS[k].doc,
  }));
}

/** JSON with 2-space indent and a final newline. */
const json = (v: unknown) => JSON.stringify(v, null, 2) + '\n';

/** The two files every --out folder gets, by name. */
export function provenanceFileList(p: ProvenanceFiles): [string, string][] {
  return [
    ['provenance.json', json(p.provenance)],
    ['scenario.json', json(p.scenario)],
  ];
}
